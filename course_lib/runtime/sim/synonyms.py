"""A small table of everyday synonyms, so a paraphrased question still finds the sentence it means.

Each row is one meaning; the words are stemmed when the table is built, so "shipped", "shipping"
and "ships" all count as "ship". Keep rows to words a learner really swaps for one another; a
row that is too broad ("thing", "stuff") makes unrelated sentences look alike.
"""

from __future__ import annotations

__all__ = ["KINDS_OF", "SYNONYM_ROWS", "canonical_stem"]

import snowballstemmer

SYNONYM_ROWS: tuple[tuple[str, ...], ...] = (
    ("ship", "deliver", "delivery", "send", "dispatch", "post", "mail"),
    ("name", "named"),
    ("allergy", "allergic", "intolerant", "intolerance"),
    ("budget", "amount", "figure", "spend", "afford"),
    ("price", "cost", "pay", "paid", "charge"),
    ("order", "purchase", "bought", "buy"),
    ("number", "reference", "ref", "code", "id"),
    ("flight", "fly", "plane", "flying"),
    ("meeting", "meet"),
    ("move", "moving", "relocate", "relocation"),
    ("live", "home", "address", "reside", "based"),
    ("favourite", "favorite", "prefer", "preferred", "love"),
    ("colour", "color"),
    ("phone", "mobile", "cell", "telephone"),
    ("email", "e-mail", "inbox"),
    ("car", "vehicle", "drive"),
    ("child", "kid", "kids", "children"),
    ("dog", "puppy", "pet"),
    ("birthday", "born", "birth"),
    ("trip", "holiday", "vacation", "travel", "journey"),
    ("hotel", "stay", "room", "accommodation"),
    ("start", "begin", "kick-off", "kickoff"),
    ("deadline", "due"),
    ("problem", "issue", "bug", "error", "fault"),
    ("password", "passcode"),
    ("dictionary", "dict", "mapping"),
    ("hour", "hr", "hrs"),
    ("minute", "min", "mins"),
    ("people", "ppl"),
    ("year", "yr", "yrs"),
    ("week", "wk", "wks"),
    ("appointment", "appt"),
    ("doctor", "dr", "doc"),
)
"""One meaning per row; the first word names the row. The last rows are the short forms of casual typing
("hrs", "ppl", "appt"): spellings of one word, not other words."""

_STEMMER = snowballstemmer.stemmer("english")
_CANONICAL = {_STEMMER.stemWord(word): _STEMMER.stemWord(row[0]) for row in SYNONYM_ROWS for word in row}


def canonical_stem(stem: str, word: str = "") -> str:
    """The row's name for a stemmed word in the table, or the stem itself; ``word`` (as typed, lower case) is
    looked up first in :data:`WORD_ROWS`."""
    return WORD_ROWS.get(word) or _CANONICAL.get(stem, stem)


WORD_ROWS = {"called": "name", "calls": "call"}
"""Words folded as typed, not by their stem: "called" is a name ("my dog is called Biscuit") while "call", its
stem, is usually a phone or video call ("what time's the call")."""


KINDS_OF = {_STEMMER.stemWord(general): frozenset(_STEMMER.stemWord(w) for w in specific.split())
            for general, specific in {"child": "son daughter boy girl", "parent": "mother mom mum father dad",
                                      "sibling": "sister brother"}.items()}
"""A general word and the words for its kinds: "my kid" is answered by "my daughter Priya", but "my daughter" is
not answered by "a kid called Arlo", nor by "my son" (one direction only, unlike a row of synonyms)."""
