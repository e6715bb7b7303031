"""The one scorer: every question type, tolerance edges, partial credit, feedback, and bad raw answers."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib.quiz import AnswerError, Quiz, score_answer
from course_lib.quiz.loader import parse_quiz
from course_lib.quiz.model import Tolerance
from course_lib.quiz.scoring import choice_order, format_number, normalize_text, parse_number


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("153604", 153604),
        ("153,604", 153604),
        ("153 604", 153604),
        ("153\u00a0604", 153604),  # no-break space, as some keyboards and locales type it
        ("153_604", 153604),
        (" 153604 ", 153604),
        ("1.5e5", 150000),
        ("1.5E+5", 150000),
        ("1/2", Fraction(1, 2)),
        ("-3 / 4", Fraction(-3, 4)),
        ("\u22123", -3),  # a typographic minus sign
        ("0.1", Fraction(1, 10)),
        (".5", Fraction(1, 2)),
        ("1,234.5", Fraction(2469, 2)),
    ],
)
def test_parse_number_accepts_what_people_type(typed: str, value: Fraction) -> None:
    assert parse_number(typed) == value


@pytest.mark.parametrize(
    "typed", ["", "abc", "1,5", "12,34", "1,2345", "1/0", "1e999999999", "50%", "1..2", "x" * 100]
)
def test_parse_number_refuses_ambiguous_or_dangerous_input(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_number(typed)


def test_format_number_shows_how_input_was_read() -> None:
    assert format_number(Fraction(153604)) == "153,604"
    assert format_number(Fraction(1, 2)) == "0.5"
    assert format_number(Fraction(-1, 8)) == "-0.125"
    assert format_number(Fraction(1, 3)) == "1/3 (≈ 0.333333)"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_grouped_numbers_read_back_exactly(n: int) -> None:
    assert parse_number(f"{n:,}") == n
    assert parse_number(format_number(Fraction(n))) == n


QUIZ = """
id: scoring
title: Scoring
mode: practice
questions:
  - id: one
    type: single
    prompt: Pick.
    hint: It is b.
    explanation: Because b.
    choices:
      - {id: a, text: A, feedback: "Not a."}
      - {id: b, text: B, correct: true, feedback: "Yes, b."}
      - {id: c, text: C}
  - id: many
    type: multi
    prompt: Pick all.
    choices:
      - {id: a, text: A, correct: true}
      - {id: b, text: B, correct: true}
      - {id: c, text: C, correct: true}
      - {id: d, text: D, feedback: "D is a trap."}
      - {id: e, text: E, feedback: "E is a trap too."}
  - id: exact
    type: numeric
    prompt: How many?
    hint: Subtract.
    answer: 153,604
    wrong_answers:
      - {value: 157700, feedback: "You forgot max_tokens."}
  - id: absolute
    type: numeric
    prompt: About how many?
    answer: 100
    tolerance: {absolute: 0.5}
  - id: relative
    type: numeric
    prompt: Roughly?
    answer: 200
    tolerance: {relative: 0.01}
    unit: tokens
  - id: word
    type: text
    prompt: Which word?
    answer: stateless
    accept: [state-less]
    wrong_answers:
      - {value: Memoryless, feedback: "Not the usual term."}
