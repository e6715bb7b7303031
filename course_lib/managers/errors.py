"""What can go wrong in a conversation, as exception classes, and how to read the API's error messages.

Introduced in notebook 02_history_strategies (``ConversationError``, :func:`describe_api_error`) and
04_counting_and_overflow (overflow: :class:`Overflow`, :func:`parse_overflow`, ``ContextOverflowError``);
a stream that breaks halfway (:class:`StreamInterruptedError`) belongs to 06_production_manager.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

import anthropic

__all__ = ["ContextOverflowError", "ConversationError", "Overflow", "StateError", "StreamInterruptedError",
           "api_error_text", "describe_api_error", "describe_stream_failure", "parse_overflow"]


class ConversationError(RuntimeError):
    """An API request failed; your message was not added. The SDK's exception is ``__cause__``.

    Introduced in notebook 02_history_strategies. ``overflow`` is set when the failure was the
    context window being too small for the request (see :func:`parse_overflow`).
    """

    def __init__(self, message: str, overflow: Overflow | None = None):
        super().__init__(message)
        self.overflow = overflow


class ContextOverflowError(ConversationError):
    """The request did not fit the context window even after pruning the view and retrying once.

    Introduced in notebook 04_counting_and_overflow. Why only once: if a pruned request still overflows,
    what remains is the current exchange and the pinned facts, which the manager may not drop;
    retrying again would fail again. Shorten the message, the tool result, or ``max_tokens``.
    """


class StreamInterruptedError(ConversationError):
    """A streamed reply broke off after it began: your message was not added, the partial reply not kept.

    Introduced in notebook 06_production_manager. ``partial_text`` is what arrived before the break,
    for you to show (marked incomplete) or discard. Why it is not stored as the assistant's turn: it
    is a reply Claude never finished, and sent back as history it would read as a complete answer
    (on current models a request that ends with it is a 400: prefill is not supported). Send again
    to retry; the history is exactly as it was before this message.
    """

    def __init__(self, message: str, partial_text: str):
        super().__init__(message)
        self.partial_text = partial_text


class StateError(ValueError):
    """A saved state has the wrong shape or version; the message names the field.

    Introduced in notebook 06_production_manager.
    """


class Overflow(NamedTuple):
    """What an overflow error said: the input size, the window, and ``max_tokens`` if it was named.

    Introduced in notebook 04_counting_and_overflow.
    """

    input_tokens: int
    limit: int
    max_tokens: int | None = None


_TOO_LONG = re.compile(r"prompt is too long:\s*(\d+)\s*tokens\s*>\s*(\d+)\s*maximum")
_TOO_LONG_WITH_OUTPUT = re.compile(r"input length and `?max_tokens`? exceed context limit:\s*(\d+)\s*\+\s*(\d+)"
                                   r"\s*>\s*(\d+)")


def parse_overflow(message: str) -> Overflow | None:
    """The numbers in an API "too long" message, or ``None`` for any other message.

    Introduced in notebook 04_counting_and_overflow. Two wordings exist: ``prompt is too long: N tokens > M
    maximum`` (the input alone is over) and ``input length and `max_tokens` exceed context limit:
    N + K > M`` (input plus the reserved output is over). Parsing them tells the manager how much
    to prune instead of guessing.
    """
    if found := _TOO_LONG.search(message):
        return Overflow(int(found[1]), int(found[2]))
    if found := _TOO_LONG_WITH_OUTPUT.search(message):
        return Overflow(int(found[1]), int(found[3]), int(found[2]))
    return None


def describe_api_error(error: anthropic.APIError) -> str:
    """One sentence for people: what kind of failure this was.

    Introduced in notebook 02_history_strategies. The order of the checks matters:
    ``OverloadedError`` is a kind of ``InternalServerError`` and ``APITimeoutError`` a kind of
    ``APIConnectionError``, so the specific class must be tested first.
    """
    status = getattr(error, "status_code", None)
    if isinstance(error, anthropic.APITimeoutError):
        return "the request timed out (the SDK already retried it)"
    if isinstance(error, anthropic.APIConnectionError):
        return "the API could not be reached (the SDK already retried the connection)"
    if isinstance(error, anthropic.OverloadedError):
        return "the API is overloaded (529; the SDK already retried it) - wait a little and send again"
    if isinstance(error, anthropic.InternalServerError):
        return f"the API had a server error ({status}; the SDK already retried it)"
    if isinstance(error, anthropic.RateLimitError):
        return "the request was rate limited (429; the SDK already retried it) - slow down and send again"
    return f"the API rejected the request ({status}): {api_error_text(error)}"


def describe_stream_failure(error: anthropic.APIError) -> str:
    """One sentence for a stream that failed after its ``200``: the SDK never retries one that has begun.

    Introduced in notebook 06_production_manager. An ``error`` event arrives as an
    ``APIStatusError`` whose status is the stream's 200; its kind is in the body (``overloaded_error``).
    """
    if isinstance(error, anthropic.APIStatusError):
        body = getattr(error, "body", None)
        kind = body.get("error", {}).get("type") if isinstance(body, Mapping) else None
        return f"the stream stopped with an error event ({kind or 'unknown'}: {api_error_text(error)})"
    return "the connection dropped in the middle of the stream"


def api_error_text(error: anthropic.APIError) -> str:
    """The API's own message (``body["error"]["message"]``), else the exception's text."""
    body = getattr(error, "body", None)
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return str(body["error"].get("message", error))
    return str(getattr(error, "message", error))
