"""Course run: wall time of the notebook suite under nbval, and of grading a class's quiz submissions.

* Notebooks: ``python -m pytest notebooks -q`` as a subprocess from the repository root, with the
  project's own pytest settings (nbval, replayed cassettes, sanitizers). Notebooks are written by
  several people at once: whatever ``notebooks/*.ipynb`` holds when the run starts is included,
  and the report lists them with pytest's outcome.
* Grading: 1,000 learners answer the graded knowledge check (``quizzes/08_knowledge_check.yaml``)
  through the quiz engine's own ``QuizSession`` (random answers from a seeded generator, each
  submitted and saved as the learner's answers file); then the instructor's command
  ``course-quiz grade <dir> --key quizzes/08_knowledge_check.yaml --out <dir>`` grades them all,
  as a subprocess, timed from start to exit.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, machine_md, table, write_text
from course_lib.quiz import QuizSession, load_quiz
from course_lib.quiz.model import Question

QUIZ = ROOT / "quizzes" / "08_knowledge_check.yaml"
NOTEBOOK_TIMEOUT = 900


@dataclass
class NotebookRun:
    notebooks: list[str]
    seconds: float | None = None
    summary: str = ""
    failed: list[str] = field(default_factory=list)
    returncode: int | None = None
    skipped_reason: str | None = None


@dataclass
class GradingRun:
    submissions: int
    generate_seconds: float
    grade_seconds: float
    returncode: int
    output: str
    graded: int | None
    flagged: int


def run_notebooks(*, timeout: float = NOTEBOOK_TIMEOUT) -> NotebookRun:
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    result = NotebookRun(notebooks)
    if not notebooks:
        result.skipped_reason = "no notebooks in notebooks/"
        return result
    command = [sys.executable, "-m", "pytest", "notebooks", "-q", "-p", "no:cacheprovider", "-rf"]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        result.seconds = time.perf_counter() - started
        result.summary = f"stopped after {timeout:.0f} s"
        return result
    result.seconds = time.perf_counter() - started
    result.returncode = done.returncode
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    result.summary = next((line.strip("= ") for line in reversed(lines) if re.search(r"\d+ (passed|failed|error)",
                                                                                        line)), lines[-1] if lines
                          else done.stderr.strip()[-200:])
    result.failed = sorted({m.group(1) for m in re.finditer(r"^(?:FAILED|ERROR) (notebooks/[^:\s]+)", done.stdout,
                                                             re.M)})
    return result


def random_answer(question: Question, rng: random.Random) -> Any:
    """A plausible learner's answer: right about 60% of the time, else a known mistake or a guess."""
    right = rng.random() < 0.6
    if question.type == "single":
        correct = [c.id for c in question.choices if c.correct]
        return correct[0] if right and correct else rng.choice([c.id for c in question.choices])
    if question.type == "multi":
        if right:
            return sorted(question.correct_ids)
        return rng.sample([c.id for c in question.choices], rng.randint(1, len(question.choices)))
    if question.type == "numeric":
        wrong = [m.value for m in question.mistakes] + ["about a lot", ""]
        return question.answer if right else rng.choice(wrong)
    return question.answer if right else rng.choice(["no idea", "", *question.accept])


def make_submissions(directory: Path, count: int, *, seed: int = 8) -> None:
    """``count`` learners answer and submit through QuizSession, each writing their answers file."""
    quiz = load_quiz(QUIZ)
    rng = random.Random(seed)
    hub_user = os.environ.pop("JUPYTERHUB_USER", None)  # it would override every student id
    try:
        for n in range(count):
            student = f"student{n:04d}"
            session = QuizSession(quiz, student_id=student, answers_path=directory / f"{student}.quiz-answers.json",
                                  autosave=False)
            for question in quiz.questions:
                answer = random_answer(question, rng)
                if answer not in (None, ""):
                    session.answer(question.id, answer)
            session.submit(quiet=True)
    finally:
        if hub_user is not None:
            os.environ["JUPYTERHUB_USER"] = hub_user


