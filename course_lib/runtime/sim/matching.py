"""Which clause of the context answers a question: shared meaning, word by word, plus the question's type.

A question is reduced to its meaning-bearing words (:func:`.language.meaning_words`: stop words,
fillers and frame words such as "remind" dropped). A clause scores how much of the question's
weight it covers: a word it shares (same stem, or folded together by :mod:`.synonyms`) covers
fully; otherwise the clause word closest in meaning covers part, by the cosine of their
embeddings (:mod:`.word_cover`: "boss" is close to "manager", "teeth" to "dentist"), each
clause word covering one asked word at most. Broad words ("name", "number", "time") and words
close to nothing in the context weigh half: they are more likely the learner's own wording than
the fact that is missing; but a modifier of a word the context uses keeps its weight ("*email*
password" is not answered by "the wifi password"). A quarter of the score is the similarity of
the question's meaning words to the clause's.

Small rules keep related facts apart:

* a possessed word belongs to its owner ("my flight" is not covered by "my sister's flight"
  unless the question names the sister; "chloe's flight", typed "chloes flight" too, only by a
  clause that names Chloe or says "she" or "his"), and the question's "my X" is covered at
  :data:`NOT_MINE` by a word the clause does not call the user's own ("whats my kid's name":
  "my daughter Priya" over "a boy named Jonas, nice kid");
* members of a closed class never cover one another (:data:`.word_cover.CONTRAST_SETS`: a sister is
  not a brother, Tuesday is not Monday), however close their vectors;
* a phrase is about its last noun (:func:`.language.modifiers`): a clause word standing before another
  noun covers the question's word at :data:`MODIFIER_COVER` and anchors nothing, unless that noun is
  what the question asks ("which race" is not answered by "my *running* watch"; "how much was the
  course" is by "the *class* fee"); and a "who is" question's role (:func:`.questions.asked_role`)
  must be said by the clause ("who's the cat's *vet*" is not "the cat sitter is Jo"), by its last
  word or by a word for the whole role ("bassist" for "bass player");
* the question's type (:func:`.questions.answer_kind`: "when" wants a time, "how many" an amount,
  "how much ... cost" money, "who" a name) must find a value of that kind in the clause that the
  question does not already contain (:func:`.values.holds_answer`), else the clause keeps
  :data:`CUE_MISSING_FACTOR` of its score; such a value also answers the type's own words ("what
  *time*" is covered by "4:15pm");
* a clause that only repeats the question's words (a topic line) never answers it, and one whose
  value a summary blurred ("[a number]") yields to the original (:data:`BLURRED_FACTOR`);
* a value the question already says is its topic, not its answer ("who owns halcyon" is not
  answered by "Halcyon Studio"), nor is the own name of a thing a name question mentions by the
  way ("the guy at *the shop*" is not "the shop is Spoke & Chain"); a date must name a day, an
  address a street, "how many" a count (all in :func:`.values.holds_answer`).

Which clause answers (:func:`best_clause`):

1. If a word the question asks a value *of* (:func:`.questions.attribute_holders`: "the
   *receptionist's* name", "the *wifi* password") is in the context but never in a clause holding a
   value of the asked kind, that value was never given: nothing answers. A clause that does not
   name whose name is asked for ("the airbnb *host's* name") scores 0 for it.
2. At :data:`STRONG_MATCH` or above, the best clause answers; but when the question wants a kind of
   value (a "who", "when", "how much" question, or one for one named thing, "which company") and
   the best clause holds none, a clause that holds one and scores within :data:`HOLDING_MARGIN`
   answers instead ("my bike's been clicking, it's a Trek FX 3" over "my bike's been clicking"), and
   so does the best clause paired with the next one when that holds one ("entered my first race, the
   Abbey Dash").
3. Below it, only clauses holding a value of the wanted kind compete: the best of those scoring
   :data:`KIND_MATCH` or more that is *anchored* answers, sharing a topic word with the question (same stem or
   root, or a word within :data:`ANCHOR` cosine) and each word the question possesses ("my *car*";
   within :data:`CLOSE` when the clause too calls it the user's own: "my boss", "my current manager").
   A question whose only meaning words name the kind ("what price did they give us") or are light
   verbs (:data:`LIGHT_VERBS`: "where are we having it", "when can i pick it up") asks about what the
   chat is about: the best, then latest, clause holding a value of the kind's own sort answers (a place
   for "where", not a name) if it is the user's own when the question says "my" ("whats my mobile" is
   not "my sister's number"), unless it asks for a person or a code, of which a chat has many ("who's
   coming"); a clock question ("what time is it") never does.

Single-word cosines are weak evidence (:mod:`.word_cover`): hence the anchor, and a value's kind
weighing as much as the words. Otherwise nothing answers ("I don't have that information").
Deterministic: same request, same scores.
"""

