"""Accessibility in JupyterLab: an axe-core audit of every output area of every notebook after Run All.

Scope: every cell's output area (``.jp-OutputArea``: printed text, Markdown and HTML displays,
widget views, charts, and the output prompts JupyterLab puts beside them), because anything a cell
shows can fail a learner, not only our widgets. The audit once covered only widget and chart outputs
and so missed a wide Markdown table in 08_beyond_the_module that scrolled with no way to reach it by
keyboard. Out of scope: JupyterLab's own menus, toolbars, cell editors and notebook frame, which the
course does not control (axe does flag some of them). A serious or critical violation fails the notebook; lesser ones
(best-practice hints) are left to reading.
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

OUTPUT_AREAS = ".jp-Notebook .jp-Cell .jp-OutputArea"
"""What the audit covers: each cell's output area, with everything rendered in it."""

BLOCKING = ("serious", "critical")

# Runs in the page: axe-core over every output area; each violating element is reported with the index
# of the cell it is in (the notebook's own cell index: every cell is in the DOM, see conftest.py).
AUDIT_JS = """
async ([selector, options]) => {
  const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'));
  const areas = document.querySelectorAll(selector).length;
  const outputs = document.querySelectorAll(selector + ' > .jp-OutputArea-child').length;
  if (!areas) { return { areas, outputs, violations: [] }; }
  const results = await axe.run({ include: [selector] }, options);
  const cellOf = target => {
    const el = document.querySelector(target[0]);
    return el ? cells.indexOf(el.closest('.jp-Cell')) : -1;
  };
  return {
    areas, outputs,
    violations: results.violations.flatMap(v => v.nodes.map(n => ({
      id: v.id, impact: v.impact, help: v.help, cell: cellOf(n.target),
      node: n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(0, 3).join(' '),
    }))),
  };
}
"""


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's script, as axe-playwright-python bundles it (no CDN: the page may reach only the lab)."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
    return axe.Axe().axe_script


def audit(run: Any, axe_script: str) -> dict[str, Any]:
    """Run axe-core on every output area of ``run``'s notebook: counts, and each violating element.

    Fails first if the page shows fewer outputs than the notebook's model holds: an output missing
    from the DOM (a cell not rendered, say) would otherwise pass the audit unseen.
    """
    run.page.evaluate(axe_script)
    report = run.page.evaluate(AUDIT_JS, [OUTPUT_AREAS, {"resultTypes": ["violations"]}])
    held = sum(cell["outputs"] for cell in run.result["cells"])
    assert report["outputs"] == held, f"{run.name}: the page shows {report['outputs']} outputs, the model {held}"
    return report


def blocking(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The serious and critical violations, each one element."""
    return [v for v in report["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"cell {v['cell']}: {v['impact']} {v['id']} ({v['help']}): {v['node']}" for v in violations)


def test_every_output_passes_an_axe_audit(run_notebook, notebook_name: str, axe_script: str) -> None:
    """notebook_name: every notebooks/NN_*.ipynb (conftest.py parametrizes it)."""
    run = run_notebook(notebook_name)
    found = blocking(audit(run, axe_script))
    assert not found, f"{notebook_name}: {len(found)} serious/critical axe violations in outputs:\n{describe(found)}"


WIDE_TABLE = (
    "'| ' + ' | '.join(f'column {i}' for i in range(30)) + ' |\\n'"
    " + '|' + ' ---: |' * 30 + '\\n'"
    " + '| ' + ' | '.join(['1,941,503'] * 30) + ' |'"
)
"""Python source for a Markdown table far wider than the notebook (30 columns of unbreakable numbers)."""

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
    # Controls, which the audit must catch, or it could pass without looking. A wide table shown as plain
    # Markdown (as 08_beyond_the_module once showed its benchmark results) makes the output scroll
    # sideways, and nothing there takes keyboard focus; the course's way to show it is the cell after.
    f"from IPython.display import Markdown\nMarkdown({WIDE_TABLE})",
    "from course_lib.classroom.scrolling import scrolling_markdown\n"
    f"scrolling_markdown({WIDE_TABLE}, label='A wide table')",
    # JupyterLab's own collapse of a long output (cell metadata "scrolled": true, or the learner's "Enable
    # Scrolling for Outputs") scrolls the output area itself, which takes no focus either: no course
    # notebook is saved that way, and if one were, its audit would fail as this cell must.
    "for i in range(300):\n    print('line', i)",
]
UNREACHABLE = {len(GALLERY_CELLS) - 3: "a bare wide table", len(GALLERY_CELLS) - 1: "a collapsed long output"}
"""The gallery cells the audit must fail, each with ``scrollable-region-focusable``.

That is the violation 08_beyond_the_module once had."""
WIDE_BOX = len(GALLERY_CELLS) - 2
"""The gallery cell showing the wide table in scrolling_markdown's box."""


@pytest.fixture(scope="session")
def gallery(run_notebook, lab) -> Any:
    """The gallery notebook, written into the served copy and run (once per session)."""
    import nbformat

    cells = [nbformat.v4.new_code_cell(src) for src in GALLERY_CELLS]
    cells[-1].metadata["scrolled"] = True  # how JupyterLab saves a collapsed output
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, lab.root / "notebooks" / "a11y_gallery.ipynb")
    return run_notebook("a11y_gallery")


def test_every_classroom_widget_passes_an_axe_audit(gallery, axe_script: str) -> None:
    """Each widget in one generated notebook, so the audit does not depend on what the lessons record.

    And the controls: each output that must fail does fail, with the rule 08_beyond_the_module once broke.
    """
    assert gallery.problems() == []
    report = audit(gallery, axe_script)
    assert report["areas"] == len(GALLERY_CELLS), report
    found = blocking(report)
    for cell, what in UNREACHABLE.items():
        caught = [v["id"] for v in found if v["cell"] == cell]
        assert caught == ["scrollable-region-focusable"], f"{what} (cell {cell}) not caught:\n{describe(found)}"
    rest = [v for v in found if v["cell"] not in UNREACHABLE]
    assert not rest, describe(rest)
    gallery.screenshot("gallery")


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


def test_wide_output_scrolls_by_keyboard_alone(gallery) -> None:
    """From the cell above, Tab reaches scrolling_markdown's box and the arrow keys scroll it sideways."""
    page = gallery.page
    box = page.locator(".jp-Notebook .jp-Cell").nth(WIDE_BOX).locator(".jp-OutputArea [role=region]")
    assert box.get_attribute("aria-label") == "A wide table"
    assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the table fits: nothing here scrolls"
    page.locator(".jp-Notebook .jp-Cell").nth(WIDE_BOX - 1).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Escape")  # command mode, where JupyterLab binds the arrow keys to its cells
    stops = []  # past the cell's toolbar buttons; the bare table in that cell takes no focus
    while not box.evaluate("el => el === document.activeElement"):
        assert len(stops) < 10, f"Tab never reached the box; it stopped on {stops}"
        page.keyboard.press("Tab")
        stops.append(focused(page)["tag"])
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=box.element_handle(), timeout=5_000)
    gallery.screenshot("wide-output-keyboard", box)


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
