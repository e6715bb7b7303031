"""Is it a question, and what kind of answer does it want? Decided by form and content, not only "?".

People type "whats our spending limit" without a question mark, and "when i was in lisbon i lost my
passport" is a statement although it starts with "when". The rules:

* a sentence ending in "?" is a question;
* so is one that opens (after fillers such as "hmm", "ok so", "btw") with a question word followed by
  a verb or a noun ("what's", "whats the", "who do", "which day"), with an auxiliary verb followed by
  its subject ("is it", "do i", "can you"), or with an asking phrase ("remind me", "tell me",
  "i forgot", "any idea");
* a question word followed by a subject ("when i was ...", "what we need is ...") opens a clause
  inside a statement, so it does not make a question;
* a condition in front ("if the clinic scans her ...", "once we land ...") is skipped: the question
  word after it decides, by the same rules (:func:`core_of`).

The question's type says what kind of value its answer must contain (:func:`answer_kind`), and a "who is"
question the role of the person it wants (:func:`asked_role`: "who's the cat's vet" wants a vet).
"""

from __future__ import annotations

__all__ = ["answer_kind", "asks_for_a_named_thing", "asked_role", "attribute_holders", "core_of", "is_question",
           "without_fillers"]

import re

FILLERS = re.compile(r"^(?:(?:hmm+|hm+|ok(?:ay)?|so|and|oh|um+|uh+|btw|also|hey|hi|sorry|wait|well|anyway|quick "
                     r"(?:q|question)|lol|ah+|right|actually|yeah|yes|no|but|then)\b[\s,:.!-]*)+", re.I)
_WH = r"what|whats|what's|who|whos|who's|whom|whose|which|when|whens|when's|where|wheres|where's|why|how|hows|how's"
_CONTRACTED = {"whats", "what's", "whos", "who's", "whens", "when's", "wheres", "where's", "hows", "how's"}
_SUBJECTS = {"i", "we", "you", "u", "he", "she", "they", "it", "my", "our", "his", "her", "their", "i'm", "im",
             "we're", "this", "that", "there", "someone", "everyone", "people"}
_CONDITIONS = frozenset("if when once after before whenever".split())
"""Words that open a condition in front of the question: "once we land whos picking us up"."""
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "his", "her", "their", "your", "ur"}
_AUX = ("is are was were do does did will would can could should shall has have had am isn't aren't wasn't "
        "don't doesn't didn't won't can't couldn't shouldn't").split()
ASKING = re.compile(r"^(?:remind me|tell me|do (?:you|u) (?:know|remember|recall)|can (?:you|u) (?:tell|remind|"
                    r"repeat)|could (?:you|u) (?:tell|remind|repeat)|any idea|i (?:forgot|forget|can't remember|cant "
                    r"remember|don't remember|dont remember)|what about|how about|not sure (?:what|who|when|where|"
                    r"which|how))\b", re.I)


def without_fillers(text: str) -> str:
    """The text without the small talk people open with ("hmm ok so whats ..." -> "whats ...")."""
    return FILLERS.sub("", text.strip()).strip()


def is_question(sentence: str) -> bool:
    """True when a sentence asks something, by its form: see the module's rules."""
    text = sentence.strip()
    if text.rstrip('"\')').endswith("?"):
        return True
    core = core_of(text)
    if ASKING.match(core):
        return True
    parts = re.findall(r"[\w']+", core)
    if not parts:
        return False
    return _opens_a_question(parts)


def _opens_a_question(parts: list[str]) -> bool:
    first, second = parts[0], parts[1] if len(parts) > 1 else ""
    if re.fullmatch(_WH, first):
        if first in _CONTRACTED or first in ("who", "whom"):
            return True
        if first in ("when", "where", "why"):  # "when is it" asks; "when the tech came, ..." tells
            return second not in _SUBJECTS | _DETERMINERS
        return second not in _SUBJECTS  # "what time is it" asks; "what we need is ..." tells
    return first in _AUX and second in _SUBJECTS | {"the", "a", "an", "there", "any"}


