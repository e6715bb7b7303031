"""A class of five on a real JupyterHub: log in, answer notebook 09, submit; collect and grade as documented.

Each learner logs in through the hub's login page in headless Chromium, the hub spawns their own
JupyterLab, and they open the learner copy of notebook 09 in their home, answer (each differently, by
clicking the quiz's buttons) and press Submit. The instructor then runs docs/CLASSROOM.md's collection
script as written (only ``HOMES`` points at the temporary homes) and ``course-quiz grade`` with the key
kept off the hub. Each learner's grade must be what their clicks earn, under their hub user name.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from course_lib.quiz import load_quiz

pytestmark = pytest.mark.hub

REPO = Path(__file__).resolve().parents[2]
QUIZ = "09_knowledge_check"
LEARNERS = ["ada", "ben", "chen", "dara", "emil"]
RUN_ALL_JS = """
async () => {
  const app = window.jupyterapp;
  await app.restored;
  let panel = null;
  for (let i = 0; i < 900 && !panel; i++) {
    panel = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path.endsWith('.ipynb'));
    if (!panel) { await new Promise(r => setTimeout(r, 100)); }
  }
  await panel.context.ready;
  await panel.sessionContext.ready;
  return await app.commands.execute('notebook:run-all-cells');
}
"""


def collection_script() -> str:
    """The TLJH collection script exactly as docs/CLASSROOM.md prints it."""
    text = (REPO / "docs" / "CLASSROOM.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return next(b for b in blocks if "# collect-09.sh" in b)


def log_in(context: Any, hub: Any, user: str) -> Any:
    """Log in on the hub's login page; the hub starts spawning the learner's server."""
    page = context.new_page()
    page.set_default_timeout(150_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/hub/spawn-pending/{user}|/user/{user}/"))
    page.goto("about:blank")   # the spawn goes on in the hub; no JupyterLab page loads yet
    return page


def open_notebook(page: Any, hub: Any, user: str) -> None:
    """Open notebook 09 in the learner's own JupyterLab (through spawn-pending if it is still starting)."""
    page.goto(hub.notebook_url(user))
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate(f"() => {{ window.__run = ({RUN_ALL_JS.strip()})(); return true; }}")


def click_choice(page: Any, question: Any, choice_id: str) -> None:
    """Click the letter the learner's (shuffled) quiz shows for ``choice_id``."""
    toggles = page.locator(".widget-toggle-buttons")
    box = page.locator(".widget-vbox").filter(has_text=" ".join(question.prompt.split())[:40]).filter(has=toggles).last
    shown = box.locator(".widget-html-content").first.inner_text()
    letters = {" ".join(t.split()): letter for letter, t in re.findall(r"^([A-Z])\.\s+(.+)$", shown, flags=re.M)}
    letter = letters[" ".join(question.choice(choice_id).text.split())]
    box.locator(".widget-toggle-buttons button", has_text=re.compile(f"^{letter}$")).click()


def answer_and_submit(page: Any, quiz: Any, right: int) -> None:
    """Answer the first ``right`` single-choice questions correctly and the next one wrongly, then submit."""
    page.evaluate("() => window.__run")
    singles = [q for q in quiz.questions if q.type == "single"]
    for number, question in enumerate(singles[:right + 1]):
        correct = number < right
        choice = next(c for c in question.choices if c.correct == correct)
        click_choice(page, question, choice.id)
    page.locator("button", has_text="Submit").click()
    page.locator(".widget-html-content", has_text="Submitted").wait_for()


def test_five_learners_through_a_real_hub_get_the_grades_their_answers_earn(classroom_factory,
                                                                             chromium_browser) -> None:
    if os.geteuid() != 0:
        pytest.skip("docs/CLASSROOM.md's collection script runs as root (it reads each file with runuser)")
    hub = classroom_factory(LEARNERS)
    quiz = load_quiz(REPO / "quizzes" / f"{QUIZ}.yaml")
    pages = {}
    for user in LEARNERS:   # everyone logs in; the hub spawns the five servers side by side
        context = chromium_browser.new_context(viewport={"width": 1300, "height": 1000})
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(hub.url)
                      else route.abort())
        pages[user] = log_in(context, hub, user)
    for right, user in enumerate(LEARNERS):   # one JupyterLab page at a time: five at once starve two cores
        open_notebook(pages[user], hub, user)
        answer_and_submit(pages[user], quiz, right)
        pages[user].context.close()

    work = hub.base / "instructor"
    work.mkdir()
    script = work / "collect-09.sh"
    script.write_text(collection_script())
    collected, grades = work / "collected", work / "grades"
    root_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"   # sudo's secure_path: runuser
    done = subprocess.run(["bash", str(script), str(collected)], env={"HOMES": str(hub.homes), "PATH": root_path},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"copied {len(LEARNERS)} answers files into {collected}", hub.log_tail()

    subprocess.run([sys.executable, "-m", "course_lib.quiz.cli", "grade", str(collected), "--key", str(hub.key),
                    "--out", str(grades)], check=True, capture_output=True, text=True)
    rows = list(csv.DictReader((grades / "grades.csv").open(encoding="utf-8")))
    scores = {row["student_id"]: float(row["total"]) for row in rows if row["student_id"] in LEARNERS}
    assert scores == {user: float(right) for right, user in enumerate(LEARNERS)}
    flags = list(csv.DictReader((grades / "flags.csv").open(encoding="utf-8")))
    assert flags == []