from __future__ import annotations

__all__ = ["STRONG_MATCH", "best_clause", "best_matches"]

import re
from collections.abc import Sequence

from .framing import is_own_words
from .language import (
    meaning_words,
    mentions,
    mine_in,
    modifiers,
    not_theirs,
    owners,
    said_as_mine,
    sentences,
    unmarked_owners,
    words,
)
from .memory import Clause, neighbour_pairs, split_clauses
from .questions import (
    ATTRIBUTE_NOUNS,
    answer_kind,
    asked_role,
    asks_for_a_named_thing,
    attribute_holders,
    core_of,
    is_question,
    without_fillers,
)
from .synonyms import KINDS_OF
from .values import holds_answer, values
from .word_cover import CLOSE, ROOT_COVER, WordMeaning, same_root, similarity

STRONG_MATCH = 0.52
"""The least score a clause needs to answer a question."""

CUE_MISSING_FACTOR = 0.6
"""What a clause keeps of its score when it lacks the kind of value the question asks for."""

BLURRED = re.compile(r"\[(?:a|an) (?:number|id|name|email)\]")
BLURRED_FACTOR = 0.9
"""What a clause keeps of its score when a summary blurred a value in it (:func:`.summaries.blur`)."""

VALUE_COVER = 0.6
"""How much a value of the asked kind covers the question's kind word ("time", "name", "cost")."""

WHOLE_WEIGHT = 0.25
"""The share of the score that is the whole question's similarity to the whole clause."""

BROAD_WEIGHT = 0.5
BROAD_WORDS = frozenset("name number time date day place thing kind type use new want need full again now "
                        "exactly".split())
"""Words too broad to decide a match alone: "my sister's name" is not answered by "my dog's name"."""

LIGHT_VERBS = frozenset(meaning_words("take make put bring pick turn"))
"""Verbs that say little alone: "where am i taking it" asks where, about the conversation's "it"."""

_KIND_NOUNS = {"name": "name called named", "code": "number id code reference phone", "time": "time date day hour",
               "amount": "cost price amount total count old age long", "money": "cost price amount total",
               "place": "address place city town village country area neighbourhood neighborhood venue location"}
_KIND_STEMS = {kind: frozenset(meaning_words(nouns)) for kind, nouns in _KIND_NOUNS.items()}
"""The words a value of each kind answers: "what *time*" is covered by "4:15pm"."""
_LEADING = re.compile(r"(?:who|whos|who's|whose|whom|when|whens|when's|where|wheres|where's|how (?:much|many|long))\b",
                      re.I)
SECOND_CHOICE = 0.9
"""What a clause keeps when its value is of a kind the question accepts second ("DHL" for "what address")."""

_THEIR = re.compile(r"\b(?:his|her|their)\s+\w", re.I)
NOT_MINE = 0.5
"""What a word covers of the question's "my X" when the clause does not say it is the user's own."""
_ABOUT_NOW = re.compile(r"(?:what(?:'s|s| is)?\s+(?:the\s+)?(?:time|date|day)(?:\s+is\s+it)?"
                        r"|what\s+(?:time|day|date)\s+is\s+it)(?:\s+(?:now|today|right now))?\s*\??$", re.I)
"""A question about the clock ("what time is it"): no value the user gave answers it."""


