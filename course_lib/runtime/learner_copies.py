"""Learner copies: the notebook a learner opens, made from the solved notebook by swapping answers for stubs.

Introduced in notebook 00_start_here (which says where the exercises and their solutions live).

``solutions/NN_name.ipynb`` is the source of truth: each exercise's answer sits in a code cell tagged
``solution`` whose ``# EXERCISE:`` comment lines spell out the stub. :func:`learner_copy` turns every
such cell into its stub (a function that raises ``NotImplementedError``, marked with
``checks.exercise`` so later cells still run) and adds a "Stuck?" link to the solved notebook under it.
"""

from __future__ import annotations

import re

import nbformat

__all__ = ["LINK_TAG", "SOLUTION_TAG", "STUB_MARKER", "clean_metadata", "heading_anchor", "learner_copy",
           "stub_source"]

SOLUTION_TAG = "solution"
STUB_MARKER = "# EXERCISE"
EXERCISE_TAG = "exercise"
LINK_TAG = "solution-link"
DEF_LINE = re.compile(r"def (\w+)\(")


def clean_metadata(notebook: nbformat.NotebookNode) -> None:
    """Drop saved widget state and volatile execution metadata before committing outputs."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)


def stub_source(solution: str) -> str:
    """The stub a learner completes: the ``# EXERCISE:`` lines as code, the body left to write."""
    lines = [re.sub(r"^\s*# EXERCISE: ?", "", line) for line in solution.splitlines()
             if line.lstrip().startswith(STUB_MARKER)]
    name = next((m.group(1) for line in lines if (m := DEF_LINE.match(line))), None)
    if name is None:  # a one-line task, not a function: the stub is the instruction
        return "\n".join([*lines, "# Your code here."])
    return "\n".join(["from course_lib.classroom.checks import exercise", "", "",
                      "@exercise  # until you write it, the cells below borrow the reference solution",
                      *lines, "    # Your code here: replace the line below.",
                      f"    raise NotImplementedError(\"write {name}\")"])


def heading_anchor(notebook: nbformat.NotebookNode, index: int) -> str:
    """The anchor JupyterLab gives the nearest markdown heading above cell ``index``."""
    for cell in reversed(notebook.cells[:index]):
        headings = re.findall(r"^#+\s+(.+)$", cell.source, re.M) if cell.cell_type == "markdown" else []
        if headings:
            return headings[-1].strip().replace(" ", "-")
    return ""


def learner_copy(notebook: nbformat.NotebookNode, solutions_link: str | None = None) -> nbformat.NotebookNode:
    """The notebook with each solution cell swapped for its stub, and a link to the solution under it."""
    copy = nbformat.from_dict(notebook)
    cells = []
    for index, cell in enumerate(copy.cells):
        if SOLUTION_TAG not in cell.metadata.get("tags", []):
            cells.append(cell)
            continue
        cell.source = stub_source(cell.source)
        cell.outputs, cell.execution_count = [], None
        cell.metadata["tags"] = [t for t in cell.metadata["tags"] if t != SOLUTION_TAG] + [EXERCISE_TAG]
        cells.append(cell)
        if solutions_link:
            anchor = heading_anchor(notebook, index)
            link = nbformat.v4.new_markdown_cell(
                f"Stuck? [Reference solution]({solutions_link}{'#' + anchor if anchor else ''}) "
                "(the solved notebook; try the check first).")
            link.metadata["tags"] = [LINK_TAG]
            if "id" in cell:
                link.id = f"{cell.id}-link"[:64]  # stable across runs, so regenerating makes no diff
            cells.append(link)
    copy.cells = cells
    clean_metadata(copy)
    return copy
