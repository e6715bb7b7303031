"""Grading a class: read every submission, re-score it from its raw answers, flag what is wrong.

Rules an instructor can rely on (each one is tested):
- Submission files are only opened for reading. Nothing is moved, renamed or rewritten, so a disputed
  file can always be looked at again exactly as it was handed in.
- A bad file never stops the batch: it becomes a row in ``flags.csv`` with a code and a reason, whatever
  went wrong with it (``internal_error`` names anything unforeseen).
- Scores come from ``score_answer`` and the key, never from the file.
- A file counts only for the hub user it was collected from (``owner_mismatch`` otherwise), and only if
  it was submitted before the grading ran (``future_date``) and before ``deadline`` (``late``): so a file
  forged for someone else, dated in the future to win, never replaces their real submission.
- The last submission per student counts (latest ``submitted_at``, then ``sequence``, then file path as a
  deterministic tie-break); earlier ones stay where they are and are listed as ``duplicate_student``.
- The output depends only on the inputs: rows are sorted, no timestamps are added, so two runs over the
  same files give byte-identical reports.

Flag codes: unreadable, not_a_file, symlink, too_large, not_json, bad_text, bad_format, not_submitted,
bad_student_id, owner_mismatch, wrong_quiz, wrong_hash, receipt_mismatch, unknown_question,
unknown_choice, bad_answer, future_date, late, duplicate_student, internal_error (and not_in_roster, from
the LMS export).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .collect import Flag, Unusable, find_answer_files, owner_matches, path_owner, read_limited
from .model import Quiz
from .scoring import AnswerError, Score, ScoreMemo
from .session import ANSWERS_FORMAT, STUDENT_ID_PATTERN, submission_receipt

__all__ = ["Flag", "GradeResult", "Graded", "GradingRules", "grade_directory", "read_submission"]

MAX_SUBMISSION_BYTES = 1_000_000
"""A real answers file is a few kilobytes; anything near a megabyte is not one, and is not parsed."""

CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the grader's clock a learner's server clock may run before a date counts as forged."""


@dataclass(frozen=True, slots=True)  # slots: one per learner, all held until the reports
class Graded:
    """A valid submission, scored. ``scores`` follow the quiz's question order."""

    file: str
    student_id: str
    submitted_at: datetime
    sequence: int
    receipt: str
    answers: dict[str, Any]
    scores: tuple[Score, ...]

    @property
    def total(self) -> float:
        return sum(s.points for s in self.scores)


@dataclass
class GradeResult:
    quiz: Quiz
    counted: list[Graded]  # one per student, sorted by student id
    flags: list[Flag]  # sorted by file, then code
    files_read: int


@dataclass(frozen=True)
class GradingRules:
    """What a submission is checked against besides the key: size, the grader's clock, the deadline."""

    max_bytes: int = MAX_SUBMISSION_BYTES
    check_owner: bool = True  # off when the collected folder's layout does not name hub users
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    deadline: datetime | None = None


def read_submission(
    path: Path, name: str, quiz: Quiz, rules: GradingRules | None = None, memo: ScoreMemo | None = None
) -> Graded | Flag:
    """Read one file (read-only) and return it graded, or a Flag saying why it cannot be graded.

    ``memo``: shared across a class's files against this ``quiz``, so equal answers are scored once."""
    try:
        return _read(path, name, quiz, rules or GradingRules(), memo or ScoreMemo())
    except Unusable as reject:
        return Flag(name, reject.student_id, reject.code, reject.reason)
    except Exception as error:  # noqa: BLE001 - one file must never stop a class's grading
        return Flag(name, "", "internal_error", f"could not be graded ({type(error).__name__}: {error})"[:200])


def _read(path: Path, name: str, quiz: Quiz, rules: GradingRules, memo: ScoreMemo) -> Graded:
    document = _parse(read_limited(path, rules.max_bytes))
    if not isinstance(document, dict) or document.get("format") != ANSWERS_FORMAT:
        raise Unusable("bad_format", f"not a quiz answers file (expected format {ANSWERS_FORMAT!r})")
    owner = _safe_id(document.get("student_id"))
    submission = document.get("submission")
    if submission is None:
        raise Unusable("not_submitted", "answers were saved but submit() was never called", owner)
    record, submitted_at = _check_fields(submission, owner)
    student = record["student_id"]
    if rules.check_owner:
        _check_owner(name, student)
    _check_quiz(record, quiz)
    # Keyed by the quiz's own id strings (every key was checked above): a class then shares ten key
    # strings instead of holding ten per file.
    answers = {q.id: record["answers"][q.id] for q in quiz.questions if q.id in record["answers"]}
    scores = []
    for question in quiz.questions:
        try:
            scores.append(memo.score(question, answers.get(question.id)))
        except AnswerError as error:
            raise Unusable(error.code, str(error), student) from error
    _check_date(submitted_at, student, rules)
    return Graded(name, student, submitted_at, record["sequence"], record["receipt"], answers, tuple(scores))


