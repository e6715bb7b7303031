"""Words and sentences: how the simulator splits text and decides which words carry meaning."""

from __future__ import annotations

__all__ = ["CASUAL_WORDS", "FRAME_WORDS", "STOPWORDS", "content_words", "meaning_words", "mentions", "mine_in",
           "modifiers", "not_theirs", "owners", "said_as_mine", "sentences", "stem", "unmarked_owners", "words"]

import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

import snowballstemmer

from .synonyms import canonical_stem

STOPWORDS = frozenset(
    """a an the is are was were be been am do does did i i'm me my mine you your yours we our us it its
    what what's which who whom whose when where why how that this these those of to in on for with at by
    from about as and or but if then so than too very can could would should will shall may might
    must have has had having not yes please tell know remember again any some there here just also
    okay ok hi hello thanks thank one get gets getting got say said much many out up go goes going went gone happen
    happens happening come coming being every each he him his she her hers they them their theirs""".split()
)
"""Words that carry no meaning of their own in a question or a fact."""

FRAME_WORDS = frozenset(
    """remind recall mention mentioned earlier before previous previously told tell gave give given
    detail details info information share shared again anything something exactly already ago
    question answer conversation chat ask asked""".split()
)
"""Words that frame a question about the conversation ("remind me", "the detail I gave you")
rather than say what it is about: they never decide which sentence answers."""

