"""What the simulator says to a user turn: an answer, an acknowledgement, a recap, docs, or a refusal.

A question is answered with the remembered clause that answers it, said back in the second person
("Your manager is Dev Okafor."); a statement gets a short acknowledgement ("Got it."); a question
nothing answers gets "I don't have that information in this conversation."; a Python question gets
Python's own docs, marked "(simulated answer, from Python's help(...))". The simulator never reads
assistant turns, so it never quotes itself.
"""

from __future__ import annotations

__all__ = ["NO_INFORMATION", "recap", "reply_to", "requested_sentences"]

import re
from collections.abc import Sequence

from .language import meaning_words, sentences, words
from .matching import best_clause
from .memory import remember, strength
from .python_docs import DocPassage, python_passages
from .questions import answer_kind, is_question
from .values import BLURRED, values

NO_INFORMATION = "I don't have that information in this conversation."
GENERAL = ("(simulated answer) I don't have that information: the offline simulator answers only from what you "
           "sent it and from Python's built-in help(); a real Claude would answer this from what it knows.")
PERSONAL = frozenset("my mine our ours we us earlier previously told gave mentioned remind recall again ur "
                     "said".split())
"""Words that make a question about this conversation: with no match in it, the answer is a refusal."""
SELF = frozenset("i i'm me you u im".split())
PYTHON_WORDS = frozenset(
    """python list lists dict dicts dictionary dictionaries tuple tuples set sets string strings str int float bool
    function functions method methods class classes object objects module modules import loop loops iterate
    iterator iterators generator generators decorator decorators lambda comprehension comprehensions exception
    exceptions error errors variable variables keyword keywords argument arguments syntax code script scripts
    slice slicing sort sorting sorted index indexing append range print file files json yield return""".split())
"""Words that make a question about Python: only such a question is answered from Python's docs."""

POSSESSIVE = re.compile(r"\b(?!(?:it|what|who|that|there|where|when|how)'s)[a-z]+'s\s+\w", re.I)
RECAP = re.compile(r"\b(what did we (discuss|talk about|cover)|where were we"
                   r"|what have we (discussed|covered|talked about)|what was our conversation about|recap)\b", re.I)
QUESTION_START = re.compile(r"^(what|what's|who|whom|whose|which|when|where|why|how|remind me|tell me|do you "
                            r"(know|remember)|can you (tell|remind))\b", re.I)
SUMMARY_HEADING = re.compile(r"summary of (our|the) earlier conversation", re.I)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "a single": 1, "a": 1}
LENGTH = re.compile(r"\b(?:answer|reply|respond)\w*\s+in\s+(one|two|three|four|five|a single|a|\d+)\s+sentences?\b",
                    re.I)
BRIEF = re.compile(r"\b(be (brief|concise|terse)|briefly|one line|short answers?)\b", re.I)


def requested_sentences(system: str) -> int | None:
    """How many sentences the system prompt asks for ("Answer in 1 sentence." -> 1); None: no limit."""
    match = LENGTH.search(system)
    if match:
        count = match.group(1).lower()
        return NUMBER_WORDS.get(count) or int(count)
    return 1 if BRIEF.search(system) else None


def reply_to(question: str, system: str, sent: list[str]) -> str:
    """The reply to one user turn, given the system prompt and the user-side text sent before it."""
    if RECAP.search(question):
        return recap(system, sent)
    asked = [s for s in sentences(question) if is_question(s)]
    if not asked:
        return acknowledge(question)
    memory = remember([("system", system), *(("user", text) for text in [*sent, question])])
    found = best_clause(asked[-1], memory)
    if found and BLURRED.search(found.text):  # a pinned fact or a later turn may still hold the exact value
        exact = best_clause(asked[-1], [c for c in memory if not BLURRED.search(c.text)])
        return answer(exact.text) if exact else blurred_answer(found.text)
    if found:
        return answer(found.text)
    return unanswered(asked[-1], system, sent)


def unanswered(question: str, system: str, sent: Sequence[str] = ()) -> str:
    """No clause answers: about this conversation, say so; about Python, quote its docs; else a marked refusal."""
    asked = {w.lower() for w in words(question)}
    if asked & PERSONAL or answer_kind(question) == "name" or POSSESSIVE.search(question) \
            or _about_the_conversation(question, sent):
        return NO_INFORMATION  # about this conversation or a person in it, never about Python
    passages = python_passages(question) if _python_words(question) else []
    if passages:
        return python_answer(passages[0], requested_sentences(system))
    return NO_INFORMATION if asked & SELF else GENERAL


def _python_words(question: str) -> set[str]:
    """The question's Python words, less one that an everyday noun in front of it makes everyday: "dress code",
    "yoga class" (but "python class", "the return statement" stay Python's, and so do "tuples" in "when should i
    use tuples": after a subject or "to", the word in front is a verb)."""
    lowered = [w.lower() for w in words(question)]
    qualified = {head for before, qualifier, head in zip(["", *lowered], lowered, lowered[1:], strict=False)
                 if head in PYTHON_WORDS and qualifier not in PYTHON_WORDS and before not in _BEFORE_A_VERB
                 and meaning_words(qualifier)}
    return (set(lowered) & PYTHON_WORDS) - qualified


_BEFORE_A_VERB = frozenset("i you u we they to can should do does did would could will please".split())


