"""Loading and validation: every broken fixture fails with the right line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from quiz_helpers import FIXTURES, SAMPLE

from course_lib.quiz import QuizError, load_quiz
from course_lib.quiz.loader import parse_quiz

BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))


def expected_error(path: Path) -> tuple[int, str]:
    """Each broken fixture marks its offending line with ``# ERROR: <text the problem must contain>``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "# ERROR:" in line:
            return number, line.split("# ERROR:", 1)[1].strip()
    raise AssertionError(f"{path.name} has no '# ERROR:' marker")


def test_there_are_many_broken_fixtures() -> None:
    assert len(BROKEN) >= 20


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_quiz_names_file_line_and_problem(path: Path) -> None:
    line, problem = expected_error(path)
    with pytest.raises(QuizError) as caught:
        load_quiz(path)
    error = caught.value
    assert error.path == path
    assert error.line == line, str(error)
    assert problem in error.problem, str(error)
    assert str(error).startswith(f"{path}:{line}: ")


def test_yaml_tags_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = (
        f'id: x\ntitle: !!python/object/apply:os.system ["touch {marker}"]\nmode: practice\nquestions: []\n'
    )
    with pytest.raises(QuizError):
        parse_quiz(text, "evil.yaml")
    assert not marker.exists()


def test_empty_and_unreadable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    with pytest.raises(QuizError, match="empty"):
        load_quiz(empty)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"id: \xff\xfe\n")
    with pytest.raises(QuizError, match="not UTF-8"):
        load_quiz(binary)
    with pytest.raises(QuizError, match="cannot read"):
        load_quiz(tmp_path / "missing.yaml")


def test_two_documents_are_refused() -> None:
    with pytest.raises(QuizError, match="YAML") as caught:
        parse_quiz("id: a\n---\nid: b\n", "two.yaml")
    assert caught.value.line == 2


def test_sample_loads_with_everything_in_place() -> None:
    quiz = load_quiz(SAMPLE)
    assert [q.id for q in quiz.questions] == ["pick_one", "pick_many", "budget", "word"]
    assert quiz.total_points == 5
    budget = quiz.question("budget")
    assert budget.answer == "153,604" and budget.tolerance.kind == "absolute"
    assert budget.line == 23  # the line of "- id: budget"
    assert quiz.question("pick_many").correct_ids == {"a", "b"}
    assert quiz.question("word").accept == ("state-less",)


def test_hash_ignores_formatting_and_key_but_not_content() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    base = parse_quiz(text).quiz_hash
    assert (
        parse_quiz("# a comment\n" + text.replace("  - id: pick_one", "\n  - id: pick_one")).quiz_hash == base
    )
    fixed_key = text.replace("answer: 153,604", "answer: 153,605")  # an instructor fixes the key
    assert parse_quiz(fixed_key).quiz_hash == base
    reworded = text.replace("Which must stay together", "Which should stay together")
    assert parse_quiz(reworded).quiz_hash != base
    more_points = text.replace("points: 2", "points: 3")
    assert parse_quiz(more_points).quiz_hash != base
