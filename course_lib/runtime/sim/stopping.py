"""Where a reply stops early: at the first of the request's ``stop_sequences`` it would have written.

Introduced in notebook 00_start_here (a reply's ``stop_reason`` says why it ended). Like the API,
the text ends just before the sequence, the sequence itself is not included, ``stop_reason`` is
``"stop_sequence"`` and ``stop_sequence`` says which one matched; nothing after it is written (no
later block either). A ``max_tokens`` cut that comes first wins: the sequence is then never reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...tokens import estimate_tokens

__all__ = ["stop_at_sequence"]


def stop_at_sequence(content: list[dict[str, Any]], stop_reason: str | None, output_tokens: int,
                     stop_sequences: Sequence[str] | None):
    """(content, stop_reason, output_tokens, stop_sequence) once cut at the first stop sequence."""
    for i, block in enumerate(content):
        if block.get("type") != "text" or not stop_sequences:
            continue
        found = [(block["text"].find(s), n, s) for n, s in enumerate(stop_sequences) if s in block["text"]]
        if not found:
            continue
        at, _, sequence = min(found)  # the earliest in the text; on a tie, the first listed
        kept = block["text"][:at]
        written = "".join(b.get("text", "") for b in content[i:])
        head = content[:i] + ([{**block, "text": kept}] if kept else [])
        tokens = max(0, output_tokens - estimate_tokens(written) + (estimate_tokens(kept) if kept else 0))
        return head, "stop_sequence", tokens, sequence
    return content, stop_reason, output_tokens, None
