"""Strategies that rank: each says which exchanges it would drop first, and why; ``run`` drops until it fits.

Introduced in notebook 05_pruning.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from .exchanges import Exchange, live, live_tokens
from .scoring import MessageScore

__all__ = ["Strategy", "RankingStrategy", "FIFO", "ImportanceScoring", "RoleBasedRetention"]


class Strategy(Protocol):
    """Anything a :class:`Pipeline` can run. Introduced in notebook 05_pruning."""

    name: str

    def run(self, ledger: list[Exchange], limit: int) -> list[Exchange]:
        """Drop (or replace) exchanges until ``ledger`` fits in ``limit`` tokens or there is nothing left to do."""
        ...


class RankingStrategy:
    """A strategy that only ranks: subclasses say what to drop first; ``run`` drops until it fits.

    Introduced in notebook 05_pruning. Write your own by overriding :meth:`candidates`. ``run``
    keeps a running total, so each drop costs one subtraction, not a re-count of the history, and
    it reads the candidates one at a time, so reasons are written only for what is dropped.
    """

    name = "ranking"

    def candidates(self, live: Sequence[Exchange]) -> Iterable[tuple[Exchange, object]]:
        """(exchange, reason) pairs in the order to drop them. ``live`` includes protected ones, for comparison.

        A reason is a string, or anything whose ``str()`` is one: it is written when a plan's rows are read.
        """
        raise NotImplementedError

    def run(self, ledger: list[Exchange], limit: int) -> list[Exchange]:
        total = live_tokens(ledger)
        for exchange, reason in self.candidates(live(ledger)):
            if total <= limit:
                break
            if not exchange.protected and exchange.dropped is None:
                exchange.dropped = (self.name, reason)
                total -= exchange.total_tokens
        return ledger


class FIFO(RankingStrategy):
    """First in, first out: drop the oldest exchanges first. Introduced in notebook 05_pruning.

    Simple and predictable, and the last resort of :func:`default_pipeline`, but blind: it drops
    the account number from message 1 as readily as a "thanks!".
    """

    name = "FIFO"

    def candidates(self, live: Sequence[Exchange]) -> Iterable[tuple[Exchange, str]]:
        return ((e, "oldest exchange first") for e in live)


class ImportanceScoring(RankingStrategy):
    """Drop the lowest-scoring exchanges first (ties: oldest first). Introduced in notebook 05_pruning.

    With ``threshold`` set, only exchanges scoring below it are candidates, so a pipeline can say
    "drop the filler, then think again" before touching anything that matters. With
    ``per_token=True`` the rank is score per token, so when something of value must go, a
    900-token tool dump goes before a 40-token account number: the least value for the room freed.
    """

    name = "importance"

    def __init__(self, threshold: float | None = None, *, per_token: bool = False) -> None:
        self.threshold = threshold
        self.per_token = per_token

    def candidates(self, live: Sequence[Exchange]) -> Iterable[tuple[Exchange, str]]:
        scores = [e.score for e in live]  # each exchange's best message, found once
        order = range(len(live))
        if self.threshold is not None:  # only what scores below it is ranked
            order = [i for i in order if scores[i].value < self.threshold]
        def rank(i: int) -> float:
            value = scores[i].value
            return value / max(live[i].total_tokens, 1) if self.per_token else value

        order = sorted(order, key=rank)  # each ranked once: O(n log n); a stable sort, so ties: oldest first
        return ((live[i], _Ranked(scores[i], live[i].total_tokens, self.per_token)) for i in order)


class _Ranked:
    """Why :class:`ImportanceScoring` dropped an exchange, written only when read: a templated log drops
    thousands of exchanges, and ``prune()`` reads none of the reasons.

    It holds the exchange's score and size, not the exchange, which holds it: no reference cycle for the
    garbage collector to find.
    """

    __slots__ = ("score", "tokens", "per_token")

    def __init__(self, score: MessageScore, tokens: int, per_token: bool) -> None:
        self.score = score
        self.tokens = tokens
        self.per_token = per_token

    def __str__(self) -> str:
        because = "; ".join(self.score.reasons)
        if self.per_token:
            return f"least value per token first: scored {self.score.value:g} for {self.tokens:,} tokens ({because})"
        return f"lowest score first: scored {self.score.value:g} ({because})"

    def __repr__(self) -> str:
        return repr(str(self))


class RoleBasedRetention(RankingStrategy):
    """Drop the oldest exchanges that hold nothing worth keeping. Introduced in notebook 05_pruning.

    An exchange is kept when any message has one of the ``keep`` tags of :func:`score_message`:
    by default tool results, decisions, preferences and ids. Pinned exchanges are kept anyway.
    """

    name = "role-based"

    def __init__(self, keep: Iterable[str] = ("tool_result", "decision", "preference", "id", "summary")) -> None:
        self.keep = frozenset(keep)

    def candidates(self, live: Sequence[Exchange]) -> Iterator[tuple[Exchange, str]]:
        why = f"holds none of: {', '.join(sorted(self.keep))}"
        return ((e, why) for e in live if self.keep.isdisjoint(e.tags))  # no intersection built per exchange
