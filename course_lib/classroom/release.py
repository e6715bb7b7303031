"""Release the exercises as an nbgrader course: solution regions, autograded test cells, hidden tests.

Introduced in docs/CLASSROOM.md (nbgrader); the exercises themselves are in notebooks 01 to 03 and 05 to 07.

A solved notebook marks each exercise with a cell tagged ``solution`` (its ``# EXERCISE`` lines are the
stub) followed by a cell that calls ``checks.check_<name>(<function>)``. The release turns the first into
an nbgrader solution cell (stub, then the answer between ``### BEGIN SOLUTION`` / ``### END SOLUTION``)
and the second into a locked, autograded test cell from :mod:`.graded_tests`, whose asserts carry their
own expected values, so nothing a grade depends on comes from course_lib. Cells that give feedback with
``checks.run_cases`` (notebook 07's last three exercises) stay as they are: feedback, not graded.
Source notebooks are only read as JSON, never executed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import nbformat

from ..runtime.cli import SOLUTION_TAG, STUB_MARKER
from .graded_tests import GRADED_TESTS

__all__ = ["ReleaseError", "release_nbgrader", "release_notebook", "NBGRADER_CONFIG", "LEARNER_STUB"]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
LEARNER_STUB = "raise NotImplementedError('write your solution here')"
CHECK_CALL = re.compile(r"^\s*checks\.(check_\w+)\(\s*(\w+)\s*\)\s*$", re.MULTILINE)
DEFINED = re.compile(r"^def (\w+)\(", re.MULTILINE)
NBGRADER_CONFIG = f'''# nbgrader settings written by `course-kit release --format nbgrader`.
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "conversation-management"
# What replaces each solution region in the learner copy: the kit's own stub, so both copies read alike.
c.ClearSolutions.code_stub = {{"python": {LEARNER_STUB!r}}}
'''


class ReleaseError(ValueError):
    """A source notebook cannot be released as it is; the message names the notebook and the cell."""


def _nbgrader(grade_id: str, *, solution: bool, grade: bool, points: int = 0) -> dict:
    """nbgrader's cell metadata, schema version 3 (what nbgrader's own cell toolbar writes)."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution}
    if grade:
        meta["points"] = points
    return meta


def _solution_cell(cell: nbformat.NotebookNode, where: str, fallback_id: str) -> None:
    """Stub lines first (what the learner reads), then the answer inside nbgrader's solution region."""
    lines = cell.source.splitlines()
    stub = [line for line in lines if line.lstrip().startswith(STUB_MARKER)]
    answer = [line for line in lines if not line.lstrip().startswith(STUB_MARKER)]
    if not any(line.strip() for line in answer):
        raise ReleaseError(f"{where}: the solution cell holds no answer")
    names = DEFINED.findall(cell.source)
    cell.source = "\n".join([*stub, BEGIN_SOLUTION, *answer, END_SOLUTION])
    cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != SOLUTION_TAG]
    cell.metadata["nbgrader"] = _nbgrader(names[-1] if names else fallback_id, solution=True, grade=False)


def _test_cell(cell: nbformat.NotebookNode, where: str) -> None:
    """The check call becomes a locked test cell whose points are its number of cases."""
    calls = CHECK_CALL.findall(cell.source)
    if len(calls) != 1:
        raise ReleaseError(f"{where}: a check cell must call exactly one checks.check_*(function)")
    check, function = calls[0]
    if check not in GRADED_TESTS:
        raise ReleaseError(f"{where}: no graded test is written for {check}; add it to classroom/graded_tests.py")
    test = GRADED_TESTS[check]
    cell.source = test.source(function)
    cell.metadata["nbgrader"] = _nbgrader(f"test_{function}", solution=False, grade=True, points=test.points)


def release_notebook(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode | None:
    """The nbgrader source version of a solved notebook, or None when it has no checked exercise.

    Introduced in docs/CLASSROOM.md ("Graded exercises with nbgrader"), not in a notebook: an instructor tool.
    """
    copy = nbformat.from_dict(notebook)
    graded = 0
    for number, cell in enumerate(copy.cells):
        where = f"{name} cell {number}"
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None   # a solution's output would give the answer away
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            _solution_cell(cell, where, f"answer_{number}")
        elif CHECK_CALL.search(cell.source):
            _test_cell(cell, where)
            graded += 1
    _unique_grade_ids(copy, name)
    copy.metadata.pop("widgets", None)
    return copy if graded else None


def _unique_grade_ids(notebook: nbformat.NotebookNode, name: str) -> None:
    """nbgrader needs one grade_id per cell; a function defined twice gets _2, _3 ..."""
    seen: dict[str, int] = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader")
        if meta:
            base = meta["grade_id"]
            seen[base] = seen.get(base, 0) + 1
            if seen[base] > 1:
                meta["grade_id"] = f"{base}_{seen[base]}"


def release_nbgrader(paths: Sequence[Path], out: Path) -> tuple[list[Path], list[str]]:
    """Write ``out/source/<notebook>/<notebook>.ipynb`` per notebook with exercises, and nbgrader_config.py.

    Returns the notebooks written and one problem line per notebook that could not be released; a bad
    notebook is reported and skipped, never stops the others. Introduced in docs/CLASSROOM.md (nbgrader).
    """
    written, problems = [], []
    for path in paths:
        try:
            released = release_notebook(nbformat.read(path, as_version=4), path.name)
        except (ReleaseError, ValueError, OSError) as error:  # nbformat raises ValueError subclasses
            problems.append(f"{path}: {error}")
            continue
        if released is None:
            continue
        target = out / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(released, target)
        written.append(target)
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
    return written, problems
