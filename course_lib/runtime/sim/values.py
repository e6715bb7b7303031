"""Values in what people type: times, amounts, places, names and codes, found by their shape.

A question's type says what kind of value its answer holds ("when" a time, "how many" an amount,
"who" a name); :func:`values` finds the values of each kind in a clause, as the spans of text
that a correction can replace ("make that 22k" replaces the earlier amount). Shapes, not a list
of facts: a weekday, "3:40pm" or "at 9" is a time, "$35" or "8 of us" an amount, a capitalised word
inside a sentence a name, "KX-4417-B", "0161 555 2093", "harrowbarn.co.uk" or an email a code.
An ordinal is a day only up to the 31st ("60th" is an age), and a preposition inside a title
("Lessons in Chemistry") makes no place, nor does one before a bare everyday word ("move in date", "came
to install it"), while a name typed in lower case is one ("at halfords in bicester"). :func:`holds_answer`
says whether a clause holds the value a question asks for, as precisely as it asks.
"""

from __future__ import annotations

__all__ = ["BLURRED", "CLOCK", "KINDS", "MONEY", "NUMBER_WORDS", "PERSON_NOUNS", "TIME_PART", "Value", "holds_answer",
           "in_question", "values"]

import re
from dataclasses import dataclass
from functools import lru_cache

from ... import embeddings
from .language import CASUAL_WORDS, STOPWORDS, meaning_words, stem, words
from .questions import ATTRIBUTE_NOUNS, attribute_holders, core_of

MONTHS = ("january february march april may june july august september october november december "
          "jan feb mar apr jun jul aug sep sept oct nov dec").split()
DAYS = ("monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun "
        "today tomorrow tonight yesterday weekend noon midnight morning afternoon evening").split()
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred thousand dozen").split()
_TIME_WORD = rf"(?:{'|'.join(MONTHS + DAYS)}|(?:mon|tues|wednes|thurs|fri|satur|sun)days)"  # "on wednesdays" too
_CLOCK = (r"\d{1,2}(?:[:.]\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d\d|(?<=\bat )(?:[01]?\d|2[0-3])\.[0-5]\d\b"
          r"|(?<=\b(?:at|by) )(?:1[0-2]|0?[1-9])(?![\d:,.]|\s*(?:%|(?!(?:on|in|at|the|then|and|or|so|if|sharp|latest|"
          r"please|tomorrow|today|tonight|every|each)\b)[a-z]))")
"""A clock time: "4:15pm", "11:30", a dotted one after "at" as British typing has it ("at 9.20"), and a bare
hour after "at" or "by" ("on tuesday at 9", "in by 9 on the first day", not "by 2 people")."""
_ORDINAL = r"(?:the\s+)?(?:[12]?\d|3[01])(?:st|nd|rd|th)\b(?:\s+of\s+\w+)?"  # a day of the month: "60th" is none
_DATE = r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4}-\d\d-\d\d|(?:19|20)\d\d"
_MONTH = rf"(?:{'|'.join(MONTHS)})"
_TIME_ATOM = (rf"(?:\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b{_TIME_WORD}\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?"
              rf"|\b(?:{_CLOCK})|\b{_ORDINAL}|\b(?:{_DATE})\b)")
TIME = re.compile(rf"{_TIME_ATOM}(?:(?:\s+(?:at|the|on|,)?\s*){_TIME_ATOM})*", re.I)
TIME_PART = re.compile(_TIME_ATOM, re.I)
"""One part of a time ("the 17th", "10:30" in "the 17th at 10:30"): a correction may change one part only."""
CLOCK = re.compile(rf"(?:{_CLOCK})\s*$", re.I)
AMOUNT = re.compile(rf"[$€£¥]\s?\d[\d,.]*\s?[kKmM]?\b(?:\s?/\s?\w+)?|\b(?:3[2-9]|[4-9]\d|1\d\d)(?:st|nd|rd|th)\b"
                    rf"|\b(?!\d+(?:st|nd|rd|th)\b)\d[\d,.]*\s?(?:%|k\b|of\s+us\b|[a-z]{{1,12}}\b)?"
                    rf"|\b(?:{'|'.join(NUMBER_WORDS)})\b(?:\s+(?:people|of us|ppl|guests|hours|hrs|days|weeks|"
                    r"years|months|kids|items))?", re.I)
