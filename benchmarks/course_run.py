"""Course run: wall time of the notebook suite under nbval, and of grading a class's quiz submissions.

* Notebooks: ``python -m pytest notebooks -q -n 2`` as a subprocess from the repository root: the
  README's test command (two pytest-xdist workers, one notebook per worker at a time, see conftest.py)
  on the notebooks only, with the project's own pytest settings (nbval, replayed cassettes, sanitizers).
  Notebooks are written by several people at once: whatever ``notebooks/*.ipynb`` holds when the run
  starts is included, and the report lists them with pytest's outcome.
* Per notebook: pytest's ``--durations=0`` in the same run, summed per notebook, with the first
  cell's share (it starts the kernel and runs the setup imports). The two workers run at once, so these
  sums add up to more than the wall time.
* Imports: ``import anthropic``, ``import course_lib`` and the setup cell's names, each in a fresh
  interpreter (best of 5), so what ``course_lib`` adds beyond the SDK is a difference of two numbers.
* Grading: 10,000 learners answer the graded knowledge check (``quizzes/09_knowledge_check.yaml``)
  through the quiz engine's own ``QuizSession`` (random answers from a seeded generator, each
  submitted and saved as the learner's answers file); then the instructor's command
  ``course-quiz grade <dir> --key quizzes/09_knowledge_check.yaml --out <dir>`` grades them all,
  as a subprocess, timed from start to exit, with that process's peak resident memory.
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

from benchmarks.common import ROOT, machine_md, table, verdict, write_text
from course_lib.quiz import QuizSession, load_quiz
from course_lib.quiz.model import Question

QUIZ = ROOT / "quizzes" / "09_knowledge_check.yaml"
NOTEBOOK_TIMEOUT = 900
WORKERS = 2  # the README's `pytest -n 2`: CI's two cores
NOTEBOOK_COMMAND = f"pytest notebooks -q -n {WORKERS}"
SUBMISSIONS = 10_000
GRADE_TARGET_SECONDS = 10.0
IMPORT_TARGET_SECONDS = 0.15
SETUP_AFTER_SDK = "setup cell's names, anthropic already imported"
IMPORTS = {
    "anthropic": "import anthropic",
    "course_lib (the package face)": "import course_lib",
    "setup cell: ConversationManager": "from course_lib import ConversationManager",
    "setup cell: make_client": "from course_lib import make_client",
    "anthropic + setup cell's names": "import anthropic; from course_lib import ConversationManager, make_client",
    SETUP_AFTER_SDK: "from course_lib import ConversationManager, make_client",
}
IMPORT_SETUP = {SETUP_AFTER_SDK: "import anthropic"}
"""Run before the timer starts: this row times course_lib's own share directly, rather than as the
difference of two timings of about 2.5 s each (whose noise is larger than the share)."""
_PEAK_RSS = ("import resource, runpy, sys\n"
             "def peak_kib():\n"
             "    try:\n"
             "        with open('/proc/self/status') as status:\n"
             "            return next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))\n"
             "    except (OSError, StopIteration, ValueError):\n"
             "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
             "sys.argv = ['course-quiz', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('course_lib.quiz.cli', run_name='__main__')\n"
             "finally:\n    print('peak_rss_kib', peak_kib(), file=sys.stderr)")
"""Runs the grading CLI in-process and reports its own peak RSS (Linux: KiB), so no other child is counted.

Linux keeps ``ru_maxrss`` across ``execve``: a child started by a big process (``run.py`` with the peers
loaded) would report its parent's peak. ``VmHWM`` belongs to the new process image, so it is read first."""


