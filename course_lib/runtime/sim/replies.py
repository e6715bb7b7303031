"""What the simulator says to a user turn: a quote from the context, a recap, docs, or a refusal.

Every reply starts with words that mark it as the simulator's ("From what you sent me", "Noted:",
"(simulated answer"), so nobody mistakes it for a real model's output and the simulator never
quotes itself back as context.
"""

from __future__ import annotations

__all__ = ["NO_INFORMATION", "recap", "reply_to", "requested_sentences"]

import re

from .language import sentences, words
from .matching import best_matches
from .python_docs import DocPassage, python_passages

NO_INFORMATION = "I don't have that information in this conversation."
GENERAL = ("(simulated answer) I don't have that information: the offline simulator answers only from what you "
           "sent it and from Python's built-in help(); a real Claude would answer this from what it knows.")
PERSONAL = frozenset("my mine our ours we us earlier previously told gave mentioned remind recall".split())
"""Words that make a question about this conversation: with no match in it, the answer is a refusal."""
SELF = frozenset("i i'm me you".split())

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
    if not question.rstrip().endswith("?") and not QUESTION_START.match(question):
        return acknowledge(question)
    found = best_matches(question, "\n".join([system, *sent]))
    if found:
        return "From what you sent me: " + " ".join(f'"{s}"' for s in found)
    asked = {w.lower() for w in words(question)}
    if asked & PERSONAL:
        return NO_INFORMATION
    passages = python_passages(question)
    if passages:
        return python_answer(passages[0], requested_sentences(system))
    return NO_INFORMATION if asked & SELF else GENERAL


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


def acknowledge(statement: str) -> str:
    """A statement gets a short marked acknowledgement that echoes its start."""
    parts = statement.split()
    gist = " ".join(parts[:25]) + (" ..." if len(parts) > 25 else "")
    return f"Noted: {gist}"

