"""Grading a class: read every submission, re-score it from its raw answers, flag what is wrong, write CSVs.

Rules an instructor can rely on (each one is tested):
- Submission files are only opened for reading. Nothing is moved, renamed or rewritten, so a disputed
  file can always be looked at again exactly as it was handed in.
- A bad file never stops the batch: it becomes a row in ``flags.csv`` with a code and a reason.
- Scores come from ``score_answer`` and the key, never from the file.
- The last submission per student counts (latest ``submitted_at``, then ``sequence``, then file path as a
  deterministic tie-break); earlier ones stay where they are and are listed as ``duplicate_student``.
- The output depends only on the inputs: rows are sorted, no timestamps are added, so two runs over the
  same files give byte-identical reports.

Flag codes: unreadable, too_large, not_json, bad_format, not_submitted, bad_student_id, wrong_quiz,
wrong_hash, receipt_mismatch, unknown_question, unknown_choice, bad_answer, duplicate_student.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._io import write_csv
from .model import Quiz
from .scoring import AnswerError, Score, format_points, score_answer
from .session import ANSWERS_FORMAT, STUDENT_ID_PATTERN, submission_receipt
from .stats import write_stats

MAX_SUBMISSION_BYTES = 1_000_000
"""A real answers file is a few kilobytes; anything near a megabyte is not one, and is not parsed."""

POINTS_ROW = "(points possible)"  # cannot be a student id: parentheses are not allowed in ids


@dataclass(frozen=True)
class Flag:
    """One problem with one file. ``student_id`` is empty when the file did not say who it was from."""

    file: str
    student_id: str
    code: str
    reason: str


@dataclass(frozen=True)
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


class _Reject(Exception):
    def __init__(self, code: str, reason: str, student_id: str = "") -> None:
        super().__init__(reason)
        self.code, self.reason, self.student_id = code, reason, student_id


def submission_files(directory: Path) -> list[Path]:
    """Every ``*.json`` regular file below ``directory``, sorted by relative path (not by disk order)."""
    return sorted(
        (p for p in directory.rglob("*.json") if p.is_file()),
        key=lambda p: p.relative_to(directory).as_posix(),
    )


def read_submission(
    path: Path, name: str, quiz: Quiz, max_bytes: int = MAX_SUBMISSION_BYTES
) -> Graded | Flag:
    """Read one file (read-only) and return it graded, or a Flag saying why it cannot be graded."""
    try:
        return _read(path, name, quiz, max_bytes)
    except _Reject as reject:
        return Flag(name, reject.student_id, reject.code, reject.reason)


def _read(path: Path, name: str, quiz: Quiz, max_bytes: int) -> Graded:
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(max_bytes + 1) if size <= max_bytes else b""
    except OSError as error:
        raise _Reject("unreadable", f"cannot open: {error.strerror or error}") from error
    if size > max_bytes or len(data) > max_bytes:
        raise _Reject("too_large", f"{max(size, len(data)):,} bytes; the limit is {max_bytes:,}")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise _Reject("not_json", f"not UTF-8 text (byte {error.start})") from error
    except json.JSONDecodeError as error:
        raise _Reject(
            "not_json", f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error
    except (ValueError, RecursionError) as error:  # e.g. nesting too deep, integer too long
        raise _Reject("not_json", f"not usable JSON: {str(error)[:80]}") from error
    if not isinstance(document, dict) or document.get("format") != ANSWERS_FORMAT:
        raise _Reject("bad_format", f"not a quiz answers file (expected format {ANSWERS_FORMAT!r})")
    owner = _safe_id(document.get("student_id"))
    submission = document.get("submission")
    if submission is None:
        raise _Reject("not_submitted", "answers were saved but submit() was never called", owner)
    record, submitted_at = _check_fields(submission, owner)
    student = record["student_id"]
    if record["quiz_id"] != quiz.id:
        raise _Reject(
            "wrong_quiz", f"a submission for quiz {record['quiz_id'][:60]!r}, not {quiz.id!r}", student
        )
    if record["quiz_hash"] != quiz.quiz_hash:
        raise _Reject(
            "wrong_hash",
            "made against a different version of the quiz than this key (or the hash was edited)",
            student,
        )
    if submission_receipt(record) != record["receipt"]:
        raise _Reject(
            "receipt_mismatch", "content does not match its receipt: edited after submit()", student
        )
    scores = []
    for question_id in record["answers"]:
        if not any(q.id == question_id for q in quiz.questions):
            raise _Reject(
                "unknown_question", f"answers question {str(question_id)[:40]!r}, not in this quiz", student
            )
    for question in quiz.questions:
        try:
            scores.append(score_answer(question, record["answers"].get(question.id)))
        except AnswerError as error:
            raise _Reject(error.code, str(error), student) from error
    return Graded(
        name, student, submitted_at, record["sequence"], record["receipt"], record["answers"], tuple(scores)
    )


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
        raise _Reject("bad_format", "'submission' is not an object", owner)
    for field, kind in expected.items():
        value = submission.get(field)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _Reject(
                "bad_format", f"submission field {field!r} is missing or not a {kind.__name__}", owner
            )
    if not _safe_id(submission["student_id"]):
        raise _Reject(
            "bad_student_id", f"student id {submission['student_id'][:40]!r} is not a valid id", owner
        )
    try:
        when = datetime.fromisoformat(submission["submitted_at"])
    except ValueError as error:
        raise _Reject(
            "bad_format", "submitted_at is not an ISO 8601 time", submission["student_id"]
        ) from error
    if when.tzinfo is None:
        raise _Reject("bad_format", "submitted_at has no time zone", submission["student_id"])
    return submission, when.astimezone(timezone.utc)


def grade_directory(
    directory: str | os.PathLike[str],
    quiz: Quiz,
    *,
    max_bytes: int = MAX_SUBMISSION_BYTES,
    progress: bool = True,
) -> GradeResult:
    """Grade every submission file below ``directory`` against ``quiz`` (which must include its key)."""
    if not quiz.key_included:
        raise ValueError(
            f"{quiz.path}: this is a learner copy without a key; grade with the instructor's key"
        )
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a directory")
    files = submission_files(root)
    graded: list[Graded] = []
    flags: list[Flag] = []
    for path in _progress(files, progress):
        outcome = read_submission(path, path.relative_to(root).as_posix(), quiz, max_bytes)
        (flags if isinstance(outcome, Flag) else graded).append(outcome)
    latest: dict[str, Graded] = {}
    for item in sorted(graded, key=lambda g: (g.submitted_at, g.sequence, g.file)):
        earlier = latest.get(item.student_id)
        if earlier is not None:
            flags.append(
                Flag(
                    earlier.file,
                    earlier.student_id,
                    "duplicate_student",
                    f"a later submission ({item.file}) counts; this one is kept but not graded",
                )
            )
        latest[item.student_id] = item
    counted = [latest[s] for s in sorted(latest)]
    flags.sort(key=lambda f: (f.file, f.code))
    return GradeResult(quiz, counted, flags, len(files))


def _progress(files: list[Path], enabled: bool) -> Any:
    """A progress bar on stderr (stdout stays clean for the summary) when there is something to wait for."""
    if not enabled:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="grading", unit="file", file=sys.stderr, leave=False)


# --- reports ---------------------------------------------------------------------------------------


def raw_answer_text(raw: Any) -> str:
    """A raw answer as one CSV cell: choice ids joined by ';', typed text as typed."""
    if raw is None:
        return ""
    return ";".join(raw) if isinstance(raw, list) else str(raw)


def answer_rows(result: GradeResult) -> list[dict[str, str]]:
    """The long table: one row per student and question. Statistics are computed from these rows."""
    rows = []
    for graded in result.counted:
        for question, score in zip(result.quiz.questions, graded.scores, strict=True):
            rows.append(
                {
                    "student_id": graded.student_id,
                    "file": graded.file,
                    "question_id": question.id,
                    "type": question.type,
                    "answer": raw_answer_text(graded.answers.get(question.id)),
                    "read_as": score.read_as or "",
                    "status": score.status,
                    "points": format_points(score.points),
                    "possible": format_points(score.possible),
                    "wrong_given": ";".join(score.wrong_given),
                }
            )
    return rows


ANSWER_COLUMNS = [
    "student_id",
    "file",
    "question_id",
    "type",
    "answer",
    "read_as",
    "status",
    "points",
    "possible",
    "wrong_given",
]


def write_reports(result: GradeResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write answers.csv, grades.csv, flags.csv and the statistics; returns the paths written."""
    out = Path(out_dir)
    quiz = result.quiz
    rows = answer_rows(result)
    written = [write_csv(out / "answers.csv", ANSWER_COLUMNS, rows)]
    qids = [q.id for q in quiz.questions]
    wide_columns = ["student_id", "file", "submitted_at", "receipt", *qids, "total", "percent"]
    possible = {q.id: format_points(q.points) for q in quiz.questions}
    wide = [
        {
            "student_id": POINTS_ROW,
            "file": "",
            "submitted_at": "",
            "receipt": "",
            **possible,
            "total": format_points(quiz.total_points),
            "percent": "100",
        }
    ]
    for graded in result.counted:
        wide.append(
            {
                "student_id": graded.student_id,
                "file": graded.file,
                "submitted_at": graded.submitted_at.isoformat(timespec="microseconds"),
                "receipt": graded.receipt.removeprefix("sha256:")[:12],
                **{q: format_points(s.points) for q, s in zip(qids, graded.scores, strict=True)},
                "total": format_points(graded.total),
                "percent": format_points(100 * graded.total / quiz.total_points),
            }
        )
    written.append(write_csv(out / "grades.csv", wide_columns, wide))
    written.append(
        write_csv(
            out / "flags.csv", ["file", "student_id", "code", "reason"], [vars(f) for f in result.flags]
        )
    )
    written += write_stats(rows, out, quiz)
    return written
