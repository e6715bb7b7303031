"""Values in what people type: times, amounts, places, names and codes, found by their shape.

A question's type says what kind of value its answer holds ("when" a time, "how many" an amount,
"who" a name); :func:`values` finds the values of each kind in a clause, as the spans of text
that a correction can replace ("make that 22k" replaces the earlier amount). Shapes, not a list
of facts: a weekday, "3:40pm" or "at 9" is a time, "$35" or "8 of us" an amount, a capitalised word
inside a sentence a name, "KX-4417-B", "0161 555 2093", "harrowbarn.co.uk" or an email a code.
An ordinal is a day only up to the 31st ("60th" is an age), and a preposition inside a title
("Lessons in Chemistry") makes no place.
"""

from __future__ import annotations

__all__ = ["KINDS", "NUMBER_WORDS", "Value", "values"]

import re
from dataclasses import dataclass
from functools import lru_cache

MONTHS = ("january february march april may june july august september october november december "
          "jan feb mar apr jun jul aug sep sept oct nov dec").split()
DAYS = ("monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun "
        "today tomorrow tonight yesterday weekend noon midnight morning afternoon evening").split()
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred thousand dozen").split()
_TIME_WORD = rf"(?:{'|'.join(MONTHS + DAYS)})"
_CLOCK = (r"\d{1,2}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d\d"
          r"|(?<=\bat )(?:1[0-2]|0?[1-9])(?![\d:,.]|\s*(?:%|[a-z]))")
"""A clock time: "4:15pm", "11:30", and a bare hour after "at" ("on tuesday at 9")."""
_ORDINAL = r"(?:the\s+)?(?:[12]?\d|3[01])(?:st|nd|rd|th)\b(?:\s+of\s+\w+)?"  # a day of the month: "60th" is none
_DATE = r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4}-\d\d-\d\d|(?:19|20)\d\d"
_MONTH = rf"(?:{'|'.join(MONTHS)})"
_TIME_ATOM = (rf"(?:\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b{_TIME_WORD}\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?"
              rf"|\b(?:{_CLOCK})|\b{_ORDINAL}|\b(?:{_DATE})\b)")
TIME = re.compile(rf"{_TIME_ATOM}(?:(?:\s+(?:at|the|on|,)?\s*){_TIME_ATOM})*", re.I)
AMOUNT = re.compile(rf"[$€£¥]\s?\d[\d,.]*\s?[kKmM]?\b(?:\s?/\s?\w+)?"
                    rf"|\b(?!\d+(?:st|nd|rd|th)\b)\d[\d,.]*\s?(?:%|k\b|of\s+us\b|[a-z]{{1,12}}\b)?"
                    rf"|\b(?:{'|'.join(NUMBER_WORDS)})\b(?:\s+(?:people|of us|ppl|guests|hours|hrs|days|weeks|"
                    r"years|months|kids|items))?", re.I)
CODE = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w]+(?:-[\w]+)+\b|\b[A-Z]{1,4}[- ]?\d{2,}[A-Z]?\b"
                  r"|\b(?!\d+(?:st|nd|rd|th)\b)(?=\w*\d)(?=\w*[A-Za-z])\w{3,}\b|\b\d{2,}-\d{2,}[\d-]*\b|\b[A-Za-z]+_\w+\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
WEB = re.compile(r"\bhttps?://\S+|\b(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|app|co|uk|de|nl|fr|es|"
                 r"eu|info|me)\b(?:/\S*)?", re.I)
PHONE = re.compile(r"(?<![\w.])\+?\d{2,5}(?:[ -]\d{2,4}){2,4}(?![\w.])")
"""A phone number in groups ("0161 555 2093", "+31 20 555 0142"): a code, not three amounts."""
_NOT_NAMES = {w.capitalize() for w in MONTHS + DAYS} | {"I", "I'm", "I'll", "I've", "I'd", "Im", "Ok", "Okay"}
NAME = re.compile(r"\b[A-Z][\w'&-]*(?:\s+(?:of|the|in|&|and)?\s*[A-Z][\w'-]*)*")
_NOT_PLACE = "|".join(MONTHS + DAYS + NUMBER_WORDS + (
    "a an the my our your his her their this that all least first last time times pairs once order case total "
    "general fact most be do get make").split())
PLACE = re.compile(r"(?i:\b(?:at|in|to|from|near)\s+(?:the\s+)?)(?:[A-Z]\w+|(?i:\w+'s\s+(?:place|house|flat|home))"
                   rf"|(?i:(?!(?:{_NOT_PLACE})\b)[a-z]{{3,}}\b))"
                   r"|(?i:\b\d+\s+\w+\s+(?:street|st|road|rd|avenue|ave|lane|way|drive)\b)"
                   r"|(?i:\b\w+\s+(?:street|st|road|rd|avenue|ave|lane)\b)")
STREET = re.compile(r"\b\d+\s+[A-Za-z]+\s+(?:street|st|road|rd|avenue|ave|lane|way|drive|close|square)\b", re.I)
KINDS = ("time", "amount", "name", "place", "code")


@dataclass(frozen=True)
class Value:
    """A value found in a text: its kind, its words and where it stands."""

    kind: str
    text: str
    start: int
    end: int


def _names(text: str) -> list[Value]:
    """Capitalised words past the first one of the text (sentence openers are capitalised anyway)."""
    found = []
    for match in NAME.finditer(text):
        words = match.group(0).split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        if not words or (match.start() == 0 and len(words) == 1 and words[0] == match.group(0)):
            continue
        span = " ".join(words)
        start = text.index(span, match.start())
        found.append(Value("name", span.rstrip("'s") if span.endswith("'s") else span, start, start + len(span)))
    return found


@lru_cache(maxsize=65536)
def values(text: str) -> tuple[Value, ...]:
    """Every value in a text, by kind; a span claimed as a phone number or a time is not also an amount (cached
    per text)."""
    found: list[Value] = [Value("code", m.group(0), m.start(), m.end()) for m in PHONE.finditer(text)]
    taken = [(v.start, v.end) for v in found]
    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken)

    found += [Value("time", m.group(0).strip(" ,"), m.start(), m.end()) for m in TIME.finditer(text)
              if free(m.start(), m.end())]
    taken = [(v.start, v.end) for v in found]

    shapes = (("code", EMAIL), ("code", WEB), ("code", CODE), ("place", STREET), ("amount", AMOUNT), ("place", PLACE))
    for kind, pattern in shapes:
        for m in pattern.finditer(text):
            if m.group(0).strip() and free(m.start(), m.end()):
                found.append(Value(kind, m.group(0).strip(), m.start(), m.end()))
                if pattern is not PLACE:  # "in Leeds" may hold a name too; "14 Elm Street" is not an amount
                    taken.append((m.start(), m.end()))
    names = [v for v in _names(text) if free(v.start, v.end)]
    # "in Chemistry" inside the title "Lessons in Chemistry" is part of a name, not a place
    found = [v for v in found if v.kind != "place" or not any(n.start < v.start and v.end <= n.end for n in names)]
    return tuple(sorted(found + names, key=lambda v: v.start))
