"""Building a graded quiz: the learner copy carries no key, hashes like the key, and cannot be graded with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from quiz_helpers import QUIZZES, SAMPLE

from course_lib.quiz import load_quiz
from course_lib.quiz.build import build_quiz
from course_lib.quiz.cli import main
from course_lib.quiz.grading import grade_directory

KEY_FIELDS = ["correct", "feedback", "explanation", "answer", "accept", "tolerance", "wrong_answers"]


def squash(text: str) -> str:
    """Whitespace-insensitive form, since YAML may fold a long text over several lines."""
    return " ".join(text.split())


@pytest.mark.parametrize("source", [SAMPLE, QUIZZES / "09_knowledge_check.yaml"], ids=lambda p: p.stem)
def test_learner_copy_has_no_key(source: Path, tmp_path: Path) -> None:
    key = load_quiz(source)
    result = build_quiz(source, tmp_path)
    learner_text = result.learner_path.read_text(encoding="utf-8")
    for field in KEY_FIELDS:
        assert not re.search(rf"^\s*-?\s*{field}\s*:", learner_text, re.MULTILINE), field
    assert not re.search(r"\bcorrect\b", learner_text)
    flat = squash(learner_text)
    for question in key.questions:
        for secret in [
            question.explanation,
            *(c.feedback for c in question.choices),
            *question.accept,
            *(m.feedback for m in question.mistakes),
        ]:
            if secret:
                assert squash(secret) not in flat, secret
        if question.type == "numeric":
            assert question.answer not in learner_text
            assert f"answer: {question.answer}" not in learner_text
        for choice in question.choices:  # every choice is still there, right and wrong alike
            assert squash(choice.text) in flat
    assert result.key_path.read_bytes() == source.read_bytes()


def test_learner_copy_loads_and_hashes_like_the_key(tmp_path: Path) -> None:
    result = build_quiz(SAMPLE, tmp_path)
    copy = load_quiz(result.learner_path)
    key = load_quiz(result.key_path)
    assert not copy.key_included and key.key_included
    assert copy.quiz_hash == key.quiz_hash == load_quiz(SAMPLE).quiz_hash
    assert copy.question("pick_one").correct_ids == frozenset()
    assert copy.question("budget").answer is None
    with pytest.raises(ValueError, match="learner copy"):
        grade_directory(tmp_path, copy, progress=False)


def test_practice_quizzes_are_not_built(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="practice quiz"):
        build_quiz(QUIZZES / "01_stateless_reality.yaml", tmp_path)


def test_build_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(QUIZZES), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "skip" in out and "built 09_knowledge_check" in out
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.yaml")) == [
        "key/09_knowledge_check.key.yaml",
        "learner/09_knowledge_check.yaml",
    ]
    assert main(["validate", str(tmp_path / "learner")]) == 0
    assert "learner copy" in capsys.readouterr().out