_LEADING_KINDS = {"who": "name", "whos": "name", "who's": "name", "whose": "name", "whom": "name",
                  "when": "time", "whens": "time", "when's": "time", "where": "place", "wheres": "place",
                  "where's": "place"}
_HOW = re.compile(r"\bhow (?:much|many|long|fast|far|old|big|often|soon)\b", re.I)
KIND_NOUNS = {
    "time": "time times date dates day days hour hours deadline month year when".split(),
    "amount": ("cost costs price prices budget amount total rate fee fees headcount speed much many count old "
               "age long").split(),
    "code": ("number numbers id ids code codes reference ref model serial password pin email url website phone "
             "mobile").split(),
    "name": "name names called named surname who".split(),
    "place": "address city town village country area neighbourhood neighborhood street place venue location "
             "where".split(),
}
"""Nouns that say which kind of value a "what"/"which" question wants ("what time", "what's the cost")."""
_NOUN_KIND = {noun: kind for kind, nouns in KIND_NOUNS.items() for noun in nouns}
MONEY_WORDS = frozenset("cost costs price prices pay paying paid spend spent charge charging charged budget fee fees "
                        "rent salary bill bills quote quoted owe owes afford".split())
"""Words that make an amount a sum of money: "how much does the venue cost" is not answered by "120 guests"."""
SUMS = frozenset("rent salary wage wages bill fee fees deposit fare premium mortgage".split())
"""Nouns that name a sum of money, so "what's the X" asks for an amount of money (verbs such as "owe" do not:
"which company owes me money" asks for a name). Not all of them are in MONEY_WORDS, which also decides whether a
clause's number is money: "the deposit was 1300" stays an amount, so "how big was the deposit" finds it."""
_RATE = frozenset("per a an each every".split())
_UNITS = frozenset("hour hours day days week weeks month months year years".split())


def answer_kind(question: str) -> str | None:
    """The kind of value the question asks for (``"time"``, ``"amount"``, ``"money"``, ``"place"``,
    ``"name"``, ``"code"``), or None when its wording does not say ("what's the experiment about").

    The opening question word decides ("who" a name, "when" a time, "how many" an amount); after
    "what" or "which", the first noun that names a kind does ("what time", "which number").
    """
    core = core_of(question)
    parts = [w.removesuffix("'s") for w in re.findall(r"[\w']+", core)]
    if parts and parts[0] in _LEADING_KINDS:
        return _LEADING_KINDS[parts[0]]
    # "per month", "a week": a rate says how often, not what is asked ("whats the rent per month" asks for money)
    asked = [w for before, w in zip(["", *parts[:-1]], parts, strict=True) if before not in _RATE or w not in _UNITS]
    kind = "amount" if _HOW.search(core) else next(
        (_NOUN_KIND[w] for w in asked if w in _NOUN_KIND and w not in ("who", "when", "where")), None)
    if kind == "amount" and (MONEY_WORDS.intersection(parts) or _PRICE.match(core)):
        return "money"
    if kind is None and parts[:1] in (["what"], ["whats"]) and SUMS.intersection(parts):  # "what's": 's removed
        return "money"  # "what's the rent": a sum of money, though no word says "amount"
    return kind


_PRICE = re.compile(r"how much (?:is|are|was|were|will|would|does|did|do)\b(?! (?:it|that|this) (?:weigh|take|hold))")
""""How much is the cake": the price of a thing (but "how much does it weigh" is not)."""


def asks_for_a_named_thing(question: str) -> bool:
    """True for a question after one thing of a sort ("which company do we pay", "what brand is the printer"):
    a clause holding a name or a code may answer it. Introduced in notebook 00_start_here."""
    return bool(_WHICH_THING.match(core_of(question)))


