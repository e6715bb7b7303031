"""The one scorer: instant feedback in a notebook and the instructor's grades both come from here.

Why one function for both: if the widget and the grading CLI each had their own idea of "correct", a
learner could see "Correct!" and still lose the point. ``score_answer`` takes the raw answer exactly as it
is stored in a submission (choice ids, or the text typed), so grading re-scores from raw answers and never
trusts a score that a client computed.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from .model import Choice, Question

MAX_TEXT_ANSWER = 500
"""Longest typed answer kept; a quiz answer is a number or a phrase, not an essay."""

Status = Literal["correct", "partial", "wrong", "blank", "unreadable"]


class AnswerError(ValueError):
    """A raw answer that does not fit its question (unknown choice id, wrong shape). ``code`` is for flags."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- reading numbers -------------------------------------------------------------------------------

_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[,_ ]\d{3})+(?:\.\d+)?")
_RATIO = re.compile(r"([+-]?\d+)\s*/\s*(\d+)")
_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")


def parse_number(text: str) -> Fraction:
    """Read what a learner typed as an exact number: ``153604``, ``153,604``, ``153 604``, ``1.5e5``, ``1/2``.

    Thousands separators must group digits by three, so ``1,5`` is refused rather than guessed (it is
    1.5 in much of Europe). Exponents are capped, because ``1e999999999`` would make an exact Fraction
    with a billion digits, and answers come from untrusted files.
    """
    cleaned = (
        unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
    )  # NFKC turns NBSP into a space
    problem = f"could not read {text.strip()[:40]!r} as a number (try 153604, 153,604, 1.5e5 or 1/2)"
    if not cleaned or len(cleaned) > 64:
        raise ValueError(problem)
    if _GROUPED.fullmatch(cleaned):
        return Fraction(re.sub(r"[,_ ]", "", cleaned))
    ratio = _RATIO.fullmatch(cleaned)
    if ratio:
        if int(ratio.group(2)) == 0:
            raise ValueError(f"{cleaned!r} divides by zero")
        return Fraction(int(ratio.group(1)), int(ratio.group(2)))
    if _PLAIN.fullmatch(cleaned):
        exponent = _EXPONENT.search(cleaned)
        if exponent and abs(int(exponent.group(1))) > 300:
            raise ValueError(f"{cleaned!r} has an exponent beyond ±300")
        return Fraction(cleaned)
    raise ValueError(problem)


def format_number(value: Fraction) -> str:
    """Show a number the way a person reads it: ``153,604``, ``0.5``, or ``1/3 (≈ 0.333333)``."""
    if value.denominator == 1:
        return f"{value.numerator:,}"
    decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(decimal) == value:  # the division was exact: a terminating decimal
        return f"{decimal:f}"
    return f"{value.numerator}/{value.denominator} (≈ {float(value):.6g})"


# --- reading text ----------------------------------------------------------------------------------

_EDGE_PUNCTUATION = " \t\n.,;:!?\"'`()[]{}"


