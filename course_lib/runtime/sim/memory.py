"""A memory of what the user said, per request: statements as clauses, in order, corrections applied.

Everything on the user's side of a request is read (the system prompt with its pinned facts, user
messages, summaries, tool results); assistant turns are not. Each statement is split into clauses
("the hiring manager is Farah Nazari, it's at 10am on zoom" -> two), each remembered with its
position and the values it holds (:mod:`.values`). Questions are not statements and are left out.

A later clause that corrects an earlier one replaces its value, so the answer gives the new value
and never the old one:

* "X not Y" / "not Y but X" / "X instead of Y": every earlier clause saying Y now says X;
* "scrap the Y, ..." / "scratch the Y, ...": the same, with X the value said after it;
* a correction asked as a request ("can we make it 8 people") is a correction, not a question;
* a correction without the old value ("make that 22k", "it's 8 of us now", "scratch that, ...",
  "changed my mind, next month we'll do Piranesi", "sorry typo earlier, the order number is
  actually KX-4417-B", "i changed the wifi password to greenowl88"): the value it gives replaces the
  earlier value of the same kind in the clause sharing the most words with it, the latest of those,
  never one of its own sentence ("correction: Tom left, my new manager is Aisha Khan" corrects the
  earlier manager, not "Tom left"). A correction that names nothing but its value ("make that 22k",
  "no sorry, the 14th", "its been moved to next monday") or has its phrase at the value ("start at
  7:45 instead") needs no word in common: it updates the latest clause holding a value of that
  kind. One that names something of its own ("no wait the florist comes at 9am", "he came at
  11pm", "we pushed back the rehearsal to the 10th") corrects only what it shares a word with, and
  a sum of money and a count of something else ("3 weeks") never replace each other. A new amount
  with a weak marker and nothing else ("its £780 now", "its 8 of us now") updates the latest amount;
  a clock time so said is the clock's ("its 5pm now, im off home"). A weak
  marker ("now", "actually") must stand within :data:`WEAK_REACH` words of the value, and a
  statement that only opens with "sorry" ("sorry the flight number is FR 8324") must share a word
  with what it corrects ("sorry, im late, the bus was 20 minutes behind" corrects nothing). A
  clause that only says an earlier value was wrong ("the reg i gave u was wrong") is not
  remembered as a fact.

A new day replaces only a day ("moved it to friday the 10th" leaves "she finishes at 12" alone) and
only the day of an earlier "the 17th at 10:30", a new clock time only a clock time ("moved to the
19th, same time" keeps 10:30). The correcting clause itself is kept without its "not Y" part, even
when nothing said before holds Y, so the old value is not repeated.
"""

from __future__ import annotations

__all__ = ["Clause", "neighbour_pairs", "remember", "split_clauses", "strength"]

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .language import CASUAL_WORDS, content_words, sentences
from .questions import is_question, without_fillers
from .values import CLOCK, MONEY, PERSON_NOUNS, TIME_PART, Value, values

_SPLIT = re.compile(r"\s*(?:[;]|\s-\s|,\s*(?=(?:and|but|so|also|plus|btw|which|she|he|they|it|its|it's|we|i|i'm|"
                    r"his|her|their|im|ive|weve|youre|my|our|the|now|then|oh|because|cause|since|though|although|while|does|do|is|are|was|can|should|would|could|will|did|have|has|had|any|what|how|why|who|whats)\b)|\s+(?:and|but|btw|"
                    r"also|cos|coz|cuz|because)\s+(?=(?:i|i'm|im|we|we're|he|she|they|it|it's|its|my|our|the|his|her|"
                    r"their)\b))\s*"
                    r"|(?:(?<=\bsaid)|(?<=\bsays)|(?<=\btold me)|(?<=\bmentioned))\s+(?:that\s+)?"
                    r"(?=(?:my|our|the|it|it's|its|his|her|their|your|ur|there)\b)",
                    re.I)