_WHICH_THING = re.compile(r"(?:which|what)\s+(?!(?:kind|sort|type|else|if|about|of)\b)[a-z][\w-]*"
                          r"(?:\s+[a-z][\w-]*)?\s+(?:is|are|was|were|do|does|did|am|should|will|can|has|have)\b"
                          r"|which\s+(?!(?:is|are|was|were|do|does|did|one|of)\b)[a-z]")
"""A question for one thing of a sort: "which company do we pay", "what brand is the printer" (but "what is it",
"what did we name it" are not)."""

ATTRIBUTE_NOUNS = frozenset("name surname number called named address email password pin code".split())
"""Words that ask for a value *of* something: "the receptionist's name", "the wifi password"."""
_SPECIFIC = frozenset("address email password pin".split())
_QUALIFIERS = frozenset("last first full middle real new old current exact".split())


def attribute_holders(question: str) -> list[str]:
    """The words a question asks a name, number or password *of*: "whats the receptionists name" ->
    ["receptionists"], "whats derek's last name" -> ["derek"], "whats the wifi password" -> ["wifi", "password"].

    If such a word is in the conversation but never next to a value of the asked kind, the value was never
    given (:func:`.matching.best_clause` then declines to answer). Introduced in notebook 00_start_here.
    """
    from .language import CASUAL_WORDS, FRAME_WORDS, STOPWORDS  # language imports nothing from here

    closed = STOPWORDS | CASUAL_WORDS | FRAME_WORDS
    tokens = [w.removesuffix("'s") if w not in closed else w for w in re.findall(r"[\w'-]+", core_of(question))]
    found: list[str] = []
    for i, token in enumerate(tokens):
        if token not in ATTRIBUTE_NOUNS:
            continue
        if token in _SPECIFIC:
            found.append(token)
        if i + 1 < len(tokens) and tokens[i + 1] == "of":  # "the name of the company"
            found += [w for w in tokens[i + 2:i + 4] if w not in closed][:1]
            continue
        j = i - 1
        while j >= 0 and tokens[j] not in closed and tokens[j] not in ATTRIBUTE_NOUNS:
            if tokens[j] not in _QUALIFIERS:
                found.append(tokens[j])
            j -= 1
    return list(dict.fromkeys(found))


def core_of(question: str) -> str:
    """The question in lower case without its opening fillers, nor an opening condition: "if the clinic scans
    her what number should come up" asks "what number should come up"."""
    core = without_fillers(question).lower()
    found = list(re.finditer(r"[\w']+", core))
    parts = [m.group() for m in found]
    if len(parts) < 3 or parts[0] not in _CONDITIONS or parts[1] not in _SUBJECTS | _DETERMINERS:
        return core  # "when is it" is itself the question
    for i, match in enumerate(found[2:], start=2):
        if re.fullmatch(_WH, parts[i]) and _opens_a_question(parts[i:]):
            return core[match.start():]
    return core


_WHO_IS = re.compile(r"(?:who's|whos|who is|who are|who're)\s+(?:(?:the|my|our|your|his|her|their)\s+)?"
                     r"(?:[\w-]+'s\s+)?(?P<phrase>[\w -]+?)\s*(?:\b(?:on|for|at|in|with|from|of|to|by|through|about|"
                     r"again|now|then|these days|this time)\b[^?]*)?\??$")
"""A "who is" question: its role (the cat's *vet*), then what may follow it ("on this", "again")."""


def asked_role(question: str) -> list[str]:
    """The words of the role a "who is" question names a person by, its head last: "who's the cat's vet" -> ["vet"],
    "whos my running partner" -> ["running", "partner"]; none when it asks about a doing ("who's taking the
    pictures") or has no short noun phrase. A clause that says nothing of that role names somebody else."""
    match = _WHO_IS.fullmatch(core_of(question).strip())
    phrase = match.group("phrase").split() if match else []
    return phrase if 1 <= len(phrase) <= 2 and not phrase[-1].endswith("ing") else []
