"""notebooks/ is what a learner opens: every exercise a stub, its solution one click away in solutions/.

The solved notebooks in solutions/ are the source of truth; `course-kit record` writes each learner copy
with `learner_copy`. These tests check that the committed copies are current, leak no answer, tell a
learner what to do, and that the solutions pass the same checks.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from course_lib.classroom import checks
from course_lib.runtime.cli import NOTEBOOKS, SOLUTION_TAG, SOLUTIONS, STUB_MARKER, learner_copy, main, notebook_paths
from course_lib.runtime.learner_copies import LINK_TAG, stub_source

SOLVED = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
STANDARD_CHECK = re.compile(r"^checks\.(check_\w+)\((\w+)\)$", re.M)


def solution_lines(cell) -> list[str]:
    """Code lines of a solution that are not stub comments: what must never reach a learner."""
    return [line for line in cell.source.splitlines()
            if line.strip() and not line.lstrip().startswith("#") and not line.lstrip().startswith('"""')]


def exercises(notebook) -> list[int]:
    return [i for i, c in enumerate(notebook.cells) if SOLUTION_TAG in c.metadata.get("tags", [])]


def check_cell_after(notebook, index: int):
    return next(c for c in notebook.cells[index + 1:] if c.cell_type == "code")


def test_every_exercise_notebook_is_solved_in_solutions():
    assert len(SOLVED) >= 6
    assert all(exercises(nbformat.read(p, 4)) for p in SOLVED)
    assert not any(SOLUTION_TAG in c.metadata.get("tags", [])
                   for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") for c in nbformat.read(p, 4).cells)


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.stem)
def test_the_committed_learner_copy_is_the_solved_notebook_with_stubs(path: Path):
    solved = nbformat.read(path, as_version=4)
    expected = learner_copy(solved, f"../solutions/{path.name}")
    committed = nbformat.read(NOTEBOOKS / path.name, as_version=4)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in expected.cells], \
        f"notebooks/{path.name} is stale: run `course-kit record {path.stem}`"
    answers = {line for i in exercises(solved) for line in solution_lines(solved.cells[i])
               if not line.startswith("def ")}
    leaked = answers & {line for cell in committed.cells for line in cell.source.splitlines()}
    assert leaked == set(), f"solution lines reached the learner: {sorted(leaked)[:3]}"


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.stem)
def test_each_stub_links_to_its_solution_and_raises_until_written(path: Path):
    copy = nbformat.read(NOTEBOOKS / path.name, as_version=4)
    stubs = [i for i, c in enumerate(copy.cells) if "exercise" in c.metadata.get("tags", [])]
    assert stubs
    for i in stubs:
        link = copy.cells[i + 1]
        assert LINK_TAG in link.metadata.get("tags", []) and f"(../solutions/{path.name}#" in link.source
        if "def " in copy.cells[i].source:
            assert "@exercise" in copy.cells[i].source and "raise NotImplementedError" in copy.cells[i].source


def test_a_stub_is_the_exercise_lines_as_code():
    solution = '# EXERCISE: def add(a, b):\n# EXERCISE:     """The sum."""\ndef add(a, b):\n    return a + b\n'
    namespace: dict = {}
    exec(stub_source(solution), namespace)
    assert namespace["add"].__doc__ == "The sum." and ast.parse(stub_source(solution))
    with pytest.raises(NotImplementedError):
        namespace["add"].__wrapped__(1, 2)
    assert stub_source("# EXERCISE: # Pin the number (one line).\nsupport.pin('x')\n").startswith("# Pin the number")


def run_standard_checks(notebook) -> dict[str, checks.CheckResult]:
    """Run each exercise cell, in order, then its check when that is a plain `checks.check_x(fn)` call."""
    namespace: dict = {}
    for cell in notebook.cells:  # the notebook's imports, without running its requests
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            exec(compile(ast.Module([n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))], []),
                         "<imports>", "exec"), namespace)
    results = {}
    for i, cell in enumerate(notebook.cells):
        if {"exercise", SOLUTION_TAG} & set(cell.metadata.get("tags", [])) and "def " in cell.source:
            exec(cell.source, namespace)  # a one-line task (06's pin) needs the live run: its output is checked below
            match = STANDARD_CHECK.search(check_cell_after(notebook, i).source)
            if match:
                results[match[2]] = getattr(checks, match[1])(namespace[match[2]])
    return results


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.stem)
def test_solutions_pass_and_stubs_get_told_what_to_do(path: Path):
    solved = run_standard_checks(nbformat.read(path, as_version=4))
    stubbed = run_standard_checks(nbformat.read(NOTEBOOKS / path.name, as_version=4))
    assert solved.keys() == stubbed.keys()
    assert all(solved.values()), {name: str(r) for name, r in solved.items() if not r}
    for name, result in stubbed.items():
        assert result.not_started and "not done yet" in str(result) and "Hint:" in str(result), name


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.stem)
def test_committed_check_outputs_pass_in_solutions_and_hint_in_notebooks(path: Path):
    """Covers the lab's own checks too (they need the recorded run): solved passes, the stub gets a hint."""
    for notebook, expected in ((nbformat.read(path, 4), "✅"), (nbformat.read(NOTEBOOKS / path.name, 4), "Hint:")):
        for i in exercises(notebook) or [i for i, c in enumerate(notebook.cells)
                                         if "exercise" in c.metadata.get("tags", [])]:
            shown = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                            for o in check_cell_after(notebook, i).get("outputs", []))
            assert expected in shown, f"{path.parent.name}/{path.name} cell {i}: {shown[:200]!r}"


def test_command_writes_every_learner_copy_without_solutions(tmp_path: Path):
    assert main(["learner", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert written == sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in tmp_path.glob("*.ipynb"):
        assert not any(SOLUTION_TAG in c.metadata.get("tags", []) or STUB_MARKER in c.source
                       for c in nbformat.read(path, 4).cells)


def test_recorded_banners_read_as_the_learners_simulated_run():
    from course_lib.runtime.cli import learner_banners
    recorded = ("course_lib 0.1.0 | mode: record -> the offline simulator, recorded to cassettes/01_x.json | "
                "model: claude-x\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "print(banner(client))", outputs=[nbformat.v4.new_output("stream", name="stdout", text=recorded)])])
    learner_banners(notebook)
    assert notebook.cells[0].outputs[0]["text"] == (
        "course_lib 0.1.0 | mode: simulated -> the offline simulator (free) | model: claude-x\n")
    committed = [*NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"), *SOLVED]
    assert not [p.name for p in committed if "mode: record" in p.read_text(encoding="utf-8")]


def test_recording_everything_records_the_start_notebook_last():
    """00 adds up the usage in every cassette: recorded first, it would show the totals of the last recording."""
    paths = notebook_paths([])
    assert paths[-1].stem == "00_start_here" and len(paths) == len(list(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
