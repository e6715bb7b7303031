"""Every shipped quiz validates, follows the authoring rules, and gets the module's facts right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from quiz_helpers import QUIZZES

from course_lib.quiz import Quiz, load_quiz, score_answer
from course_lib.quiz.cli import main

SHIPPED = sorted(QUIZZES.glob("*.yaml"))
EXPECTED = [
    "01_stateless_reality",
    "02_history_strategies",
    "03_token_budgets",
    "04_counting_and_overflow",
    "05_pruning",
    "06_production_manager",
    "07_hands_on_lab",
    "08_beyond_the_module",
    "09_knowledge_check",
]


def test_every_notebook_has_its_quiz() -> None:
    stems = [p.stem for p in SHIPPED]
    assert set(EXPECTED) <= set(stems)  # other notebooks (00_start_here) may add their own
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", stem) for stem in stems)


def test_cli_validates_the_whole_folder() -> None:
    assert main(["validate", str(QUIZZES)]) == 0


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_authoring_rules(path: Path) -> None:
    quiz = load_quiz(path)
    assert quiz.id == path.stem  # show_quiz("<id>") finds quizzes/<id>.yaml
    assert quiz.key_included
    if quiz.mode == "practice":
        assert 3 <= len(quiz.questions) <= 5
    for question in quiz.questions:
        assert question.hint, f"{quiz.id}/{question.id} has no hint"
        if quiz.id in EXPECTED:  # the module's checks all give their reasoning
            assert question.explanation, f"{quiz.id}/{question.id} has no explanation (the reasoning)"
        for choice in question.choices:
            if not choice.correct:
                assert choice.feedback, f"{quiz.id}/{question.id}/{choice.id}: wrong choice without feedback"


@pytest.fixture
def final() -> Quiz:
    return load_quiz(QUIZZES / "09_knowledge_check.yaml")


def test_knowledge_check_is_graded_with_the_modules_questions(final: Quiz) -> None:
    assert final.mode == "graded" and len(final.questions) >= 10
    assert [q.id for q in final.questions[:5]] == [
        "k1_no_history",
        "k2_budget",
        "k3_account_number",
        "k4_summary_loss",
        "k5_api_error",
    ]
    assert {q.type for q in final.questions} >= {"single", "multi", "numeric"}


def test_budget_question_accepts_the_written_forms(final: Quiz) -> None:
    budget = final.question("k2_budget")
    assert budget.type == "numeric"
    for typed in ["153,604", "153604", "153 604"]:
        assert score_answer(budget, typed).correct
    assert "max_tokens" in score_answer(budget, "157,700").text


def test_statelessness_and_pinned_facts(final: Quiz) -> None:
    first = final.question("k1_no_history")
    assert "Nothing. Each request stands alone" in first.choice(next(iter(first.correct_ids))).text
    third = final.question("k3_account_number")
    assert "pinned-facts" in third.choice(next(iter(third.correct_ids))).text
    fourth = final.question("k4_summary_loss")
    assert "exact error message" in fourth.choice(next(iter(fourth.correct_ids))).text


def test_api_error_question_is_true_to_the_current_api(final: Quiz) -> None:
    """One array is rejected today: the one ending with an assistant turn (prefill, gone since Claude 4.6)."""
    question = final.question("k5_api_error")
    (correct,) = question.correct_ids
    right = question.choice(correct)
    assert right.text.split(" / ")[-1].startswith("assistant") and "prefill" in right.feedback
    same_role = next(c for c in question.choices if c.text.count("user:") == 2 and "assistant" not in c.text)
    assert not same_role.correct and "combines" in same_role.feedback and "validate_messages" in same_role.feedback
    answered_pair = next(c for c in question.choices if "tool_result" in c.text)
    assert not answered_pair.correct
    wrong = [c for c in question.choices if not c.correct]
    assert all(c.text.split(" / ")[-1].startswith("user") for c in wrong), "a wrong choice ends with assistant"


def test_practice_quizzes_say_their_key_is_readable() -> None:
    from course_lib.quiz import render_text

    for path in SHIPPED:
        quiz = load_quiz(path)
        if quiz.mode != "practice":
            continue
        text = render_text(quiz)
        assert f"answer key is in quizzes/{path.name}, where you can read it" in text