def _about_the_conversation(question: str, sent: Sequence[str]) -> bool:
    """True when a word of the question other than a Python word is one the user used, in a statement or in a
    question: "whats the gate code" after "the gate code is on the card" is about the gate, not about Python's
    code objects, and "when does the party kick off" after "can u help me plan a kids party" is about the party."""
    topic = {stem for stem, word in meaning_words(question).items() if word not in PYTHON_WORDS}
    return any(topic & set(meaning_words(text)) for text in sent)


_PERSON = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "i'm": "you're",
           "im": "you're", "i've": "you've", "ive": "you've", "i'll": "you'll", "i'd": "you'd", "we": "you",
           "us": "you", "our": "your", "ours": "yours", "we're": "you're", "we've": "you've", "we'll": "you'll",
           "we'd": "you'd", "ourselves": "yourselves", "you": "I", "your": "my", "yours": "mine", "you're": "I'm",
           "u": "I", "ur": "my"}
_WORD = re.compile(r"(?<![\w.@/-])[\w']+(?![\w.@/-]*\w)")
"""A whole word: "us" in "pg-stage-57.us.internal" is part of a name, not a pronoun."""
_AGREEMENT = ((re.compile(r"\byou am\b", re.I), "you are"), (re.compile(r"\byou was\b", re.I), "you were"),
              (re.compile(r"\bI are\b"), "I am"), (re.compile(r"\bI were\b"), "I was"),
              (re.compile(r"^the user('s)?\b", re.I), lambda m: "your" if m.group(1) else "you"),
              (re.compile(r"\byou is\b", re.I), "you are"), (re.compile(r"\byou has\b", re.I), "you have"))


def answer(clause: str) -> str:
    """A remembered clause said back as an answer: first person turned to second, as one sentence.

    "my manager is Dev Okafor" -> "Your manager is Dev Okafor."
    """
    text = _WORD.sub(lambda m: _PERSON.get(m.group(0).lower(), m.group(0)), clause.strip().lstrip("-*• "))
    for pattern, replacement in _AGREEMENT:
        text = pattern.sub(replacement, text)
    text = text.rstrip(" ,;:-")
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def blurred_answer(clause: str) -> str:
    """The answer is in a summary that lost its value: say what the summary says, and that the value is gone."""
    said = clause.strip().rstrip(".")
    return f'The summary of our earlier conversation only says "{said}": the exact value was not kept.'


def python_answer(passage: DocPassage, limit: int | None) -> str:
    """Quote Python's own docs, as many sentences as the system prompt allows (else a paragraph or two)."""
    text = f"{passage.text}\n\n{passage.following}".strip() if limit is None else \
        " ".join(sentences(passage.text)[:limit])
    return f"(simulated answer, from Python's {passage.source}) {text}"


def summary_parts(system: str, sent: list[str]) -> tuple[list[str], list[str]]:
    """(summaries found in the context, the user's questions outside them), in order."""
    summaries, questions = [], []
    for text in [system, *sent]:
        lines = text.splitlines()
        heading = next((i for i, line in enumerate(lines) if SUMMARY_HEADING.search(line)), None)
        if heading is not None:
            summaries.append(" ".join(lines[heading + 1:]).strip())
            lines = lines[:heading]
        questions += [s for line in lines for s in sentences(line) if s.endswith("?") and not RECAP.search(s)]
    return [s for s in summaries if s], questions


def recap(system: str, sent: list[str]) -> str:
    """What the conversation covered: what its summaries say, then the topics of the questions since."""
    summaries, questions = summary_parts(system, sent)
    parts = [f"the summary of our earlier conversation says: {s.rstrip('. ')}" for s in summaries]
    if questions:
        parts.append("you asked about " + "; ".join(topic(q) for q in questions))
    if parts:
        return "From what you sent me, " + ". Then ".join(parts) + "."
    told = statements(sent)  # no questions yet: what the user said is what was discussed
    if told:
        return "From what you sent me, you told me: " + " ".join(f'"{s}"' for s in told)
    return "From what you sent me, we have not discussed anything yet."


def statements(sent: list[str]) -> list[str]:
    """The user's sentences that are not questions, in order: a chat of statements still has a recap."""
    return [s for text in sent for line in text.splitlines() for s in sentences(line)
            if not s.endswith("?") and not RECAP.search(s)]


FRAME = re.compile(r"^(?:(?:what|how|when|where|why|which|who|can|could|should|would|do|does|did|is|are|about|"
                   r"you|i|we|tell|me|remind)\b[\s,:']*)+", re.I)


def topic(question: str) -> str:
    """A question's topic: the question without its opening frame ("How do I sort a list?" -> "sort a list")."""
    stripped = FRAME.sub("", question.strip()).rstrip("?!. ")
    return stripped or question.rstrip("?")


ACKNOWLEDGEMENTS = ("Got it.", "Got it, thanks.", "Got it, I'll keep that in mind.")
CORRECTED = "Got it, I've updated that."


def acknowledge(statement: str) -> str:
    """A statement gets a short acknowledgement (a correction: that it was taken); the same text, the same one."""
    if strength(statement) == 2 and values(statement):  # "sorry i'm late" corrects nothing
        return CORRECTED
    return ACKNOWLEDGEMENTS[sum(map(ord, statement)) % len(ACKNOWLEDGEMENTS)]