def normalize_text(text: str) -> str:
    """Typed text, compared the forgiving way: NFKC, case-folded, single spaces, no edge punctuation.

    ``"  Stateless. "`` and ``"stateless"`` are the same answer; ``"state less"`` is not, so authors list
    such spellings under ``accept``.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split()).strip(_EDGE_PUNCTUATION)


# --- the score -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """The result of scoring one raw answer: points, a status, and what to tell the learner.

    ``wrong_given`` lists the wrong choice ids or wrong values, which the statistics count to show which
    distractor or which miscalculation a class fell for.
    """

    question_id: str
    status: Status
    points: float
    possible: float
    feedback: tuple[str, ...] = ()
    read_as: str | None = None
    wrong_given: tuple[str, ...] = ()
    hint: str | None = None

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    @property
    def fraction(self) -> float:
        return self.points / self.possible if self.possible else 0.0

    @property
    def text(self) -> str:
        """Feedback for a person: a headline with points, how the input was read, comments, then the hint."""
        plural = "s" if self.possible != 1 else ""
        points = f"{format_points(self.points)}/{format_points(self.possible)} point{plural}"
        headline = {
            "correct": f"Correct ({points}).",
            "partial": f"Partly right ({points}).",
            "wrong": f"Not quite ({points}).",
            "blank": "No answer yet.",
            "unreadable": f"Could not read that answer ({points}).",
        }[self.status]
        lines = [headline]
        if self.read_as is not None and self.status != "blank":
            lines.append(f"Read as: {self.read_as}")
        lines.extend(self.feedback)
        if self.hint and not self.correct:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)


@functools.lru_cache(maxsize=1024)  # a class's points take few values; reports format them 300,000 times
def format_points(value: float) -> str:
    """Points without noise: 1 not 1.0, 0.3333 not 0.333333333."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def check_raw_answer(question: Question, raw: Any) -> None:
    """Raise AnswerError if ``raw`` cannot be an answer to ``question``; None (no answer) is always fine.

    Used when a learner answers (so a typo in code fails at once) and when grading (so a tampered file
    is flagged instead of scored). An unreadable number is *not* an error: it is an answer that scores 0.
    """
    if raw is None:
        return
    if question.type == "single":
        if not isinstance(raw, str):
            raise AnswerError("bad_answer", f"question {question.id!r} takes one choice id, got {_kind(raw)}")
        if question.choice(raw) is None:
            raise AnswerError("unknown_choice", f"question {question.id!r} has no choice {raw[:40]!r}")
    elif question.type == "multi":
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise AnswerError(
                "bad_answer", f"question {question.id!r} takes a list of choice ids, got {_kind(raw)}"
            )
        unknown = [item for item in raw if question.choice(item) is None]
        if unknown:
            raise AnswerError("unknown_choice", f"question {question.id!r} has no choice {unknown[0][:40]!r}")
        if len(set(raw)) != len(raw):
            raise AnswerError("bad_answer", f"question {question.id!r} lists a choice twice")
    else:
        if not isinstance(raw, str):
            raise AnswerError("bad_answer", f"question {question.id!r} takes typed text, got {_kind(raw)}")
        if len(raw) > MAX_TEXT_ANSWER:
            raise AnswerError(
                "bad_answer", f"answer to {question.id!r} is longer than {MAX_TEXT_ANSWER} characters"
            )


def _kind(value: Any) -> str:
    return type(value).__name__


def score_answer(question: Question, raw_answer: Any) -> Score:
    """Score one raw answer (a choice id, a list of ids, or typed text) against the question's key.

    Raises AnswerError for an answer of the wrong shape, and ValueError for a learner copy, which has no
    key to score against.
    """
    check_raw_answer(question, raw_answer)
    if question.type in ("single", "multi") and not question.correct_ids:
        raise ValueError(f"question {question.id!r} has no answer key (a learner copy?); grade with the key")
    if question.type in ("numeric", "text") and question.answer is None:
        raise ValueError(f"question {question.id!r} has no answer key (a learner copy?); grade with the key")
    blank = raw_answer is None or raw_answer == [] or (isinstance(raw_answer, str) and not raw_answer.strip())
    if blank:
        return Score(question.id, "blank", 0.0, question.points, hint=question.hint)
    if question.type == "single":
        return _score_single(question, raw_answer)
    if question.type == "multi":
        return _score_multi(question, raw_answer)
    if question.type == "numeric":
        return _score_numeric(question, raw_answer)
    return _score_text(question, raw_answer)