class Scorer:
    """Scores clauses against one question; built once per question, so word vectors are compared once."""

    def __init__(self, question: str, texts: Sequence[str]):
        self.question, self.kind = question, answer_kind(question)
        # "which company do we pay": a name answers it, though a clause without one is not marked down for that
        self.wanted = self.kind or ("name" if asks_for_a_named_thing(question) else None)
        self.leading_kind = bool(_LEADING.match(core_of(question)))
        self.asked = meaning_words(question)
        self.modifying = modifiers(question, loosely=True)  # a question word that only qualifies another
        self.gist, self.lowered = " ".join(self.asked.values()), question.lower()
        self.words = {t: meaning_words(t) for t in dict.fromkeys(texts)}
        vocabulary = [w for found in self.words.values() for w in found.values()]
        self.meaning = WordMeaning([surface for surface in self.asked.values()], vocabulary)
        # A word of a name the user gave ("patel motors") means that name: only the name itself covers it
        named = {w.lower() for t in self.words for v in values(t) if v.kind in ("name", "code") for w in words(v.text)}
        self.meaning.exact_only = {i for i, surface in enumerate(self.asked.values()) if surface in named}
        self.asked_words = {surface.lower() for surface in self.asked.values()}
        self.mine = set(meaning_words(" ".join(mine_in(self.lowered))))
        # Whose each asked word is: "my flight" -> the user's, "my wife's flight" -> the wife's
        self.whose = {**{k: "i" for k in self.mine}, **{k: owner for word, owner in owners(self.lowered).items()
                                                        for k in meaning_words(word)}}
        self.whose.update(unmarked_owners(self.lowered, named))  # "chloes flight", for a Chloe the user named
        self.theirs = {owner for owner in self.whose.values() if owner != "i"}  # the owners the question names
        self._asked_about: dict[str, bool] = {}  # head noun -> whether it is what the question asks (memo)
        everywhere = {stem for found in self.words.values() for stem in found}
        stems = list(self.asked)
        # A word the context never uses weighs half ("the refund *window*"), unless it modifies the next
        # word, which the context does use: "*email* password" is not answered by "the wifi password".
        self.weights = {stem: BROAD_WEIGHT if stem in BROAD_WORDS or not (
            self._known(i, stem, everywhere, vocabulary) or (i + 1 < len(stems) and stems[i + 1] in everywhere))
            else 1.0 for i, stem in enumerate(stems)}
        self.known = any(self._known(i, stem, everywhere, vocabulary) for i, stem in enumerate(stems))
        # Whose name ("the airbnb *host's* name"); not a number's word, often its kind ("*phone* number" for "0161 ...")
        holders = [h for h in attribute_holders(question) if h not in ATTRIBUTE_NOUNS] if self.kind == "name" else []
        self.holder = next(iter(meaning_words(holders[0])), None) if holders else None
        # ...or the person a "who is" question names by role ("who's the cat's *vet*", "whos my running *partner*")
        *qualifiers, role = asked_role(question) or [""]
        self.role = next(iter(meaning_words(role)), None)
        self.role_qualifiers = set(meaning_words(" ".join(qualifiers)))

    def anchored(self, text: str) -> bool:
        """True when the clause says what the question is about, not only a value of the asked kind: it shares
        or nearly shares (:data:`ANCHOR` cosine) one of the question's topic words, and each thing the question
        possesses ("how much did my *car* cost" is not answered by "my budget is 4,500 euros")."""
        found = self.words.get(text) or meaning_words(text)
        others = [w for k, w in found.items() if k not in self.asked]
        topic = self.topic()
        if not topic:  # "what day will it be done": the value's kind is all the question says
            return True
        rest = [k for k in found if k not in self.asked]
        # "my (new) boss" and "my current manager": both the user's own, so a weaker likeness (CLOSE) anchors too
        mine = [w for w in others if said_as_mine(text, w)]
        stems, typed = list(self.asked), list(self.asked.values())
        close = {i: stems[i] in found or same_root(stems[i], rest) is not None
                 or self.meaning.closest(i, [w for w in others if not self.about_another_thing(text, w, i)]) >= ANCHOR
                 or (said_as_mine(self.lowered, typed[i]) and self.meaning.closest(i, mine) >= CLOSE) for i in topic}
        possessed = self.mine
        owned = {stem for stem, word in found.items() if owners(text).get(word, "") not in ("", *self.asked_words)}
        mine = [ok and list(self.asked)[i] not in owned for i, ok in close.items() if list(self.asked)[i] in possessed]
        # A name the question gives ("when is *pepper's* birthday") says whose, not what: it anchors only alone
        named = self.meaning.exact_only
        anchors = [i for i in close if close[i] and (i not in named or all(j in named for j in topic))]
        # "my flight" is not "my sister's flight"; "chloe's flight" is one the clause says is Chloe's (or "her")
        return bool(anchors) and all(mine) and all(mentions(text, owner) for owner in self.theirs)

    def topic(self) -> list[int]:
        """The positions of the question's topic words: its meaning words less the asked kind's own words ("price"
        in "what price") and broad ones ("name", "time")."""
        kind_words = _KIND_STEMS.get(self.wanted, frozenset()) | _KIND_STEMS.get(self.kind, frozenset())
        return [i for i, stem in enumerate(self.asked)
                if stem not in kind_words and stem not in BROAD_WORDS and stem not in LIGHT_VERBS]

    def never_given(self, texts: Sequence[str]) -> bool:
        """True when a word the question asks a value *of* is in ``texts``, but never next to such a value:
        "whats the receptionists name" after "the receptionist said my insurance is Delta Dental"."""
        if self.kind is None:
            return False
        for holder in attribute_holders(self.question):
            stems = set(meaning_words(holder))
            holding = [t for t in texts if stems & set(self.words[t])]
            if not stems or not holding:
                continue
            if not any(holds_answer(self.kind, self.question, t) for t in holding):
                return True
            # "my mum's party" names a party; "the vet's number" still gives the vet's number
            itself = [w for t in holding for w, after in zip(words(t), [*words(t)[1:], ""], strict=True)
                      if not w.lower().endswith("'s") or after.lower() in ATTRIBUTE_NOUNS | self.asked_words]
            if not any(stems & set(meaning_words(w)) for w in itself):
                return True  # only ever the owner of something else, never itself named
        return False

    def about_another_thing(self, text: str, word: str, asked: int) -> bool:
        """True when ``word``, covering the question's ``asked``-th word, only says what kind of thing the next
        word of ``text`` is, and that thing is not what the question asks about: "running" in "my running watch"
        for "which race", but not "class" in "the class fee" for "how much was the course" (a fee is what "how
        much" asks). A question word that is itself a modifier may be covered by one ("staff number": "employee
        id")."""
        head = modifiers(text).get(word)
        if not head or list(self.asked.values())[asked] in self.modifying:
            return False
        if head not in self._asked_about:  # the same head recurs in every clause scored: compare it once
            said = [*self.asked.values(), *words(_KIND_NOUNS.get(self.wanted, ""))]
            self._asked_about[head] = bool(set(meaning_words(head)) & set(self.asked)) or any(
                similarity(a, head) >= CLOSE for a in said)
        return not self._asked_about[head]

    def someone_elses(self, text: str) -> bool:
        """True when the clause gives its thing to someone other than the one the question asks about: "my sister's
        number" or "his mobile" for "whats my mobile", anything not naming Chloe for "whats chloes number"."""
        if self.theirs:
            return not all(mentions(text, owner) for owner in self.theirs)
        return bool(self.mine) and (any(owner not in self.asked_words for owner in owners(text).values())
                                    or _THEIR.search(text) is not None)

    def _names_the_role(self, text: str, covers: dict[str, tuple[float, str]]) -> bool:
        """True when the clause says the role a "who is" question asks about: its head word ("partner"), or a word
        for the whole role, close to its qualifier ("bassist is Marta" for "who's our bass player"); the qualifier
        itself names no role ("4 runs a week" and "my running shoes" name no running partner)."""
        if covers.get(self.role, (0.0, ""))[0] > 0:
            return True
        return any(cover > 0 and word and word not in modifiers(text) and stem not in meaning_words(word)
                   for stem in self.role_qualifiers for cover, word in [covers.get(stem, (0.0, ""))])

    def _known(self, i: int, stem: str, everywhere: set[str], vocabulary: list[str]) -> bool:
        return stem in everywhere or self.meaning.cover(i, vocabulary)[0] > 0

    def score(self, text: str) -> float:
        if not self.asked or not self.known:
            return 0.0  # none of the question's words, nor any close in meaning, is anywhere in the context
        found = self.words.get(text) or meaning_words(text)
        if not set(found) - set(self.asked) and all(v.text.lower() in self.lowered for v in values(text)):
            return 0.0  # says nothing the question does not ("my service plan" is the topic, not the answer)
        owned = owners(text) if self.kind != "name" else {}
        answers = holds_answer(self.kind, self.question, text)
        by_value = _KIND_STEMS.get(self.kind, frozenset()) if answers and self.kind else frozenset()
        covered, covers = 0.0, {}
        for i, stem in enumerate(self.asked):
            if stem in found:
                cover, word = 1.0, found[stem]
            elif kind_of := next((k for k in found if k in KINDS_OF.get(stem, ())), None):  # "kid": "daughter"
                cover, word = 1.0, found[kind_of]
            elif twin := same_root(stem, [k for k in found if k not in self.asked]):  # "movers" and "moving"
                cover, word = ROOT_COVER, found[twin]
            elif stem in by_value:  # "what time" answered by "4:15pm": less than the word itself
                cover, word = VALUE_COVER, ""
            else:  # a clause word already matching another asked word is not used twice
                cover, word = self.meaning.cover(i, [w for k, w in found.items() if k not in self.asked])
                if self.about_another_thing(text, word, i):  # "which race": "my running shoes" are shoes
                    cover *= MODIFIER_COVER
            if owned.get(word) and owned[word] not in self.asked_words:  # "my flight" vs "my sister's flight"
                cover *= 0.2
            elif word and stem in self.whose and not_theirs(self.whose[stem], text, word):
                cover *= 0.2  # "my flight", "my wife's flight" are not "his flight"
            elif word and self.whose.get(stem, "i") != "i" and not mentions(text, self.whose[stem]):
                cover *= 0.2  # "chloe's flight" is not a flight that does not say whose
            elif word and stem in self.mine and not said_as_mine(text, word):
                cover *= NOT_MINE  # "my kid" is better said by "my daughter Priya" than by "a boy ..., nice kid"
            if stem == self.holder and cover == 0:
                return 0.0  # "my friend chloe sorted the airbnb" gives no host's name
            covers[stem] = (cover, word)
            covered += self.weights[stem] * cover
        if self.role and not self._names_the_role(text, covers):
            return 0.0  # "who's the cat's vet" is not answered by "the cat sitter is Jo"
        total_weight = sum(self.weights.values())
        if self.kind and self.leading_kind:  # "who ..." is itself answered by a name, "when ..." by a time
            covered, total_weight = covered + BROAD_WEIGHT * answers, total_weight + BROAD_WEIGHT
        share = covered / total_weight
        total = (1 - WHOLE_WEIGHT) * share + WHOLE_WEIGHT * similarity(self.gist, " ".join(found.values()))
        if BLURRED.search(text):  # a summary's "[a number]" says the value was lost: the original answers better
            total *= BLURRED_FACTOR
        if not answers:
            return total * CUE_MISSING_FACTOR
        return total if holds_answer(self.kind, self.question, text, first_choice=True) else total * SECOND_CHOICE


