"""The quiz as data: frozen dataclasses that the loader fills and everything else reads.

Why frozen dataclasses and not dicts: a quiz is read by the widgets, the scorer, the learner-copy
builder and the grader. If any of them could change it, a bug in one would show up as a wrong grade in
another. Frozen objects with named fields also make the YAML schema visible in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from ._io import canonical_json, sha256_hex

ENGINE_VERSION = "1.0"
"""Written into every submission, so an instructor can tell which engine saved an answers file."""

QuestionType = Literal["single", "multi", "numeric", "text"]
Mode = Literal["practice", "graded"]
QUESTION_TYPES: tuple[str, ...] = ("single", "multi", "numeric", "text")
MODES: tuple[str, ...] = ("practice", "graded")


@dataclass(frozen=True)
class Choice:
    """One option of a ``single`` or ``multi`` question. ``correct`` is None in a learner copy."""

    id: str
    text: str
    correct: bool | None = None
    feedback: str | None = None


@dataclass(frozen=True)
class Tolerance:
    """How close a numeric answer must be. Fractions, so that the edges are exact (no 0.1 + 0.2 surprises)."""

    kind: Literal["exact", "absolute", "relative"] = "exact"
    amount: Fraction = Fraction(0)

    def accepts(self, value: Fraction, target: Fraction) -> bool:
        """True when ``value`` is within the tolerance of ``target``; both edges count as inside."""
        if self.kind == "absolute":
            return abs(value - target) <= self.amount
        if self.kind == "relative":
            return abs(value - target) <= self.amount * abs(target)
        return value == target


@dataclass(frozen=True)
class KnownMistake:
    """A wrong value that authors expect (e.g. forgetting to subtract max_tokens), with its own feedback."""

    value: str
    feedback: str


@dataclass(frozen=True)
class Question:
    """One question. Which fields matter depends on ``type``; the loader rejects the others."""

    id: str
    type: QuestionType
    prompt: str
    points: float = 1.0
    hint: str | None = None
    explanation: str | None = None
    choices: tuple[Choice, ...] = ()
    shuffle: bool = False
    partial_credit: bool = True
    answer: str | None = None  # numeric and text: the answer as written in the file
    accept: tuple[str, ...] = ()  # text: other accepted spellings
    tolerance: Tolerance = field(default_factory=Tolerance)
    mistakes: tuple[KnownMistake, ...] = ()  # YAML key: wrong_answers
    unit: str | None = None
    line: int = 0  # where the question starts in its file, for messages

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with this id, or None."""
        return self._choices_by_id.get(choice_id)

    # Frozen, so lookups derived from the fields are built once: a question of 12,000 choices stays fast.
    @cached_property
    def _choices_by_id(self) -> dict[str, Choice]:
        return {c.id: c for c in reversed(self.choices)}  # reversed: the first of a repeated id wins

    @cached_property
    def correct_ids(self) -> frozenset[str]:
        """Ids of the correct choices (empty for a learner copy or a non-choice question)."""
        return frozenset(c.id for c in self.choices if c.correct)

    def public_view(self) -> dict[str, Any]:
        """What a learner may see of this question: everything except the key."""
        view: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "prompt": self.prompt,
            "points": self.points,
        }
        if self.hint is not None:
            view["hint"] = self.hint
        if self.type in ("single", "multi"):
            view["shuffle"] = self.shuffle
            if self.type == "multi":
                view["partial_credit"] = self.partial_credit
            view["choices"] = [{"id": c.id, "text": c.text} for c in self.choices]
        if self.unit is not None:
            view["unit"] = self.unit
        return view


@dataclass(frozen=True)
class Quiz:
    """A knowledge check: metadata plus questions in the order the learner sees them."""

    id: str
    title: str
    mode: Mode
    questions: tuple[Question, ...]
    description: str | None = None
    key_included: bool = True
    path: Path | None = None

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError names the quiz when it does not exist."""
        found = self._questions_by_id.get(question_id)
        if found is None:
            raise KeyError(f"quiz {self.id!r} has no question {question_id!r}")
        return found

    @cached_property
    def _questions_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in reversed(self.questions)}  # reversed: the first of a repeated id wins

    def has_question(self, question_id: Any) -> bool:
        """True when ``question_id`` names a question of this quiz (any value: it may come from a file)."""
        return isinstance(question_id, str) and question_id in self._questions_by_id

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)

    def public_view(self) -> dict[str, Any]:
        """The learner-visible quiz as plain data: the learner copy is this, dumped as YAML."""
        view: dict[str, Any] = {"id": self.id, "title": self.title, "mode": self.mode}
        if self.description is not None:
            view["description"] = self.description
        view["questions"] = [q.public_view() for q in self.questions]
        return view

    @cached_property  # the quiz is frozen; the grader compares it with every submission
    def quiz_hash(self) -> str:
        """SHA-256 of the learner-visible content, stored in every submission.

        Hashing the content rather than the file's bytes is deliberate: the learner copy and the
        instructor's key hash the same (so the grader can check a submission against the key), reformatting
        or commenting the file changes nothing, and fixing a wrong answer in the key after the class has
        submitted does not invalidate their work. Any change to a prompt, a choice or a point value does.
        """
        return sha256_hex(canonical_json(self.public_view()))
