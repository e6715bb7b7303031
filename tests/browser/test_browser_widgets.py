"""The widgets a learner touches, used with a mouse in JupyterLab: the token-budget explorer and the quizzes.

Each test opens a notebook in the session's JupyterLab (see conftest.py), runs it, and then moves a
slider or clicks answer buttons the way a person would, reading back what the page shows. A missing
widget extension, a plotly chart that does not draw, or a click that never reaches the kernel fails here.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from course_lib.quiz import load_quiz
from course_lib.quiz.scoring import format_points
from course_lib.quiz.session import ANSWERS_SUFFIX, submission_receipt

pytestmark = pytest.mark.browser

# The budget bar's traces and their drawn bars, read from plotly's graph div and its SVG.
CHART_JS = """
(output) => {
  const gd = output.querySelector('.js-plotly-plot');
  return {
    traces: gd.data.map(t => ({ name: t.name, x: Array.from(t.x || []), base: Array.from(t.base || []) })),
    title: (gd.layout.title && gd.layout.title.text) || '',
    bars: Array.from(gd.querySelectorAll('.barlayer .point path')).map(p => Math.round(p.getBBox().width)),
  };
}
"""


def _explorer(run: Any) -> tuple[Any, Any]:
    """The TokenBudgetExplorer's output area (labelled sliders and a plotly chart) and its max_tokens slider.

    The slider is found by its accessible name, as a screen reader finds it: a missing <label> fails here.
    """
    page = run.page
    output = page.locator(".jp-Notebook .jp-OutputArea-output").filter(has=page.locator(".course-slider"))
    output = output.filter(has=page.locator(".js-plotly-plot")).first
    assert output.count(), "03_token_budgets shows no TokenBudgetExplorer (labelled sliders + plotly chart)"
    return output, output.get_by_role("slider", name="max_tokens", exact=True)


def _readout(slider: Any) -> int:
    """The number shown beside a slider (its <output>, with thousands separators)."""
    text = slider.locator("xpath=following-sibling::output").inner_text().strip()
    return int(text.replace(",", ""))


def _room(output: Any) -> str:
    return output.locator(".widget-html-content", has_text="History room").first.inner_text().strip()


def _tokens(text: str) -> int:
    return int(re.search(r"([\d,]+) tokens", text).group(1).replace(",", ""))


def _bar(chart: dict[str, Any], name: str) -> list[float]:
    return next(t["x"] for t in chart["traces"] if t["name"] == name)


def _wait_for_new_room(run: Any, output: Any, room_before: str) -> None:
    """The kernel recomputes the TokenBudget and sends back the label and the chart."""
    run.page.wait_for_function(
        "([el, before]) => !el.innerText.includes(before)",
        arg=[output.element_handle(), room_before],
        timeout=15_000,
    )
    run.page.wait_for_timeout(500)  # let plotly finish redrawing


def assert_budget_moved(before: tuple[int, str, dict], after: tuple[int, str, dict]) -> None:
    """max_tokens grew; the history room shrank by as much; the chart's bars say the same and were redrawn."""
    (max_before, room_before, chart_before), (max_after, room_after, chart_after) = before, after
    assert max_after > max_before, f"the max_tokens slider did not move: {max_before} -> {max_after}"
    assert _tokens(room_after) == _tokens(room_before) - (max_after - max_before), (room_before, room_after)
    assert _bar(chart_before, "max_tokens reserve") == [max_before], chart_before
    assert _bar(chart_after, "max_tokens reserve") == [max_after], chart_after
    assert _bar(chart_before, "history room") == [_tokens(room_before)], chart_before
    assert _bar(chart_after, "history room") == [_tokens(room_after)], chart_after
    assert chart_after["bars"] != chart_before["bars"], "the chart's SVG bars did not change"


def budget_state(output: Any, slider: Any) -> tuple[int, str, dict]:
    """What the explorer shows: the max_tokens readout, the room label, and the chart's traces and bars."""
    return _readout(slider), _room(output), output.element_handle().evaluate(CHART_JS)


def test_token_budget_explorer_slider_moves_the_label_and_the_chart(run_notebook) -> None:
    run = run_notebook("03_token_budgets")
    output, slider = _explorer(run)
    output.scroll_into_view_if_needed()
    assert output.locator(".js-plotly-plot .main-svg").count(), "the plotly chart has no SVG: plotly did not render"
    assert output.get_by_role("slider").count() >= 4, "the explorer's sliders did not render"

    before = budget_state(output, slider)
    run.screenshot("explorer-before", output)
    assert before[1].startswith("History room:"), before[1]

    # Drag the max_tokens thumb to the right with the mouse, as a learner would.
    box = slider.bounding_box()
    low, high = int(slider.get_attribute("min")), int(slider.get_attribute("max"))
    share = (before[0] - low) / (high - low)  # where the thumb sits along the track
    x, y = box["x"] + 8 + share * (box["width"] - 16), box["y"] + box["height"] / 2  # the thumb is ~16 px wide
    run.page.mouse.move(x, y)
    run.page.mouse.down()
    for step in range(1, 11):
        run.page.mouse.move(x + 12 * step, y)
    run.page.mouse.up()

    _wait_for_new_room(run, output, before[1])
    after = budget_state(output, slider)
    run.screenshot("explorer-after", output)
    assert_budget_moved(before, after)
    assert run.problems() == []


