"""How a manager talks to the API: one validated, logged request, and the one retry after an overflow.

Introduced in notebook 02_history_strategies (errors) and 04_counting_and_overflow (overflow recovery);
streamed requests (:class:`OpenStream`) in 06_production_manager.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any

import anthropic

from ..messages import Message, ensure_valid
from ..usage import usage_row
from .errors import (
    ContextOverflowError,
    ConversationError,
    Overflow,
    api_error_text,
    describe_api_error,
    parse_overflow,
)

__all__ = ["OVERFLOW_MARGIN", "OpenStream", "Requester"]

OVERFLOW_MARGIN = 0.05
"""After an overflow, prune the excess plus this share of the context window, so one retry fits."""


class OpenStream:
    """A streamed reply under way: its text as it arrives, then the whole message, logged once complete.

    Introduced in notebook 06_production_manager. The request was made when it opened, so an error
    the API answers at once (an overflow, a 529 after the SDK's retries) was raised before any text;
    what can still fail is the stream itself, halfway, which the SDK does not retry.
    """

    def __init__(self, events: Any, on_complete: Callable[[anthropic.types.Message], None]):
        self.events = events  # the SDK's MessageStream
        self.on_complete = on_complete

    def text(self) -> Iterator[str]:
        return iter(self.events.text_stream)

    def finish(self) -> anthropic.types.Message:
        """The message the events built (the same one ``create()`` would return), logged in ``usage_log``."""
        response = self.events.get_final_message()
        self.on_complete(response)
        return response

    def close(self) -> None:
        self.events.close()


class Requester:
    """The request plumbing every manager shares (a mixin of :class:`~course_lib.managers.ConversationManager`).

    Introduced in notebook 02_history_strategies.
    """

    client: anthropic.Anthropic
    usage_log: list[dict[str, Any]]

    def _request_turn(self, stream: bool = False) -> Any:
        """Send the view; on an overflow prune the view once and retry once. ``stream``: an :class:`OpenStream`."""
        try:
            return self._call("turn", self.get_messages(), self.get_system(), self.model, self.max_tokens, self.tools,
                              stream)
        except ConversationError as error:
            if error.overflow is None:
                raise
            dropped = self._shrink_view(error.overflow)
            if not dropped:
                raise ContextOverflowError(
                    f"the request needs {error.overflow.input_tokens} input tokens and the context window holds "
                    f"{error.overflow.limit}, and nothing is left to prune: the current exchange and the pinned "
                    "facts are never dropped. Send a shorter message or tool result, or lower max_tokens.",
                    error.overflow) from error.__cause__
        try:
            return self._call("retry", self.get_messages(), self.get_system(), self.model, self.max_tokens, self.tools,
                              stream)
        except ConversationError as error:
            if error.overflow is None:
                raise
            raise ContextOverflowError(
                f"the request still does not fit the context window after dropping {dropped} older messages from "
                f"the view ({error.overflow.input_tokens} input tokens, window {error.overflow.limit}); the "
                "transcript is unchanged. Send a shorter message or tool result, or lower max_tokens.",
                error.overflow) from error.__cause__

    def _call(self, kind: str, messages: list[Message], system: str | None, model: str, max_tokens: int,
              tools: list[dict[str, Any]] | None = None, stream: bool = False) -> Any:
        """One API request, validated first and logged after; SDK errors become ConversationError.

        With ``stream`` it returns an :class:`OpenStream` as soon as the reply starts, logged when it completes.
        """
        ensure_valid(messages, request=True)  # never send a broken history, nor one ending with the assistant
        request: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": messages}
        if system:
            request["system"] = system
        if tools:
            request["tools"] = tools
        if self.prompt_caching and kind != "summary":
            request["cache_control"] = {"type": "ephemeral"}  # cache everything up to the last block
        def log(response: anthropic.types.Message) -> None:
            self.usage_log.append(usage_row(self.turns, kind, response.usage, len(messages)))

        try:
            if stream:  # entering the SDK's stream manager makes the request: an error answered at once raises here
                return OpenStream(self.client.messages.stream(**request).__enter__(), log)
            response = self.client.messages.create(**request)
        except anthropic.APIError as error:
            overflow = parse_overflow(api_error_text(error)) if isinstance(error, anthropic.BadRequestError) else None
            what = "the summary request failed" if kind == "summary" else "your message was not added"
            raise ConversationError(f"{describe_api_error(error)}; {what}.", overflow) from error
        log(response)
        return response

    def _shrink_view(self, overflow: Overflow) -> int:
        """Raise ``overflow_floor`` past the oldest whole exchanges of the view; return messages dropped.

        How much: the excess (input + max_tokens - window) plus a margin of ``OVERFLOW_MARGIN`` of
        the window. The API counts with the real tokenizer and we count with our counter, so the
        target is scaled by how far apart the two were on this very request.
        """
        estimate = max(1, self.context_tokens())
        needed = overflow.input_tokens + self.max_tokens - overflow.limit + math.ceil(OVERFLOW_MARGIN * overflow.limit)
        needed = math.ceil(needed * estimate / max(1, overflow.input_tokens))
        start = self._view_start()
        i, newest = bisect_left(self._starts, start), len(self._starts) - 1
        floor, freed = start, 0
        while i < newest and freed < needed:  # the newest exchange (the current message) is never dropped
            freed += self._tokens_between(self._starts[i], self._starts[i + 1])
            i += 1
            floor = self._starts[i]
        self.overflow_floor = max(self.overflow_floor, floor)
        return floor - start