"""Where a statement's clauses part. Reported speech parts too: in "the receptionist said my insurance is Delta
Dental" the name belongs to the insurance, not to the receptionist, whose name was never given."""
_TAIL = re.compile(r"[\s,]*(?:\b(?:lol|haha+|tbh|btw|ok|pls|please|though|lmao|i think|i guess)\b[\s,.!]*)+$", re.I)
STRONG = re.compile(r"\b(?:make (?:that|it)|scratch that|correction|i meant|typo|changed my mind|change of plans?|"
                    r"no wait|wait no|no sorry|sorry no|my mistake|my bad|got (?:it|that) wrong|"
                    r"(?:i|it|that|this) (?:was|were) wrong|(?:the|my|our) (?!(?:" + "|".join(PERSON_NOUNS) + r")\b)"
                    r"(?:[a-z]+ ){1,2}(?:was|were) wrong|"
                    r"i (?:said|gave|told|sent|put)\b[^,.;!?]*? (?:was|were) wrong|instead|renam\w* it|"
                    r"moved (?:(?:it|that|me|us|him|her|them) )?to|(?:it'?s|it is|that'?s) moving to|"
                    r"push(?:ed)? (?:it|back)|pushed to|switch(?:ed)? (?:it |that )?to|chang(?:e|ed) (?:it|that)|"
                    r"chang(?:e|ed) (?:the|my|our) (?:[a-z]+ ){1,2}to|"
                    r"(?:raised|lowered|increased|reduced|revised|bumped|dropped|cut) (?:it|that)(?: up| down)? to)\b"
                    r"|^(?:sorry|oops|whoops)\b(?! (?:to|for|if|about)\b)", re.I)
"""Self-correction phrases: the clause may update an earlier value even when it shares no word with it. A statement
that opens with "sorry" corrects ("sorry the flight number is FR 8324"); "sorry to bother you" does not."""
OPENING = re.compile(r"sorry|oops|whoops", re.I)
"""The markers that open a sentence: they say a correction follows, not which value it corrects."""
REMARK = re.compile(r"\b(?:(?:was|were|got (?:it|that)) wrong|typo|my (?:mistake|bad))\b", re.I)
"""A clause that only says something said before was wrong: the correction is in the clause after it."""
RETRACT = re.compile(r"\b(?:scrap|scratch|forget|ignore)\s+(?:the\s+)?(?P<old>(?:[^,;.!?]|(?<=\d)[,.](?=\d))+?)"
                     r"\s*(?:;|,(?!\d)|\s-\s)\s*(?P<new>.+)$", re.I)  # "12,500" is one value
"""A value taken back, then the new one: "scrap the 22nd, its moving to the 23rd", "scratch the 12,500, we revised it
down to £11,800". The old value is replaced wherever it was said, and the retracting words are not remembered."""
WEAK = re.compile(r"\b(?:now|actually|not anymore|update[ds]?)\b", re.I)
"""Words that may mark an update: only an earlier clause sharing a word with this one is updated."""
EXPLICIT = (re.compile(r"^(?P<new>.*?\S)\s*,?\s+(?:and\s+)?not\s+(?:the\s+|a\s+|on\s+|at\s+)?(?P<old>[^,;.!?]+?)"
                       r"\s*(?:[,;.!?]|$)", re.I),
            re.compile(r"^(?P<new>.*?\S)\s+instead of\s+(?P<old>[^,;.!?]+?)\s*(?:[,;.!?]|$)", re.I),
            re.compile(r"\bnot\s+(?P<old>[^,;.!?]+?)\s*,?\s+but\s+(?P<new>.+)$", re.I),
            re.compile(r"\b(?:renamed|changed|moved|switched)\s+(?!(?:it|that|me|us|him|her|them)\b)(?P<old>\S+)\s+to\s+"
                       r"(?P<new>\S+)", re.I))  # "moved me to thursday" renames nothing: a pronoun is not an old value
_LEAD = re.compile(r"^(?:(?:sorry|oh|no|wait|ok|so|and|also|actually|typo|earlier|above|my bad|correction|scratch "
                   r"that|changed my mind|change of plans?|make (?:that|it)|it's|its|it is|it was|that's|thats|"
                   r"i meant|i mean)\b[\s,:.!-]*)+", re.I)


CODE_LIKE = re.compile(r"[(){}\[\]=<>`#]|::|^\s")
"""Code and markup, where "not" and "now" are not a person correcting themselves."""

RECENT_CLAUSES = 40
"""A correction that does not repeat the old value updates one of the user's last 40 clauses: people
correct what they said recently, and looking further back would make every reply cost more as a chat grows."""

WEAK_REACH = 4
"""The most words between a weak marker and the value it updates ("its 4 nights now", "is actually KX-4417-B"):
"now" at the end of "chloes flying on FR 3155 cos she lives up there now" updates nothing."""

