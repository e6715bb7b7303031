"""Summarize-and-replace: old exchanges condensed into one summary pair, by a summarizer you pass in.

Introduced in notebook 05_pruning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..messages import reply_text
from ..summaries import SUMMARY_ACK, SUMMARY_INSTRUCTION, SUMMARY_MARKER, strip_summary_label
from .exchanges import Exchange, live, live_tokens

__all__ = ["SummarizeAndReplace", "client_summarizer"]



class SummarizeAndReplace:
    """Replace old exchanges with one summary pair (user summary, assistant acknowledgement).

    Introduced in notebook 05_pruning. Every unprotected exchange older than the ``keep_recent``
    most recent ones is condensed by ``summarize(text) -> str`` (see :func:`client_summarizer`),
    and the pair takes the place of the first one. A pair keeps the history user-first and
    alternating. Nothing changes when the summary would not be shorter than what it replaces.
    """

    name = "summarize"

    def __init__(self, summarize: Callable[[str], str], keep_recent: int = 2) -> None:
        if keep_recent < 1:
            raise ValueError(f"keep_recent is {keep_recent}; the current exchange always stays, so use 1 or more")
        self.summarize = summarize
        self.keep_recent = keep_recent

    def run(self, ledger: list[Exchange], limit: int) -> list[Exchange]:
        if live_tokens(ledger) <= limit:
            return ledger
        block = [e for e in live(ledger)[:-self.keep_recent] if not e.protected]
        if not block:
            return ledger
        summary = self.summarize("\n".join(e.text for e in block)).strip()
        if not summary:
            return ledger
        pair = [{"role": "user", "content": f"{SUMMARY_MARKER}\n{summary}"},
                {"role": "assistant", "content": SUMMARY_ACK}]
        replacement = Exchange.of(pair, block[0].token_counter)
        if replacement.total_tokens >= sum(e.total_tokens for e in block):
            return ledger
        for exchange in block:
            exchange.dropped = (self.name, f"condensed into the summary ({len(block)} exchanges)")
            exchange.summarized = True
        position = ledger.index(block[0])
        return [*ledger[:position], replacement, *ledger[position:]]


def client_summarizer(client: Any, model: str | None = None, max_tokens: int = 300) -> Callable[[str], str]:
    """A ``summarize(text) -> str`` that asks Claude (or the simulator) through ``client``.

    Introduced in notebook 05_pruning. Pruning takes the summarizer as a plain function so it can
    be tested without the API; this builds the real one. The instruction's first line says
    "Summarize", which is also what the offline simulator answers with a summary.
    """
    from ..runtime.client import client_info  # imported here: lesson code loads the runtime only when it calls it

    chosen = model or client_info(client).model

    def summarize(text: str) -> str:
        reply = client.messages.create(model=chosen, max_tokens=max_tokens,
                                       messages=[{"role": "user", "content": f"{SUMMARY_INSTRUCTION}\n\n{text}"}])
        return strip_summary_label(reply_text(reply))

    return summarize
