"""The instructor's reports from a graded class: answers.csv (long), grades.csv (wide), flags.csv, stats.

Every cell goes through ``write_csv``, so a typed answer can neither break a row nor run as a formula, and
``course-quiz stats`` re-reads answers.csv to the same statistics that grading wrote.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._io import write_csv
from .grading import GradeResult
from .scoring import format_points
from .stats import AnswerTally, write_stats

__all__ = ["ANSWER_COLUMNS", "POINTS_ROW", "answer_rows", "raw_answer_text", "write_reports"]

POINTS_ROW = "(points possible)"  # cannot be a student id: parentheses are not allowed in ids

def raw_answer_text(raw: Any) -> str:
    """A raw answer as one CSV cell: choice ids joined by ';', typed text as typed."""
    if raw is None:
        return ""
    return ";".join(raw) if isinstance(raw, list) else str(raw)


def answer_rows(result: GradeResult) -> Iterator[dict[str, str]]:
    """The long table, one row per student and question, made as it is written (10,000 students: 100,000 rows)."""
    for graded in result.counted:
        for question, score in zip(result.quiz.questions, graded.scores, strict=True):
            yield {
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
    tally = AnswerTally()  # one pass: each row goes to answers.csv and into the statistics, then is dropped
    written = [write_csv(out / "answers.csv", ANSWER_COLUMNS, tally.each(answer_rows(result)))]
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
    written += write_stats(tally, out, quiz)
    return written