"""


@pytest.fixture
def quiz() -> Quiz:
    return parse_quiz(QUIZ, "scoring.yaml")


def test_single_right_and_wrong(quiz: Quiz) -> None:
    right = score_answer(quiz.question("one"), "b")
    assert (right.status, right.points) == ("correct", 1.0)
    assert right.feedback == ("Yes, b.", "Because b.")
    wrong = score_answer(quiz.question("one"), "a")
    assert (wrong.status, wrong.points, wrong.wrong_given) == ("wrong", 0.0, ("a",))
    assert "Not a." in wrong.text and "Hint: It is b." in wrong.text
    assert "Because b." not in wrong.text  # the explanation is the reward for a right answer


@pytest.mark.parametrize(
    ("picked", "points", "status"),
    [
        (["a", "b", "c"], 1.0, "correct"),
        (["a", "b"], 2 / 3, "partial"),
        (["a"], 1 / 3, "partial"),
        (["a", "b", "c", "d"], 2 / 3, "partial"),
        (["a", "d"], 0.0, "wrong"),
        (["a", "d", "e"], 0.0, "wrong"),  # never below zero
        (["a", "b", "c", "d", "e"], 1 / 3, "partial"),  # ticking everything does not pay
        ([], 0.0, "blank"),
    ],
)
def test_multi_partial_credit(quiz: Quiz, picked: list[str], points: float, status: str) -> None:
    score = score_answer(quiz.question("many"), picked)
    assert score.points == pytest.approx(points)
    assert score.status == status


def test_multi_feedback_names_traps_and_missed_count(quiz: Quiz) -> None:
    score = score_answer(quiz.question("many"), ["a", "d"])
    assert score.feedback == ("D is a trap.", "You left out 2 correct choices.")
    assert score.wrong_given == ("d",)


def test_multi_without_partial_credit(quiz: Quiz) -> None:
    question = replace(quiz.question("many"), partial_credit=False)
    assert score_answer(question, ["a", "b"]).points == 0
    assert score_answer(question, ["c", "b", "a"]).points == 1


def test_numeric_exact_accepts_every_spelling(quiz: Quiz) -> None:
    question = quiz.question("exact")
    for typed in ["153604", "153,604", "153 604", "1.53604e5"]:
        score = score_answer(question, typed)
        assert score.correct, typed
        assert score.read_as == "153,604"
    off_by_one = score_answer(question, "153,605")
    assert off_by_one.status == "wrong" and off_by_one.wrong_given == ("153,605",)


def test_numeric_known_mistake_gets_its_feedback(quiz: Quiz) -> None:
    score = score_answer(quiz.question("exact"), "157,700")
    assert score.feedback == ("You forgot max_tokens.",)
    assert "Read as: 157,700" in score.text and "Hint: Subtract." in score.text


def test_numeric_unreadable_scores_zero_with_reason(quiz: Quiz) -> None:
    score = score_answer(quiz.question("exact"), "about 150k")
    assert (score.status, score.points) == ("unreadable", 0.0)
    assert "could not read" in score.text


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        ("100", True),
        ("100.5", True),
        ("99.5", True),
        ("201/2", True),
        ("100.5000001", False),
        ("99.49", False),
    ],
)
def test_absolute_tolerance_edges_are_inclusive_and_exact(quiz: Quiz, typed: str, correct: bool) -> None:
    assert score_answer(quiz.question("absolute"), typed).correct is correct


@pytest.mark.parametrize(
    ("typed", "correct"),
    [("202", True), ("198", True), ("202.0001", False), ("197.9999", False), ("2e2", True)],
)
def test_relative_tolerance_edges(quiz: Quiz, typed: str, correct: bool) -> None:
    score = score_answer(quiz.question("relative"), typed)
    assert score.correct is correct
    assert score.read_as.endswith(" tokens")


def test_tolerance_accepts_is_exact_with_fractions() -> None:
    tolerance = Tolerance("absolute", Fraction(1, 10))
    assert tolerance.accepts(Fraction("0.3"), Fraction("0.2"))  # 0.3 - 0.2 == 0.1 exactly
    assert not Tolerance().accepts(Fraction("0.30000000000000004"), Fraction("0.3"))


def test_text_is_normalized_and_variants_accepted(quiz: Quiz) -> None:
    question = quiz.question("word")
    for typed in ["stateless", "  Stateless. ", "STATELESS!", "state-less", "ｓｔａｔｅｌｅｓｓ"]:
        assert score_answer(question, typed).correct, typed
    wrong = score_answer(question, "memoryless")
    assert wrong.feedback == ("Not the usual term.",)
    assert score_answer(question, "state less").status == "wrong"
    assert normalize_text("  Lost   in the\tmiddle!  ") == "lost in the middle"


def test_blank_answers(quiz: Quiz) -> None:
    for qid, raw in [("one", None), ("many", []), ("exact", "  "), ("word", "")]:
        score = score_answer(quiz.question(qid), raw)
        assert (score.status, score.points) == ("blank", 0.0)


@pytest.mark.parametrize(
    ("qid", "raw", "code"),
    [
        ("one", "z", "unknown_choice"),
        ("one", ["b"], "bad_answer"),
        ("many", ["a", "zz"], "unknown_choice"),
        ("many", "a", "bad_answer"),
        ("many", ["a", "a"], "bad_answer"),
        ("exact", 153604, "bad_answer"),
        ("word", "x" * 501, "bad_answer"),
    ],
)
def test_raw_answers_that_cannot_fit_are_errors(quiz: Quiz, qid: str, raw: object, code: str) -> None:
    with pytest.raises(AnswerError) as caught:
        score_answer(quiz.question(qid), raw)
    assert caught.value.code == code


def test_learner_copy_cannot_be_scored(quiz: Quiz) -> None:
    stripped = replace(
        quiz.question("one"), choices=tuple(replace(c, correct=None) for c in quiz.question("one").choices)
    )
    with pytest.raises(ValueError, match="no answer key"):
        score_answer(stripped, "b")


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True))
def test_multi_score_stays_within_bounds(picked: list[str]) -> None:
    question = parse_quiz(QUIZ).question("many")
    score = score_answer(question, picked)
    assert 0 <= score.points <= question.points
    assert score.correct == (set(picked) == {"a", "b", "c"})


def test_choice_order_is_stable_per_student_and_varies_between_students(quiz: Quiz) -> None:
    question = replace(quiz.question("many"), shuffle=True)
    first = choice_order(question, "scoring|alice")
    assert choice_order(question, "scoring|alice") == first
    orders = {tuple(c.id for c in choice_order(question, f"scoring|student{i}")) for i in range(30)}
    assert len(orders) > 5
    assert choice_order(replace(question, shuffle=False), "scoring|alice") == question.choices
