"""End to end: learners answer a quiz in real notebooks (a real kernel), submit, and the CLI grades the files.

The notebooks use the learner copy that ``course-quiz build`` writes, and run with JUPYTERHUB_USER set,
as on a classroom hub; the instructor grades with the key.
"""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import NoSuchKernel
from nbclient import NotebookClient
from quiz_helpers import REPO, SAMPLE

from course_lib.quiz.cli import main


def learner_notebook(quiz_path: Path, answers: dict[str, object]) -> nbformat.NotebookNode:
    lines = [f"session.answer({qid!r}, {value!r})" for qid, value in answers.items()]
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(REPO)!r})"),
            nbformat.v4.new_code_cell(
                f"from course_lib.quiz import show_quiz\nquiz = show_quiz({str(quiz_path)!r})\nquiz"
            ),
            nbformat.v4.new_code_cell("session = quiz.session\n" + "\n".join(lines)),
            nbformat.v4.new_code_cell("receipt = session.submit()"),
        ]
    )


def run(notebook: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    try:
        NotebookClient(
            notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(cwd)}}
        ).execute()
    except NoSuchKernel:  # pragma: no cover - only on a machine without a python3 kernelspec
        pytest.fail("no python3 kernel: run `python -m ipykernel install --user`")
    return notebook


def test_notebooks_answer_submit_and_get_graded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build = tmp_path / "build"
    assert main(["build", str(SAMPLE), "--out", str(build)]) == 0
    learner_copy = build / "learner" / "sample_graded.yaml"
    students = {
        "hub-alice": {"pick_one": "a", "pick_many": ["b", "a"], "budget": "153,604", "word": "stateless"},
        "hub-bob": {"pick_one": "c", "pick_many": ["a"], "budget": "1.5e5"},
    }
    for user, answers in students.items():
        home = tmp_path / "home" / user
        home.mkdir(parents=True)
        monkeypatch.setenv("JUPYTERHUB_USER", user)  # the kernel inherits it, as on a hub
        notebook = run(learner_notebook(learner_copy, answers), home)
        shown = notebook.cells[1].outputs[0]["data"]
        assert "application/vnd.jupyter.widget-view+json" in shown  # widgets in a live kernel...
        assert "Graded quiz" in shown["text/plain"]  # ...and text for viewers without one
        printed = "".join(o.get("text", "") for o in notebook.cells[3].outputs)
        assert printed.startswith(f"Submitted sample_graded as {user}:") and "Receipt " in printed
        assert (home / "sample_graded.quiz-answers.json").is_file()  # beside the notebook

    out = tmp_path / "grades"
    key = build / "key" / "sample_graded.key.yaml"
    assert main(["grade", str(tmp_path / "home"), "--key", str(key), "--out", str(out), "--no-progress"]) == 0
    with (out / "grades.csv").open(newline="") as handle:
        totals = {row["student_id"]: row["total"] for row in csv.DictReader(handle)}
    assert totals == {"(points possible)": "5", "hub-alice": "5", "hub-bob": "0.5"}
    assert (out / "flags.csv").read_text() == "file,student_id,code,reason\n"
