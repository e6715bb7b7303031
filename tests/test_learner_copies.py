"""`course-kit learner` strips every reference solution, and the learner copies run up to their exercises."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course_lib.runtime.cli import NOTEBOOKS, SOLUTION_TAG, STUB_MARKER, learner_copy, main

WITH_EXERCISES = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
                        if any(SOLUTION_TAG in c.metadata.get("tags", []) for c in nbformat.read(p, 4).cells))


def solution_lines(cell) -> list[str]:
    """Code lines of a solution that are not stub comments: what must never reach a learner."""
    return [line for line in cell.source.splitlines()
            if line.strip() and not line.lstrip().startswith(STUB_MARKER) and not line.lstrip().startswith("#")]


def test_there_are_exercises_to_strip():
    assert len(WITH_EXERCISES) >= 6


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_learner_copy_keeps_the_stub_and_drops_the_solution(path: Path):
    original = nbformat.read(path, as_version=4)
    copy = learner_copy(original)
    assert len(copy.cells) == len(original.cells)
    for before, after in zip(original.cells, copy.cells, strict=True):
        if SOLUTION_TAG not in before.metadata.get("tags", []):
            assert after.source == before.source
            continue
        assert SOLUTION_TAG not in after.metadata["tags"] and "exercise" in after.metadata["tags"]
        assert after.outputs == [] and "raise NotImplementedError" in after.source
        stub = [line for line in before.source.splitlines() if line.lstrip().startswith(STUB_MARKER)]
        assert stub, f"{path.name}: a solution cell has no '# EXERCISE' stub lines"
        assert all(line in after.source.splitlines() for line in stub)
        leaked = [line for line in solution_lines(before) if line in after.source.splitlines()]
        assert leaked == [], f"{path.name}: solution lines leaked into the learner copy: {leaked[:3]}"
    assert "widgets" not in copy.metadata


def test_command_writes_every_learner_copy(tmp_path: Path):
    assert main(["learner", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert written == sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_learner_copy_runs_up_to_its_first_exercise(path: Path, monkeypatch):
    """Everything before the first exercise runs clean; the exercise itself asks for the learner's code."""
    monkeypatch.setenv("COURSE_CLIENT_MODE", "replay")
    copy = learner_copy(nbformat.read(path, as_version=4))
    first = next(i for i, c in enumerate(copy.cells) if "exercise" in c.metadata.get("tags", []))
    copy.cells = copy.cells[: first + 1]
    client = NotebookClient(copy, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    with pytest.raises(CellExecutionError, match="NotImplementedError"):
        client.execute()
    ran = [c for c in copy.cells[:first] if c.cell_type == "code"]
    assert all(c.execution_count for c in ran), "a cell before the exercise did not run"
    assert not [o for c in ran for o in c.outputs if o.output_type == "error"]
