"""Every committed chart carries a static image with alt text: GitHub and nbviewer run no JavaScript."""

import base64
from pathlib import Path

import nbformat
import pytest

from course_lib.runtime.static_images import (
    PLOTLY_MIME,
    add_static_images,
    alt_text,
    charts_without_image,
    find_browser,
)

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = sorted([*ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"), *ROOT.glob("solutions/[0-9][0-9]_*.ipynb")])


def chart_outputs(notebook):
    return [out for cell in notebook.cells for out in cell.get("outputs", []) if PLOTLY_MIME in out.get("data", {})]


def test_the_committed_notebooks_have_charts():
    assert sum(len(chart_outputs(nbformat.read(p, 4))) for p in COMMITTED) >= 10


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_committed_chart_has_a_titled_static_image_with_alt_text(path: Path):
    notebook = nbformat.read(path, as_version=4)
    assert charts_without_image(notebook) == [], f"{path.name}: re-record with `course-kit record {path.stem}`"
    for out in chart_outputs(notebook):
        assert base64.b64decode(out["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
        alt = out["metadata"]["image/png"]["alt"]
        assert alt.startswith("Chart: ") and "untitled" not in alt, f"{path.name}: a chart without a title"
        assert out["data"]["text/plain"] == alt  # the text a reader without images gets


def test_alt_text_names_the_title_the_kind_the_axes_and_the_series():
    figure = {"data": [{"type": "scatter", "name": "full history"}, {"type": "scatter", "name": "window"}],
              "layout": {"title": {"text": "Tokens per turn"}, "xaxis": {"title": {"text": "turn"}},
                         "yaxis": {"title": {"text": "input tokens"}}}}
    assert alt_text(figure) == ("Chart: Tokens per turn. A scatter chart of input tokens against turn; "
                                "series: full history, window.")
    assert alt_text({"data": [{"type": "bar"}], "layout": {}}).startswith("Chart: untitled. A bar chart")


def test_a_notebook_without_charts_is_left_alone():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    assert add_static_images(notebook) == 0 and charts_without_image(notebook) == []


@pytest.mark.skipif(find_browser() is None, reason="no Chrome or Chromium for kaleido (set BROWSER_PATH)")
def test_recording_adds_a_png_and_keeps_the_interactive_chart():
    pytest.importorskip("kaleido", reason="kaleido is in the test extra")
    figure = {"data": [{"type": "bar", "y": [1, 3], "name": "tokens"}], "layout": {"title": {"text": "Two bars"}}}
    cell = nbformat.v4.new_code_cell("fig.show()", outputs=[nbformat.v4.new_output(
        "display_data", data={PLOTLY_MIME: figure})])
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert charts_without_image(notebook) == [0]
    assert add_static_images(notebook, width=300, height=200) == 1
    data = cell.outputs[0]["data"]
    assert PLOTLY_MIME in data and base64.b64decode(data["image/png"])[:4] == b"\x89PNG"
    assert cell.outputs[0]["metadata"]["image/png"]["alt"].startswith("Chart: Two bars.")
    assert charts_without_image(notebook) == [] and add_static_images(notebook) == 0  # idempotent
