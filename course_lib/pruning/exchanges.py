"""Exchanges: a user question and everything that answers it, the unit every strategy keeps or drops.

Introduced in notebook 05_pruning.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import attrgetter
from typing import Any

from ..messages import Message
from ..tokens import content_text
from .facts import MessageFacts, facts_of
from .scoring import MessageScore

__all__ = ["Columns", "Exchange", "TokenCounter", "split_exchanges", "live", "live_tokens"]

TokenCounter = Callable[[Mapping[str, Any]], int]
"""A function from one message to the tokens it costs (default: the estimator, remembered per message)."""
_VALUE, _TAGS = attrgetter("value"), attrgetter("tags")  # made once: a lambda per call costs 5,000 of them a plan


@dataclass(frozen=True)
class Columns:
    """A history's messages and what pruning knows of each, one list per field, shared by its exchanges.

    Splitting 10,000 messages into 5,000 exchanges then makes 5,000 small objects, not 35,000
    lists: fewer allocations, and fewer garbage-collector passes over the whole heap.
    """

    messages: list[Message]
    tokens: list[int]
    scores: list[MessageScore]
    pinned: list[bool]
    facts: list[MessageFacts]
    keys: list[Hashable]
    numbered: bool = True
    """False for messages a strategy added (a summary pair): they have no position in the input."""
    token_counter: TokenCounter | None = field(default=None, repr=False)
    """The plan's counter, so a strategy that adds messages counts them the same way."""


class Exchange:
    """A user question and everything that answers it: the unit every strategy keeps or drops.

    Introduced in notebook 05_pruning. An exchange is messages ``start:end`` of its history's
    :class:`Columns`; ``messages``, ``tokens``, ``scores`` and the rest are read from there.
    ``indices`` are positions in the input (``None`` for a synthetic summary message).
    ``candidates()`` only reads exchanges; ``run()`` marks them dropped.
    """

    __slots__ = ("columns", "start", "end", "total_tokens", "protected", "dropped", "summarized", "_best", "_tags")

    def __init__(self, columns: Columns, start: int, end: int, total_tokens: int, protected: str = "") -> None:
        self.columns, self.start, self.end = columns, start, end
        self.total_tokens = total_tokens
        self.protected = protected  # why this exchange can never be dropped ("" when it can)
        self.dropped: tuple[str, object] | None = None  # (strategy, reason) once dropped: str(reason) is the text
        self.summarized = False  # dropped because a summary replaced it
        self._best: MessageScore | None = None  # score and tags, worked out on first use: several strategies ask
        self._tags: frozenset[str] | None = None

    @classmethod
    def of(cls, messages: list[Message], token_counter: TokenCounter | None = None) -> Exchange:
        """A new exchange (a summary pair, say), scored and counted like the input's."""
        keys, found = facts_of(messages)
        tokens = [f.tokens for f in found] if token_counter is None else [token_counter(m) for m in messages]
        columns = Columns(list(messages), tokens, [f.score for f in found], [False] * len(messages), found, keys,
                          numbered=False, token_counter=token_counter)
        return cls(columns, 0, len(messages), sum(tokens))

    def __repr__(self) -> str:
        state = f", dropped={self.dropped!r}" if self.dropped else ""
        return f"Exchange({self.label}, {self.total_tokens} tokens{state})"

    @property
    def messages(self) -> list[Message]:
        return self.columns.messages[self.start:self.end]

    @property
    def indices(self) -> list[int | None]:
        return list(range(self.start, self.end)) if self.columns.numbered else [None] * (self.end - self.start)

    @property
    def tokens(self) -> list[int]:
        return self.columns.tokens[self.start:self.end]

    @property
    def scores(self) -> list[MessageScore]:
        return self.columns.scores[self.start:self.end]

    @property
    def pinned(self) -> list[bool]:
        return self.columns.pinned[self.start:self.end]

    @property
    def facts(self) -> list[MessageFacts]:
        return self.columns.facts[self.start:self.end]

    @property
    def keys(self) -> tuple[Hashable, ...]:
        """The messages' memo keys: an exchange's shingles are remembered under them."""
        return tuple(self.columns.keys[self.start:self.end])

    @property
    def token_counter(self) -> TokenCounter | None:
        return self.columns.token_counter

    @property
    def score(self) -> MessageScore:
        """The exchange is worth its best message: one account number makes the whole pair matter."""
        if self._best is None:
            self._best = max(self.scores, key=_VALUE)
        return self._best

    @property
    def tags(self) -> frozenset[str]:
        if self._tags is None:
            self._tags = _union(tuple(map(_TAGS, self.scores)))
        return self._tags

    @property
    def text(self) -> str:
        return "\n".join(f"{m['role']}: {content_text(m['content'])}" for m in self.messages)

    @property
    def label(self) -> str:
        if not self.columns.numbered:
            return "the summary"
        last = self.end - 1
        return f"message {self.start}" if last == self.start else f"messages {self.start}-{last}"