CODE = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w]+(?:-[\w]+)+\b"
                  r"|\b(?=[A-Z]*\d)(?=[A-Z\d]* ?[A-Z\d]*[A-Z])[A-Z\d]{3,} [A-Z\d]{2,4}\b"  # a plate: "KX14 RTA"
                  r"|\b[A-Z]{1,4}[- ]?\d{2,}[A-Z]?\b"
                  r"|\b(?!\d+(?:st|nd|rd|th|s)\b)(?=\w*\d)(?=\w*[A-Za-z])\w{3,}\b|\b\d{2,}-\d{2,}[\d-]*\b|\b[A-Za-z]+_\w+\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
WEB = re.compile(r"\bhttps?://\S+|\b(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|app|co|uk|de|nl|fr|es|"
                 r"eu|info|me|internal|local|lan|corp)\b(?:/\S*)?", re.I)
PHONE = re.compile(r"(?<![\w.])(?:\+?\d{2,5}(?:[ -]\d{2,4}){2,4}|0\d{3}[ -]?\d{6,7}|0\d{4}[ -]?\d{5,6}|\+\d{10,13})"
                   r"(?![\w.])")
"""A phone number in groups ("0161 555 2093", "+31 20 555 0142"), or as a mobile is typed ("07700 900461",
"07700900461": a leading 0 and ten or eleven digits): a code, not two amounts."""
BLURRED = re.compile(r"\[an? (id|email|number|name)\]")
"""A value a simulated summary lost (:mod:`.summaries` writes "[an id]"): still a value of its kind, so a question
about it finds the blurred sentence and the reply can say the value was not kept."""
_BLURRED_KIND = {"id": "code", "email": "code", "number": "amount", "name": "name"}
_NOT_NAMES = {w.capitalize() for w in MONTHS + DAYS} | {"I", "I'm", "I'll", "I've", "I'd", "Im", "Ok", "Okay"}
NAME = re.compile(r"\b[A-Z][\w'&-]*(?:\s+(?:of|the|in|&|and)?\s*[A-Z][\w'-]*)*")
_NOT_PLACE = "|".join(MONTHS + DAYS + NUMBER_WORDS + (
    "a an the my our your his her their this that all least first last time times pairs once order case total "
    "general fact most be do get make").split())
PLACE = re.compile(r"(?i:\b(?:at|in|to|from|near)\s+(?:the\s+)?)(?:[A-Z]\w+|(?i:\w+'s\s+(?:place|house|flat|home))"
                   rf"|(?i:(?!(?:{_NOT_PLACE})\b)[a-z]{{3,}}\b))"
                   r"|(?i:\b\d+\s+\w+\s+(?:street|st|road|rd|avenue|ave|lane|way|drive)\b)"
                   r"|(?i:\b\w+\s+(?:street|st|road|rd|avenue|ave|lane)\b)")
_BARE_PLACES = frozenset("home work school uni college church hospital bed town".split())
"""Nouns English uses as places without "the" ("at home", "at work", "in town"): the few everyday words that are a
place after a bare preposition."""


def _idiom(place: str) -> bool:
    """True for a preposition and a bare everyday word ("in date", "to install", "from next"): an idiom or a verb,
    not a place. A place typed in lower case is a name the vocabulary does not know whole ("in bicester")."""
    rest = place.split()[1:]  # the words after the preposition
    return len(rest) == 1 and rest[0].islower() and rest[0] not in _BARE_PLACES and embeddings.is_everyday_word(rest[0])


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
    """Capitalised words past the first one of the text (sentence openers are capitalised anyway); in text with no
    capital inside a sentence, also the words where a name stands (:func:`_lowercase_names`)."""
    found = _lowercase_names(text) if not _CAPITAL.search(text) else []
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


