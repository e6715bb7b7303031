"""Static images for recorded charts: GitHub, nbviewer and nbconvert HTML run no JavaScript.

Introduced in notebook 00_start_here (every chart the course shows on the web carries one).

``course-kit record`` calls :func:`add_static_images` on each notebook it saves. Each plotly output
keeps its interactive JSON and gains an ``image/png`` rendered by kaleido (which drives the system's
Chrome or Chromium; ``BROWSER_PATH`` points it at one), alt text in the output's metadata (where
nbconvert's classic HTML template, nbviewer's basis, reads it; its lab template does not) and a
``text/plain`` description, so a reader without JavaScript, or without sight, still gets the chart.
"""

from __future__ import annotations

import base64
import os
import shutil
from typing import Any

import nbformat

__all__ = ["PLOTLY_MIME", "add_static_images", "alt_text", "charts_without_image", "find_browser"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
STATIC_MIMES = ("image/png", "image/svg+xml")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_browser() -> str | None:
    """The Chrome kaleido should drive: ``BROWSER_PATH`` if set, else the first one on PATH."""
    return os.environ.get("BROWSER_PATH") or next(filter(None, map(shutil.which, BROWSERS)), None)


def alt_text(figure: dict[str, Any]) -> str:
    """A one-sentence description of a chart: its title, its kind, and what its series are called."""
    layout = figure.get("layout", {})
    title = layout.get("title", {})
    title_text = title.get("text", "") if isinstance(title, dict) else str(title or "")
    traces = figure.get("data", [])
    kinds = sorted({trace.get("type", "scatter") for trace in traces})
    names = [trace["name"] for trace in traces if trace.get("name")]
    axes = [_axis_title(layout, axis) for axis in ("xaxis", "yaxis")]
    parts = [f"Chart: {title_text or 'untitled'}.", f"A {' and '.join(kinds)} chart"]
    if all(axes):
        parts[-1] += f" of {axes[1]} against {axes[0]}"
    if names:
        parts[-1] += f"; series: {', '.join(dict.fromkeys(names))}"
    return " ".join(parts) + "."


def _axis_title(layout: dict[str, Any], axis: str) -> str:
    title = layout.get(axis, {}).get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title or "")


def charts_without_image(notebook: nbformat.NotebookNode) -> list[int]:
    """Indexes of the cells holding a plotly output that has no static image beside it."""
    return [index for index, cell in enumerate(notebook.cells)
            if any(PLOTLY_MIME in out.get("data", {}) and not set(STATIC_MIMES) & set(out.get("data", {}))
                   for out in cell.get("outputs", []))]


def add_static_images(notebook: nbformat.NotebookNode, width: int = 900, height: int = 500) -> int:
    """Give every plotly output a PNG and alt text; returns how many images were added."""
    import plotly.io as pio  # only maintainers recording outputs need plotly's exporter and kaleido

    browser = find_browser()
    if browser:
        os.environ.setdefault("BROWSER_PATH", browser)
    added = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PLOTLY_MIME not in data or set(STATIC_MIMES) & set(data):
                continue
            figure = dict(data[PLOTLY_MIME])
            png = pio.to_image(figure, format="png", width=width, height=height)
            description = alt_text(figure)
            data["image/png"] = base64.b64encode(png).decode("ascii")
            data["text/plain"] = description
            output.setdefault("metadata", {})["image/png"] = {"alt": description, "width": width, "height": height}
            added += 1
    return added