def _parse(data: bytes) -> Any:
    """JSON that is valid UTF-8 all the way down: ``"\\udc80"`` parses, but no report could hold it."""
    try:
        document = json.loads(data.decode("utf-8"))
        if _may_hold_surrogates(data):
            json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeDecodeError as error:
        raise Unusable("not_json", f"not UTF-8 text (byte {error.start})") from error
    except UnicodeEncodeError as error:
        raise Unusable("bad_text", "holds a lone surrogate (\\ud800-\\udfff), which no text can") from error
    except json.JSONDecodeError as error:
        raise Unusable("not_json", f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from error
    except (ValueError, RecursionError) as error:  # e.g. nesting too deep, integer too long
        raise Unusable("not_json", f"not usable JSON: {str(error)[:80]}") from error
    return document


def _may_hold_surrogates(data: bytes) -> bool:
    """Whether parsed JSON can hold a lone surrogate: only a ``\\u`` escape makes one.

    Strict UTF-8 (which ``_parse`` decoded) has no encoding for U+D800-U+DFFF, so a file without the
    two bytes ``\\u`` cannot produce one, and the full check (re-encoding the whole document) is skipped.
    A file with any escape, even an innocent ``\\u00e9``, still gets the full check.
    """
    return b"\\u" in data


def _safe_id(value: Any) -> str:
    """A student id from an untrusted file, only if it is well formed (it lands in CSVs)."""
    return value if isinstance(value, str) and STUDENT_ID_PATTERN.fullmatch(value) else ""


def _check_fields(submission: Any, owner: str) -> tuple[dict[str, Any], datetime]:
    """Every field present with the right type; returns the record and its ``submitted_at`` in UTC."""
    expected = {
        "quiz_id": str,
        "quiz_hash": str,
        "student_id": str,
        "engine_version": str,
        "sequence": int,
        "submitted_at": str,
        "answers": dict,
        "receipt": str,
    }
    if not isinstance(submission, dict):
        raise Unusable("bad_format", "'submission' is not an object", owner)
    for name, kind in expected.items():
        value = submission.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise Unusable("bad_format", f"submission field {name!r} is missing or not a {kind.__name__}", owner)
    student = _safe_id(submission["student_id"])
    if not student:
        raise Unusable("bad_student_id", f"student id {submission['student_id'][:40]!r} is not a valid id", owner)
    try:
        when = datetime.fromisoformat(submission["submitted_at"])
        if when.tzinfo is None:
            raise Unusable("bad_format", "submitted_at has no time zone", student)
        return submission, when.astimezone(timezone.utc)
    except (ValueError, OverflowError) as error:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise Unusable("bad_format", "submitted_at is not a usable ISO 8601 time", student) from error


def _check_owner(name: str, student: str) -> None:
    owner = path_owner(name)
    if owner is not None and not owner_matches(owner, student):
        raise Unusable(
            "owner_mismatch",
            f"collected from {owner[:40]!r} but says it is from {student!r}: not counted "
            "(if the folder layout does not name hub users, grade with --no-owner-check)",
            student,
        )


def _check_quiz(record: dict[str, Any], quiz: Quiz) -> None:
    student = record["student_id"]
    if record["quiz_id"] != quiz.id:
        raise Unusable("wrong_quiz", f"a submission for quiz {record['quiz_id'][:60]!r}, not {quiz.id!r}", student)
    if record["quiz_hash"] != quiz.quiz_hash:
        raise Unusable(
            "wrong_hash", "made against a different version of the quiz than this key (or the hash was edited)", student
        )
    if submission_receipt(record) != record["receipt"]:
        raise Unusable("receipt_mismatch", "content does not match its receipt: edited after submit()", student)
    for question_id in record["answers"]:
        if not quiz.has_question(question_id):
            raise Unusable("unknown_question", f"answers question {str(question_id)[:40]!r}, not in this quiz", student)


def _check_date(submitted_at: datetime, student: str, rules: GradingRules) -> None:
    if submitted_at > rules.now + CLOCK_SKEW:
        raise Unusable(
            "future_date",
            f"dated {submitted_at.isoformat()}, after this grading ran: a wrong clock or a forged date; not counted",
            student,
        )
    if rules.deadline is not None and submitted_at > rules.deadline:
        raise Unusable(
            "late",
            f"submitted {submitted_at.isoformat()}, after the deadline {rules.deadline.isoformat()}: not counted",
            student,
        )


def grade_directory(
    directory: str | os.PathLike[str],
    quiz: Quiz,
    *,
    rules: GradingRules | None = None,
    progress: bool = True,
) -> GradeResult:
    """Grade every submission file below ``directory`` against ``quiz`` (which must include its key)."""
    if not quiz.key_included:
        raise ValueError(f"{quiz.path}: this is a learner copy without a key; grade with the instructor's key")
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a directory")
    rules = rules or GradingRules()
    files, flags = find_answer_files(root)
    graded: list[Graded] = []
    memo = ScoreMemo()
    for path, name in _progress(files, progress):
        outcome = read_submission(path, name, quiz, rules, memo)
        (flags if isinstance(outcome, Flag) else graded).append(outcome)
    counted = _latest_per_student(graded, flags)
    flags.sort(key=lambda f: (f.file, f.code))
    return GradeResult(quiz, counted, flags, len(files))


def _latest_per_student(graded: list[Graded], flags: list[Flag]) -> list[Graded]:
    """The submission that counts for each student; the others are flagged ``duplicate_student``."""
    latest: dict[str, Graded] = {}
    for item in sorted(graded, key=lambda g: (g.submitted_at, g.sequence, g.file)):
        earlier = latest.get(item.student_id)
        if earlier is not None:
            reason = f"a later submission ({item.file}) counts; this one is kept but not graded"
            flags.append(Flag(earlier.file, earlier.student_id, "duplicate_student", reason))
        latest[item.student_id] = item
    return [latest[s] for s in sorted(latest)]


def _progress(files: list[Any], enabled: bool) -> Any:
    """A progress bar on stderr (stdout stays clean for the summary) when there is something to wait for."""
    if not enabled:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="grading", unit="file", file=sys.stderr, leave=False)
