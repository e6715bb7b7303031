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
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["MESSAGE_OVERHEAD", "api_token_counter", "content_text", "count_tokens", "estimate_message_tokens",
           "estimate_request_tokens", "estimate_tokens", "system_text"]

MESSAGE_OVERHEAD = 4
"""Tokens of framing per message (role markers and separators)."""

_PIECES = re.compile(r"[A-Za-z]{1,6}|[0-9]{1,3}|[^\sA-Za-z0-9]")
"""One match per token: a run of letters is cut into pieces of at most 6 (so it costs one token per 6 letters,
rounded up), a run of digits into pieces of at most 3, and any other mark is a piece of its own. Counting the
matches counts the tokens in one pass of the regex engine, with no Python loop over the pieces."""


def estimate_tokens(text: str) -> int:
    """Estimate how many tokens ``text`` costs (see the module docstring for the error bounds)."""
    return len(_PIECES.findall(text))


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
