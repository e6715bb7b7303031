"""Word shingles as numbers: each exchange's runs of three words, hashed in numpy, with no string per shingle.

Introduced in notebook 05_pruning. Near-duplicate detection compares exchanges by their
*shingles*, the runs of three words they hold. A history seen for the first time has hundreds of
thousands of them, so they are never made as strings:

* **Words.** An exchange's text is reduced to its words, lowercased, so that a word is exactly a
  run of the bytes ``a-z``, ``0-9`` and ``'`` (:func:`word_text`). ASCII text without an
  apostrophe is its own reduction; other text keeps the words :func:`words` finds.
* **Word ids.** Every word of every new exchange is hashed at once, its bytes read as a
  polynomial (:func:`_word_ids`). Equal words get equal ids in every process (no ``hash()``,
  which Python salts per process).
* **Shingle ids.** Three consecutive word ids, each times its own odd number, summed: word
  order counts. The top ``SHINGLE_BITS`` bits of that sum are the shingle's id.

Two different shingles get the same id with probability 2**-44. Comparing two exchanges of 50
shingles each compares 2,500 pairs of them, so a false shared shingle comes once in about 7
billion comparisons, and it then moves that comparison's Jaccard by one shingle. The hash is not
built to resist a crafted input: a collision could only make two exchanges look more alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads on first use: importing the kit stays light
    import numpy as np

__all__ = ["SHINGLE_BITS", "shingle_ids", "word_text", "words"]

SHINGLE_BITS = 44
"""The bits of a shingle's id: with 20 bits for the number of its exchange in its group (``CHUNK_BYTES``), the two
sort as one 64-bit number."""
CHUNK_BYTES = 1 << 17
"""Text shingled at a time (a longer exchange on its own): the arrays stay a few megabytes, in the CPU's cache and
reused by the allocator, which makes shingling 10,000 new messages a quarter faster than one pass over all of them
(measured). It also keeps the number of an exchange in a group within the 20 bits beside its shingle ids."""
_BASE = 0xD6E8FEB86659FD93
"""The odd 64-bit base of a word's polynomial (a well-mixed constant of the kind hash functions use)."""
_GOLDEN = 0x9E3779B97F4A7C15
"""2**64 over the golden ratio, odd: its powers weigh a shingle's words, so the same words in another order differ."""
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """The words of ``text``, lowercased: letters and digits, with one apostrophe and letters after it ("don't")."""
    return _WORD.findall(text.lower())


def word_text(role: str, text: str) -> str:
    """``"role: text"`` lowercased, reduced so that each run of ``a-z``, ``0-9`` and ``'`` is one of its words.

    Most text needs no reduction: lowered ASCII text with no apostrophe already is its words and
    the marks between them. Other text is replaced by its words, a space between each.
    """
    lowered = f"{role}: {text}".lower()
    if lowered.isascii() and "'" not in lowered and "\0" not in lowered:  # a zero byte separates texts when hashed
        return lowered
    return " ".join(_WORD.findall(lowered))


def shingle_ids(texts: list[str], size: int = 3) -> list[np.ndarray]:
    """Each :func:`word_text`'s ``size``-shingles as sorted, distinct ``SHINGLE_BITS``-bit ids.

    A text of fewer than ``size`` words is one shingle, and a text with no word has none.
    """
    found: list[np.ndarray] = []
    for group in _groups(texts):
        found += _group_shingle_ids(group, size)
    return found


def _groups(texts: list[str]) -> Iterator[list[str]]:
    """``texts`` in order, ``CHUNK_BYTES`` of them at a time (a longer text on its own)."""
    group: list[str] = []
    used = 0
    for text in texts:
        if group and used + len(text) > CHUNK_BYTES:
            yield group
            group, used = [], 0
        group.append(text)
        used += len(text) + 1  # and the zero byte after it
    if group:
        yield group