def best_clause(question: str, memory: Sequence[Clause]) -> Clause | None:
    """The remembered clause that answers the question, or None: the steps are in the module docstring.

    Among clauses scoring (almost) the same, the later one wins: what the user said last stands.
    Introduced in notebook 00_start_here, where the simulator answers from what it was sent.
    """
    # Not core_of(): "when we land what time is it" asks the time of the landing, which the user may have given
    if not memory or _ABOUT_NOW.match(without_fillers(question)):
        return None
    units = [*memory, *neighbour_pairs(memory)]
    scorer = Scorer(question, [c.text for c in units])
    # Pairs across sentences do not count here: "his teacher is Mrs Delacroix" gives no name to Arlo before it
    if scorer.never_given([c.text for c in units if "\n" not in c.sentence]):
        return None
    scored = [(scorer.score(c.text) * (PAIR_FACTOR if c.position < 0 else 1.0), abs(c.position), c) for c in units]
    best = max(s for s, _, _ in scored)
    found = _latest_of_best(scored)
    holding = [entry for entry in scored if scorer.wanted and holds_answer(scorer.wanted, question, entry[2].text)]
    top, held = max((s for s, _, _ in holding), default=0.0), _latest_of_best(holding)
    if best >= STRONG_MATCH:  # "which bike do i ride": "my bike's ..., it's a Trek FX 3" over "my bike's ..."
        if held and top >= best - HOLDING_MARGIN:
            return held
        # "which race": "entered my first race, the Abbey Dash" says all "entered my first race" says, and the name
        return next((c for _, _, c in holding if c.position < 0 and found.text in c.text), found)
    # "what price did they give us", "where are we having it": the kind is all it asks. With no word but light verbs,
    # about what the chat is about: its place, time or price, never its person ("who's coming": a chat names many);
    # and only the user's own when the question says so ("whats my mobile" is not "my sister's number is ...")
    vague = all(stem in LIGHT_VERBS for stem in scorer.asked)
    if held and not scorer.topic() and not (vague and scorer.wanted in ("name", "code")):
        own = [e for e in holding if not scorer.someone_elses(e[2].text)]
        own_kind = [e for e in own if holds_answer(scorer.wanted, question, e[2].text, first_choice=True)]
        return _latest_of_best(own_kind or own)  # a place for "where", not a name
    # Below a strong match, only a clause holding a value of the asked kind can answer: the best anchored one
    return _latest_of_best([entry for entry in holding if entry[0] >= KIND_MATCH and scorer.anchored(entry[2].text)])