def _question_box(output: Any, prompt_start: str) -> Any:
    toggles = output.page.locator(".widget-toggle-buttons")  # a filter's inner locator is relative: start at the page
    return output.locator(".widget-vbox").filter(has_text=prompt_start).filter(has=toggles).last


def _letters(box: Any) -> dict[str, str]:
    """Choice text -> the letter shown for it (the order is shuffled per student)."""
    shown = box.locator(".widget-html-content").first.inner_text()
    return {text.strip(): letter for letter, text in re.findall(r"^([A-Z])\.\s+(.+)$", shown, flags=re.M)}


def _click_choice(box: Any, question: Any, choice_id: str) -> None:
    text = " ".join(question.choice(choice_id).text.split())
    letters = {" ".join(k.split()): v for k, v in _letters(box).items()}
    assert text in letters, f"choice {choice_id!r} ({text!r}) is not shown: {list(letters)}"
    box.locator(".widget-toggle-buttons button", has_text=re.compile(f"^{letters[text]}$")).click()


def _wait_until_saved(answers: Path, question_id: str, choice_id: str, timeout: float = 30.0) -> None:
    """Until the kernel has saved the choice to the answers file (its write is atomic: never half a file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers.is_file() and json.loads(answers.read_text()).get("answers", {}).get(question_id) == choice_id:
            return
        time.sleep(0.1)
    raise AssertionError(f"{choice_id!r} for {question_id!r} was not saved to {answers} within {timeout:.0f} s")


def _first_single(quiz: Any) -> Any:
    return next(q for q in quiz.questions if q.type == "single")


def test_practice_quiz_gives_feedback_and_a_score(run_notebook, lab, expect) -> None:
    run = run_notebook("01_stateless_reality")
    quiz = load_quiz(lab.root / "quizzes" / "01_stateless_reality.yaml")
    question = _first_single(quiz)
    right = next(c for c in question.choices if c.correct)
    wrong = next(c for c in question.choices if not c.correct)
    output = run.output_with(".widget-toggle-buttons")
    output.scroll_into_view_if_needed()
    prompt_start = " ".join(question.prompt.split())[:40]
    box = _question_box(output, prompt_start)
    feedback = box.locator(".widget-html-content").filter(has_text=re.compile(r"^(Not quite|Correct|Partly)"))
    score = output.locator(".widget-html-content", has_text="Score:")
    total, points = len(quiz.questions), format_points(quiz.total_points)

    expect(score).to_have_text(f"Score: 0 of {points} points (0 of {total} questions checked)")

    _click_choice(box, question, wrong.id)
    box.locator("button", has_text="Check").click()
    feedback.wait_for()
    text = feedback.inner_text()
    assert text.startswith("Not quite (0/1 point).")
    assert " ".join(wrong.feedback.split())[:50] in " ".join(text.split())
    expect(score).to_have_text(f"Score: 0 of {points} points (1 of {total} questions checked)")
    run.screenshot("quiz-wrong", box)

    _click_choice(box, question, right.id)
    feedback.wait_for(state="detached")  # feedback about the old answer goes when the answer changes
    box.locator("button", has_text="Check").click()
    feedback.wait_for()
    assert feedback.inner_text().startswith("Correct (1/1 point).")
    expect(score).to_have_text(f"Score: 1 of {points} points (1 of {total} questions checked)")
    run.screenshot("quiz-right", box)
    run.screenshot("quiz-score", output)

    saved = json.loads((lab.root / "notebooks" / f"01_stateless_reality{ANSWERS_SUFFIX}").read_text())
    assert saved["answers"][question.id] == right.id and saved["student_id"] == lab.student


def test_graded_quiz_submits_to_a_file_in_the_served_folder(run_notebook, lab) -> None:
    run = run_notebook("09_knowledge_check")
    quiz = load_quiz(lab.root / "quizzes" / "09_knowledge_check.yaml")
    question = _first_single(quiz)
    output = run.output_with(".widget-toggle-buttons")
    output.scroll_into_view_if_needed()
    assert output.locator("button", has_text="Check").count() == 0, "a graded quiz must not offer Check"
    box = _question_box(output, " ".join(question.prompt.split())[:40])
    wrong = next(c for c in question.choices if not c.correct)
    right = next(c for c in question.choices if c.correct)
    _click_choice(box, question, wrong.id)  # a change of mind before submitting: only the last one counts
    _click_choice(box, question, right.id)

    answers = lab.root / "notebooks" / f"09_knowledge_check{ANSWERS_SUFFIX}"
    # ipywidgets holds back a value change while the previous one is unanswered, but sends a click at once: a
    # Submit clicked too soon reaches the kernel before the last answer does (the status then asks to submit again)
    _wait_until_saved(answers, question.id, right.id)
    output.locator("button", has_text="Submit").click()
    status = output.locator(".widget-html-content", has_text="Submitted")
    status.wait_for()
    expected = f"Submitted 09_knowledge_check as {lab.student}: 1 of {len(quiz.questions)} answered"
    assert status.inner_text().startswith(expected)
    status.scroll_into_view_if_needed()
    run.screenshot("submitted", output)

    assert answers.is_file(), f"no submission file at {answers}"
    submission = json.loads(answers.read_text())["submission"]
    assert submission["answers"] == {question.id: right.id}
    assert submission["student_id"] == lab.student
    assert submission["receipt"] == submission_receipt(submission)
    assert "score" not in submission, "a graded submission carries raw answers only"
    short = submission["receipt"].removeprefix("sha256:")[:12]
    assert f"Receipt {short}" in status.inner_text()
