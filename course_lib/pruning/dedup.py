"""Near-duplicate exchanges found through an index of shingles, not by comparing every pair.

Introduced in notebook 05_pruning.
"""

from __future__ import annotations

import heapq
import math
import threading
from bisect import bisect_right
from collections.abc import Hashable, Iterator, Sequence
from typing import Any

from .exchanges import Exchange
from .facts import exchange_shingles
from .strategies import RankingStrategy

__all__ = ["Deduplicate", "jaccard"]

Shingle = tuple[str, ...]


class Deduplicate(RankingStrategy):
    """Drop an exchange when a later one says nearly the same thing. Introduced in notebook 05_pruning.

    "Nearly the same" is the Jaccard similarity of the exchanges' word 3-shingles (runs of three
    words): at or above ``threshold`` the older one goes, since the later one is at least as
    current. The whole exchange is compared, not only the question, so two "Yes" replies that
    confirmed different things are not duplicates.

    Each exchange is compared only with the later ones it shares a rare-enough shingle with
    (prefix filtering: two sets this similar must share one of their first few shingles in any
    fixed order), and the earliest later match wins, as if every pair had been compared.
    """

    name = "dedup"

    def __init__(self, threshold: float = 0.7) -> None:
        self.threshold = threshold
        self._index: _Index | None = None
        self._lock = threading.Lock()

    def candidates(self, live: Sequence[Exchange]) -> Iterator[tuple[Exchange, str]]:
        if self.threshold <= 0:  # every pair is "similar": the next exchange is the match
            for i in range(len(live) - 1):
                yield live[i], _reason(live[i + 1], jaccard(*(_shingles(live[k])[0] for k in (i, i + 1))))
            return
        keys = [e.keys for e in live]
        with self._lock:  # one plan at a time updates the index this strategy remembers
            index = self._index
            if index is None or not index.extends_to(keys):
                index = _Index(self.threshold)
            index.add(keys, live)
            self._index = index
            matches = list(index.matches)
        for exchange, match in zip(live, matches, strict=True):
            if match is not None:
                yield exchange, _reason(live[match[0]], match[1])


class _Index:
    """The shingle index of the last history a :class:`Deduplicate` saw, and each exchange's earliest later match.

    A manager re-plans a history that only grew since the last turn. Then only the new exchanges
    are indexed, and only exchanges that had no match yet are compared, and only with the new
    ones: similarity depends on content alone, so an old match stays the earliest.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.keys: list[tuple[Hashable, ...]] = []
        self.found: list[tuple[frozenset[Shingle], tuple[Shingle, ...]]] = []
        self.prefixes: list[tuple[Shingle, ...]] = []
        self.postings: dict[Shingle, list[int]] = {}
        self.matches: list[tuple[int, float] | None] = []

    def extends_to(self, keys: list[tuple[Hashable, ...]]) -> bool:
        """True when ``keys`` is the history seen last time, with (or without) exchanges added at the end."""
        return len(keys) >= len(self.keys) and keys[:len(self.keys)] == self.keys

    def add(self, keys: list[tuple[Hashable, ...]], live: Sequence[Exchange]) -> None:
        old = len(self.keys)
        for j in range(old, len(keys)):
            self.keys.append(keys[j])
            self.found.append(_shingles(live[j]))
            ordered = self.found[j][1]
            self.prefixes.append(ordered[:_prefix_size(len(ordered), self.threshold)])
            for shingle in self.prefixes[j]:
                self.postings.setdefault(shingle, []).append(j)  # ascending j: bisect finds "later than i"
        if old == len(keys):
            return
        for i in range(len(keys)):
            if i < old and self.matches[i] is not None:
                continue
            match = self._first_match(i, after=max(i, old - 1))
            if i < old:
                self.matches[i] = match
            else:
                self.matches.append(match)

    def _first_match(self, i: int, after: int) -> tuple[int, float] | None:
        """The earliest exchange past ``after`` at least ``threshold`` similar to exchange ``i``, and the similarity."""
        mine = self.found[i][0]
        size = len(mine)
        lists = [self.postings[s] for s in self.prefixes[i]]
        later = [map(posting.__getitem__, range(bisect_right(posting, after), len(posting))) for posting in lists]
        previous = -1
        for j in heapq.merge(*later):  # every later exchange sharing a prefix shingle, earliest first
            if j == previous:
                continue
            previous = j
            theirs = self.found[j][0]
            if min(size, len(theirs)) / max(size, len(theirs)) < self.threshold:
                continue  # similarity is at most the sizes' ratio: no set intersection needed
            similarity = jaccard(mine, theirs)
            if similarity >= self.threshold:
                return j, similarity
        return None


def _prefix_size(size: int, threshold: float) -> int:
    """How many of a set's first shingles (in the fixed order) a set at least ``threshold`` similar must meet.

    Similarity t needs an overlap of at least t * |set|, so a similar set meets one of the first
    |set| - ceil(t * |set|) + 1. One more is kept as a margin against floating-point rounding.
    """
    return min(size, size - math.ceil(threshold * size) + 2) if threshold <= 1 else 0


def _shingles(exchange: Exchange) -> tuple[frozenset[Shingle], tuple[Shingle, ...]]:
    return exchange_shingles(exchange.keys, [f.words for f in exchange.facts])


def _reason(later: Exchange, similarity: float) -> str:
    return f"near-duplicate of the later {later.label} (similarity {similarity:.2f})"


def jaccard(a: set[Any] | frozenset[Any], b: set[Any] | frozenset[Any]) -> float:
    """Shared items over all items: 1.0 for identical sets, 0.0 for disjoint (or empty) ones."""
    if not (a and b):
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)  # the size of the union, without building it
