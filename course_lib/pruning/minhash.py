"""MinHash signatures and LSH bands: which exchanges could be near-duplicates, in bounded work per exchange.

Introduced in notebook 05_pruning. Comparing every pair of 5,000 exchanges is 12.5 million
comparisons; an index of shared shingles is no better when the messages share a template, since
then every pair shares shingles. MinHash makes the work per exchange bounded whatever the text:

* **Signature**: hash an exchange's shingles with ``NUM_PERM`` different hash functions and keep
  each function's smallest value. Two sets agree on one of these minimums with probability equal
  to their Jaccard similarity, so the signatures estimate it without comparing the sets. An
  exchange's signature is remembered with its shingles (``facts.exchange_shingles``).
* **Bands**: cut the signature into bands of a few values. Two exchanges whose band is the same
  land in the same bucket and become candidates; similar sets share a band far more often.
* **Bounded**: an exchange is paired only with the ``PER_BUCKET`` latest earlier members of each
  of its buckets, so a bucket that every templated message falls into still costs a few pairs each.
* **Bounded checks**: a candidate that cannot reach the threshold is set aside without comparing
  its sets. Each exchange also counts its shingle ids in ``BINS`` bins (``id % BINS``); a shingle
  two exchanges share is in the same bin of both, so the sum over bins of the smaller count is at
  least what they share (:func:`shared_bound`): exact, never an estimate, and one numpy pass for
  all the candidates. On a templated log it sets aside 24 of every 25 look-alikes, which the exact
  Jaccard would otherwise compare one by one in Python.

Candidates are then checked by the exact Jaccard (see ``dedup``), so a reported duplicate is a
real one; what MinHash can cost is a missed one, rarely (the bands are chosen for a 98% chance of
catching a pair right at the threshold, more above it; on the test histories, about 98% of the
exchanges with a duplicate get the same, earliest, match as comparing every pair).

Why not ``datasketch``, the usual library: it needs scipy (about 140 MB installed; it uses it to
choose the bands) and builds a MinHash object per set; the same idea takes a few lines of numpy,
which the kit already has for its embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads on first use: importing the kit stays light
    import numpy as np

__all__ = ["BINS", "NUM_PERM", "PER_BUCKET", "agreement", "band_keys", "bands_for", "bin_counts", "candidate_pairs",
           "shared_bound", "signatures"]

NUM_PERM = 32
"""Hash functions per signature: more estimate better and cost more (all of them together are about 3% of a
templated log's first sight, hashed one function at a time over every new shingle)."""
PER_BUCKET = 4
"""Earlier members of a bucket each exchange is paired with: the bound on work per exchange."""
SEED = 2026
"""Fixed, so signatures (and so plans) are the same in every process: no ``hash()``, which Python salts."""
RECALL = 0.98
"""The chance, at least, that a pair exactly at the threshold shares a band."""
BINS = 128
"""Bins an exchange's shingle ids are counted in for :func:`shared_bound`: more bins, a tighter bound, more memory."""
FULL = 255
"""A bin count at its largest (counts are bytes): "255 or more", which only an exchange of thousands of shingles has."""
CHUNK = 4_096
"""Candidate pairs whose signatures :func:`agreement` compares at a time (512 KB of rows each side)."""


@lru_cache(maxsize=1)
def _hash_functions() -> tuple[np.ndarray, np.ndarray]:
    """``NUM_PERM`` multiply-add-shift hash functions of an id: the top 32 bits of ``a * x + b`` in 64 bits."""
    import numpy as np

    rng = np.random.default_rng(SEED)  # PCG64: the same numbers on every platform
    a = rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd multipliers
    b = rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
    return a, b


def signatures(id_sets: Sequence[Sequence[int]]) -> np.ndarray:
    """The ``NUM_PERM`` minimums of each set of shingle ids (up to 64 bits), a row per set (the largest values for an
    empty set).

    All the sets at once, one hash function at a time over every id end to end: an exchange seen
    for the first time costs its share of 32 long array operations, not a dozen small ones of its own.
    """
    import numpy as np

    a, b = _hash_functions()
    found = np.full((NUM_PERM, len(id_sets)), 2**32 - 1, dtype=np.uint32)
    rows, flat, starts = _end_to_end(id_sets)
    if len(flat):
        hashed = np.empty(len(flat), dtype=np.uint64)
        with np.errstate(over="ignore"):  # the products wrap around 2**64 on purpose
            for k in range(NUM_PERM):  # a row of hashes at a time: contiguous, and 8 bytes an id, not 256
                np.multiply(flat, a[k], out=hashed)
                hashed += b[k]
                hashed >>= np.uint64(32)
                found[k, rows] = np.minimum.reduceat(hashed, starts)  # each set's run of ids: its minimum
    found = np.ascontiguousarray(found.T)
    found.setflags(write=False)  # remembered with the exchanges' shingles, shared by every index
    return found


def _end_to_end(id_sets: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-empty sets' positions, their ids end to end (64-bit), and where each set's ids start.

    Empty sets are left out: ``reduceat`` cannot take an empty run, so they keep the values set for them.
    """
    import numpy as np

    sizes = np.fromiter(map(len, id_sets), dtype=np.int64, count=len(id_sets))
    rows = np.flatnonzero(sizes)
    # joined in C (each array as it is), not read id by id; the empty array makes an empty list of sets work too
    flat = np.concatenate([*(np.asarray(ids, dtype=np.uint64) for ids in id_sets), np.zeros(0, dtype=np.uint64)])
    starts = np.concatenate(([0], np.cumsum(sizes[rows])[:-1])).astype(np.int64)
    return rows, flat, starts


@lru_cache(maxsize=32)
def bands_for(threshold: float) -> int:
    """Rows per band: the most (fewest false candidates) that catch a pair at ``threshold`` ``RECALL`` of the time.

    A pair of similarity s shares one band of r rows with probability s**r, and one of b bands with
    1 - (1 - s**r)**b.
    """
    for rows in range(NUM_PERM, 0, -1):
        if 1 - (1 - threshold ** rows) ** (NUM_PERM // rows) >= RECALL:
            return rows
    return 1


def band_keys(signature: np.ndarray, rows: int) -> np.ndarray:
    """One 64-bit key per exchange and band: the band's values mixed into one number (equal bands, equal keys)."""
    import numpy as np

    count = NUM_PERM // rows
    values = signature[:, :count * rows].astype(np.uint64).reshape(len(signature), count, rows)
    weights = np.array([pow(0x9E3779B97F4A7C15, r + 1, 2**64) for r in range(rows)], dtype=np.uint64)  # odd
    with np.errstate(over="ignore"):
        return (values * weights).sum(axis=2, dtype=np.uint64)  # a collision only adds a candidate, checked later


def candidate_pairs(keys: np.ndarray, since: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (earlier, later) sharing a bucket, ``later >= since``, sorted by earlier then later.

    Each exchange is paired with the ``PER_BUCKET`` latest earlier members of each of its buckets.
    That depends only on the exchanges up to the later one, so a history that grows adds pairs for
    its new exchanges and changes none of the old ones: a remembered index stays exact.
    """
    import numpy as np

    n = len(keys)
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    by_band = np.ascontiguousarray(keys.T)  # a row per band: each sort reads contiguous memory, not a column
    order = np.argsort(by_band, axis=1, kind="stable")  # per band: a bucket's members together, in history order
    ordered = np.take_along_axis(by_band, order, axis=1)
    codes = []
    for step in range(1, PER_BUCKET + 1):
        same = (ordered[:, step:] == ordered[:, :-step]) & (order[:, step:] >= since)
        codes.append(order[:, :-step][same].astype(np.int64) * n + order[:, step:][same])
    found = np.sort(np.concatenate(codes))  # a pair in several bands appears once per band: keep one
    first = np.ones(len(found), dtype=bool)
    first[1:] = found[1:] != found[:-1]  # sorted, so copies are neighbours: 3x faster than np.unique
    found = found[first]
    return found // n, found % n


def agreement(signature: np.ndarray, earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """The fraction of each pair's signature values that agree: MinHash's estimate of their Jaccard similarity.

    ``CHUNK`` pairs at a time, so the rows compared stay in the CPU's cache: 50,000 pairs at once
    would copy 13 MB of rows to compare them, and take twice as long per pair.
    """
    import numpy as np

    agreeing = np.empty(len(earlier), dtype=np.int64)
    for start in range(0, len(earlier), CHUNK):
        rows = slice(start, start + CHUNK)
        agreeing[rows] = np.count_nonzero(signature[earlier[rows]] == signature[later[rows]], axis=1)
    return agreeing / NUM_PERM


def bin_counts(id_sets: Sequence[Sequence[int]]) -> np.ndarray:
    """How many of each set's shingle ids fall in each of the ``BINS`` bins (``id % BINS``), at most ``FULL``; a row
    per set, all counted by one ``bincount``."""
    import numpy as np

    rows, flat, starts = _end_to_end(id_sets)
    owner = np.repeat(rows, np.diff(np.append(starts, len(flat))))  # the set each id is of
    counts = np.bincount(owner * BINS + (flat % BINS).astype(np.int64), minlength=len(id_sets) * BINS)
    found = np.minimum(counts, FULL).astype(np.uint8).reshape(len(id_sets), BINS)  # bytes: as small as a signature
    found.setflags(write=False)
    return found


def shared_bound(counts: np.ndarray, earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """At least how many shingles each pair shares: the sum over bins of the smaller of their counts.

    Exact: a shared shingle adds one to the same bin of both. A bin full in both exchanges bounds
    nothing (either may hold more than ``FULL``), so such a pair gets the largest possible value.
    """
    import numpy as np

    bound = np.empty(len(earlier), dtype=np.int64)
    for start in range(0, len(earlier), CHUNK):  # in chunks, as in agreement(): the rows stay in cache
        rows = slice(start, start + CHUNK)
        bound[rows] = np.minimum(counts[earlier[rows]], counts[later[rows]]).sum(axis=1, dtype=np.int64)
    has_full = (counts == FULL).any(axis=1)  # a full bin at all: only exchanges of thousands of shingles
    both = np.flatnonzero(has_full[earlier] & has_full[later])  # rare: only these pairs are read bin by bin
    full_in_both = ((counts[earlier[both]] == FULL) & (counts[later[both]] == FULL)).any(axis=1)
    bound[both[full_in_both]] = np.iinfo(np.int64).max
    return bound