@dataclass
class NotebookRun:
    notebooks: list[str]
    seconds: float | None = None
    summary: str = ""
    failed: list[str] = field(default_factory=list)
    returncode: int | None = None
    skipped_reason: str | None = None
    per_notebook: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Notebook -> (seconds in all its cells, seconds in its first cell: kernel start and setup imports)."""


@dataclass
class GradingRun:
    submissions: int
    generate_seconds: float
    grade_seconds: float
    returncode: int
    output: str
    graded: int | None
    flagged: int
    peak_rss_kib: int | None = None


def run_notebooks(*, timeout: float = NOTEBOOK_TIMEOUT) -> NotebookRun:
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    result = NotebookRun(notebooks)
    if not notebooks:
        result.skipped_reason = "no notebooks in notebooks/"
        return result
    command = [sys.executable, "-m", *NOTEBOOK_COMMAND.split(), "-p", "no:cacheprovider", "-rf", "--durations=0"]
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
    result.per_notebook = per_notebook(done.stdout)
    result.failed = sorted({m.group(1) for m in re.finditer(r"^(?:FAILED|ERROR) (notebooks/[^:\s]+)", done.stdout,
                                                             re.M)})
    return result


def per_notebook(report: str) -> dict[str, tuple[float, float]]:
    """Sum pytest's ``--durations=0`` lines per notebook: (all cells, the first cell)."""
    found: dict[str, list[float]] = {}
    for seconds, name, cell in re.findall(r"^([\d.]+)s \w+\s+notebooks/(\S+?)::Cell (\d+)", report, re.M):
        total = found.setdefault(name, [0.0, 0.0])
        total[0] += float(seconds)
        total[1] += float(seconds) if cell == "0" else 0.0
    return {name: (total, first) for name, (total, first) in sorted(found.items())}


def import_seconds(statement: str, runs: int = 5, setup: str = "") -> float:
    """Best of ``runs`` fresh interpreters: the time ``statement`` takes after ``setup``, measured inside."""
    code = f"import time\n{setup}\nstart = time.perf_counter()\n{statement}\nprint(time.perf_counter() - start)"
    times = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout) for _ in range(runs)]
    return min(times)


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
        command = [sys.executable, "-c", _PEAK_RSS, "grade", str(submissions), "--key", str(QUIZ),
                   "--out", str(out), "--no-progress"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        graded_seconds = time.perf_counter() - started
    output = (done.stdout + done.stderr).strip()
    found = re.search(r"Graded (\d+) students", output)
    flagged = re.search(r"(\d+) files flagged", output)
    peak = re.search(r"peak_rss_kib (\d+)", output)
    return GradingRun(count, generated, graded_seconds, done.returncode, output.split("peak_rss_kib")[0].strip(),
                      int(found.group(1)) if found else None, int(flagged.group(1)) if flagged else 0,
                      int(peak.group(1)) if peak else None)


@dataclass
class CourseRun:
    notebooks: NotebookRun
    grading: GradingRun
    imports: dict[str, float] = field(default_factory=dict)


def run(*, quick: bool = False, notebooks: bool = True, submissions: int | None = None) -> CourseRun:
    count = submissions or (100 if quick else SUBMISSIONS)
    if notebooks:
        nb = run_notebooks()
    else:
        nb = NotebookRun(sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")),
                         skipped_reason="not run (quick run, or --no-notebooks)")
    imports = {name: import_seconds(statement, 2 if quick else 5, IMPORT_SETUP.get(name, ""))
               for name, statement in IMPORTS.items()}
    return CourseRun(nb, grade(count), imports)


def markdown(result: CourseRun, info: dict[str, Any], *, quick: bool, command: str) -> str:
    nb, g = result.notebooks, result.grading
    if nb.skipped_reason:
        nb_rows = [[f"notebook suite under nbval (`{NOTEBOOK_COMMAND}`)", "not run", nb.skipped_reason]]
    else:
        outcome = nb.summary + (f"; failing: {', '.join(nb.failed)}" if nb.failed else "")
        nb_rows = [[f"notebook suite under nbval (`{NOTEBOOK_COMMAND}`)", f"{nb.seconds:.1f} s", outcome]]
    grading_outcome = (f"graded {g.graded} students, {g.flagged} files flagged" if g.returncode == 0 and g.graded
                       is not None else f"exit {g.returncode}: {g.output[-200:]}")
    if g.peak_rss_kib is not None:
        grading_outcome += f"; peak memory (RSS) {g.peak_rss_kib / 1024:,.0f} MiB"
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
        "## Targets (issue 16)",
        "",
        *(f"- {text}" for text in targets(result)),
        "",
        *import_part(result.imports),
        *notebook_part(nb),
        f"Notebooks included ({len(nb.notebooks)}): " + (", ".join(f"`{n}`" for n in nb.notebooks) or "none") + ".",
        "The notebooks are being written while these benchmarks are; the list above is what `notebooks/` held "
        "when the run started. They run in replay mode from `cassettes/` (the project's pytest settings), one "
        f"kernel per notebook, {WORKERS} notebooks at a time (pytest-xdist, as the README's test command runs them).",
        "",
        f"Quiz: `{QUIZ.relative_to(ROOT)}` (graded mode). Each learner's answers are random from a seeded "
        "generator (right about 60% of the time, else a known mistake or another choice), given with "
        "`QuizSession.answer` and handed in with `QuizSession.submit`; the grading command is the instructor's, "
        f"`course-quiz grade <dir> --key {QUIZ.relative_to(ROOT)} --out <dir> --no-progress`.",
        "",
    ]
    return "\n".join(parts)