def _latest_of_best(entries: Sequence[tuple[float, int, Clause]]) -> Clause | None:
    """The best-scoring entry's clause; among entries within 0.01 of it, the latest: what the user said last stands."""
    if not entries:
        return None
    top = max(s for s, _, _ in entries)
    return max((e for e in entries if e[0] >= top - 0.01), key=lambda e: (e[1], e[0]))[2]


HOLDING_MARGIN = 0.1
"""A clause holding a value of the asked kind wins over one this much better that holds none."""

KIND_MATCH = 0.3
ANCHOR = 0.38
"""The least score of a clause that holds a value of the kind the question asks for ("who" a name, "which
company" a name, "how much" money): the value's kind says as much as the words the question shares with it.
Such a clause must also say the thing the question possesses ("my *car*") or a word within :data:`ANCHOR`
cosine of it: "how much did my car cost" is not answered by "my budget is 4,500 euros"."""


MODIFIER_COVER = 0.5
"""How much a word covers when it only says what kind of thing the next word is ("*running* watch")."""

PAIR_FACTOR = 0.95
"""Two neighbouring clauses of one sentence answer together ("i booked the dentist, its with dr. Okonkwo"),
a little below a clause that answers alone."""


def best_matches(question: str, context: str, limit: int = 2) -> list[str]:
    """The context sentences that answer the question, best first; none if no match is strong.

    A sentence scores as its best clause. Questions are never answers, the simulator's own framing is
    skipped, and among sentences that score the same the later one comes first (a correction outranks
    what it corrects). Introduced in notebook 00_start_here, where the simulator answers from what it
    was sent.
    """
    candidates = [s.strip().strip('"').strip() for s in sentences(context)]
    candidates = [s for s in candidates if s and not s.endswith(":") and not is_question(s) and not is_own_words(s)]
    parts = {s: [s, *split_clauses(s)] for s in dict.fromkeys(candidates)}
    scorer = Scorer(question, [p for ps in parts.values() for p in ps])
    scored = {s: (max(scorer.score(p) for p in ps), order) for order, (s, ps) in enumerate(parts.items())}
    ranked = sorted((s for s in scored if scored[s][0] >= STRONG_MATCH), key=lambda s: (-scored[s][0], -scored[s][1]))
    best = scored[ranked[0]][0] if ranked else 0.0
    return [s for s in ranked if scored[s][0] >= best - 1e-9][:limit]
