"""Widget callbacks without a browser: set widget values and click buttons, then read the labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from quiz_helpers import QUIZZES

from course_lib.quiz import AnswerError, Quiz, QuizSession, QuizWidget, load_quiz, render_text, show_quiz
from course_lib.quiz import render as render_module


@pytest.fixture
def practice(tmp_path: Path) -> QuizWidget:
    return QuizWidget(QuizSession(load_quiz(QUIZZES / "03_token_budgets.yaml"), "alice", tmp_path / "a.json"))


def test_radio_then_check_shows_feedback_and_score(practice: QuizWidget) -> None:
    practice.select("max_tokens_meaning", "b")
    feedback = practice.check("max_tokens_meaning")
    assert feedback.startswith("Not quite (0/1 point).")
    assert "Send 150,000 input tokens" in feedback and "Hint:" in feedback
    assert practice.score_text == "Score: 0 of 4 points (1 of 4 questions checked)"
    practice.select("max_tokens_meaning", "a")
    assert practice.feedback_text("max_tokens_meaning") == ""  # old feedback is cleared by a change
    assert practice.check("max_tokens_meaning").startswith("Correct (1/1 point).")
    assert practice.score_text == "Score: 1 of 4 points (1 of 4 questions checked)"


def test_number_box_shows_how_input_was_read(practice: QuizWidget) -> None:
    practice.enter("room_for_history", "188 808")
    assert practice.read_as_text("room_for_history") == "Read as 188,808"
    practice.enter("room_for_history", "1,5")
    assert practice.read_as_text("room_for_history").startswith("Not a number yet")
    assert practice.check("room_for_history").startswith("Could not read that answer")
    practice.enter("room_for_history", "188808")
    assert practice.check("room_for_history").startswith("Correct")


def test_changes_are_saved_through_the_session(practice: QuizWidget, tmp_path: Path) -> None:
    practice.select("bands_are_caps", "a")
    practice.enter("room_for_history", "188,808")
    saved = json.loads((tmp_path / "a.json").read_text())["answers"]
    assert saved == {"bands_are_caps": "a", "room_for_history": "188,808"}
    assert practice.status_text == "Saved to a.json (2 of 4 answered)."


def test_hint_button(practice: QuizWidget) -> None:
    assert practice.show_hint("bands_are_caps") == "Hint: Which of the four parts does the API itself reserve?"


def test_multi_toggle_buttons(tmp_path: Path) -> None:
    widget = QuizWidget(QuizSession(load_quiz(QUIZZES / "05_pruning.yaml"), "alice", tmp_path / "a.json"))
    widget.select("cut_first", ["a", "c"])
    assert widget.session.answers["cut_first"] == ["a", "c"]
    feedback = widget.check("cut_first")
    assert feedback.startswith("Not quite") and "Keep or pin it." in feedback
    widget.select("cut_first", ["b", "a"])
    assert widget.check("cut_first").startswith("Correct")
    with pytest.raises(AnswerError):
        widget.select("cut_first", ["a", "zz"])


def test_reopened_widget_shows_saved_answers_without_saving_again(tmp_path: Path) -> None:
    quiz = load_quiz(QUIZZES / "05_pruning.yaml")
    QuizWidget(QuizSession(quiz, "alice", tmp_path / "a.json")).select("cut_first", ["b"])
    before = (tmp_path / "a.json").read_bytes()
    again = QuizWidget(QuizSession(quiz, "alice", tmp_path / "a.json"))
    assert {cid for cid, b in again._views["cut_first"].inputs.items() if b.value} == {"b"}
    assert (tmp_path / "a.json").read_bytes() == before


def test_graded_widget_submits_and_has_no_check(sample: Quiz, tmp_path: Path) -> None:
    widget = QuizWidget(QuizSession(sample, "alice", tmp_path / "a.json"))
    assert widget._views["pick_one"].check_button.disabled
    widget.select("pick_one", "a")
    widget.enter("budget", "153,604")
    status = widget.submit()
    assert status.startswith("Submitted sample_graded as alice: 2 of 4 answered")
    receipt = json.loads((tmp_path / "a.json").read_text())["submission"]["receipt"]
    assert receipt.removeprefix("sha256:")[:12] in status
    widget.select("pick_one", "b")
    assert "submit again" in widget.status_text


def test_choice_letters_follow_the_students_shuffled_order(tmp_path: Path) -> None:
    quiz = load_quiz(QUIZZES / "09_knowledge_check.yaml")
    orders = set()
    for i in range(8):
        widget = QuizWidget(QuizSession(quiz, f"s{i}", tmp_path / f"{i}.json"))
        orders.add(tuple(widget._views["k5_api_error"].letters.items()))
    assert len(orders) > 1


def test_mimebundle_has_widget_and_text_fallback(practice: QuizWidget) -> None:
    bundle = practice._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    text = bundle["text/plain"]
    assert text == render_text(practice.quiz)
    assert "the answer key is in quizzes/03_token_budgets.yaml, where you can read it" in text
    assert "VBox" not in text


def test_text_rendering_of_graded_quiz_has_no_key(sample: Quiz) -> None:
    text = render_text(sample)
    assert "Graded quiz" in text and "s.submit()" in text
    assert "Lists models" not in text and "messages.create takes" not in text
    assert "(a) messages.create" in text


def test_show_quiz_prints_text_outside_ipython(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(render_module, "_in_ipython", lambda: False)
    widget = show_quiz("01_stateless_reality", student_id="alice", answers_path=tmp_path / "a.json")
    assert "Check: the stateless reality" in capsys.readouterr().out
    widget.session.answer("property_name", "Stateless")
    assert widget.session.check("property_name").correct


def test_without_ipywidgets_the_text_still_works(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_widgets(name: str, *args: object, **kwargs: object) -> object:
        if name == "ipywidgets":
            raise ImportError("no ipywidgets here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_widgets)
    quiz = load_quiz(QUIZZES / "02_history_strategies.yaml")
    widget = QuizWidget(QuizSession(quiz, "a", tmp_path / "a.json"))
    assert widget.view is None
    assert set(widget._repr_mimebundle_()) == {"text/plain"}
    with pytest.raises(RuntimeError, match="QuizSession"):
        widget.select("caching", ["a"])


def test_a_failed_save_is_shown_not_swallowed(practice: QuizWidget, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("course_lib.quiz._io.os.replace", disk_full)
    practice.select("bands_are_caps", "a")
    assert practice.status_text.startswith("Not saved:") and "No space" in practice.status_text


def test_every_answer_control_is_named_for_assistive_technology(practice: QuizWidget) -> None:
    """Letter buttons carry their choice's text as a tooltip; the group and the text box have a label."""
    single = practice._views["max_tokens_meaning"]
    shown = sorted(single.letters, key=single.letters.get)  # choice ids in this learner's letter order
    texts = {c.id: " ".join(c.text.split()) for c in single.question.choices}
    assert list(single.inputs.tooltips) == [texts[cid][:120] for cid in shown]
    assert single.inputs.description.startswith("Answer ")
    number_box = practice._views["room_for_history"].inputs
    assert number_box.description.startswith("Answer ") and number_box.placeholder
