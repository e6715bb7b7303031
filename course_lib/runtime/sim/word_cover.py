"""How much a word of the context covers a word of the question: the same root, or a cosine of their embeddings.

Single-word cosines from the embedding model (:mod:`course_lib.embeddings`) are weak evidence: unrelated pairs
reach 0.35 ("dentist"/"rental"), close synonyms sit at 0.3 to 0.6 ("boss"/"manager" 0.32, "teeth"/"dentist" 0.62).
So a cosine below :data:`CLOSE` covers nothing, one from :data:`SAME` on covers almost all, and members of one
closed class (:data:`CONTRAST_SETS`) never cover each other. Used by :mod:`.matching`.
"""

from __future__ import annotations

__all__ = ["CLOSE", "CONTRAST_SETS", "ROOT_COVER", "SAME", "SOFT_MAX", "WordMeaning", "same_root", "similarity"]

from collections.abc import Sequence

from ... import embeddings

CLOSE, SAME, SOFT_MAX = 0.22, 0.45, 1.0
"""Word cosines: below CLOSE two words share no meaning; from SAME on one covers SOFT_MAX of the other (never
all of it: "train" is close to "flight" and still not the same thing)."""

CONTRAST_SETS = (
    frozenset("mother mom mum father dad sister brother son daughter wife husband aunt uncle cousin grandmother "
              "grandfather grandma grandpa niece nephew".split()),
    frozenset("monday tuesday wednesday thursday friday saturday sunday".split()),
    frozenset("january february march april may june july august september october november december".split()),
)
"""Closed classes whose members are close in meaning and still different things: a sister is not a
brother, Tuesday is not Monday. Two different members of one set never cover each other."""


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two texts' embeddings (0 for texts that share nothing)."""
    return max(0.0, embeddings.cosine(a, b))


class WordMeaning:
    """Cosines between the question's words and every word of the context, computed in one product."""

    def __init__(self, asked: Sequence[str], context: Sequence[str]):
        self.asked, self.index = list(asked), {w: i for i, w in enumerate(dict.fromkeys(context))}
        self.exact_only: set[int] = set()  # asked words no other word covers
        self.matrix = embeddings.similarity_matrix(self.asked, list(self.index)) if self.asked and self.index else None

    def cover(self, asked: int, words: Sequence[str]) -> tuple[float, str]:
        """How much the closest of ``words`` covers the asked word (0 to 1), and which word it is."""
        if self.matrix is None or not words or asked in self.exact_only:
            return 0.0, ""
        contrast = next((c for c in CONTRAST_SETS if self.asked[asked] in c), frozenset())
        words = [w for w in words if w not in contrast]  # "sister" is close to "brother", never the same
        if not words:
            return 0.0, ""
        best, word = max((float(self.matrix[asked, self.index[w]]), w) for w in words)
        return (0.0 if best < CLOSE else min(SOFT_MAX, (best - 0.5 * CLOSE) / (SAME - 0.5 * CLOSE))), word

    def closest(self, asked: int, words: Sequence[str]) -> float:
        """The cosine of the asked word with the closest of ``words`` (0 with none; members of a closed class 0)."""
        contrast = next((c for c in CONTRAST_SETS if self.asked[asked] in c), frozenset())
        words = [w for w in words if w not in contrast]
        if self.matrix is None or not words or asked in self.exact_only:
            return 0.0
        return max(0.0, max(float(self.matrix[asked, self.index[w]]) for w in words))


ROOT_COVER = 0.9
"""How much a word with the same root covers an asked word: the stemmer keeps "mover" and "move" apart."""


def same_root(stem: str, stems: Sequence[str]) -> str | None:
    """The first of ``stems`` that begins with ``stem`` or that it begins with, both of 4 letters or more and the
    shorter at least 60% of the longer ("mover" and "move", "classroom" is not "class"), or that is its doer ("own"
    and "owner", "run" and "runner"), else None."""
    for other in stems:
        short, long = sorted((stem, other), key=len)
        if len(short) >= 4 and long.startswith(short) and len(short) >= 0.6 * len(long):
            return other
        if len(short) >= 3 and long in (short + "er", short + "r", short + short[-1] + "er"):
            return other
    return None
