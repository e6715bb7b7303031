"""How a manager talks to the API: one validated, logged request, and the one retry after an overflow.

Introduced in notebook 02_history_strategies (errors) and 04_counting_and_overflow (overflow recovery).
"""

from __future__ import annotations

import math
from bisect import bisect_left
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

__all__ = ["OVERFLOW_MARGIN", "Requester"]

OVERFLOW_MARGIN = 0.05
"""After an overflow, prune the excess plus this share of the context window, so one retry fits."""


class Requester:
    """The request plumbing every manager shares (a mixin of :class:`~course_lib.managers.ConversationManager`).

    Introduced in notebook 02_history_strategies.
    """

    client: anthropic.Anthropic
    usage_log: list[dict[str, Any]]

    def _request_turn(self) -> anthropic.types.Message:
        """Send the view; on an overflow prune the view once and retry once."""
        try:
            return self._call("turn", self.get_messages(), self.get_system(), self.model, self.max_tokens, self.tools)
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
            return self._call("retry", self.get_messages(), self.get_system(), self.model, self.max_tokens, self.tools)
        except ConversationError as error:
            if error.overflow is None:
                raise
            raise ContextOverflowError(
                f"the request still does not fit the context window after dropping {dropped} older messages from "
                f"the view ({error.overflow.input_tokens} input tokens, window {error.overflow.limit}); the "
                "transcript is unchanged. Send a shorter message or tool result, or lower max_tokens.",
                error.overflow) from error.__cause__

    def _call(self, kind: str, messages: list[Message], system: str | None, model: str, max_tokens: int,
              tools: list[dict[str, Any]] | None = None) -> anthropic.types.Message:
        """One API request, validated first and logged after; SDK errors become ConversationError."""
        ensure_valid(messages, request=True)  # never send a broken history, nor one ending with the assistant
        request: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": messages}
        if system:
            request["system"] = system
        if tools:
            request["tools"] = tools
        if self.prompt_caching and kind != "summary":
            request["cache_control"] = {"type": "ephemeral"}  # cache everything up to the last block
        try:
            response = self.client.messages.create(**request)
        except anthropic.APIError as error:
            overflow = parse_overflow(api_error_text(error)) if isinstance(error, anthropic.BadRequestError) else None
            what = "the summary request failed" if kind == "summary" else "your message was not added"
            raise ConversationError(f"{describe_api_error(error)}; {what}.", overflow) from error
        self.usage_log.append(usage_row(self.turns, kind, response.usage, len(messages)))
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