def targets(result: CourseRun) -> list[str]:
    """Issue 16's course-speed targets, each with its verdict."""
    nb, g, imports = result.notebooks, result.grading, result.imports
    found = []
    if nb.seconds is not None and not nb.skipped_reason:
        found.append(f"nbval suite under 30 s on two cores: {nb.seconds:.1f} s ({verdict(nb.seconds < 30)})")
    if imports:
        added = imports[SETUP_AFTER_SDK]
        found.append(f"the setup cell's `course_lib` imports add under {IMPORT_TARGET_SECONDS:g} s beyond "
                     f"`import anthropic`: {added:+.3f} s ({verdict(added < IMPORT_TARGET_SECONDS)})")
    met = g.grade_seconds < GRADE_TARGET_SECONDS and g.returncode == 0
    found.append(f"grading {g.submissions:,} submissions under {GRADE_TARGET_SECONDS:g} s: {g.grade_seconds:.1f} s "
                 f"({verdict(met)})" + (f", peak RSS {g.peak_rss_kib / 1024:,.0f} MiB" if g.peak_rss_kib else ""))
    return found


def import_part(imports: dict[str, float]) -> list[str]:
    if not imports:
        return []
    rows = [[name, f"`{IMPORTS[name]}`" + (f" (after `{IMPORT_SETUP[name]}`, untimed)" if name in IMPORT_SETUP else ""),
             f"{seconds * 1e3:,.0f} ms"] for name, seconds in imports.items()]
    return ["## Imports (fresh interpreter, best of 5)", "", table(["what", "statement", "time"], rows, "llr"), "",
            "`import course_lib` alone loads nothing (PEP 562 face); the setup cell's names load the SDK, so the "
            "figure that matters is the last row: course_lib's own share, timed after the SDK is loaded.", ""]


def notebook_part(nb: NotebookRun) -> list[str]:
    if not nb.per_notebook:
        return []
    rows = [[name, f"{total:.1f} s", f"{first:.1f} s", f"{first / total:.0%}" if total else "-"]
            for name, (total, first) in nb.per_notebook.items()]
    total, first = (sum(t[k] for t in nb.per_notebook.values()) for k in (0, 1))
    rows.append(["all notebooks", f"{total:.1f} s", f"{first:.1f} s", f"{first / total:.0%}" if total else "-"])
    return ["## Where the notebook suite's time goes (pytest `--durations=0`)", "",
            table(["notebook", "all cells", "first cell (kernel start + setup imports)", "share"], rows, "lrrr"),
            "", f"Each notebook's cells run in order on one worker; {WORKERS} workers run at once, so the total is "
            "more than the suite's wall time. The first cell is mostly the kernel's start and `import anthropic` "
            "(see Imports): each notebook pays both, in its own kernel, as a learner's does.", ""]


def write(out: Path, result: CourseRun, info: dict[str, Any], *, quick: bool, command: str) -> list[Path]:
    path = out / "course_run.md"
    write_text(path, markdown(result, info, quick=quick, command=command))
    return [path]