@dataclass(frozen=True)
class Clause:
    """One thing the user said: its words, where it came from, its place in the request, its values."""

    text: str
    source: str
    position: int
    sentence: str

    @property
    def values(self) -> tuple[Value, ...]:
        return values(self.text)


def split_clauses(sentence: str) -> list[str]:
    """A statement's clauses: split at ";", " - ", and a comma or "and" that starts a new subject."""
    parts = [_TAIL.sub("", without_fillers(p)).strip(" ,.!") for p in _SPLIT.split(sentence)]
    return [p for p in parts if len(p) > 2 and content_words(p)]


def remember(sources: list[tuple[str, str]]) -> list[Clause]:
    """The clauses still true at the end of the request, in order, each correction applied.

    ``sources`` is ``(source, text)`` in the order they were sent: ``("system", ...)``, then
    ``("user", ...)`` per message (summaries and tool results count as the user's side).
    """
    memory: list[Clause] = []
    for source, text in sources:
        for sentence in sentences(text):
            if sentence.endswith(":"):
                continue
            marked = strength(sentence)  # "no wait, it's due march 21": the marker opens the sentence
            said, corrects = sentence, source == "user"
            if corrects and (retracted := _retracted(memory, sentence)):
                memory, said = _retract(memory, *retracted)
                corrects = False  # the correction is made: what follows the retraction is only remembered
            parts = split_clauses(said)
            # "this month we're reading X, have u read it?": the question is the last clause, the rest is said
            parts = [p for i, p in enumerate(parts) if not is_question(p + ("?" if i == len(parts) - 1 and
                                                                              sentence.endswith("?") else ""))
                     or (STRONG.search(p) and values(p))]  # "can we make it 8 people": a request is a change
            for part in parts:
                if source == "user" and REMARK.search(part) and not values(part):
                    continue  # "the reg i gave u was wrong": says an earlier value is wrong, is no fact itself
                clause = Clause(part, source, len(memory), sentence)
                memory = _apply(memory, clause, marked) if corrects else [*memory, clause]
    return memory


def _retracted(memory: list[Clause], sentence: str) -> tuple[str, str] | None:
    """(old value, what follows it) when the sentence takes back a value the user gave: "scrap the 22nd, ..."."""
    match = RETRACT.search(sentence)
    if match and values(f"the {match.group('old')}") and _find(memory, match.group("old")):  # "the" makes "22nd" a day
        return match.group("old"), match.group("new")
    return None


def _retract(memory: list[Clause], old: str, said: str) -> tuple[list[Clause], str]:
    """Every earlier clause saying ``old`` says the value given after it; what is left to remember is that part."""
    new, saying = _new_value(said, old, first=True), set(_find(memory, old))
    return [replace(c, text=_substitute(c.text, old, new)) if i in saying else c for i, c in enumerate(memory)], said


def strength(text: str) -> int:
    """How surely a text corrects something: 2 for a correction phrase ("make that", "instead", "was wrong"), 1 for
    a statement that only opens with "sorry", 0 for neither. Used by :mod:`.replies` to acknowledge a correction."""
    markers = [m.group(0) for m in STRONG.finditer(text)]
    if any(not OPENING.fullmatch(marker) for marker in markers):
        return 2
    return 1 if markers else 0


_BARE_NUMBER = re.compile(r"[$€£¥]?\d[\d,.:]*(?:\s?[kK]\b)?")
"""A number without its unit ("make that 450"): it takes the unit of the value it replaces ("450 quid")."""
_OF_US = re.compile(r"\s+of(?:\s+(?:us|you|them))?$", re.I)
_POINTING = frozenset("it its that this there then next last coming following".split())
"""Words that point at what was said ("make *it* friday") or qualify the new value ("moved to *next* monday")."""
_SUBJECT = re.compile(r"\b(?:he|she|they|hes|shes|he's|she's|they're|theyre)\b", re.I)


def _marker_words(text: str) -> set[str]:
    """The words of a text's correction markers ("make", "that", "now"): they say nothing about what is corrected."""
    return content_words(" ".join(m.group(0) for pattern in (STRONG, WEAK) for m in pattern.finditer(text)))