def _group_shingle_ids(texts: list[str], size: int) -> list[np.ndarray]:
    """:func:`shingle_ids` of one group: every shingle of every text sorted at once, then split text by text."""
    import numpy as np

    word_ids, lengths = _word_ids(texts)
    shingles = _mixed(word_ids, lengths, size)
    shingles.sort()  # by text, then id
    shingles = shingles[np.concatenate(([True], shingles[1:] != shingles[:-1]))]  # each shingle once per text
    per_text = np.bincount((shingles >> np.uint64(SHINGLE_BITS)).astype(np.int64), minlength=len(texts))
    ids = shingles & np.uint64((1 << SHINGLE_BITS) - 1)
    ids.setflags(write=False)  # remembered, and shared by every index that reads them
    ends = np.cumsum(per_text).tolist()
    return [ids[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]  # views, not copies


def _mixed(word_ids: np.ndarray, lengths: np.ndarray, size: int) -> np.ndarray:
    """Every shingle of every text, as (its text's number << ``SHINGLE_BITS``) | its id.

    Each text's words are followed by ``size - 1`` zero ids, so one pass of multiply-adds over all
    the texts end to end mixes every run of ``size`` words, and a short text still gets its one
    shingle. A run is kept when it starts inside its text, before its last ``size - 1`` words.
    """
    import numpy as np

    count = len(lengths)
    owner = np.repeat(np.arange(count), lengths + size - 1)  # the text each slot belongs to
    owned = lengths[owner]
    starts = np.concatenate(([0], np.cumsum(lengths + size - 1)[:-1]))
    place = np.arange(len(owner)) - starts[owner]  # each slot's place in its text
    padded = np.zeros(len(owner) + size - 1, dtype=np.uint64)
    padded[np.flatnonzero(place < owned)] = word_ids
    mixed = np.zeros(len(owner), dtype=np.uint64)
    with np.errstate(over="ignore"):  # the products wrap around 2**64 on purpose
        for k in range(size):
            mixed += padded[k:k + len(owner)] * np.uint64(pow(_GOLDEN, k + 1, 2**64))
    keep = (place <= np.maximum(owned - size, 0)) & (owned > 0)
    high_bits = mixed[keep] >> np.uint64(64 - SHINGLE_BITS)  # a multiply's high bits depend on all of its input
    return (owner[keep].astype(np.uint64) << np.uint64(SHINGLE_BITS)) | high_bits


def _word_ids(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit id of every word of ``texts`` (joined by a zero byte) in order, and how many words each text has.

    A word's id is its bytes as a polynomial, ``sum(byte[k] * BASE**k)`` wrapping at 2**64, then mixed. For all
    words at once: a running total of ``byte[i] * BASE**i`` over the whole text, whose difference across a word is
    its polynomial times ``BASE**first``, which the inverse power takes off (``BASE`` is odd: it has one).
    """
    import numpy as np

    data = np.frombuffer("\0".join(texts).encode("ascii"), dtype=np.uint8)
    edges = np.diff(_word_bytes()[data].view(np.int8), prepend=np.int8(0), append=np.int8(0))
    first, after = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # each word's first and after-last byte
    # every group but a long text's fits the remembered powers; a long text's are made for it, and not kept
    powers, inverses = _powers(CHUNK_BYTES) if len(data) <= CHUNK_BYTES else _powers.__wrapped__(len(data))
    with np.errstate(over="ignore"):  # the products and sums wrap around 2**64 on purpose
        running = np.zeros(len(data) + 1, dtype=np.uint64)
        np.cumsum(data * powers[:len(data)], out=running[1:])
        hashed = (running[after] - running[first]) * inverses[first]
        hashed += (after - first).astype(np.uint64) * np.uint64(_GOLDEN)  # the length, so "a" and "a\0" differ
        hashed ^= hashed >> np.uint64(31)
        hashed *= np.uint64(_GOLDEN)  # mix every bit into the high ones, which the shingle ids keep
    text_of_word = np.searchsorted(np.flatnonzero(data == 0), first)  # the zero bytes before it: its text's number
    return hashed, np.bincount(text_of_word, minlength=len(texts))


@lru_cache(maxsize=1)
def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """``BASE**i`` and ``BASE**-i`` modulo 2**64 for ``i`` from 0 to ``length``: every place in a group's text."""
    import numpy as np

    size = length + 1
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(size, _BASE, dtype=np.uint64))
        inverses = np.cumprod(np.full(size, pow(_BASE, -1, 2**64), dtype=np.uint64))
    powers[1:], inverses[1:] = powers[:-1].copy(), inverses[:-1].copy()  # shifted: the first place's power is 1
    powers[0] = inverses[0] = 1
    return powers, inverses


@lru_cache(maxsize=1)
def _word_bytes() -> np.ndarray:
    """For each byte value, whether it is part of a word in a :func:`word_text`: ``a-z``, ``0-9`` or ``'``."""
    import numpy as np

    table = np.zeros(256, dtype=bool)
    table[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789'", dtype=np.uint8)] = True
    return table
