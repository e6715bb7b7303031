"""Token estimates that need no network, and exact counts when a real key is set.

Introduced in notebook 04_counting_and_overflow.

Why an estimator at all: a conversation manager must decide what to send *before* sending it,
and the exact count (``POST /v1/messages/count_tokens``) costs a network round trip and needs a
key. The estimate below is deterministic and fast, so the offline simulator, the budgets and the
pruning code all agree on the same numbers.

How it counts: text is split into words, numbers, and single punctuation marks; a word costs one
token per 6 letters (rounded up), a number one token per 3 digits, each punctuation mark or
non-ASCII character one token, and each message adds 4 tokens of framing.

Error bounds (stated, not measured: no current Claude tokenizer is public): for English prose
expect it within about +/-25% of real counts; code, JSON, non-English text and long numbers can be
off by 50% or more, and tokenizers change between model generations. Use it to plan, never to bill:
in live mode :func:`count_tokens` asks the API, whose count is the one that matches billing closely
(Anthropic's docs still call it an estimate that can differ slightly from the request's usage).
"""

from __future__ import annotations

import functools
import json
import math
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy loads on first use of estimate_tokens_many: importing the kit stays light
    import numpy as np

__all__ = ["MESSAGE_OVERHEAD", "api_token_counter", "content_text", "count_tokens", "estimate_message_tokens",
           "estimate_request_tokens", "estimate_tokens", "estimate_tokens_many", "system_text"]

MESSAGE_OVERHEAD = 4
"""Tokens of framing per message (role markers and separators)."""

_PIECES = re.compile(r"[A-Za-z]{1,6}|[0-9]{1,3}|[^\sA-Za-z0-9]")
"""One match per token: a run of letters is cut into pieces of at most 6 (so it costs one token per 6 letters,
rounded up), a run of digits into pieces of at most 3, and any other mark is a piece of its own. Counting the
matches counts the tokens in one pass of the regex engine, with no Python loop over the pieces."""


def estimate_tokens(text: str) -> int:
    """Estimate how many tokens ``text`` costs (see the module docstring for the error bounds)."""
    return len(_PIECES.findall(text))


_SPACE, _LETTER, _DIGIT, _MARK = range(4)
_PIECE_SIZE = (math.inf, 6, 3, 1)
"""Characters per token for each class of byte; whitespace is never a token (``x / inf`` is 0)."""
MANY_MIN = 16
"""Fewer texts than this are counted by the regex one by one: numpy's fixed cost per call is larger (measured)."""
MANY_CHUNK = 512
"""ASCII texts counted per numpy pass: the arrays stay small enough for the CPU cache and for malloc to reuse,
where one pass over 10,000 texts spends more time on fresh memory pages than on counting (measured)."""


def _byte_class(char: str) -> int:
    if char.isspace():  # exactly what ``\s`` matches in a str pattern, \x1c-\x1f included
        return _SPACE
    if char in string.ascii_letters:
        return _LETTER
    return _DIGIT if char in string.digits else _MARK


_BYTE_CLASS = bytes(_byte_class(chr(b)) for b in range(256))
"""A ``bytes.translate`` table from each byte to its class, the regex's view of an ASCII text."""


def estimate_tokens_many(texts: Sequence[str]) -> list[int]:
    """``[estimate_tokens(t) for t in texts]``, several times faster for many short texts.

    Pruning estimates every message of a history it has not seen: for 10,000 messages the regex, text by
    text, is most of the time spent. ASCII texts are counted together with numpy (the same count, found
    from runs of letters, digits and marks); any other text is left to the regex, whose Unicode rules
    are not worth copying.
    """
    ascii_texts = [t for t in texts if t.isascii()]
    if len(ascii_texts) < MANY_MIN:
        return [estimate_tokens(t) for t in texts]
    counts: list[int] = []
    for start in range(0, len(ascii_texts), MANY_CHUNK):
        counts += _ascii_token_counts(ascii_texts[start:start + MANY_CHUNK])
    if len(counts) == len(texts):
        return counts
    in_order = iter(counts)
    return [next(in_order) if t.isascii() else estimate_tokens(t) for t in texts]