CASUAL_WORDS = frozenset(
    """whats who's whos when's whens where's wheres how's hows what're im i've ive i'll i'd u ur pls plz lol haha
    hmm hm btw tbh kinda sorta gonna wanna gotta like really actually just ok okay oh um uh yeah hey hi right now
    currently these days moment anyway thing stuff exactly remind again also let's lets does doing did done am
    supposed""".split()
)
"""The small talk of casual typing ("whats", "gonna", "btw", "lol"): never what a question is about."""

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[A-Za-z0-9][\w'-]*[A-Za-z0-9]|\w")
_ABBREVIATION = re.compile(r"\b((?i:e\.g|i\.e|etc|vs|cf|mr|mrs|ms|dr|st)|No)\.$")


def sentences(text: str) -> list[str]:
    """Split text into sentences and lines, keeping "e.g." and "Dr." inside their sentence."""
    pieces: list[str] = []
    for line in text.splitlines():
        current = ""
        for part in re.split(r"(?<=[.!?])\s+", line):
            current = f"{current} {part}" if current else part
            if not _ABBREVIATION.search(current):
                pieces.append(current.strip())
                current = ""
        if current:
            pieces.append(current.strip())
    return [p for p in pieces if len(p) > 2]


def words(text: str) -> list[str]:
    """The words and numbers of a text, in order."""
    return _WORD.findall(text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One word reduced to its stem (Snowball English stemmer), possessive dropped."""
    word = word.lower().strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    return _STEMMER.stemWord(word)


def content_words(text: str, frame: bool = False) -> set[str]:
    """The meaning-bearing stems of a text, synonyms folded to one name; ``frame`` keeps frame words."""
    kept = {(stem(w), w.lower()) for w in words(text) if w.lower() not in STOPWORDS}
    return {canonical_stem(s, w) for s, w in kept if frame or s not in _FRAME_STEMS}


_FRAME_STEMS = frozenset(_STEMMER.stemWord(w) for w in FRAME_WORDS)
_IGNORED = STOPWORDS | FRAME_WORDS | CASUAL_WORDS


def meaning_words(text: str) -> dict[str, str]:
    """The words that say what a text is about: {stem with synonyms folded: the word as typed}, in order.

    Stop words, frame words ("remind", "earlier") and casual filler ("whats", "btw") are dropped.
    """
    found: dict[str, str] = {}
    for word in words(text):
        lowered = word.lower()
        if lowered in _IGNORED or lowered.strip("'") in _IGNORED:
            continue
        key = canonical_stem(stem(word), lowered)
        if key not in _FRAME_STEMS:
            found.setdefault(key, lowered.removesuffix("'s"))
    return found


_ADJACENT = re.compile(r"([A-Za-z][\w'-]*) +(?=([A-Za-z][\w'-]*)(?:'s)?(?:[ ,;.!?]+(?:is|are|was|were|called|named)\b|"
                       r"\s*[,;.!?]|\s*$))", re.I)
"""Two words before "is", "called" or the end: "my running shoes *are*", "the cat sitter *is*", "whos my bass
player". Before other words the second may be a verb: "our electricity *comes* from"."""


_NEXT_TO = re.compile(r"([A-Za-z][\w'-]*) +(?=([A-Za-z][\w'-]*))")


@lru_cache(maxsize=65536)
def modifiers(text: str, loosely: bool = False) -> Mapping[str, str]:
    """The words of a text that stand right before another meaning word at the end of a noun phrase, with that
    word, as typed, lowercased: {"running": "shoes"} in "my running shoes are ...". Such a word says what kind of
    thing the next one is. ``loosely``: before any meaning word, a verb too ("the local authority chipping in")."""
    return MappingProxyType({m.group(1).lower(): m.group(2).lower() for m in (_NEXT_TO if loosely else _ADJACENT)
                             .finditer(text) if meaning_words(m.group(1)) and meaning_words(m.group(2))})


# Whose is it? "my sister's flight" is the sister's, "my current manager" the user's own.

_POSSESSED = re.compile(r"\b(?!(?:it|that|he|she|there|here|what|who|where|when|how|let|everyone|nobody)'s)"
                        r"([A-Za-z]+)'s\s+(\w+)(?:\s+(\w+))?", re.I)
_MINE_BEFORE = re.compile(r"\b(?:my|our|ur|i|we|i'm|im|we're)\s+(?:[a-z-]+\s+)?$")


def said_as_mine(text: str, word: str) -> bool:
    """True when the text calls the word the user's own: "my current *manager*", "our *flat*". Used by
    :mod:`.matching` (notebook 00_start_here)."""
    at = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.I)
    return bool(at and _MINE_BEFORE.search(text[:at.start()].lower()))


_POSSESSED_BY_ME = re.compile(r"\b(?:my|our|ur)\s+([a-z][\w-]*)", re.I)


def mine_in(text: str) -> list[str]:
    """The words a text calls the user's own: "whats my kid's name" -> ["kid's"]."""
    return _POSSESSED_BY_ME.findall(text)


def owners(text: str) -> dict[str, str]:
    """Each possessed word's owner, one word on too: "my sister's flight" -> {"flight": "sister", ...}, "my dad's
    70th birthday" -> {"70th": "dad", "birthday": "dad"}."""
    return {word.lower(): m.group(1).lower() for m in _POSSESSED.finditer(text) for word in m.groups()[1:] if word}


_PRONOUN_BEFORE = re.compile(r"\b(his|her)\s+(?:[a-z-]+\s+)?$", re.I)
_GENDER = {**dict.fromkeys("brother husband son dad father uncle nephew boyfriend grandpa grandfather".split(), "his"),
           **dict.fromkeys("sister wife daughter mum mom mother aunt niece girlfriend grandma grandmother".split(),
                           "her"), "i": ""}
"""Who "his" and "her" can be: the user is neither, a brother is "his", a wife "her"; a name may be either."""


def not_theirs(owner: str, text: str, word: str) -> bool:
    """True when the clause gives the word to a "his" or "her" that cannot be ``owner`` ("his flight" is not
    the user's, nor the wife's). Used by :mod:`.matching` (notebook 00_start_here)."""
    at = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.I)
    pronoun = _PRONOUN_BEFORE.search(text[:at.start()]) if at else None
    return bool(pronoun) and owner in _GENDER and _GENDER[owner] != pronoun.group(1).lower()


_UNMARKED_POSSESSIVE = re.compile(r"\b([a-z]{2,})s\s+(?=([a-z]+))")
_PRONOUN = re.compile(r"\b(?:he|she|his|her|hers|him|they|their|hes|shes|he's|she's)\b", re.I)


def unmarked_owners(question: str, names: set[str]) -> dict[str, str]:
    """Possessives typed without the apostrophe, for a name the user gave: "chloes flight" -> {"flight": "chloe"}.
    Used by :mod:`.matching` (notebook 00_start_here)."""
    return {k: match.group(1) for match in _UNMARKED_POSSESSIVE.finditer(question) if match.group(1) in names
            for k in meaning_words(match.group(2))}


def mentions(text: str, owner: str) -> bool:
    """True when a clause names the owner (or says "she", "his", ... of someone): "chloe's flight" needs Chloe."""
    return bool(re.search(rf"(?<![\w-]){re.escape(owner)}(?:'?s)?(?![\w-])", text, re.I) or _PRONOUN.search(text))
