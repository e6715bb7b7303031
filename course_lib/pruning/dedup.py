"""Near-duplicate exchanges, by wording (shingles and MinHash) or by meaning (embeddings), never every pair in Python.

Introduced in notebook 05_pruning.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from . import minhash
from .exchanges import Exchange
from .facts import exchange_shingles, numbers
from .shingles import words
from .strategies import RankingStrategy

if TYPE_CHECKING:  # numpy loads on first use: importing the kit stays light
    import numpy as np

__all__ = ["Deduplicate", "jaccard"]

THRESHOLDS = {"wording": 0.7, "meaning": 0.9}
"""The default similarity for each mode: Jaccard of shingles, cosine of embeddings."""
MARGIN = 0.1
"""A MinHash candidate whose estimated similarity is this far below the threshold is not checked exactly (unless
the smaller set is no bigger than a signature: then the exact check is about as cheap as the estimate); one this
far above it is "likely", and checked even past ``CHECKS``."""
CHECKS = 8
"""The most later exchanges checked exactly for each one: with the candidates per bucket, the bound on work per
exchange. A template that makes thousands of exchanges look alike costs each of them eight checks, not thousands.
A candidate that ``minhash.shared_bound`` rules out counts as checked (its answer is known), so the cap, and the
matches, are the same as if every one were compared."""
BLOCK = 512
"""Rows and columns of the similarity matrix computed at a time in the "meaning" mode: 1 MB, whatever the history
(the vectors themselves take 1 KB an exchange)."""


class Deduplicate(RankingStrategy):
    """Drop an exchange when a later one says nearly the same thing. Introduced in notebook 05_pruning.

    The whole exchange is compared (question and reply), so two "Yes" replies that confirmed
    different things are not duplicates; at or above ``threshold`` the older one goes, since the
    later one is at least as current. Two ways to say "nearly the same":

    * ``by="wording"`` (the default): the Jaccard similarity of the exchanges' word 3-shingles
      (runs of three words), default threshold 0.7. It finds copies and near-copies, reworded
      questions not at all. Candidates come from MinHash bands (see ``minhash``); an exact bound on
      the shingles they share sets aside those that cannot reach the threshold, and the rest are
      checked by the exact Jaccard: bounded work per exchange, even when every message follows one template.
    * ``by="meaning"``: the cosine similarity of the exchanges' embeddings
      (:mod:`course_lib.embeddings`), default threshold 0.9, so "How do I reset my password?"
      meets "What's the way to change my password?". An embedding averages its words, so
      "invoice INV-1001" and "invoice INV-1002" look alike: a later exchange counts as a duplicate
      only if it repeats every number and id of the earlier one; and word order is lost ("from
      Monday to Tuesday" and "from Tuesday to Monday" are one). Cost: one embedding per new
      exchange and one dot product per pair (a matrix product, ``BLOCK`` rows and columns at a time).

    Each exchange's match is the earliest later one found; a history that only grew since the last
    plan is compared only where it grew. Meaning is a mode, not a strategy of its own, because only
    the measure differs: what is compared, which one goes, and the remembered index are the same.
    """

    name = "dedup"

    def __init__(self, threshold: float | None = None, *, by: str = "wording") -> None:
        if by not in THRESHOLDS:
            raise ValueError(f"by must be one of {sorted(THRESHOLDS)}, got {by!r}")
        self.by = by
        self.threshold = THRESHOLDS[by] if threshold is None else threshold
        self._index: _Index | None = None
        self._lock = threading.Lock()

    def candidates(self, live: Sequence[Exchange]) -> Iterator[tuple[Exchange, str]]:
        keys = [e.keys for e in live]
        with self._lock:  # one plan at a time updates the index this strategy remembers
            index = self._index
            if index is None or not index.extends_to(keys):
                index = (_WordingIndex if self.by == "wording" else _MeaningIndex)(self.threshold)
            index.add(keys, live)
            self._index = index
            found = [(live[i], index.reason(i, live, self.by)) for i, match in enumerate(index.matches) if match]
        yield from found


class _Index:
    """What a :class:`Deduplicate` remembers of the last history it saw: each exchange's earliest later match.

    A manager re-plans a history that only grew since the last turn. Then only the new exchanges
    are indexed, and exchanges that had no match yet are compared only with the new ones:
    similarity depends on content alone, so an old match stays the earliest.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.keys: list[tuple[Hashable, ...]] = []
        self.matches: list[tuple[int, float] | None] = []
        self.reasons: list[str | None] = []
        self.checked: list[int] = []
        """Later exchanges checked for each one, up to ``CHECKS``: remembered, so a grown history checks the same."""

    def reason(self, i: int, live: Sequence[Exchange], by: str) -> str:
        """Why exchange ``i`` is a duplicate, written once: an extended history keeps every exchange's label."""
        if self.reasons[i] is None:
            j, similarity = self.matches[i]
            self.reasons[i] = _reason(live[j], similarity, by)
        return self.reasons[i]

    def extends_to(self, keys: list[tuple[Hashable, ...]]) -> bool:
        """True when ``keys`` is the history seen last time, with (or without) exchanges added at the end."""
        return len(keys) >= len(self.keys) and keys[:len(self.keys)] == self.keys

    def add(self, keys: list[tuple[Hashable, ...]], live: Sequence[Exchange]) -> None:
        old = len(self.keys)
        if old == len(keys):
            return
        self.keys += keys[old:]
        self.matches += [None] * (len(keys) - old)
        self.reasons += [None] * (len(keys) - old)
        self.checked += [0] * (len(keys) - old)
        self._extend(live[old:], keys[old:])
        if self.threshold <= 0:  # every pair is "similar": the next exchange is the match
            for i in range(max(old - 1, 0), len(keys) - 1):
                self.matches[i] = (i + 1, self._similarity(i, i + 1))
            return
        matches, checked, similarity_of = self.matches, self.checked, self._similarity  # looked up once, not per pair
        for i, j, likely, may_match in self._candidates(old):  # each i's in ascending j: the first match is earliest
            if matches[i] is not None or (checked[i] >= CHECKS and not likely):
                continue
            checked[i] += not likely
            if not may_match:  # its bound is below the threshold: a check whose answer is known, so not compared
                continue
            similarity = similarity_of(i, j)
            if similarity >= self.threshold and self._may_replace(i, j):
                matches[i] = (j, similarity)

    def _extend(self, new: Sequence[Exchange], keys: list[tuple[Hashable, ...]]) -> None:
        """Remember what comparing the new exchanges (with these memo keys) needs."""
        raise NotImplementedError

    def _candidates(self, old: int) -> Iterator[tuple[int, int, bool, bool]]:
        """Pairs (i, j), i < j, j >= ``old``, worth checking, each i's in ascending j; whether likely similar, and
        whether they may be similar enough at all (False: an exact bound says no, so no comparison is needed).

        A likely pair is always checked; the others only while ``i`` has had fewer than ``CHECKS``.
        """
        raise NotImplementedError

    def _similarity(self, i: int, j: int) -> float:
        raise NotImplementedError

    def _may_replace(self, i: int, j: int) -> bool:
        """Whether exchange ``j`` may stand in for exchange ``i`` once they are similar enough."""
        return True


class _WordingIndex(_Index):
    """Shingle sets, MinHash signatures, bin counts: candidates from shared bands, bounded, then the exact Jaccard."""

    def __init__(self, threshold: float) -> None:
        super().__init__(threshold)
        self.shingles: list[np.ndarray] = []
        """Each exchange's shingle ids, sorted (``facts.exchange_shingles``)."""
        self.sets: dict[int, frozenset[int]] = {}
        """The same ids as sets, made for the exchanges the exact Jaccard compares: few, once the bounds are applied."""
        self.rows = minhash.bands_for(min(max(threshold, 0.01), 1.0))
        self.signature: np.ndarray | None = None
        self.counts: np.ndarray | None = None
        self.bands: np.ndarray | None = None

    def _extend(self, new: Sequence[Exchange], keys: list[tuple[Hashable, ...]]) -> None:
        import numpy as np

        found = exchange_shingles([(key, e.messages) for key, e in zip(keys, new, strict=True)])
        self.shingles += [shingles for shingles, _, _ in found]
        # the rows joined end to end, then shaped: a vstack of 5,000 rows would make each one 2-D first, in Python
        signature = np.concatenate([signature for _, signature, _ in found]).reshape(len(found), minhash.NUM_PERM)
        counts = np.concatenate([counts for _, _, counts in found]).reshape(len(found), minhash.BINS)
        bands = minhash.band_keys(signature, self.rows)
        self.signature = signature if self.signature is None else np.vstack((self.signature, signature))
        self.counts = counts if self.counts is None else np.vstack((self.counts, counts))
        self.bands = bands if self.bands is None else np.vstack((self.bands, bands))

    def _candidates(self, old: int) -> Iterator[tuple[int, int, bool, bool]]:
        import numpy as np

        if self.threshold > 1:
            return iter(())
        earlier, later = minhash.candidate_pairs(self.bands, since=old)
        sizes = np.fromiter(map(len, self.shingles), dtype=np.float64, count=len(self.shingles))
        unmatched = np.fromiter((m is None for m in self.matches), dtype=bool, count=len(self.matches))
        small, large = np.minimum(sizes[earlier], sizes[later]), np.maximum(sizes[earlier], sizes[later])
        possible = unmatched[earlier] & (small >= self.threshold * large)  # Jaccard is at most the sizes' ratio
        earlier, later, small = earlier[possible], later[possible], small[possible]  # estimated only if possible
        estimate = minhash.agreement(self.signature, earlier, later)
        keep = (estimate >= self.threshold - MARGIN) | (small <= minhash.NUM_PERM)  # small: check anyway
        earlier, later, small, estimate = earlier[keep], later[keep], small[keep], estimate[keep]
        likely = estimate >= self.threshold + MARGIN  # a copy far back is checked, however many look alike
        shared = np.minimum(minhash.shared_bound(self.counts, earlier, later), small)  # at least what they share
        union = sizes[earlier] + sizes[later] - shared  # at most the union, so shared / union is at least Jaccard
        may_match = np.divide(shared, union, out=np.ones(len(union)), where=union > 0) >= self.threshold
        return zip(earlier.tolist(), later.tolist(), likely.tolist(), may_match.tolist(), strict=True)

    def _similarity(self, i: int, j: int) -> float:
        return jaccard(self.shingle_set(i), self.shingle_set(j))

    def shingle_set(self, i: int) -> frozenset[int]:
        """Exchange ``i``'s shingle ids as a set, made when first compared."""
        found = self.sets.get(i)
        if found is None:
            found = self.sets[i] = frozenset(self.shingles[i].tolist())
        return found


class _MeaningIndex(_Index):
    """Exchange embeddings, compared a block at a time; the numbers and ids each exchange states."""

    def __init__(self, threshold: float) -> None:
        super().__init__(threshold)
        self.vectors: np.ndarray | None = None
        self.stated: list[frozenset[str]] = []

    def _extend(self, new: Sequence[Exchange], keys: list[tuple[Hashable, ...]]) -> None:
        import numpy as np

        from ..embeddings import embed

        vectors = embed([e.text for e in new])
        self.vectors = vectors if self.vectors is None else np.vstack((self.vectors, vectors))
        self.stated += [numbers(words(e.text)) for e in new]

    def _candidates(self, old: int) -> Iterator[tuple[int, int, bool, bool]]:
        import numpy as np

        n = len(self.keys)
        for top in range(0, n, BLOCK):
            rows = np.arange(top, min(top + BLOCK, n))
            for left in range(max(top, old), n, BLOCK):  # only the later columns, and only the new ones
                rows = rows[[self.matches[i] is None and self.checked[i] < CHECKS for i in rows.tolist()]]
                if not len(rows):
                    break
                similar = self.vectors[rows] @ self.vectors[left:left + BLOCK].T >= self.threshold
                similar &= np.arange(left, left + similar.shape[1]) > rows[:, None]  # later exchanges only
                numbered = rows.tolist()
                room = CHECKS - np.array([self.checked[i] for i in numbered])
                for r, c in _first_hits(similar, room):
                    yield numbered[r], left + c, False, True

    def _similarity(self, i: int, j: int) -> float:
        return float(self.vectors[i] @ self.vectors[j])

    def _may_replace(self, i: int, j: int) -> bool:
        return self.stated[i] <= self.stated[j]  # the later one repeats every number and id of the older one


def _first_hits(similar: np.ndarray, room: np.ndarray) -> Iterator[tuple[int, int]]:
    """(row, column) of each row's first ``room[row]`` True cells, row by row, earliest column first."""
    import numpy as np

    rows, columns = np.nonzero(similar)
    first = np.searchsorted(rows, np.arange(len(similar)))  # where each row's cells begin
    keep = np.arange(len(rows)) - first[rows] < room[rows]
    return zip(rows[keep].tolist(), columns[keep].tolist(), strict=True)


def _reason(later: Exchange, similarity: float, by: str) -> str:
    if by == "meaning":
        return f"same meaning as the later {later.label} (cosine {similarity:.2f})"
    return f"near-duplicate of the later {later.label} (similarity {similarity:.2f})"


def jaccard(a: set[Any] | frozenset[Any], b: set[Any] | frozenset[Any]) -> float:
    """Shared items over all items: 1.0 for identical sets, 0.0 for disjoint (or empty) ones."""
    if not (a and b):
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)  # the size of the union, without building it
