"""Summarizing managers: fold older turns into a summary, keep recent turns and pinned facts verbatim.

Introduced in notebook 06_production_manager. The texts a summary travels with (the prompt, the
heading, the acknowledgement) live in :mod:`course_lib.summaries`.
"""

from __future__ import annotations

import copy
import time
import warnings
from bisect import bisect_left
from collections.abc import Mapping
from typing import Any, ClassVar

import anthropic

from ..messages import Message
from ..summaries import SUMMARIZER_SYSTEM, summary_from_reply, summary_heading, summary_pair, summary_prompt
from ..tokens import estimate_tokens
from ._inputs import positive_int
from .base import ConversationManager
from .errors import ConversationError, StateError
from .state import exchange_index, expect_count, expect_type, restorable, summary_row_from_state

__all__ = ["LongConversationManager", "SmartConversationManager"]


@restorable
class SmartConversationManager(ConversationManager):
    """Summarize older turns when the context grows; keep recent turns and pinned facts verbatim.

    Introduced in notebook 06_production_manager. After a turn whose request read more than
    ``token_threshold`` input tokens, everything older than the last ``recent_turns_to_keep``
    exchanges is folded into a summary, which the view sends as a synthetic user/assistant pair
    before the recent turns. What the seed code got wrong, and what happens here instead:

    * Summaries chain: the new summary is written from the previous summary plus the newly old
      messages, so it does not grow by concatenation. Its size is bounded twice: ``max_tokens``
      of the summary request (``summary_max_tokens``) and a cut if the text still comes back
      longer. Its tokens are part of every later request, so they count against the threshold.
    * A failed summary loses nothing: the seed fell back to a sliding window and threw the old
      messages away. Here the conversation goes on with them still in the view, a
      ``RuntimeWarning`` says so, and the next turn over the threshold tries again.
    * Pinned facts stay out of the summarizer (they would come back blurred) and open every request.
    * The material for one summary is bounded by ``summary_input_budget`` tokens (whole exchanges,
      oldest first; a single huge message is cut for the summarizer), so the summary request
      itself cannot overflow; what does not fit waits for the next summary.

    ``summary_history`` records each summary: the transcript range it folded in (``start``,
    ``end``; the summary covers ``transcript[:end]``), its tokens, and when it was made.
    """

    CONFIG = (*ConversationManager.CONFIG, "token_threshold", "recent_turns_to_keep", "summarizer_model",
              "summary_max_tokens", "summary_input_budget")
    EXTRA_STATE: ClassVar[tuple[str, ...]] = ("summary", "summarized_upto", "summary_history", "last_input_tokens",
                                              "last_summary_error")

    def __init__(self, client: anthropic.Anthropic | None = None, *, token_threshold: int = 100_000,
                 recent_turns_to_keep: int = 4, summarizer_model: str | None = None, summary_max_tokens: int = 300,
                 summary_input_budget: int = 20_000, **kwargs: Any):
        self.token_threshold = positive_int("token_threshold", token_threshold)
        self.recent_turns_to_keep = positive_int("recent_turns_to_keep", recent_turns_to_keep)
        if summarizer_model is not None and (not isinstance(summarizer_model, str) or not summarizer_model.strip()):
            raise ValueError(f"summarizer_model must be a model id or None (the conversation's model), "
                             f"not {summarizer_model!r}")
        self.summarizer_model = summarizer_model
        self.summary_max_tokens = positive_int("summary_max_tokens", summary_max_tokens)
        self.summary_input_budget = positive_int("summary_input_budget", summary_input_budget)
        super().__init__(client, **kwargs)
        self.summary: str | None = None
        self.summarized_upto = 0
        self.summary_history: list[dict[str, Any]] = []
        self.last_input_tokens = 0
        self.last_summary_error: str | None = None

    def get_summary(self) -> str:
        """The current summary of the older turns, or ``""`` if nothing has been summarized yet."""
        return self.summary or ""

    def summarize(self) -> bool:
        """Fold the turns older than the recent ones into the summary now; ``True`` if it did.

        Called automatically after a turn over ``token_threshold``; call it yourself to see a
        summary happen. On an API error it returns ``False`` and keeps every message.
        """
        starts, keep = self._starts, self.recent_turns_to_keep
        cut = starts[-keep] if len(starts) > keep else 0
        start = self.summarized_upto
        if cut <= start:
            return False
        end = self._material_end(start, cut)
        request = {"role": "user", "content": self._summary_request(start, end)}
        try:
            response = self._call("summary", [request], SUMMARIZER_SYSTEM, self.summarizer_model or self.model,
                                  self.summary_max_tokens)
            text = summary_from_reply(response, self.summary_max_tokens)
            if not text:
                raise ConversationError("the summarizer answered with an empty summary")
        except ConversationError as error:
            self.last_summary_error = str(error)
            warnings.warn(f"summarization failed ({error}); the {end - start} messages it would have folded in "
                          "stay in the conversation and a later turn will try again", RuntimeWarning, stacklevel=2)
            return False
        self.summary, self.summarized_upto, self.last_summary_error = text, end, None
        self.summary_history.append({"start": start, "end": end, "summary_tokens": estimate_tokens(text),
                                     "input_tokens": response.usage.input_tokens,
                                     "output_tokens": response.usage.output_tokens,
                                     "timestamp": time.time(), "chained": start > 0})
        return True

    def _material_end(self, start: int, cut: int) -> int:
        """Whole exchanges from ``start`` that fit ``summary_input_budget`` (at least one), up to ``cut``."""
        i = bisect_left(self._starts, start) + 1
        end = self._starts[i]
        while end < cut and self._tokens_between(start, self._starts[i + 1]) <= self.summary_input_budget:
            i += 1
            end = self._starts[i]
        return end

    def _summary_request(self, start: int, end: int) -> str:
        """The summarizer's prompt: instructions on the first line, then the material line by line."""
        messages = [entry.message for entry in self.transcript[start:end]]
        per_message = max(50, self.summary_input_budget // max(1, len(messages)))
        return summary_prompt(messages, words=self.summary_max_tokens * 3 // 4, previous=self.summary,
                              per_message_tokens=per_message)

    def _lead(self) -> list[Message]:
        if not self.summary:
            return []
        return summary_pair(summary_heading(self.summarized_upto), self.summary)

    def _strategy_start(self) -> int:
        return self.summarized_upto

    def _kept_reason(self, index: int) -> str:
        if self.summary:
            return f"after the summary of messages 1-{self.summarized_upto}: sent verbatim"
        return "not summarized yet: sent verbatim"

    def _left_out_reason(self, index: int) -> tuple[str, str]:
        return "summary", f"folded into the summary of messages 1-{self.summarized_upto}"

    def _after_turn(self, response: anthropic.types.Message) -> None:
        usage = response.usage
        self.last_input_tokens = (usage.input_tokens + (usage.cache_creation_input_tokens or 0)
                                  + (usage.cache_read_input_tokens or 0))
        if self.last_input_tokens > self.token_threshold:
            self.summarize()

    def _extra_state(self) -> dict[str, Any]:
        return {"summary": self.summary, "summarized_upto": self.summarized_upto,
                "summary_history": copy.deepcopy(self.summary_history), "last_input_tokens": self.last_input_tokens,
                "last_summary_error": self.last_summary_error}

    @classmethod
    def _extra_state_fields(cls) -> set[str]:
        return set(cls.EXTRA_STATE)

    def _restore_extra(self, state: Mapping[str, Any]) -> None:
        self.summary = expect_type(state["summary"], (str, type(None)), "state['summary']")
        self.summarized_upto = exchange_index(self, state["summarized_upto"], "state['summarized_upto']")
        if bool(self.summary) != bool(self.summarized_upto):
            raise StateError("state['summary'] and state['summarized_upto'] disagree: a summary must cover "
                             "some messages, and summarized messages need a summary")
        self.summary_history = [summary_row_from_state(row, f"state['summary_history'][{i}]") for i, row in
                                enumerate(expect_type(state["summary_history"], list, "state['summary_history']"))]
        self.last_input_tokens = expect_count(state["last_input_tokens"], "state['last_input_tokens']")
        self.last_summary_error = expect_type(state["last_summary_error"], (str, type(None)),
                                          "state['last_summary_error']")


@restorable
class LongConversationManager(SmartConversationManager):
    """The tutorial's variant: the summary goes into the system prompt instead of the messages.

    Introduced in notebook 06_production_manager, to compare the two placements. The base
    ``system_prompt`` is kept apart and the summary section is rebuilt from it each time, so the
    system prompt does not grow by concatenation as the seed tutorial's did. Trade-off: a system
    prompt that changes with every summary invalidates a cached prefix that includes it, while a
    summary *message* leaves the system prompt (and tools) cacheable.
    """

    def get_system(self) -> str:
        if not self.summary:
            return self.system_prompt
        return f"{self.system_prompt}\n\n---\n{summary_heading(self.summarized_upto)}\n{self.summary}"

    def _lead(self) -> list[Message]:
        return []