_CAPITAL = re.compile(r"(?<!^)(?<![.!?] )(?<![.!?])\b(?!I(?:m|ve|ll|d)?\b|I')[A-Z]")
"""A capital letter inside a sentence, other than the pronoun "I" ("Im", "I'll"): text typed with capitals gives
its names capitals too, while a phone that capitalises only each sentence's first letter leaves names lower case."""
PERSON_NOUNS = ("son daughter boy girl kid partner wife husband boyfriend girlfriend fiance fiancee mum mom mother "
                "dad father brother sister cousin aunt uncle nephew niece grandma grandpa nan friend mate flatmate "
                "roommate boss manager colleague coworker neighbour neighbor teacher tutor coach doctor dentist vet "
                "landlord landlady plumber builder mechanic").split()
_AFTER_PERSON = re.compile(rf"\b(?i:my|our|his|her|their)\s+(?:(?:little|older|younger|big|eldest|youngest|new|best)"
                           rf"\s+)?(?:{'|'.join(PERSON_NOUNS)})s?\s+([a-z][a-z'-]+)\b")
_SPAN = re.compile(r"\S+")
_AFTER_CALLED = re.compile(r"\b(?i:called|named)\s+([a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){0,2})")
_NOT_A_NAME = STOPWORDS | CASUAL_WORDS | frozenset("""after before always never still sometimes usually finally today
    tonight tomorrow ate bought broke came cut drove fell felt found gave hit kept knew left let lost made met paid put
    ran saw sent set sold spoke told took won wrote""".split())
"""Words that follow a person ("my son went", "my boss said") or end a name ("called biscuit and"): never a name.
The stop words and casual words, plus the adverbs and irregular past tenses the stemmer leaves unchanged."""


def _lowercase_names(text: str) -> list[Value]:
    """Names typed in lower case, by where they stand: after a person's role ("my son leo", "my partner priya")
    or after "called"/"named" ("a place called jungle jims on harrow road": up to three words, to the first
    word that cannot be one). A word that changes when stemmed ("my son turns 7") is a verb, not a name."""
    found = []
    for pattern in (_AFTER_PERSON, _AFTER_CALLED):
        for match in pattern.finditer(text):
            end = None  # where the name ends: after its last word that can be one
            for word in _SPAN.finditer(text, match.start(1), match.end(1)):
                plain = word.group(0).removesuffix("'s")
                if plain in _NOT_A_NAME or (pattern is _AFTER_PERSON and stem(plain) != plain):
                    break
                end = word.start() + len(plain)
            if end is not None:
                found.append(Value("name", text[match.start(1):end], match.start(1), end))
    return found


@lru_cache(maxsize=65536)
def values(text: str) -> tuple[Value, ...]:
    """Every value in a text, by kind; a span claimed as a phone number or a time is not also an amount (cached
    per text)."""
    found = [Value(_BLURRED_KIND[m.group(1)], m.group(0), m.start(), m.end()) for m in BLURRED.finditer(text)]
    found += [Value("code", m.group(0), m.start(), m.end()) for m in PHONE.finditer(text)
              if not any(v.start < m.end() and m.start() < v.end for v in found)]
    taken = [(v.start, v.end) for v in found]
    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken)

    found += [Value("time", m.group(0).strip(" ,"), m.start(), m.end()) for m in TIME.finditer(text)
              if free(m.start(), m.end())]
    taken = [(v.start, v.end) for v in found]

    shapes = (("code", EMAIL), ("code", WEB), ("code", CODE), ("place", STREET), ("amount", AMOUNT), ("place", PLACE))
    for kind, pattern in shapes:
        for m in pattern.finditer(text):
            if m.group(0).strip() and free(m.start(), m.end()) and not (pattern is PLACE and _idiom(m.group(0))):
                found.append(Value(kind, m.group(0).strip(), m.start(), m.end()))
                if pattern is not PLACE:  # "in Leeds" may hold a name too; "14 Elm Street" is not an amount
                    taken.append((m.start(), m.end()))
    names = [v for v in _names(text) if free(v.start, v.end)]
    # "in Chemistry" inside the title "Lessons in Chemistry" is part of a name, not a place
    found = [v for v in found if v.kind != "place" or not any(n.start < v.start and v.end <= n.end for n in names)]
    return tuple(sorted(found + names, key=lambda v: v.start))


# Does a clause hold the value a question asks for? The kind decides, then how precisely it was asked.

