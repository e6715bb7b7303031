"""QuizSession: answering, practice feedback, autosave, resume, submit and who the student is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from quiz_helpers import QUIZZES, SAMPLE

from course_lib.quiz import AnswerError, Quiz, QuizSession, load_quiz
from course_lib.quiz.session import ANONYMOUS, find_quiz, resolve_student_id, submission_receipt


@pytest.fixture
def practice() -> Quiz:
    return load_quiz(QUIZZES / "03_token_budgets.yaml")


def test_practice_feedback_at_once(practice: Quiz, tmp_path: Path) -> None:
    session = QuizSession(practice, "alice", tmp_path / "a.json")
    session.answer("room_for_history", "197,000")
    feedback = session.check("room_for_history")
    assert not feedback.correct
    assert "Read as: 197,000" in feedback.text
    assert "You left out max_tokens" in feedback.text
    assert "Hint: available_for_history" in feedback.text
    session.answer("room_for_history", 188808)  # a number from code is taken as typed text
    feedback = session.check("room_for_history")
    assert feedback.correct and "200,000 - 2,000 - 1,000 - 8,192 = 188,808" in feedback.text
    session.answer("bands_are_caps", "b")
    assert "The API reserves only max_tokens" in session.check("bands_are_caps").text
    assert session.running_score() == (1.0, 4.0, 2)


def test_changing_an_answer_withdraws_its_checked_score(practice: Quiz, tmp_path: Path) -> None:
    session = QuizSession(practice, "alice", tmp_path / "a.json")
    session.answer("max_tokens_meaning", "a")
    session.check("max_tokens_meaning")
    assert session.running_score()[0] == 1
    session.answer("max_tokens_meaning", "b")
    assert session.running_score() == (0.0, 4.0, 0)


def test_graded_quiz_gives_no_feedback(sample: Quiz, tmp_path: Path) -> None:
    session = QuizSession(sample, "alice", tmp_path / "a.json")
    session.answer("pick_one", "a")
    with pytest.raises(ValueError, match="graded"):
        session.check("pick_one")


def test_bad_answers_are_refused_at_once(sample: Quiz, tmp_path: Path) -> None:
    session = QuizSession(sample, "alice", tmp_path / "a.json")
    with pytest.raises(AnswerError):
        session.answer("pick_one", "nope")
    with pytest.raises(KeyError):
        session.answer("no_such_question", "a")
    assert not (tmp_path / "a.json").exists()


def test_every_change_is_saved_atomically(sample: Quiz, tmp_path: Path) -> None:
    path = tmp_path / "nb" / "sample.quiz-answers.json"
    session = QuizSession(sample, "alice", path)
    session.answer("pick_many", ["b", "a"])
    document = json.loads(path.read_text())
    assert document["answers"] == {"pick_many": ["a", "b"]}  # stored in quiz order
    assert document["sequence"] == 1 and document["submission"] is None
    session.answer("budget", "153,604")
    session.answer("pick_many", [])  # clearing removes the answer
    document = json.loads(path.read_text())
    assert document["answers"] == {"budget": "153,604"} and document["sequence"] == 3
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left behind
    assert "score" not in path.read_text()


def test_submit_stores_snapshot_and_receipt(
    sample: Quiz, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.json"
    session = QuizSession(sample, "alice", path)
    session.answer("pick_one", "a")
    session.answer("word", "stateless")
    receipt = session.submit()
    printed = capsys.readouterr().out
    assert receipt.short in printed and "2 of 4 answered (2 unanswered)" in printed
    submission = json.loads(path.read_text())["submission"]
    assert submission["receipt"] == receipt.hash == submission_receipt(submission)
    assert submission["answers"] == {"pick_one": "a", "word": "stateless"}
    assert submission["quiz_hash"] == sample.quiz_hash and submission["student_id"] == "alice"
    assert submission["engine_version"] == "1.0"
    assert set(submission) == {
        "quiz_id",
        "quiz_hash",
        "student_id",
        "engine_version",
        "sequence",
        "submitted_at",
        "answers",
        "receipt",
    }

    session.answer("pick_one", "b")  # a change after submitting leaves the submission alone
    document = json.loads(path.read_text())
    assert document["submission"] == submission and document["answers"]["pick_one"] == "b"
    assert session.changed_since_submit


def test_reopening_resumes_answers(sample: Quiz, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    first = QuizSession(sample, "alice", path)
    first.answer("budget", "1.5e5")
    first.submit(quiet=True)
    again = QuizSession(sample, "alice", path)
    assert again.answers == {"budget": "1.5e5"}
    assert again.submission == first.submission
    again.answer("word", "x")
    assert json.loads(path.read_text())["sequence"] > first.sequence


def test_someone_elses_or_a_broken_file_is_never_overwritten(sample: Quiz, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    QuizSession(sample, "alice", path).answer("word", "x")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="belongs to student 'alice'"):
        QuizSession(sample, "bob", path)
    path.write_text("{ half a file")
    with pytest.raises(ValueError, match="cannot be read"):
        QuizSession(sample, "alice", path)
    assert path.read_text() == "{ half a file"
    assert before != path.read_bytes()


def test_student_id_prefers_the_hub_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-alice")
    assert resolve_student_id() == "hub-alice"
    assert resolve_student_id("someone-else") == "hub-alice"
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert resolve_student_id("bob") == "bob"
    with pytest.raises(ValueError):
        resolve_student_id("=cmd|' /C calc'!A0")


def test_os_user_fallback_and_anonymous(
    monkeypatch: pytest.MonkeyPatch, sample: Quiz, tmp_path: Path
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "Jane Doe")
    assert resolve_student_id() == "Jane_Doe"

    def no_user() -> str:
        raise KeyError("uid not found")

    monkeypatch.setattr("getpass.getuser", no_user)
    assert resolve_student_id() == ANONYMOUS
    session = QuizSession(sample, None, tmp_path / "a.json")
    session.answer("word", "x")
    with pytest.raises(ValueError, match="cannot tell who you are"):
        session.submit()


def test_find_quiz_by_id_or_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_quiz("03_token_budgets") == QUIZZES / "03_token_budgets.yaml"
    assert find_quiz(SAMPLE) == SAMPLE
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "local_only.yaml").write_text(SAMPLE.read_text())
    assert find_quiz("local_only").resolve() == (tmp_path / "quizzes" / "local_only.yaml").resolve()
    with pytest.raises(FileNotFoundError, match="no quiz with id 'nope'"):
        find_quiz("nope")
    session = QuizSession("03_token_budgets", "alice")
    assert session.answers_path == tmp_path / "03_token_budgets.quiz-answers.json"  # beside the notebook


def test_a_failed_save_leaves_the_previous_file_whole(
    sample: Quiz, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.json"
    session = QuizSession(sample, "alice", path)
    session.answer("word", "stateless")
    before = path.read_bytes()

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("course_lib.quiz._io.os.replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        session.answer("budget", "153,604")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # the temp file was removed