@lru_cache(maxsize=1_024)
def _union(tag_sets: tuple[frozenset[str], ...]) -> frozenset[str]:
    """The tags of an exchange's messages together: worked out once per combination, since there are few."""
    return frozenset().union(*tag_sets)


def _unpack(item: Any, position: int) -> tuple[Message, bool, float | None]:
    """A plain message dict, or a transcript entry (anything with ``.message``, ``.pinned``, ``.importance``)."""
    if type(item) is dict:  # the common case, checked first: an ABC check costs more than the rest of a lookup
        return item, False, None
    if isinstance(item, Mapping):
        return dict(item) if not isinstance(item, dict) else item, False, None
    if hasattr(item, "message"):
        return item.message, bool(getattr(item, "pinned", False)), getattr(item, "importance", None)
    raise TypeError(f"messages[{position}] is a {type(item).__name__}; expected a message dict or a transcript "
                    "entry with .message")


def _columns(items: Sequence[Any]) -> tuple[list[Message], list[bool], list[float | None]]:
    """The messages, pins and importances of ``items``, one list each."""
    if set(map(type, items)) <= {dict}:  # plain messages, the common case: checked in one C-speed pass
        return list(items), [False] * len(items), [None] * len(items)
    unpacked = [_unpack(item, i) for i, item in enumerate(items)]
    return [u[0] for u in unpacked], [u[1] for u in unpacked], [u[2] for u in unpacked]


def _score(computed: MessageScore, importance: float | None) -> MessageScore:
    if importance is None:
        return computed
    return MessageScore(float(importance), (f"importance {importance:g} set on the transcript entry",),
                        computed.tags)


def split_exchanges(items: Sequence[Any], token_counter: TokenCounter | None = None) -> list[Exchange]:
    """Group messages (or transcript entries) into exchanges, marking the ones that must stay.

    Introduced in notebook 05_pruning. Each message's facts come from the memo (one lookup for a
    message seen before); ``token_counter`` (message -> tokens) replaces the estimator.
    """
    messages, pins, importances = _columns(items)
    keys, found = facts_of(messages)
    counted = [f.tokens for f in found] if token_counter is None else [token_counter(m) for m in messages]
    scores = [f.score for f in found]
    if any(x is not None for x in importances):
        scores = [_score(score, x) for score, x in zip(scores, importances, strict=True)]
    columns = Columns(messages, counted, scores, pins, found, keys, token_counter=token_counter)
    starts = [i for i, f in enumerate(found) if f.opens_exchange]
    if messages and (not starts or starts[0] != 0):
        starts = [0, *starts]  # a history that starts oddly still gets its first messages grouped
    running = [0, *accumulate(counted)]  # running totals: an exchange's tokens in one subtraction
    pinned_at = [i for i, pin in enumerate(pins) if pin]
    exchanges = [Exchange(columns, start, end, running[end] - running[start])
                 for start, end in zip(starts, [*starts[1:], len(messages)], strict=True)]
    if exchanges:
        exchanges[-1].protected = "the current exchange: never dropped"
    for position in reversed(pinned_at):  # reversed: an exchange names its first pinned message
        exchanges[bisect_right(starts, position) - 1].protected = f"pinned (message {position}): never dropped"
    return exchanges


def live(ledger: Sequence[Exchange]) -> list[Exchange]:
    """The exchanges not dropped yet."""
    return [e for e in ledger if e.dropped is None]


def live_tokens(ledger: Sequence[Exchange]) -> int:
    """Tokens the exchanges not dropped yet cost."""
    return sum(e.total_tokens for e in ledger if e.dropped is None)
