"""Helpers for the quiz engine tests: paths, and answers files built with the engine's own code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from course_lib.quiz import Quiz
from course_lib.quiz.session import ANSWERS_FORMAT, make_submission

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parents[1]
QUIZZES = REPO / "quizzes"
SAMPLE = FIXTURES / "graded_sample.yaml"


def answers_document(
    quiz: Quiz,
    student_id: str,
    answers: dict[str, Any],
    *,
    submitted_at: str = "2026-01-10T09:00:00.000000+00:00",
    sequence: int = 1,
    submitted: bool = True,
) -> dict[str, Any]:
    """An answers file as QuizSession writes it, with a real receipt (built by the engine's own code)."""
    submission = (
        make_submission(quiz, student_id, answers, sequence=sequence, submitted_at=submitted_at)
        if submitted
        else None
    )
    return {
        "format": ANSWERS_FORMAT,
        "engine_version": "1.0",
        "quiz_id": quiz.id,
        "quiz_hash": quiz.quiz_hash,
        "student_id": student_id,
        "sequence": sequence,
        "saved_at": submitted_at,
        "answers": answers,
        "submission": submission,
    }


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path
