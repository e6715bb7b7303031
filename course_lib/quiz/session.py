"""A learner's attempt at one quiz: answers saved on every change, practice feedback, and ``submit()``.

The widgets drive a ``QuizSession`` and so can a notebook cell or a test, with the same code path:
``session.answer("q2", "153,604")``, ``session.check("q2")``, ``session.submit()``.

The answers file (``<quiz id>.quiz-answers.json`` beside the notebook) holds two things:
- ``answers``: the working copy, rewritten atomically on every change so a crash loses nothing;
- ``submission``: the last submitted snapshot, with its receipt. Changing an answer after submitting only
  changes the working copy, so the submitted answers are never overwritten by a half-finished edit.
A submission holds quiz id, quiz hash, student id, raw answers and engine version, and never a score:
the instructor re-scores from the raw answers with the key.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..files import atomic_write_text
from ._io import canonical_json, folder_lock, sha256_hex
from .loader import load_quiz
from .model import ENGINE_VERSION, Quiz
from .scoring import Score, check_raw_answer, score_answer

ANSWERS_FORMAT = "course-quiz-answers/1"
ANSWERS_SUFFIX = ".quiz-answers.json"
STUDENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}")
"""No '=' and no leading '-', '+' or '@': an id can never become a formula in a spreadsheet."""

ANONYMOUS = "anonymous"

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


# --- finding things --------------------------------------------------------------------------------


def find_quiz(path_or_id: str | os.PathLike[str]) -> Path:
    """A quiz file from a path, or from an id like ``"03_token_budgets"`` looked up in ``quizzes/``.

    The repository root is found from this package's own location (an editable install, the usual case)
    or from the working directory and its parent (a notebook in ``notebooks/`` next to ``quizzes/``).
    """
    given = Path(path_or_id)
    if given.suffix in (".yaml", ".yml") or given.parent != Path():
        if given.is_file():
            return given
        raise FileNotFoundError(f"no quiz file at {given}")
    cwd = Path.cwd()
    candidates = [root / "quizzes" / f"{given.name}.yaml" for root in (_PACKAGE_ROOT, cwd, cwd.parent)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in dict.fromkeys(candidates))
    raise FileNotFoundError(f"no quiz with id {given.name!r}; looked for {tried}")


def resolve_student_id(explicit: str | None = None) -> str:
    """Who is answering: the JupyterHub user when there is one, else the id given, else the OS user.

    The hub's user comes first on purpose: the hub has authenticated them, so in a classroom a learner
    cannot hand in work under someone else's name by passing another id. The OS user name is only a
    convenience for self-study, so it is made to fit the id pattern, and ``ANONYMOUS`` stands in when
    there is none: showing a quiz must never fail, while a graded ``submit()`` refuses an anonymous id.
    """
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user or explicit:
        return validate_student_id(hub_user or explicit or "")
    try:
        os_user = re.sub(r"[^A-Za-z0-9_.@+-]", "_", getpass.getuser()).lstrip(".@+-")[:128]
    except (OSError, KeyError):  # no user name in a bare container
        os_user = ""
    return os_user or ANONYMOUS


def validate_student_id(student_id: str) -> str:
    if not isinstance(student_id, str) or not STUDENT_ID_PATTERN.fullmatch(student_id):
        raise ValueError(
            f"student id {str(student_id)[:40]!r} must be 1-128 letters, digits or _ . @ + - "
            "and start with a letter, digit or _"
        )
    return student_id


# --- the submission record -------------------------------------------------------------------------


def make_submission(
    quiz: Quiz, student_id: str, answers: dict[str, Any], *, sequence: int, submitted_at: str
) -> dict[str, Any]:
    """The submitted snapshot, with its receipt. Public so that tests and tools build real submissions."""
    record: dict[str, Any] = {
        "quiz_id": quiz.id,
        "quiz_hash": quiz.quiz_hash,
        "student_id": student_id,
        "engine_version": ENGINE_VERSION,
        "sequence": sequence,
        "submitted_at": submitted_at,
        "answers": {q.id: answers[q.id] for q in quiz.questions if answers.get(q.id) is not None},
    }
    record["receipt"] = submission_receipt(record)
    return record


def submission_receipt(record: dict[str, Any]) -> str:
    """SHA-256 of everything in the submission except the receipt itself.

    The learner keeps it (it is printed on submit), the grader recomputes it: a mismatch means the file
    was edited after submitting. It is a checksum, not a signature; anyone can recompute it.
    """
    return sha256_hex(canonical_json({k: v for k, v in record.items() if k != "receipt"}))


def now_utc() -> str:
    """Submission time: UTC with microseconds, which sorts correctly as text and as a datetime."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Receipt:
    """What ``submit()`` returns and prints: keep the short hash as proof of what you handed in."""

    quiz_id: str
    student_id: str
    hash: str
    path: Path
    answered: int
    total: int

    @property
    def short(self) -> str:
        return self.hash.removeprefix("sha256:")[:12]

    def __str__(self) -> str:
        missing = self.total - self.answered
        note = f" ({missing} unanswered)" if missing else ""
        return (
            f"Submitted {self.quiz_id} as {self.student_id}: {self.answered} of {self.total} answered{note}. "
            f"Receipt {self.short}, saved in {self.path.name}."
        )