def _elliptical(text: str, value: Value, markers: set[str]) -> bool:
    """True when a correction names nothing of its own beside its value: "make that 22k", "no sorry, the 14th", "its
    8 of us now". "no wait the florist comes at 9am" is about the florist, "he came at 11pm" about him."""
    rest = content_words(text) - content_words(value.text) - markers - _POINTING - CASUAL_WORDS
    return not rest and not _SUBJECT.search(text)


_UNIT = re.compile(r"\d[\d,.]*\s*[a-z]{2,}", re.I)


def _other_unit(old: Value, new: Value) -> bool:
    """True when one amount is money and the other counts something else: "3 weeks" never replaces "£60"."""
    old_money, new_money = bool(MONEY.search(old.text)), bool(MONEY.search(new.text))
    return old.kind == new.kind == "amount" and old_money != new_money and bool(
        _UNIT.match((old if new_money else new).text))


def _apply(memory: list[Clause], clause: Clause, marked: int) -> list[Clause]:
    """Add a clause to the memory, replacing what it corrects."""
    if CODE_LIKE.search(clause.text):  # "if x is not None:" corrects nothing
        return [*memory, clause]
    for pattern in EXPLICIT:
        match = pattern.search(clause.text)
        if match and _find(memory, match.group("old")):
            return _explicit(memory, clause, match.group("new"), match.group("old"))
        if match and pattern is EXPLICIT[0]:  # "its 21 kids not 18": 18 is wrong whatever it was said of, and only
            return _implicit(memory, _without_old(clause, match.group("new")), strong=0)  # "kids" say which
        if match and pattern is EXPLICIT[-1]:  # "i renamed emit_tax to emit_tax_total": nothing said before changes
            return [*memory, clause]
    strong = max(marked, strength(clause.text))
    if strong or WEAK.search(clause.text):
        return _implicit(memory, clause, strong)
    return [*memory, clause]


def _find(memory: list[Clause], old: str) -> list[int]:
    """Indexes of the earlier user clauses that say ``old`` (as whole words)."""
    old = old.strip()
    if not old:
        return []
    pattern = re.compile(rf"(?<![\w-]){re.escape(old)}[\w]*", re.I)
    return [i for i, c in enumerate(memory) if c.source == "user" and pattern.search(c.text)]


def _new_value(new_part: str, old: str, first: bool = False) -> str:
    """What replaces ``old``: the value of the same kind at the end of the correcting part (with ``first``, the first
    one: "its moving to the 23rd cos of parents evening"), else its last words."""
    kinds = {v.kind for v in values(old) or values(f"the {old}")}  # "22nd" alone is a day too
    found = [v for v in values(new_part) if v.kind in kinds] if kinds else []
    if found:  # "95 pounds" replaces a bare "85" as "95": the unit after it is still there
        text = re.sub(r"^(?:the|on|at)\s+", "", found[0 if first else -1].text, flags=re.I)  # "the 5th" -> "5th"
        return text.split()[0] if len(old.split()) == 1 else text
    words = _LEAD.sub("", new_part.strip()).split()
    return " ".join(words[-max(1, len(old.split())):])


