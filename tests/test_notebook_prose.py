"""A figure the prose states is one the run shows: every comma-grouped number, dollar amount and
percentage in a notebook's markdown must appear in that notebook's code or outputs, or be a named constant."""

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"), *ROOT.glob("solutions/[0-9][0-9]_*.ipynb")])
FIGURE = re.compile(r"\$\d+(?:\.\d+)?|\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?%")

CONSTANTS = {
    # Keep this list short: a figure about a run belongs in a cell's output, not here.
    "100%",  # "a whole", not a measurement
}


def shown_text(notebook: nbformat.NotebookNode) -> str:
    """Everything the run shows: code, and outputs with their escapes undone, commas and underscores dropped."""
    parts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        parts.append(cell.source)
        parts += [json.dumps(readable(out), ensure_ascii=False).replace("\\n", " ") for out in cell.get("outputs", [])]
    return " ".join(parts)


def readable(output: nbformat.NotebookNode) -> dict:
    """An output without its binary images: base64 data can hold any digits, so it must never count as shown."""
    data = {kind: value for kind, value in output.get("data", {}).items() if not kind.startswith("image/")}
    return {**output, "data": data} if "data" in output else dict(output)


def unshown_figures(notebook: nbformat.NotebookNode) -> list[str]:
    shown = shown_text(notebook)
    flat = shown.replace(",", "").replace("_", "")
    prose = " ".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    return sorted({figure for figure in FIGURE.findall(prose)
                   if figure not in CONSTANTS and figure not in shown and figure.replace(",", "") not in flat})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_figure_in_the_prose_is_shown_by_the_run(path: Path):
    assert unshown_figures(nbformat.read(path, as_version=4)) == []


def test_the_scan_catches_a_figure_that_drifted_from_the_run():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("It sent 40,078 tokens and cost $0.0248, 18% less. Also 12,500 and 5%."),
        nbformat.v4.new_code_cell("x = 12_500", outputs=[nbformat.v4.new_output("stream", text="5% margin\n")]),
    ])
    assert unshown_figures(notebook) == ["$0.0248", "18%", "40,078"]


def test_digits_inside_a_chart_image_do_not_count_as_shown():
    image = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo40078AAA", "text/plain": "chart"})
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("It sent 40,078 tokens."),
        nbformat.v4.new_code_cell("show()", outputs=[image]),
    ])
    assert unshown_figures(notebook) == ["40,078"]
