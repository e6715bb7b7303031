"""Exchanges: a user question and everything that answers it, the unit every strategy keeps or drops.

Introduced in notebook 04_pruning.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..messages import Message
from ..tokens import content_text
from .facts import MessageFacts, facts, facts_of, message_key
from .scoring import MessageScore

__all__ = ["Exchange", "TokenCounter", "split_exchanges", "live", "live_tokens"]

TokenCounter = Callable[[Mapping[str, Any]], int]
"""A function from one message to the tokens it costs (default: the estimator, remembered per message)."""


@dataclass
class Exchange:
    """A user question and everything that answers it: the unit every strategy keeps or drops.

    Introduced in notebook 04_pruning. ``indices`` are positions in the input (``None`` for a
    synthetic summary message). ``candidates()`` only reads exchanges; ``run()`` marks them dropped.
    """

    messages: list[Message]
    indices: list[int | None]
    tokens: list[int]
    scores: list[MessageScore]
    pinned: list[bool]
    protected: str = ""
    """Why this exchange can never be dropped ("" when it can)."""
    dropped: tuple[str, str] | None = None
    """(strategy, reason) once dropped."""
    summarized: bool = False
    """True when it was dropped because a summary replaced it."""
    facts: list[MessageFacts] = field(default_factory=list, repr=False)
    keys: tuple[Hashable, ...] = field(default=(), repr=False)
    """The messages' memo keys: an exchange's shingles are remembered under them."""
    token_counter: TokenCounter | None = field(default=None, repr=False)
    """The plan's counter, so a strategy that adds messages counts them the same way."""

    @classmethod
    def of(cls, messages: list[Message], token_counter: TokenCounter | None = None) -> Exchange:
        """A new exchange (a summary pair, say), scored and counted like the input's."""
        keys = tuple(message_key(m) for m in messages)
        found = [facts(m, k) for m, k in zip(messages, keys, strict=True)]
        tokens = [f.tokens for f in found] if token_counter is None else [token_counter(m) for m in messages]
        return cls(messages, [None] * len(messages), tokens, [f.score for f in found], [False] * len(messages),
                   facts=found, keys=keys, token_counter=token_counter)

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)

    @property
    def score(self) -> MessageScore:
        """The exchange is worth its best message: one account number makes the whole pair matter."""
        return max(self.scores, key=lambda s: s.value)

    @property
    def tags(self) -> frozenset[str]:
        return frozenset().union(*(s.tags for s in self.scores))

    @property
    def text(self) -> str:
        return "\n".join(f"{m['role']}: {content_text(m['content'])}" for m in self.messages)

    @property
    def label(self) -> str:
        known = [i for i in self.indices if i is not None]
        if not known:
            return "the summary"
        return f"message {known[0]}" if len(known) == 1 else f"messages {known[0]}-{known[-1]}"


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
    if all(type(item) is dict for item in items):  # plain messages: the common case, in one C-speed pass
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

    Introduced in notebook 04_pruning. Each message's facts come from the memo (one lookup for a
    message seen before); ``token_counter`` (message -> tokens) replaces the estimator.
    """
    messages, pins, importances = _columns(items)
    keys, found = facts_of(messages)
    any_pins, any_importance = any(pins), any(x is not None for x in importances)
    counted = [f.tokens for f in found] if token_counter is None else [token_counter(m) for m in messages]
    starts = [i for i, f in enumerate(found) if f.opens_exchange]
    if messages and (not starts or starts[0] != 0):
        starts = [0, *starts]  # a history that starts oddly still gets its first messages grouped
    exchanges = []
    for n, (start, end) in enumerate(zip(starts, [*starts[1:], len(messages)], strict=True)):
        pinned = pins[start:end]
        protected = "the current exchange: never dropped" if n == len(starts) - 1 else ""
        if any_pins and any(pinned):
            protected = f"pinned (message {start + pinned.index(True)}): never dropped"
        scores = [f.score for f in found[start:end]]
        if any_importance:
            scores = [_score(score, x) for score, x in zip(scores, importances[start:end], strict=True)]
        exchanges.append(Exchange(
            messages[start:end], list(range(start, end)), counted[start:end], scores, pinned, protected,
            facts=found[start:end], keys=tuple(keys[start:end]), token_counter=token_counter))
    return exchanges


def live(ledger: Sequence[Exchange]) -> list[Exchange]:
    """The exchanges not dropped yet."""
    return [e for e in ledger if e.dropped is None]


def live_tokens(ledger: Sequence[Exchange]) -> int:
    """Tokens the exchanges not dropped yet cost."""
    return sum(sum(e.tokens) for e in ledger if e.dropped is None)