class ScoreMemo:
    """``score_answer`` that remembers, for grading a whole class against one key.

    A class gives few distinct answers per question (a choice id, a handful of numbers), and a Score is
    frozen, so every learner who gave the same answer can share one: 100,000 answers become a few
    hundred Score objects, scored once each. Only answers of the right shape are remembered (text, or a
    list of texts); anything else goes straight to ``score_answer``, which refuses it every time.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[str, str | tuple[str, ...]], Score] = {}

    def score(self, question: Question, raw_answer: Any) -> Score:
        shape = _hashable(raw_answer)
        if shape is None:
            return score_answer(question, raw_answer)
        key = (question.id, shape)  # one memo per key file: question ids are unique within it
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = score_answer(question, raw_answer)
        return found


def _hashable(raw: Any) -> str | tuple[str, ...] | None:
    """The raw answer as a dict key; None when it is neither text nor a list of texts (never remembered).

    Exact types only: ``True == 1`` and ``hash(1.0) == hash(1)``, so numbers must never share a key."""
    if type(raw) is str:
        return raw
    if type(raw) is list and all(type(item) is str for item in raw):
        return tuple(raw)  # a tuple never equals a str, so ["a"] and "a" stay apart
    return None


def _result(question: Question, fraction: float, feedback: list[str], **extra: Any) -> Score:
    """Build a Score from the fraction of the points earned; the explanation goes to a correct answer."""
    status: Status = "correct" if fraction >= 1 else "partial" if fraction > 0 else "wrong"
    if status == "correct" and question.explanation:
        feedback = [*feedback, question.explanation]
    return Score(
        question.id,
        status,
        question.points * fraction,
        question.points,
        tuple(feedback),
        hint=question.hint,
        **extra,
    )


def _score_single(question: Question, raw: str) -> Score:
    chosen = question.choice(raw)
    assert chosen is not None  # check_raw_answer made sure
    feedback = [chosen.feedback] if chosen.feedback else []
    wrong = () if chosen.correct else (chosen.id,)
    return _result(question, 1.0 if chosen.correct else 0.0, feedback, wrong_given=wrong)


def _score_multi(question: Question, raw: list[str]) -> Score:
    """Partial credit: (right picks - wrong picks) / number of right choices, never below zero.

    Subtracting wrong picks is what stops "tick everything" from earning full marks.
    """
    selected = set(raw)
    correct = question.correct_ids
    hits, false_picks = len(selected & correct), len(selected - correct)
    if question.partial_credit:
        fraction = max(0.0, (hits - false_picks) / len(correct))
    else:
        fraction = 1.0 if selected == correct else 0.0
    feedback = [c.feedback for c in question.choices if c.id in selected and c.feedback]
    missed = len(correct - selected)
    if missed:
        feedback.append(f"You left out {missed} correct choice{'s' if missed > 1 else ''}.")
    wrong = tuple(c.id for c in question.choices if c.id in selected and not c.correct)
    return _result(question, fraction, feedback, wrong_given=wrong)


def _score_numeric(question: Question, raw: str) -> Score:
    assert question.answer is not None
    try:
        value = parse_number(raw)
    except ValueError as error:
        return Score(
            question.id,
            "unreadable",
            0.0,
            question.points,
            (str(error),),
            wrong_given=("(unreadable)",),
            hint=question.hint,
        )
    read_as = format_number(value) + (f" {question.unit}" if question.unit else "")
    if question.tolerance.accepts(value, parse_number(question.answer)):
        return _result(question, 1.0, [], read_as=read_as)
    mistake = next(
        (m for m in question.mistakes if question.tolerance.accepts(value, parse_number(m.value))), None
    )
    feedback = [mistake.feedback] if mistake else ["That is not the expected value."]
    return _result(question, 0.0, feedback, read_as=read_as, wrong_given=(format_number(value),))


def _score_text(question: Question, raw: str) -> Score:
    assert question.answer is not None
    typed = normalize_text(raw)
    accepted = {normalize_text(a) for a in (question.answer, *question.accept)}
    if typed in accepted:
        return _result(question, 1.0, [], read_as=typed)
    mistake = next((m for m in question.mistakes if normalize_text(m.value) == typed), None)
    feedback = [mistake.feedback] if mistake else ["That is not the expected answer."]
    return _result(question, 0.0, feedback, read_as=typed, wrong_given=(typed,))


# --- choice order ----------------------------------------------------------------------------------


def choice_order(question: Question, seed: str) -> tuple[Choice, ...]:
    """The choices in the order one learner sees them: shuffled per learner when the question asks for it.

    The seed is a string such as ``"quiz_id|student_id"`` and goes through SHA-256, not ``hash()``: Python
    salts ``hash()`` per process, and a learner must see the same order every time they reopen the notebook.
    Answers are stored by choice id, so the order never affects grading.
    """
    if not question.shuffle:
        return question.choices
    digest = hashlib.sha256(f"{seed}|{question.id}".encode()).digest()
    order = list(question.choices)
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return tuple(order)
