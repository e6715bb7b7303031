"""`course-kit release --format nbgrader`: the cells it writes, and the real nbgrader grading a learner."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from course_lib.classroom.graded_tests import GRADED_TESTS, HIDDEN_BEGIN, HIDDEN_END
from course_lib.classroom.release import BEGIN_SOLUTION, END_SOLUTION, LEARNER_STUB
from course_lib.runtime.cli import NOTEBOOKS, main

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "03_token_budgets"      # two exercises: one gets solved, one stays a stub
SABOTAGED = "course_lib loaded from the sabotaged copy"


def graded_cells(path: Path) -> dict[str, nbformat.NotebookNode]:
    notebook = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if "nbgrader" in c.metadata}


@pytest.fixture(scope="module")
def course() -> Iterator[Path]:
    """A released course folder. Not pytest's tmp_path: another pytest session on the machine may prune
    old numbered temp folders while nbgrader works in this one for minutes."""
    out = Path(tempfile.mkdtemp(prefix="course-nbgrader-"))
    assert main(["release", "--format", "nbgrader", "--out", str(out)]) == 0
    yield out
    shutil.rmtree(out, ignore_errors=True)


def test_release_writes_one_assignment_per_notebook_with_checks(course: Path) -> None:
    released = sorted(p.relative_to(course).as_posix() for p in (course / "source").glob("*/*.ipynb"))
    assert released == [f"source/{n}/{n}.ipynb" for n in ("01_stateless_reality", "02_history_strategies",
                                                          "03_token_budgets", "05_pruning", "06_production_manager",
                                                          "07_hands_on_lab")]
    assert 'code_stub = {"python": "raise NotImplementedError' in (course / "nbgrader_config.py").read_text()


def test_solution_cells_carry_nbgrader_metadata_and_the_stub(course: Path) -> None:
    cell = graded_cells(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")["token_window"]
    assert cell.metadata["nbgrader"] == {"grade": False, "grade_id": "token_window", "locked": False,
                                         "schema_version": 3, "solution": True}
    lines = cell.source.splitlines()
    begin, end = lines.index(BEGIN_SOLUTION), lines.index(END_SOLUTION)
    assert lines[0].startswith("# EXERCISE: def token_window(") and all(line.startswith("# EXERCISE")
                                                                        for line in lines[:begin])
    assert "def token_window(messages, budget):" in lines[begin + 1:end]
    assert "solution" not in cell.metadata.get("tags", [])


def test_check_cells_become_locked_test_cells_with_points_and_hidden_tests(course: Path) -> None:
    for path in (course / "source").glob("*/*.ipynb"):
        for grade_id, cell in graded_cells(path).items():
            meta = cell.metadata["nbgrader"]
            if not meta["grade"]:
                continue
            assert grade_id.startswith("test_") and meta["locked"] and not meta["solution"], path
            assert meta["points"] >= 2 and cell.source.count("\nassert ") + 1 >= meta["points"]
            assert cell.source.index(HIDDEN_BEGIN) < cell.source.index(HIDDEN_END), (path, grade_id)


def test_graded_cells_import_nothing_from_course_lib(course: Path) -> None:
    """A grade must not depend on course_lib: the test cells are plain asserts on literal values."""
    cells = [c for p in (course / "source").glob("*/*.ipynb") for c in graded_cells(p).values()
             if c.metadata["nbgrader"]["grade"]]
    assert len(cells) == 8   # 01: 1, 02: 1, 03: 2, 05: 1, 06: 1, 07: 2 (04 has no exercise)
    for cell in cells:
        imports = re.findall(r"^\s*(?:import|from)\s+(\S+)", cell.source, re.MULTILINE)
        assert set(imports) <= {"pathlib"}, cell.source[:80]
        assert "course_lib" not in cell.source and "checks" not in cell.source


def test_every_check_the_notebooks_call_has_a_graded_test() -> None:
    called = {name for path in NOTEBOOKS.glob("0*.ipynb") for name in GRADED_TESTS
              if f"checks.{name}(" in path.read_text(encoding="utf-8")}
    assert called == set(GRADED_TESTS)


def test_a_bad_notebook_is_named_and_the_others_still_released(tmp_path: Path, capsys) -> None:
    source = tmp_path / "solved"
    source.mkdir()
    shutil.copy(NOTEBOOKS / "01_stateless_reality.ipynb", source)
    (source / "02_broken.ipynb").write_text("{not json", encoding="utf-8")
    unknown = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("checks.check_nothing(fn)")])
    nbformat.write(unknown, source / "03_unknown.ipynb")
    code = main(["release", "--format", "nbgrader", "--out", str(tmp_path / "out"), "--source", str(source)])
    err = capsys.readouterr().err
    assert code == 1
    assert "02_broken.ipynb" in err and "03_unknown.ipynb cell 0: no graded test is written for check_nothing" in err
    assert (tmp_path / "out/source/01_stateless_reality/01_stateless_reality.ipynb").is_file()


# --- the real nbgrader -------------------------------------------------------------------------------

needs_nbgrader = pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None,
                                    reason="nbgrader is not installed (pip install -e '.[instructor]')")


def sabotaged_kit(where: Path) -> Path:
    """A copy of the kit whose course_lib.classroom.checks cannot be imported: grades must not change."""
    shutil.copytree(ROOT / "course_lib", where / "course_lib", ignore=shutil.ignore_patterns("__pycache__"))
    (where / "course_lib/classroom/checks.py").write_text('raise ImportError("checks sabotaged by the test")\n')
    with (where / "course_lib/__init__.py").open("a") as face:
        face.write(f"\nprint({SABOTAGED!r})\n")   # shows in the notebook that the kernel used this copy
    for folder in ("quizzes", "cassettes"):
        (where / folder).symlink_to(ROOT / folder)
    return where


def nbgrader(course: Path, *args: str, kit: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(kit), "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
           f"{os.environ.get('PATH', '')}"}   # nbgrader runs `alembic` from the venv
    env.pop("COURSE_CLIENT_MODE", None)
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]


def solve(cell: nbformat.NotebookNode, answer: str) -> None:
    assert LEARNER_STUB in cell.source
    cell.source = cell.source.replace(LEARNER_STUB, answer)


@pytest.mark.instructor
@needs_nbgrader
def test_nbgrader_generates_autogrades_and_records_the_expected_points(course: Path) -> None:
    kit = sabotaged_kit(course / "kit")
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", kit=kit)
    learner_path = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    text = learner_path.read_text(encoding="utf-8")
    assert HIDDEN_BEGIN not in text and "PLAIN[8:]" not in text          # hidden tests are gone
    assert "used + cost > budget" not in text                           # so are the solutions

    learner = nbformat.read(learner_path, as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in learner.cells}
    solve(cells["history_room"], "def history_room(window, system, current, reply):\n"
                                 "    return window - system - current - reply")
    submitted = course / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    submitted.parent.mkdir(parents=True)
    nbformat.write(learner, submitted)
    nbgrader(course, "autograde", ASSIGNMENT, "--force", kit=kit)

    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, "alice")
        points = {g.name: (g.score, g.max_score) for nb in submission.notebooks for g in nb.grades}
        total = (submission.score, submission.max_score)
    assert points == {"test_history_room": (3.0, 3.0), "test_token_window": (0.0, 3.0)}
    assert total == (3.0, 6.0)
    autograded = (course / "autograded/alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    assert SABOTAGED in autograded


def run_cell(source: str, namespace: dict) -> None:
    exec(compile(source, "<test cell>", "exec"), namespace)  # noqa: S102 - the kit's own generated test cell


def test_a_test_cell_passes_a_right_answer_and_refuses_an_imported_one() -> None:
    cell = GRADED_TESTS["check_history_room"].source("history_room")
    learner = {"__name__": "__main__"}
    run_cell("def history_room(w, s, c, m):\n    return w - s - c - m", learner)
    run_cell(cell, learner)
    wrong = {"__name__": "__main__"}
    run_cell("def history_room(w, s, c, m):\n    return w - s - c", wrong)
    with pytest.raises(AssertionError):
        run_cell(cell, wrong)
    borrowed = types.ModuleType("course_lib.somewhere")
    run_cell("def history_room(w, s, c, m):\n    return w - s - c - m", borrowed.__dict__)
    with pytest.raises(AssertionError, match="an imported function does not count"):
        run_cell(cell, {"__name__": "__main__", "history_room": borrowed.history_room})
