"""Words and sentences: how the simulator splits text and decides which words carry meaning."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a an the is are was were be been am do does did i me my mine you your yours we our us it its
    what which who whom whose when where why how that this these those of to in on for with at by
    from about as and or but if then so than too very can could would should will shall may might
    must have has had not no yes please tell know remember again any some there here just also
    okay ok hi hello thanks thank one like get got say said""".split()
)


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if len(p.strip()) > 2]


def stem(word: str) -> str:
    word = word.lower().strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]*|\d[\w-]*", text)} - STOPWORDS