def grade(count: int) -> GradingRun:
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        submissions, out = Path(tmp) / "class", Path(tmp) / "grades"
        submissions.mkdir()
        started = time.perf_counter()
        make_submissions(submissions, count)
        generated = time.perf_counter() - started
        command = [sys.executable, "-m", "course_lib.quiz.cli", "grade", str(submissions), "--key", str(QUIZ),
                   "--out", str(out), "--no-progress"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        graded_seconds = time.perf_counter() - started
    output = (done.stdout + done.stderr).strip()
    found = re.search(r"Graded (\d+) students", output)
    flagged = re.search(r"(\d+) files flagged", output)
    return GradingRun(count, generated, graded_seconds, done.returncode, output,
                      int(found.group(1)) if found else None, int(flagged.group(1)) if flagged else 0)


@dataclass
class CourseRun:
    notebooks: NotebookRun
    grading: GradingRun


def run(*, quick: bool = False, notebooks: bool = True, submissions: int | None = None) -> CourseRun:
    count = submissions or (100 if quick else 1_000)
    if notebooks:
        nb = run_notebooks()
    else:
        nb = NotebookRun(sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")),
                         skipped_reason="not run (quick run, or --no-notebooks)")
    return CourseRun(nb, grade(count))


def markdown(result: CourseRun, info: dict[str, Any], *, quick: bool, command: str) -> str:
    nb, g = result.notebooks, result.grading
    if nb.skipped_reason:
        nb_rows = [["notebook suite under nbval (`pytest notebooks -q`)", "not run", nb.skipped_reason]]
    else:
        outcome = nb.summary + (f"; failing: {', '.join(nb.failed)}" if nb.failed else "")
        nb_rows = [["notebook suite under nbval (`pytest notebooks -q`)", f"{nb.seconds:.1f} s", outcome]]
    grading_outcome = (f"graded {g.graded} students, {g.flagged} files flagged" if g.returncode == 0 and g.graded
                       is not None else f"exit {g.returncode}: {g.output[-200:]}")
    rows = nb_rows + [
        [f"{g.submissions:,} learners answer and submit through `QuizSession`", f"{g.generate_seconds:.1f} s",
         "answers files written atomically, one per learner"],
        [f"`course-quiz grade` on {g.submissions:,} submissions (subprocess, start to exit)",
         f"{g.grade_seconds:.1f} s", grading_outcome],
    ]
    parts = [
        "# Course run: notebooks and grading, wall time",
        "",
        f"{'**Quick run (smoke version): not the committed figures.** ' if quick else ''}Written by `{command}`. "
        + machine_md(info),
        "",
        table(["what", "wall time", "outcome"], rows, "lrl"),
        "",
        f"Notebooks included ({len(nb.notebooks)}): " + (", ".join(f"`{n}`" for n in nb.notebooks) or "none") + ".",
        "The notebooks are being written while these benchmarks are; the list above is what `notebooks/` held "
        "when the run started. They run in replay mode from `cassettes/` (the project's pytest settings), one "
        "kernel per notebook.",
        "",
        f"Quiz: `{QUIZ.relative_to(ROOT)}` (graded mode). Each learner's answers are random from a seeded "
        "generator (right about 60% of the time, else a known mistake or another choice), given with "
        "`QuizSession.answer` and handed in with `QuizSession.submit`; the grading command is the instructor's, "
        f"`course-quiz grade <dir> --key {QUIZ.relative_to(ROOT)} --out <dir> --no-progress`.",
        "",
    ]
    return "\n".join(parts)


def write(out: Path, result: CourseRun, info: dict[str, Any], *, quick: bool, command: str) -> list[Path]:
    path = out / "course_run.md"
    write_text(path, markdown(result, info, quick=quick, command=command))
    return [path]