def _substitute(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced by ``new``; a currency sign already before ``old`` is not repeated ("£12,500")."""
    def replacement(match: re.Match[str]) -> str:
        return new[1:] if new[:1] in "$€£¥" and text[max(0, match.start() - 1):match.start()] == new[:1] else new
    return re.sub(rf"(?<![\w-]){re.escape(old.strip())}[\w]*", replacement, text, flags=re.I)


def _explicit(memory: list[Clause], clause: Clause, new_part: str, old: str) -> list[Clause]:
    """ "X not Y": earlier clauses saying Y say X; the correction is kept as its "X" part only."""
    new, saying = _new_value(new_part, old), set(_find(memory, old))
    memory = [replace(c, text=_substitute(c.text, old, new)) if i in saying else c for i, c in enumerate(memory)]
    kept = _without_old(clause, new_part)
    return [*memory, kept] if kept.text == new_part else memory


def _without_old(clause: Clause, new_part: str) -> Clause:
    """A correction kept as its "X" part, so an answer never repeats the wrong value; whole if "X" says too little."""
    return replace(clause, text=new_part) if len(content_words(_LEAD.sub("", new_part).strip())) > 1 else clause


def _family(kind: str) -> str:
    """Names and codes replace one another ("renaming it to Gullhaven" replaces "HarborView_5G")."""
    return "proper" if kind in ("name", "code") else kind


def _time_parts(text: str, value: Value) -> list[tuple[int, int, bool]]:
    """Each part of a time value, as (start, end) in ``text``, and whether it is a clock time, read where ``text``
    says it: "at 9.15" is a clock time, while "9.15" alone may not be."""
    return [(p.start(), p.end(), bool(CLOCK.match(text[:p.end()], p.start())))
            for p in TIME_PART.finditer(text, value.start, value.end)]


def _part_kinds(text: str, value: Value) -> set[bool | str]:
    """What a value's parts are: clock times (True) or days (False) for a time, one "value" for anything else. A
    correction replaces only a value with a part of its own kind: "moved it to friday the 10th" leaves "she
    finishes at 12" alone."""
    if value.kind != "time":
        return {"value"}
    return {clock for _, _, clock in _time_parts(text, value)} or {False}


def _part_corrected(old: Value, old_text: str, new: Value, new_text: str) -> Value:
    """The part of an earlier time that a new one replaces: its clock time for a clock time, else its date.

    A date may be several parts ("friday march 14"): a new date ("march 21") replaces all of them, from the
    first to the last, so no part of the old date is left beside the new one."""
    if old.kind != "time" or new.kind != "time":
        return old
    parts = _time_parts(old_text, old)
    is_clock = _part_kinds(new_text, new) == {True}
    same = [(start, end) for start, end, clock in parts if clock == is_clock]
    if len(same) == len(parts) or not same:
        return old
    start, end = same[0][0], same[0][1] if is_clock else same[-1][1]
    return Value("time", old_text[start:end], start, end)


def _implicit(memory: list[Clause], clause: Clause, strong: int) -> list[Clause]:
    """A correction that does not repeat the old value: replace the value it updates, if one is found."""
    recent = [(i, c) for i, c in enumerate(memory) if c.source == "user"][-RECENT_CLAUSES:]
    said = " ".join(c.text.lower() for _, c in recent)
    given = [v for v in clause.values if v.kind != "place" and v.text.lower() not in said]  # new information only
    if not given:
        return [*memory, clause]
    marker = STRONG.search(clause.text) or WEAK.search(clause.text)
    at = marker.start() if marker else 0
    new = min(given, key=lambda v: min(abs(v.start - at), abs(v.end - at)))  # the value the marker points at
    between = clause.text[min(new.end, at):max(new.start, at)]
    if not strong and len(between.split()) > WEAK_REACH:  # "on FR 3155 cos she lives up there now": no update
        return [*memory, clause]
    # What the correction is about: its sentence's words without the new value itself ("guests" in "120 guests" stays)
    said_value = " ".join(w for w in new.text.split() if any(ch.isdigit() for ch in w) or w[:1].isupper())
    subject = content_words(clause.sentence) - content_words(said_value or new.text)
    # A correction naming nothing but its value ("make that 22k"), or with its phrase at the value ("start at 7:45
    # instead"), may update a value said in other words; "sorry, im late, the bus was 20 minutes behind" and "the DJ
    # got it wrong last year, he came at 11pm" must share a word with what they correct.
    markers = _marker_words(clause.text)
    unworded = strong == 2 and (_elliptical(clause.text, new, markers) or (  # "start at 7:45 instead", not "push X to"
        strength(clause.text) == 2 and len(between.split()) <= WEAK_REACH
        and not content_words(between) - markers - _POINTING))
    # "its £780 now", "its 8 of us now": a new amount and nothing else updates the last one; a time may be the clock's
    unworded = unworded or (new.kind == "amount" and _elliptical(clause.text, new, markers))
    best: tuple[int, int, Value] | None = None
    for i, earlier in recent:
        if earlier.sentence == clause.sentence:
            continue  # "correction: Tom left, my new manager is Aisha": the sentence's own clauses are not corrected
        for old in earlier.values:
            if _family(old.kind) != _family(new.kind) or old.text.lower() == new.text.lower() \
                    or not _part_kinds(earlier.text, old) & _part_kinds(clause.text, new) or _other_unit(old, new):
                continue
            shared = len(subject & content_words(earlier.text))
            if not shared and not unworded:
                continue  # "actually" in a clause about something else corrects nothing
            key = (shared, i, old)  # the most words in common, then the latest: people correct what they just said
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return [*memory, clause]
    _, index, old = best
    target = memory[index]
    # "moved to the 19th, same time": the day changes, "at 10:30" stays
    old = _part_corrected(old, target.text, new, clause.text)
    replacement, end = new.text, old.end
    article = re.match(r"(?:the|on|at)\s+", new.text, re.I)
    if article and target.text[:old.start].lower().endswith(article.group(0).lower()):  # "on the 22nd": no "the the"
        replacement = new.text[article.end():]
    number, count = _BARE_NUMBER.match(old.text), _OF_US.sub("", new.text)  # "8 of us" counts as "8" people
    if number and _BARE_NUMBER.fullmatch(count):  # "make that 8" updates "7 people" to "8 people"; "make that 9am"
        replacement, end = count, old.start + number.end()  # and "55 euros" replace the whole value
    fixed = target.text[:old.start] + replacement + target.text[end:]
    memory = [replace(c, text=fixed) if i == index else c for i, c in enumerate(memory)]
    return [*memory, clause]


def neighbour_pairs(memory: Sequence[Clause]) -> list[Clause]:
    """Clauses that go on about the one before, paired with it as one unit (negative position):

    * in a sentence ("i booked the dentist, its with dr. Okonkwo"), and a clause that only names the thing before
      it ("finally joined a choir, the Harbour Singers");
    * across sentences after a possessive ("my son Kwame started at Oakfield." "his teacher is Mrs Delacroix": a
      line apart), or after "he"/"she" when the one before names a person ("the plumber is Rhys." "he's coming
      thursday");
    * a verbless sentence naming a thing, as one sentence ("we just got a puppy!! a beagle called Biscuit": the
      name is the puppy's; "booked a cottage." "its called Beck View" too).
    """
    units = []
    for a, b in ((a, b) for a, b in zip(memory, memory[1:], strict=False) if a.source == b.source):
        if a.sentence == b.sentence and (_CONTINUES.match(b.text) or _NAMED.match(b.text)):
            units.append(Clause(f"{a.text}, {b.text}", a.source, -b.position, a.sentence))
        elif a.sentence != b.sentence and (_APPOSITION.match(b.text) or _ITS_CALLED.match(b.text)):
            units.append(Clause(f"{a.text}, {b.text}", a.source, -b.position, f"{a.sentence} {b.sentence}"))
        elif _POSSESSIVE_START.match(b.text) or (_HE_OR_SHE.match(b.text) and _names_a_person(a.text)):
            units.append(Clause(f"{a.text}, {b.text}", a.source, -b.position, f"{a.sentence}\n{b.sentence}"))
    return units


_CONTINUES = re.compile(r"(?:it|its|it's|he|hes|he's|she|shes|she's|they|they're|that|which|who)\b", re.I)
"""A clause that goes on about the one before it ("i booked the dentist, its with dr. Okonkwo")."""
_NAMED = re.compile(r"the\s+[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*)*(?:\s+(?:in|on|at|near|by|from)\s+[^,;]*)?$")
"""A clause that only names the thing before it ("entered my first race, the Abbey Dash in leeds on 6 november")."""
_ITS_CALLED = re.compile(r"(?:it's|its|it is|they're|theyre|they are)\s+(?:called|named)\b", re.I)
"""A sentence naming the thing the one before is about: "booked a cottage in the lakes." "its called Beck View"."""
_HE_OR_SHE = re.compile(r"(?:he|hes|he's|she|shes|she's)\b", re.I)
"""A sentence going on about the person the one before named: "the plumber is Rhys." "he's coming thursday"."""


def _names_a_person(text: str) -> bool:
    return any(v.kind == "name" for v in values(text)) and re.search(rf"\b(?:{'|'.join(PERSON_NOUNS)}|guy|man|woman|"
                                                                    r"lady|bloke|fella)\b", text, re.I) is not None


_POSSESSIVE_START = re.compile(r"(?:his|her|its|their)\s+\w", re.I)
_APPOSITION = re.compile(r"(?i:a|an)\s+(?:[\w-]+\s+){0,3}?(?i:called|named)\s+[\w'-]+(?:\s+[A-Z][\w'-]*)*\s*(?:,|$)")
"""A verbless sentence naming a thing: "a beagle called Biscuit, ..." (not "a guy called Rob fixed it")."""
