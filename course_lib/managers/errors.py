"""What can go wrong in a conversation, as exception classes, and how to read the API's error messages.

Introduced in notebook 02_history_strategies (``ConversationError``, :func:`describe_api_error`) and
04_counting_and_overflow (overflow: :class:`Overflow`, :func:`parse_overflow`, ``ContextOverflowError``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

import anthropic

__all__ = ["ContextOverflowError", "ConversationError", "Overflow", "StateError", "api_error_text",
           "describe_api_error", "parse_overflow"]


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


def api_error_text(error: anthropic.APIError) -> str:
    """The API's own message (``body["error"]["message"]``), else the exception's text."""
    body = getattr(error, "body", None)
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return str(body["error"].get("message", error))
    return str(getattr(error, "message", error))
