"""Accessibility in JupyterLab: an axe-core audit of every notebook's widget and chart outputs.

Scope: the audit covers the output areas our code draws (ipywidgets views, anywidgets and plotly
charts), not JupyterLab's own menus and toolbars, which the course does not control. A serious or
critical violation there fails the notebook; lesser ones (best-practice hints) are left to reading.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from test_browser_widgets import (
    _explorer,
    _first_single,
    _letters,
    _question_box,
    _wait_for_new_room,
    assert_budget_moved,
    budget_state,
)

from course_lib.quiz import load_quiz
from course_lib.quiz.scoring import format_points
from course_lib.quiz.session import ANSWERS_SUFFIX, submission_receipt

pytestmark = pytest.mark.browser

OUR_OUTPUTS = [
    ".jp-Notebook .jp-OutputArea-output > .jupyter-widgets",  # the root view of a widget output
    ".jp-Notebook .jp-OutputArea-output.jp-RenderedPlotly",  # a chart shown with fig.show()
]
"""The output areas the audit covers: widget views (explorers, panels, quizzes, FigureWidgets) and charts."""

BLOCKING = ("serious", "critical")

AUDIT_JS = """
async ([selectors, options]) => {
  const include = selectors.filter(s => document.querySelector(s));
  // Output areas drawn by an extension (no standard mime-type attribute): all of them must be in scope.
  const drawn = document.querySelectorAll('.jp-Notebook .jp-OutputArea-output:not([data-mime-type])').length;
  if (!include.length) { return { audited: 0, drawn, violations: [] }; }
  const results = await axe.run({ include }, options);
  const audited = selectors.reduce((n, s) => n + document.querySelectorAll(s).length, 0);
  return {
    audited, drawn,
    violations: results.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(0, 3).join(' ')),
    })),
  };
}
"""


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's script, as axe-playwright-python bundles it (no CDN: the page may reach only the lab)."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
    return axe.Axe().axe_script


def audit(page: Any, axe_script: str) -> dict[str, Any]:
    """Run axe-core on our output areas only; return how many were audited and every violation found."""
    page.evaluate(axe_script)
    return page.evaluate(AUDIT_JS, [OUR_OUTPUTS, {"resultTypes": ["violations"]}])


def test_widget_and_chart_outputs_pass_an_axe_audit(run_notebook, notebook_name: str, axe_script: str) -> None:
    """notebook_name: every notebooks/NN_*.ipynb (conftest.py parametrizes it)."""
    run = run_notebook(notebook_name)
    report = audit(run.page, axe_script)
    assert report["audited"] == report["drawn"], f"{notebook_name}: some widget or chart outputs escaped the audit"
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    details = "\n".join(f"{v['impact']} {v['id']} ({v['help']}): {v['nodes'][:4]}" for v in blocking)
    assert not blocking, f"{notebook_name}: {len(blocking)} serious/critical axe violations in our outputs:\n{details}"


GALLERY_CELLS = [
    # States the lessons may not reach: a chat panel after two turns, an over-budget explorer, the
    # importance view of a window explorer, and a practice quiz (answers kept apart from notebook 03's).
    "from course_lib import make_client\n"
    "from course_lib.classroom.widgets import ChatPanel, TokenBudgetExplorer, WindowExplorer\n"
    "from course_lib.managers import SlidingWindowManager\n"
    "manager = SlidingWindowManager(make_client('simulated'), window_size=4)\n"
    "panel = ChatPanel(manager)\n"
    "panel.send('Hello, my router keeps dropping the connection.')\n"
    "panel.send('It happens every evening.')\n"
    "panel",
    "TokenBudgetExplorer(context_window=10_000, system_tokens=8_000, current_message_tokens=500)",
    "WindowExplorer(manager, strategy='importance')",
    "from course_lib.quiz import show_quiz\n"
    "show_quiz('03_token_budgets', answers_path='a11y-gallery.quiz-answers.json')",
]


def test_every_classroom_widget_passes_an_axe_audit(run_notebook, lab, axe_script: str) -> None:
    """Each widget in one generated notebook, so the audit does not depend on what the lessons record."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in GALLERY_CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, lab.root / "notebooks" / "a11y_gallery.ipynb")
    run = run_notebook("a11y_gallery")
    assert run.problems() == []
    report = audit(run.page, axe_script)
    assert report["audited"] == report["drawn"] >= len(GALLERY_CELLS), report
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(f"{v['impact']} {v['id']} ({v['help']}): {v['nodes'][:4]}" for v in blocking)
    run.screenshot("gallery")


# --- keyboard only ---------------------------------------------------------------------------------
# Each walk starts by placing focus on the widget's first control (where a Tab from the cell above lands);
# from there only keys are pressed, and the outcomes asserted are the mouse tests' own.

FOCUSED_JS = """
() => {
  const el = document.activeElement;
  const label = el && el.labels && el.labels.length ? el.labels[0].textContent : '';
  return { text: (el && el.innerText || '').trim(), label: label.trim(), tag: el ? el.tagName : '' };
}
"""


def focused(page: Any) -> dict[str, str]:
    """The focused element's text, its <label>'s text and its tag."""
    return page.evaluate(FOCUSED_JS)


