"""The transcript: every message ever sent or received, with what the manager knows about each.

Introduced in notebook 02_history_strategies. The transcript is never shortened: strategies only
change the *view* a request sends. Two indexes are kept up to date on every append, so no
strategy ever re-counts the history: where exchanges start (see :mod:`course_lib.exchanges`) and
prefix sums of token counts (any range of messages costs O(1) to measure).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..exchanges import starts_exchange
from ..messages import InvalidHistoryError, Message, Problem, blocks, validate_messages
from ._inputs import is_number, json_copy

__all__ = ["Entry", "TokenCounter", "TranscriptKeeper"]

TokenCounter = Callable[[Mapping[str, Any]], int]
"""A function from one message to its tokens: the estimator, or an exact counter (see 04_counting_and_overflow)."""


@dataclass
class Entry:
    """One message of the transcript and what the manager knows about it.

    Introduced in notebook 02_history_strategies. ``tokens`` is counted once, when the message
    is added, so no strategy ever re-counts the history. ``importance`` and ``pinned`` are for the
    pruning strategies of 05_pruning (a manager's own never-dropped facts are ``pinned_facts``).
    """

    message: Message
    timestamp: float
    tokens: int
    importance: float | None = None
    pinned: bool = False


class TranscriptKeeper:
    """The transcript and its two indexes; the base of every manager.

    Introduced in notebook 02_history_strategies.
    """

    token_counter: TokenCounter

    def _start_transcript(self) -> None:
        self.transcript: list[Entry] = []
        self._starts: list[int] = []  # transcript indices where exchanges start
        self._prefix: list[int] = [0]  # _prefix[i] = tokens of transcript[:i]

    def add_message(self, message: Mapping[str, Any], *, importance: float | None = None, pinned: bool = False,
                    timestamp: float | None = None) -> Entry:
        """Add a message to the transcript without calling the API, e.g. to import a conversation.

        Introduced in notebook 03_token_budgets. The message must continue the transcript validly
        (user first, alternating roles, tool results answering the previous tool calls); only the
        new pair of messages is checked, so building a long transcript costs O(1) per message.
        """
        if not isinstance(message, Mapping):
            raise TypeError(f"add_message() takes a message dict with 'role' and 'content', not {message!r:.60}")
        normal = {"role": message.get("role"), "content": json_copy(message.get("content"), "content")}
        self._check_next(normal)
        if importance is not None and not is_number(importance):
            raise TypeError(f"importance must be a number or None, not {importance!r}")
        return self._append(normal, importance=importance, pinned=bool(pinned), timestamp=timestamp)

    record = add_message
    """The old name of :meth:`add_message`, kept so notebooks written with it still run."""

    def pending_tool_calls(self) -> list[dict[str, Any]]:
        """The ``tool_use`` blocks of the last reply that still need a ``tool_result``.

        Introduced in notebook 02_history_strategies.
        """
        if not self.transcript or self.transcript[-1].message["role"] != "assistant":
            return []
        return [b for b in blocks(self.transcript[-1].message) if b.get("type") == "tool_use"]

    def _tokens_between(self, start: int, end: int) -> int:
        """Tokens of ``transcript[start:end]``, from the prefix sums."""
        return self._prefix[end] - self._prefix[start]

    def _check_next(self, message: Mapping[str, Any]) -> None:
        """Check that ``message`` validly continues the transcript, looking only at the last message."""
        previous = [self.transcript[-1].message] if self.transcript else []
        found = [p for p in validate_messages([*previous, message])
                 if p.index == len(previous) or p.code == "tool_use_unanswered"]
        if found:
            offset = len(self.transcript) - len(previous)
            raise InvalidHistoryError([Problem(p.index + offset, p.code, p.detail) for p in found])

    def _append(self, message: Message, *, importance: float | None = None, pinned: bool = False,
                timestamp: float | None = None) -> Entry:
        entry = Entry(message, time.time() if timestamp is None else float(timestamp),
                      self.token_counter(message), importance, pinned)
        self._append_entry(entry)
        return entry

    def _append_entry(self, entry: Entry) -> None:
        if starts_exchange(entry.message):
            self._starts.append(len(self.transcript))
        self.transcript.append(entry)
        self._prefix.append(self._prefix[-1] + entry.tokens)

    def _pop(self) -> None:
        self.transcript.pop()
        self._prefix.pop()
        if self._starts and self._starts[-1] == len(self.transcript):
            self._starts.pop()