def newer_submission(mine: dict[str, Any] | None, theirs: Any) -> dict[str, Any] | None:
    """Of two submissions of one learner, the later one (time, then sequence); a missing one never wins."""
    if not isinstance(theirs, dict) or not isinstance(theirs.get("submitted_at"), str):
        return mine
    if mine is None:
        return theirs
    return theirs if _order(theirs) > _order(mine) else mine


def _order(submission: dict[str, Any]) -> tuple[str, int]:
    # now_utc() writes fixed-width UTC times, so the text sorts as the time does.
    return str(submission.get("submitted_at", "")), _int(submission.get("sequence"))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- the session -----------------------------------------------------------------------------------


class QuizSession:
    """One learner's attempt. Widgets call these methods too, so tests need no browser."""

    def __init__(
        self,
        quiz: Quiz | str | os.PathLike[str],
        student_id: str | None = None,
        answers_path: str | os.PathLike[str] | None = None,
        *,
        autosave: bool = True,
    ) -> None:
        self.quiz = quiz if isinstance(quiz, Quiz) else load_quiz(find_quiz(quiz))
        self.student_id = resolve_student_id(student_id)
        self.answers_path = (
            Path(answers_path) if answers_path else Path.cwd() / f"{self.quiz.id}{ANSWERS_SUFFIX}"
        )
        self.autosave = autosave
        self.sequence = 0
        self.submission: dict[str, Any] | None = None
        self._answers: dict[str, Any] = {}
        self._checked: dict[str, Score] = {}
        if self.answers_path.exists():
            self._resume()

    # -- answering --------------------------------------------------------------------------------

    @property
    def answers(self) -> dict[str, Any]:
        """A copy of the raw answers by question id (choice ids, or the text typed)."""
        return json.loads(json.dumps(self._answers))

    def answer(self, question_id: str, value: str | int | float | Iterable[str] | None) -> None:
        """Record an answer and save at once. ``None`` (or an empty selection) clears it.

        single: a choice id; multi: choice ids; numeric: what was typed (a number is accepted too);
        text: the text typed. Raises KeyError or AnswerError for an answer that cannot fit the question.
        """
        question = self.quiz.question(question_id)
        raw = self._raw(question.type, value)
        check_raw_answer(question, raw)
        if question.type == "multi" and raw is not None:  # store in the quiz's order: one answer, one form
            raw = [c.id for c in question.choices if c.id in raw] or None
        if raw is None or raw == "":
            self._answers.pop(question_id, None)
        else:
            self._answers[question_id] = raw
        self._checked.pop(question_id, None)  # any feedback shown was about the old answer
        if self.autosave:
            self.save()

    @staticmethod
    def _raw(qtype: str, value: Any) -> Any:
        if value is None:
            return None
        if qtype == "multi" and not isinstance(value, str):
            return list(value) if isinstance(value, Iterable) else value
        if qtype == "numeric" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value

    def check(self, question_id: str) -> Score:
        """Practice mode: score the current answer and return feedback (``.text``) at once."""
        if self.quiz.mode != "practice":
            raise ValueError(f"{self.quiz.id} is a graded quiz: no feedback until your instructor grades it")
        score = score_answer(self.quiz.question(question_id), self._answers.get(question_id))
        if score.status != "blank":
            self._checked[question_id] = score
        return score

    def running_score(self) -> tuple[float, float, int]:
        """(points earned, points possible, questions checked) over the questions checked so far."""
        earned = sum(s.points for s in self._checked.values())
        return earned, self.quiz.total_points, len(self._checked)

    # -- saving and submitting --------------------------------------------------------------------

    def save(self) -> Path:
        """Write the answers file atomically; the sequence number grows by one on every save."""
        return self._write(submitting=False)

    def submit(self, *, quiet: bool = False) -> Receipt:
        """Validate, store the answers as the submission, read the file back to prove it, print a receipt."""
        if self.quiz.mode == "graded" and self.student_id == ANONYMOUS:
            raise ValueError("cannot tell who you are, so this cannot be handed in: pass student_id='...'")
        for question_id, raw in self._answers.items():
            check_raw_answer(self.quiz.question(question_id), raw)
        previous = self.submission
        try:
            self._write(submitting=True)
        except BaseException:
            self.submission = previous  # not on disk, so not submitted
            raise
        on_disk = json.loads(self.answers_path.read_text(encoding="utf-8"))["submission"]
        if on_disk != self.submission or submission_receipt(on_disk) != on_disk["receipt"]:
            raise OSError(f"{self.answers_path} did not read back as written; submit again")
        receipt = Receipt(
            self.quiz.id,
            self.student_id,
            self.submission["receipt"],
            self.answers_path,
            len(self.submission["answers"]),
            len(self.quiz.questions),
        )
        if not quiet:
            print(receipt)
        return receipt

    def _write(self, *, submitting: bool) -> Path:
        """Re-read the file, keep the newest submission on disk or in memory, then write, all under a lock.

        Two sessions can share one answers file (a duplicated notebook, a second kernel). Without the
        re-read, the one that never submitted would write ``submission: null`` over the other's submission.
        """
        with folder_lock(self.answers_path.parent):
            saved = self._read_own_file()
            if saved is not None:
                self.sequence = max(self.sequence, _int(saved.get("sequence")))
                self.submission = newer_submission(self.submission, saved.get("submission"))
            self.sequence += 1
            if submitting:
                self.submission = make_submission(
                    self.quiz, self.student_id, self._answers, sequence=self.sequence, submitted_at=now_utc()
                )
            document = {
                "format": ANSWERS_FORMAT,
                "engine_version": ENGINE_VERSION,
                "quiz_id": self.quiz.id,
                "quiz_hash": self.quiz.quiz_hash,
                "student_id": self.student_id,
                "sequence": self.sequence,
                "saved_at": now_utc(),
                "answers": self._answers,
                "submission": self.submission,
            }
            atomic_write_text(self.answers_path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return self.answers_path

    def _read_own_file(self) -> dict[str, Any] | None:
        """The answers file as it is on disk now, if it is this learner's for this quiz; else None."""
        try:
            document = json.loads(self.answers_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        mine = {"format": ANSWERS_FORMAT, "quiz_id": self.quiz.id, "student_id": self.student_id}
        if not isinstance(document, dict) or any(document.get(k) != v for k, v in mine.items()):
            return None
        return document

    @property
    def changed_since_submit(self) -> bool:
        return self.submission is not None and self.submission["answers"] != self._answers

    def _resume(self) -> None:
        """Pick up where the learner left off. A file we cannot use is left alone, never overwritten."""
        where = self.answers_path
        try:
            document = json.loads(where.read_text(encoding="utf-8"))
            if not isinstance(document, dict) or document.get("format") != ANSWERS_FORMAT:
                raise ValueError("not a quiz answers file")
        except (OSError, ValueError) as error:
            raise ValueError(
                f"{where} exists but cannot be read ({error}); "
                "move it away, or pass answers_path= to use another file"
            ) from error
        for field, mine in (("quiz_id", self.quiz.id), ("student_id", self.student_id)):
            if document.get(field) != mine:
                raise ValueError(
                    f"{where} belongs to {field.split('_')[0]} {document.get(field)!r}, not {mine!r}; "
                    "pass answers_path= to use another file"
                )
        self.sequence = document.get("sequence", 0) if isinstance(document.get("sequence"), int) else 0
        self.submission = document.get("submission") if isinstance(document.get("submission"), dict) else None
        saved = document.get("answers")
        for question_id, raw in (saved if isinstance(saved, dict) else {}).items():
            try:  # the quiz may have changed since: keep what still fits, drop what does not
                check_raw_answer(self.quiz.question(question_id), raw)
            except (KeyError, ValueError):
                warnings.warn(
                    f"{where}: the quiz changed, so the saved answer to {question_id!r} was dropped",
                    stacklevel=3,
                )
                continue
            self._answers[question_id] = raw
