"""Near-duplicate exchanges found through an index of shingles, not by comparing every pair.

Introduced in notebook 04_pruning.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from .exchanges import Exchange
from .facts import exchange_shingles, facts, message_key
from .strategies import RankingStrategy

__all__ = ["Deduplicate", "jaccard"]

Shingle = tuple[str, ...]


class Deduplicate(RankingStrategy):
    """Drop an exchange when a later one says nearly the same thing. Introduced in notebook 04_pruning.

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

    def candidates(self, live: Sequence[Exchange]) -> Iterator[tuple[Exchange, str]]:
        if self.threshold <= 0:  # every pair is "similar": the next exchange is the match
            for i in range(len(live) - 1):
                yield live[i], _reason(live[i + 1], jaccard(*(_shingles(live[k])[0] for k in (i, i + 1))))
            return
        found = [_shingles(e) for e in live]
        prefixes = [ordered[:_prefix_size(len(ordered), self.threshold)] for _, ordered in found]
        postings: dict[Shingle, list[int]] = {}
        for j, prefix in enumerate(prefixes):
            for shingle in prefix:
                postings.setdefault(shingle, []).append(j)  # ascending j: bisect finds "later than i"
        for i, exchange in enumerate(live):
            match = self._first_match(i, found, [postings[s] for s in prefixes[i]])
            if match is not None:
                yield exchange, _reason(live[match[0]], match[1])

    def _first_match(self, i: int, found: list[Any], lists: list[list[int]]) -> tuple[int, float] | None:
        """The earliest later exchange at least ``threshold`` similar to exchange ``i``, with the similarity."""
        mine = found[i][0]
        cursors = [bisect_right(posting, i) for posting in lists]
        tried: set[int] = set()
        while True:
            heads = [posting[c] for posting, c in zip(lists, cursors, strict=True) if c < len(posting)]
            if not heads:
                return None
            j = min(heads)
            cursors = [c + 1 if c < len(posting) and posting[c] == j else c
                       for posting, c in zip(lists, cursors, strict=True)]
            if j in tried:
                continue
            tried.add(j)
            similarity = jaccard(mine, found[j][0])
            if similarity >= self.threshold:
                return j, similarity


def _prefix_size(size: int, threshold: float) -> int:
    """How many of a set's first shingles (in the fixed order) a set at least ``threshold`` similar must meet.

    Similarity t needs an overlap of at least t * |set|, so a similar set meets one of the first
    |set| - ceil(t * |set|) + 1. One more is kept as a margin against floating-point rounding.
    """
    return min(size, size - math.ceil(threshold * size) + 2) if threshold <= 1 else 0


def _shingles(exchange: Exchange) -> tuple[frozenset[Shingle], tuple[Shingle, ...]]:
    if len(exchange.keys) == len(exchange.messages) == len(exchange.facts):
        return exchange_shingles(exchange.keys, [f.words for f in exchange.facts])
    keys = tuple(message_key(m) for m in exchange.messages)  # a custom strategy edited the messages
    return exchange_shingles(keys, [facts(m, k).words for m, k in zip(exchange.messages, keys, strict=True)])


def _reason(later: Exchange, similarity: float) -> str:
    return f"near-duplicate of the later {later.label} (similarity {similarity:.2f})"


def jaccard(a: set[Any] | frozenset[Any], b: set[Any] | frozenset[Any]) -> float:
    """Shared items over all items: 1.0 for identical sets, 0.0 for disjoint (or empty) ones."""
    if not (a and b):
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)  # the size of the union, without building it