_KIND_VALUES = {"name": {"name", "code"}, "code": {"code", "amount"}, "amount": {"amount"}, "money": {"amount"},
                "time": {"time"}, "place": {"place", "name", "code"}}
_FIRST_CHOICE = {"name": "name", "code": "code", "amount": "amount", "money": "amount", "time": "time",
                 "place": "place"}
MONEY = re.compile(r"[$€£¥]|\b(?:euros?|dollars?|pounds?|usd|eur|gbp|quid|bucks|cents?)\b|\d\s?k\b|/\s?h(?:ou)?r",
                   re.I)


@lru_cache(maxsize=65536)
def holds_answer(kind: str | None, question: str, clause: str, first_choice: bool = False) -> bool:
    """True when the clause holds a value of the asked kind that the question does not already say, as
    precisely as it asks ("what time" a clock time, "the date" a day, "per hour" a rate, "how many" a count); a
    "who" is answered by a person the user names by their role too ("my mum offered to do the cake").

    With ``first_choice``, only the kind's own values count (a street for "where", not any name). Used by
    :mod:`.matching`, which notebook 00_start_here introduces.
    """
    if kind is None:
        return True
    if kind == "name" and _ASKS_WHO.match(core_of(question)) and any(  # "whos baking": "my mum offered to"
            not in_question(role.group("role"), question) and not in_question(role.group("next") or "", question)
            for role in _ROLE.finditer(clause)):  # "my brother Callum" is who "who is callum marrying" asks about,
        return True  # and "my dentist said ..." is not who "who's my dentist" asks for
    asked_precisely = _PRECISE_ASKED[kind].search(question)
    asked_for = asked_precisely.group(0).lower().split()[-1] if asked_precisely else ""  # "what time" -> "time"
    precise = _PRECISE.get(asked_for)
    # "what time" wants a clock time, "what year" a year, "the date" a day, "the address" a street
    counting = kind == "amount" and _HOW_MANY.search(question)  # a count: "$65/hr" is no answer to "how many hrs"
    if kind == "name":
        for thing in _named_by_the_way(question):  # the shop's own name ("the shop is Spoke & Chain") is not
            clause = _OWN_NAME(thing).sub(" ", clause)  # its owner's, nor the name of "the guy at the shop"
    if first_choice:
        return any(v.kind == _FIRST_CHOICE[kind] and not in_question(v.text, question)
                   and (precise is None or _precise_enough(precise, asked_for, v, clause)) for v in values(clause))
    found = values(clause)
    if kind == "name" and not _STREET.search(question):  # "Mill Road" names a street, not a who
        streets = [p for p in found if p.kind == "place" and _STREET.search(p.text)]
        found = tuple(v for v in found if not any(p.start <= v.start and v.end <= p.end for p in streets))
    if kind == "name" and _ASKS_WHO.match(core_of(question)):  # "who": a person or a firm, not "FR 8324" or "Trek FX 3"
        towns = [p for p in found if p.kind == "place" and p.text.lower().startswith(("in ", "near "))]  # "in Grasmere"
        found = tuple(v for v in found if v.kind == "name" and not re.search(r"\d", v.text)
                      and not _MODEL_NUMBER.match(clause[v.end:])
                      and not any(p.start <= v.start and v.end <= p.end for p in towns))
    if kind == "place":  # a venue's name has two words or more ("Harrow Barn"); "the bride is called Noor" is no place,
        found = tuple(v for v in found if (v.kind != "name" or len(v.text.split()) > 1)  # but an address is one:
                      and (v.kind != "code" or _ADDRESS.search(v.text)))  # a web or email address, a host
    rate = _RATE.search(question)
    return any(v.kind in _KIND_VALUES[kind] and not in_question(v.text, question)
               and (kind != "money" or _is_money(v, clause))
               and (precise is None or _precise_enough(precise, asked_for, v, clause))
               and not (counting and _is_money(v, clause)) and not (kind == "code" and _is_count(v))
               and (rate is None or _per(rate) in _per(_RATE.search(clause[v.start:v.end + 20])))
               for v in found)


_COUNT = re.compile(r"\d[\d,.]*\s+(?:of|people|ppl|[a-z]{2,}s)\b|\d0s$", re.I)