def _ascii_token_counts(texts: Sequence[str]) -> list[int]:
    """The estimate of each ASCII text, from one array of the classes of all their bytes."""
    import numpy as np

    # Joined by (and wrapped in) whitespace, no run crosses from one text into the next, and the first
    # byte is whitespace, so every run that costs anything starts where the class changes.
    joined = "\n" + "\n".join(texts) + "\n"
    classes = np.frombuffer(joined.encode("ascii").translate(_BYTE_CLASS), dtype=np.uint8)
    starts = np.flatnonzero(classes[1:] != classes[:-1]) + 1
    lengths = np.diff(starts, append=classes.size)
    # ceil(length / piece size) per run, exact in floats: a division is correctly rounded, and the run
    # lengths are far below the 2**50 where rounding could cross an integer.
    costs = np.ceil(lengths / np.array(_PIECE_SIZE).take(classes.take(starts)))
    return _sum_per_text(costs, starts, texts)


def _sum_per_text(costs: np.ndarray, starts: np.ndarray, texts: Sequence[str]) -> list[int]:
    """Total the costs of the runs inside each text, by where the separators between the texts are."""
    import numpy as np

    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    separators = np.concatenate(([0], np.cumsum(lengths + 1)))
    # Runs before each separator: those of text i are the ones between separators i and i + 1.
    before = np.searchsorted(starts, separators)
    running = np.concatenate(([0.0], np.cumsum(costs)))
    return np.diff(running[before]).astype(np.int64).tolist()


def content_text(content: str | Iterable[Mapping[str, Any]]) -> str:
    """The text a model reads in a message's ``content``: plain text, or every block flattened.

    Tool calls count by their JSON input, tool results by their content; images and other
    binary blocks are counted by a fixed placeholder because the estimator cannot see them.
    """
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            parts.append(f"{block.get('name', '')} {json.dumps(block.get('input', {}), sort_keys=True)}")
        elif kind == "tool_result":
            inner = block.get("content", "")
            parts.append(inner if isinstance(inner, str) else content_text(inner))
        else:
            parts.append(f"[{kind}]")
    return "\n".join(parts)


def estimate_message_tokens(message: Mapping[str, Any]) -> int:
    """Tokens one message costs in a request: its content plus framing."""
    return estimate_tokens(content_text(message["content"])) + MESSAGE_OVERHEAD


def system_text(system: str | Iterable[Mapping[str, Any]] | None) -> str:
    """The system prompt as text, whether given as a string or a list of text blocks."""
    if system is None:
        return ""
    return system if isinstance(system, str) else content_text(system)


def estimate_request_tokens(
    messages: Iterable[Mapping[str, Any]],
    system: str | Iterable[Mapping[str, Any]] | None = None,
    tools: Iterable[Mapping[str, Any]] | None = None,
    *,
    token_counter: Callable[[Mapping[str, Any]], int] = estimate_message_tokens,
) -> int:
    """Input tokens of a whole request: system prompt, every message, and tool definitions.

    Introduced in notebook 04_counting_and_overflow. ``token_counter`` counts the messages (the estimator
    by default, or :func:`api_token_counter`); the system prompt and tools are estimated.
    """
    total = estimate_tokens(system_text(system))
    total += sum(token_counter(m) for m in messages)
    total += sum(estimate_tokens(json.dumps(tool, sort_keys=True)) for tool in tools or ())
    return total


def count_tokens(client: Any, *, model: str, messages: list[dict], system: Any = None) -> int:
    """Input tokens of a request as the API counts them.

    With a live client this is the API's own count from ``POST /v1/messages/count_tokens`` (free,
    rate-limited, and very close to what the request will bill); with the simulator or a replay
    client it is the simulator's estimate, answered by the same endpoint.
    """
    kwargs: dict[str, Any] = {"model": model, "messages": messages}
    if system:
        kwargs["system"] = system
    return client.messages.count_tokens(**kwargs).input_tokens


def api_token_counter(client: Any, model: str, *, cache_size: int = 4096) -> Callable[[Mapping[str, Any]], int]:
    """A ``token_counter`` (message -> tokens) that asks the API's ``count_tokens``, for live mode.

    Introduced in notebook 04_counting_and_overflow. Pass it as ``token_counter=`` to a manager or
    :meth:`~course_lib.budget.TokenBudget.for_request` when estimates are not close enough (code,
    JSON, other languages, a new tokenizer). Each text is counted once: counts are cached by the
    message's text, up to ``cache_size`` of them. The message's text is counted as one user turn
    (an assistant turn or a lone tool result cannot be counted alone), so each count includes the
    request's few tokens of framing: a small over-count, on the safe side for a budget.
    """
    @functools.lru_cache(maxsize=cache_size)
    def count(text: str) -> int:
        return count_tokens(client, model=model, messages=[{"role": "user", "content": text or "."}])

    def counter(message: Mapping[str, Any]) -> int:
        return count(content_text(message["content"]))

    return counter