def press_until(page: Any, key: str, wanted: str, within: Any, limit: int = 80) -> int:
    """Press ``key`` until the focused element inside ``within`` reads or is labelled ``wanted``."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        now = focused(page)
        inside = within.element_handle().evaluate("el => el.contains(document.activeElement)")
        if inside and wanted in (now["text"], now["label"]):
            return presses
    raise AssertionError(f"{limit} presses of {key} never reached {wanted!r}; focus is on {focused(page)}")


def test_budget_explorer_by_keyboard_alone(run_notebook) -> None:
    run = run_notebook("03_token_budgets")
    output, slider = _explorer(run)
    page = run.page
    output.scroll_into_view_if_needed()
    output.get_by_role("slider").first.focus()
    assert focused(page)["label"] == "context window"
    for name in ("system prompt", "current message", "max_tokens"):
        assert press_until(page, "Tab", name, output, limit=1) == 1, f"Tab did not go on to {name!r}"

    before = budget_state(output, slider)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    _wait_for_new_room(run, output, before[1])
    page.wait_for_function(
        "([el, want]) => Number(el.value) === want",
        arg=[slider.element_handle(), before[0] + 2 * int(slider.get_attribute("step"))],
        timeout=15_000,
    )
    after = budget_state(output, slider)
    run.screenshot("explorer-keyboard", output)
    assert after[0] == before[0] + 2 * int(slider.get_attribute("step")), (before[0], after[0])
    assert_budget_moved(before, after)
    assert press_until(page, "Shift+Tab", "current message", output, limit=1) == 1
    assert run.problems() == []


def _letter_button(box: Any, letter: str) -> Any:
    return box.locator(".widget-toggle-buttons button", has_text=re.compile(f"^{letter}$"))


def _choose(page: Any, box: Any, letters: dict[str, str], text: str) -> None:
    """Move focus among the letter buttons to the one for ``text`` and press Space."""
    letter = letters[" ".join(text.split())]
    current = focused(page)["text"]
    key = "Tab" if letter > current else "Shift+Tab"
    if letter != current:
        press_until(page, key, letter, box, limit=8)
    page.keyboard.press("Space")
    page.wait_for_function("el => el.classList.contains('mod-active')",  # ipywidgets marks the pressed one
                           arg=_letter_button(box, letter).element_handle())


def test_practice_quiz_by_keyboard_alone(run_notebook, lab, expect) -> None:
    """Answer wrong, Check, answer right, Check: the feedback, score and saved answer the mouse test sees."""
    run = run_notebook("03_token_budgets")  # not 01: the mouse test there starts from a score of 0
    page = run.page
    quiz = load_quiz(lab.root / "quizzes" / "03_token_budgets.yaml")
    question = _first_single(quiz)
    right = next(c for c in question.choices if c.correct)
    wrong = next(c for c in question.choices if not c.correct)
    output = run.output_with(".widget-toggle-buttons")
    box = _question_box(output, " ".join(question.prompt.split())[:40])
    letters = {" ".join(k.split()): v for k, v in _letters(box).items()}
    feedback = box.locator(".widget-html-content").filter(has_text=re.compile(r"^(Not quite|Correct|Partly)"))
    score = output.locator(".widget-html-content", has_text="Score:")
    total, points = len(quiz.questions), format_points(quiz.total_points)
    box.scroll_into_view_if_needed()
    box.locator(".widget-toggle-buttons button").first.focus()

    _choose(page, box, letters, wrong.text)
    press_until(page, "Tab", "Check", box)
    page.keyboard.press("Enter")
    feedback.wait_for()
    assert feedback.inner_text().startswith("Not quite (0/1 point).")
    expect(score).to_have_text(f"Score: 0 of {points} points (1 of {total} questions checked)")

    press_until(page, "Shift+Tab", letters[" ".join(right.text.split())], box)
    _choose(page, box, letters, right.text)
    feedback.wait_for(state="detached")
    press_until(page, "Tab", "Check", box)
    page.keyboard.press("Enter")
    feedback.wait_for()
    assert feedback.inner_text().startswith("Correct (1/1 point).")
    expect(score).to_have_text(f"Score: 1 of {points} points (1 of {total} questions checked)")
    run.screenshot("quiz-keyboard", box)
    saved = json.loads((lab.root / "notebooks" / f"03_token_budgets{ANSWERS_SUFFIX}").read_text())
    assert saved["answers"][question.id] == right.id


def test_graded_quiz_submits_by_keyboard_alone(run_notebook, lab) -> None:
    """Answer, change the answer, Tab down to Submit, Enter: the same file the mouse test checks."""
    run = run_notebook("09_knowledge_check")
    page = run.page
    quiz = load_quiz(lab.root / "quizzes" / "09_knowledge_check.yaml")
    question = _first_single(quiz)
    wrong = next(c for c in question.choices if not c.correct)
    right = next(c for c in question.choices if c.correct)
    output = run.output_with(".widget-toggle-buttons")
    box = _question_box(output, " ".join(question.prompt.split())[:40])
    letters = {" ".join(k.split()): v for k, v in _letters(box).items()}
    box.scroll_into_view_if_needed()
    box.locator(".widget-toggle-buttons button").first.focus()
    _choose(page, box, letters, wrong.text)
    _choose(page, box, letters, right.text)

    press_until(page, "Tab", "Submit", output, limit=400)
    page.keyboard.press("Enter")
    status = output.locator(".widget-html-content", has_text="Submitted")
    status.wait_for()
    assert status.inner_text().startswith(
        f"Submitted 09_knowledge_check as {lab.student}: 1 of {len(quiz.questions)} answered")
    submission = json.loads((lab.root / "notebooks" / f"09_knowledge_check{ANSWERS_SUFFIX}").read_text())["submission"]
    assert submission["answers"] == {question.id: right.id}
    assert submission["receipt"] == submission_receipt(submission)