def _is_count(value: Value) -> bool:
    """An amount of something ("7 of you", "4 runs") or a decade ("the 80s"): no number anyone quotes, so no answer
    to "whats jens number"."""
    return value.kind == "amount" and _COUNT.match(value.text) is not None and not MONEY.search(value.text)


_ADDRESS = re.compile(r"\w[.@/]\w")
"""A code that says where: "https://api.acme.com/v3", "ana@example.com", "pg-stage-57.us.internal"."""
_MODEL_NUMBER = re.compile(r"\s+\d+[a-z]*\b(?!\s+(?:of\b|[a-z]{2,}s\b))", re.I)
"""A number right after a name that counts nothing: the name is a model's ("a Trek FX 3 i bought", "a Worcester Bosch
30i"), not a person's ("Dana Kerr 2 streets away" counts streets)."""
_ASKS_WHO = re.compile(r"(?:who|whos|who's|whom)\b", re.I)
_ROLE = re.compile(rf"(?P<role>\b(?:my|our)\s+(?:{'|'.join(PERSON_NOUNS)}))\b(?:\s+(?P<next>[a-z][\w'-]*))?", re.I)
"""A person the user names by their role ("my mum", "our neighbour"): an answer to a "who", not to "what's her name"."""


def _lost(value: Value) -> bool:
    """A blurred value ("[a number]"): its shape was lost with it, so it passes for the precise kind asked."""
    return BLURRED.fullmatch(value.text) is not None


def _is_money(value, clause: str) -> bool:
    """A sum of money by its shape ("$35", "95 pounds") or by the word before it ("he charges 200")."""
    return bool(MONEY.search(value.text) or _PAID.search(clause[:value.start]))


def _per(match: re.Match[str] | None) -> str:
    """The unit of a rate ("per hour", "an hour", "hourly", "/hr" -> "h"), or "" for none."""
    if match is None:
        return ""
    return next(g for g in match.groups() if g)[0].lower()


_PAID = re.compile(r"\b(?:charges?|charged|costs?|paid|pay|paying|quoted?|priced|fee|budget|spent|spend|owes?|rent)"
                   r"(?:\s+(?:me|us|you|him|her|them|about|around|roughly|only|just|is|was|will be|would be|of|at|"
                   r"to)){0,2}\s+$", re.I)
_RATE = re.compile(r"(?:\bper\s+|\ban?\s+|/\s?)(hour|hr|h|day|week|wk|month|mo|year|yr)\b"
                   r"|\b(hour|dai|week|month|year)ly\b", re.I)
"""A rate's unit: "per hour", "a month", "/hr", "hourly": "how much is the hire per hour" wants one."""


_WHO_DOES = re.compile(r"who\s+(?!(?:is|was|are|were|do|does|did|will|would|can|should|has|have|had)\b)[a-z]+s?\s+"
                       r"(?:the|my|our|his|her|their|this|that)\s+([a-z]+)\b")
"""A question after who does something to a thing: "who owns the shop", "who runs the cafe"."""


@lru_cache(maxsize=4096)
def _named_by_the_way(question: str) -> tuple[str, ...]:
    """The things a name question mentions without asking their name: "who owns *the shop*", "whats the name of
    the guy at *the shop*" (but not "whats the shop called")."""
    acted_on = _WHO_DOES.match(core_of(question))
    if acted_on:
        return (acted_on.group(1),)
    holders = set(attribute_holders(question))
    if not holders:
        return ()
    return tuple(w for w in meaning_words(question).values() if w not in holders and w not in ATTRIBUTE_NOUNS)


def _OWN_NAME(thing: str) -> re.Pattern[str]:  # noqa: N802 - builds a pattern, named like the constants it joins
    """The span that gives a thing its own name: "the shop is Spoke & Chain", "a cafe called Ferns", "a cottage in
    the lakes, its called Beck View"."""
    return re.compile(rf"(?i:\b{re.escape(thing)}\w*(?:[^,.;!?]*,\s*(?:it's|its|it is)\s+(?:called|named)\s+"
                      r"|\s+(?:(?:is|was|'s)\s+(?:called\s+|named\s+)?|called\s+|named\s+))(?:the\s+|a\s+|an\s+)?)"
                      r"[A-Z][\w'&-]*(?:\s+(?:&\s+|of\s+|the\s+)?[A-Z][\w'&-]*)*")


