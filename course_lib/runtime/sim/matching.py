"""Which sentence of the context answers a question: shared meaning-bearing words, weighted, plus cues.

A question is reduced to its meaning-bearing stems (:func:`.language.content_words`: stop words
and frame words such as "remind" or "detail" dropped, synonyms folded). A context sentence scores
the share of the question's weight it contains. Broad words ("name", "number", "time") weigh half,
and so does a word found nowhere in the context: it is more likely the learner's own wording
("what's the refund *window*?") than the fact that is missing.
The question's type is a cue: "when" wants a date or time, "how much" an amount, "where" a place,
"what's ... called" a name; a sentence without what the cue wants keeps only part of its score.
Below :data:`STRONG_MATCH` nothing is quoted, so an unknown fact gets "I don't have that information".
"""

from __future__ import annotations

__all__ = ["STRONG_MATCH", "best_matches", "is_own_words", "question_cue", "score", "weights"]

import re

from .language import content_words, sentences, stem
from .synonyms import canonical_stem

STRONG_MATCH = 0.65
"""The least share of a question's weight a sentence must contain to be quoted as its answer."""

CUE_MISSING_FACTOR = 0.7
"""What a sentence keeps of its score when it lacks what the question type asks for."""

BROAD_WEIGHT = 0.5
BROAD_WORDS = frozenset(canonical_stem(stem(w)) for w in
                        "name number time date day place thing kind type use new want need full".split())
"""Words too broad to decide a match alone: "my sister's name" is not answered by "my dog's name"."""

_MONTHS = "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august " \
          "september october november december"
_DAYS = "monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight yesterday morning " \
        "afternoon evening noon midnight weekend week month year"
_NOT_PLACES = "|".join(_MONTHS.split() + _DAYS.split())
CUES: dict[str, re.Pattern[str]] = {
    "time": re.compile(rf"\b({'|'.join(_MONTHS.split())}|{'|'.join(_DAYS.split())})\b|\b\d{{1,2}}(:\d\d)?\s?(am|pm)\b"
                       r"|\b\d{1,2}:\d\d\b|\b(19|20)\d\d\b|\b\d{1,2}(st|nd|rd|th)\b|\b\d{1,2}/\d{1,2}\b", re.I),
    "amount": re.compile(r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(%|percent|dollars?|euros?|pounds?|usd|eur|gbp|k\b|kg|g\b|"
                         r"km|miles?|hours?|minutes?|days?|weeks?|months?|years?|people|items?|units?)|\b\d", re.I),
    "place": re.compile(rf"\b(in|at|to|from|near)\s+(the\s+)?(?!(?i:{_NOT_PLACES})\b)[A-Z][a-z]+"
                        r"|(?i:\b\d+\s+\w+\s+(street|st|road|rd|avenue|ave|lane|way|drive|close|square)\b)"
                        r"|(?i:\b(street|road|avenue|city|town|country|floor|room|hospital|office)\b)"),
    "name": re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+|\b(called|named|name is)\s+\w"),
}
"""What each question type wants to see in its answer."""

_QUESTION_CUES = (
    ("time", re.compile(r"\bwhen\b|\bwhat (time|date|day)\b|\bwhich (day|date|month)\b|\bhow soon\b", re.I)),
    ("amount", re.compile(r"\bhow (much|many|long)\b|\bwhat('s| is| was)? the (cost|price|budget|amount|total)\b",
                          re.I)),
    ("place", re.compile(r"\bwhere\b|\b(what|which) (city|town|country|address|street)\b", re.I)),
    ("name", re.compile(r"\bwho\b|\bcalled\b|\bname\b|\bnamed\b", re.I)),
)


def question_cue(question: str) -> str | None:
    """The kind of answer a question's wording asks for (``"time"``, ``"amount"``, ``"place"``, ``"name"``)."""
    return next((cue for cue, pattern in _QUESTION_CUES if pattern.search(question)), None)


def weights(wanted: set[str], context_words: set[str]) -> dict[str, float]:
    """Each question word's weight: 1, or half for a broad word or one the context never uses."""
    return {w: BROAD_WEIGHT if w in BROAD_WORDS or w not in context_words else 1.0 for w in wanted}


def score(weighted: dict[str, float], cue: str | None, sentence: str) -> float:
    """The share of the question's weight the sentence contains, reduced if it lacks the cue's kind."""
    total = sum(weighted.values())
    found = sum(weighted[w] for w in weighted.keys() & content_words(sentence))
    share = found / total if total else 0.0
    if cue and not CUES[cue].search(sentence):
        share *= CUE_MISSING_FACTOR
    return share


OWN_PREFIXES = ("From what you sent me", "Noted:", "(simulated answer", "I don't have that information")
"""How the simulator's replies start, so its own words are never taken for something the user said."""

TOOL_FRAMING = re.compile(r"^(Let me look that up with [\w-]+|According to [\w-]+: |I can check that with [\w-]+, "
                          r"|[\w-]+ reported an error: |[\w-]+ returned nothing I can use)")
"""How :mod:`.tools` frames a tool call or its answer (with the tool's name): "According to" alone is a user's."""


def is_own_words(sentence: str) -> bool:
    """True for the simulator's framing, which must never be quoted back as context."""
    return sentence.startswith(OWN_PREFIXES) or TOOL_FRAMING.match(sentence) is not None


def best_matches(question: str, context: str, limit: int = 2) -> list[str]:
    """The context sentences that answer the question, best first; none if no match is strong.

    Questions are never answers, the simulator's own framing is skipped, and among sentences that
    score the same the later one comes first (a correction outranks what it corrects). Introduced
    in notebook 00_start_here, where the simulator answers from what it was sent.
    """
    wanted, cue = content_words(question), question_cue(question)
    if not wanted:
        return []
    candidates = [s.strip().strip('"').strip() for s in sentences(context)]
    candidates = [s for s in candidates if s and not s.endswith(("?", ":")) and not is_own_words(s)]
    weighted = weights(wanted, set().union(*map(content_words, candidates)))
    scored: dict[str, tuple[float, int]] = {}
    for order, sentence in enumerate(candidates):
        share = score(weighted, cue, sentence)
        if share >= STRONG_MATCH:
            scored[sentence] = (share, order)
    ranked = sorted(scored, key=lambda s: (-scored[s][0], -scored[s][1]))
    best = scored[ranked[0]][0] if ranked else 0.0
    return [s for s in ranked if scored[s][0] >= best - 1e-9][:limit]