_HOW_MANY = re.compile(r"\bhow many\b", re.I)
_PRECISE_ASKED = {kind: re.compile(pattern, re.I) for kind, pattern in {
    "time": r"\bdate\b|\bwhat time\b|\bwhat hour\b|\b(?:what|which) year\b",
    "place": r"\bstreet\b|(?<!mail )\baddress\b", "code": r"\bemail\b|\burl\b|\bwebsite\b|\b(?:phone|mobile|cell)\b",
    "amount": r"\bhow (?:old|long)\b"}.items()}
_PRECISE_ASKED.update({kind: re.compile(r"(?!)") for kind in ("name", "money")})
_DAY = re.compile(r"\d|\b(?:mon|tue|wed|thu|fri|sat|sun)\w*\b|\b(?:today|tomorrow|tonight)\b", re.I)
_CLOCK_TIME = re.compile(r"\d\s?(?:am|pm|a\.m\.|p\.m\.)|\d:\d\d|\bat \d|^\d{1,2}$|\b(?:noon|midday|midnight|morning|"
                         r"afternoon|evening|tonight)\b", re.I)
_STREET = re.compile(r"\b(?:street|st|road|rd|avenue|ave|lane|way|drive|close|square)\b", re.I)
_PHONE_SHAPE = re.compile(r"\d[\d -]{5,}")
_PRECISE = {"date": _DAY, "time": _CLOCK_TIME, "hour": _CLOCK_TIME, "year": re.compile(r"\b(?:19|20)\d\d\b"),
            "street": _STREET, "address": _STREET, "email": re.compile(r"@"), "url": re.compile(r"\w\.\w|/"),
            "website": re.compile(r"\w\.\w|/"), "phone": _PHONE_SHAPE, "mobile": _PHONE_SHAPE, "cell": _PHONE_SHAPE,
            "long": re.compile(r"\d\s*(?:nights?|days?|weeks?|wks?|months?|years?|yrs?|hours?|hrs?|mins?|minutes?)\b"
                               r"|\b(?:a|an|one|two|three|four|five|six|seven|ten)\s+(?:nights?|days?|weeks?|months?|"
                               r"years?|hours?|minutes?)\b", re.I),
            "old": re.compile(r"\bturn(?:s|ed|ing)?\s+\d|\d\s*(?:years?|yrs?|months?|weeks?)\s*old\b|\baged?\s+\d|"
                              r"\b(?:he|she|they)'?s\s+\d|\d(?:st|nd|rd|th)\b|\bis\s+\d{1,3}(?![\d:.%a-z]|\s+(?:a|an|"
                              r"per|pounds?|quid|euros?|dollars?|mins?|minutes|hours?|hrs?|days?|weeks?|months?|miles?|"
                              r"km|kg|am|pm)\b)", re.I)}
"""A date is a day ("in june" is not the date of the wedding); an address is a street ("in Utrecht" is not the
flat's address); "how long" a duration ("5 nights", "a week"); "how old" an age ("turns 7", "hes 7", "is 64 and",
"10 weeks old", "her 40th", read with the words around the number): what such a question asks for must be that
precise."""


def _precise_enough(precise: re.Pattern[str], asked_for: str, value: Value, clause: str) -> bool:
    if asked_for == "old":  # an age is said by the words around the number: "turns 7", "7 years old"
        return precise.search(clause[max(0, value.start - 10):value.end + 10]) is not None
    return precise.search(value.text) is not None or _lost(value)


def in_question(value: str, question: str) -> bool:
    """True when the question already says the value, whole or by one of its proper names ("who owns halcyon"
    says "Halcyon Studio", "how many people" does not say "8 people"): a value the asker typed is the topic.
    Used by :func:`holds_answer` (notebook 00_start_here)."""
    asked = question.lower()
    if value.lower() in asked:
        return True
    typed = {w.lower().removesuffix("'s") for w in words(question)}
    return any(len(w) > 2 and w[:1].isupper() and w.lower().removesuffix("'s") in typed for w in words(value))
