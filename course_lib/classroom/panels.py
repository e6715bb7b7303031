"""What every classroom widget shares: the display fallbacks, a labelled slider, a figure updated in place.

Introduced in notebook 03_token_budgets, behind every panel of :mod:`course_lib.classroom.widgets`.
"""

from __future__ import annotations

import html
from typing import Any

import anywidget
import ipywidgets as widgets
import plotly.graph_objects as go
import traitlets

__all__ = ["LABEL_STYLE", "RED", "LabelledSlider", "Panel", "figure_widget", "refresh_figure", "slider"]

RED = "#B33C00"
"""Warning text: the charts' vermillion (BUDGET_COLORS["over budget"]) darkened to 5.9:1 on white (WCAG AA)."""
LABEL_STYLE = {"description_width": "150px"}


class Panel:
    """Display plumbing shared by the widgets: the live panel, plus text and HTML fallbacks."""

    widget: widgets.Box

    def summary(self) -> str:  # pragma: no cover - every panel overrides it
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return f"<div><pre>{html.escape(self.summary())}</pre></div>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The live widget for a kernel, and the HTML and text summaries for everything else."""
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self._repr_html_()
        bundle["text/plain"] = f"{type(self).__name__}: {self.summary()}"
        return bundle

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.summary().splitlines()[0]}>"


# The browser side of LabelledSlider: a native range input named by a real <label>, and an <output> that
# shows the value with thousands separators. Every input event is sent at once (as a dragged IntSlider does).
# data-lm-suppress-shortcuts: JupyterLab binds the arrow keys in command mode (ArrowRight jumps to the next
# heading), which would take the keys a keyboard user moves the slider with; Lumino skips elements marked so.
_SLIDER_ESM = """
let count = 0;
function render({ model, el }) {
  const id = `course-slider-${++count}-${Math.random().toString(36).slice(2, 8)}`;
  const label = document.createElement("label");
  const input = document.createElement("input");
  const readout = document.createElement("output");
  label.htmlFor = id;
  input.type = "range";
  input.id = id;
  input.setAttribute("data-lm-suppress-shortcuts", "true");
  readout.setAttribute("for", id);
  const draw = () => {
    label.textContent = model.get("description");
    input.min = model.get("min");
    input.max = model.get("max");
    input.step = model.get("step");
    input.value = model.get("value");
    input.disabled = model.get("disabled");
    readout.textContent = Number(model.get("value")).toLocaleString("en-US");
    input.setAttribute("aria-valuetext", readout.textContent);
  };
  input.addEventListener("input", () => {
    model.set("value", Number(input.value));
    model.save_changes();
  });
  const names = ["value", "min", "max", "step", "description", "disabled"];
  names.forEach(name => model.on(`change:${name}`, draw));
  el.classList.add("course-slider");
  el.append(label, input, readout);
  draw();
  return () => names.forEach(name => model.off(`change:${name}`, draw));
}
export default { render };
"""

_SLIDER_CSS = """
.course-slider { display: flex; align-items: center; gap: 8px; width: 560px; margin: 2px 0; }
.course-slider label { flex: none; width: 150px; text-align: right; }
.course-slider input[type=range] { flex: 1; min-width: 0; }
.course-slider output { flex: none; min-width: 80px; font-variant-numeric: tabular-nums; }
"""


class LabelledSlider(anywidget.AnyWidget):
    """An integer slider that screen readers can name and arrow keys can move.

    Why not ``ipywidgets.IntSlider``: its handle (noUiSlider, ipywidgets 8.1) is a ``role="slider"``
    div with no accessible name. This one is a native ``<input type="range">`` with a ``<label>``.
    It keeps IntSlider's Python face (``value``, ``min``, ``max``, ``step``, ``description``,
    ``disabled``, ``observe``) and, like IntSlider, keeps ``value`` inside ``[min, max]``.
    """

    _esm = _SLIDER_ESM
    _css = _SLIDER_CSS
    value = traitlets.Int(0).tag(sync=True)
    min = traitlets.Int(0).tag(sync=True)
    max = traitlets.Int(100).tag(sync=True)
    step = traitlets.Int(1).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    @traitlets.validate("value")
    def _clamp_value(self, proposal: Any) -> int:
        return _clamp(proposal["value"], self.min, self.max)

    @traitlets.observe("min", "max")
    def _keep_value_in_range(self, change: Any) -> None:
        self.value = _clamp(self.value, self.min, self.max)


def _clamp(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def slider(description: str, value: int, maximum: int, step: int, minimum: int = 0) -> LabelledSlider:
    """A labelled integer slider for the panels, updating while dragged or moved with the arrow keys."""
    return LabelledSlider(value=value, min=minimum, max=maximum, step=step, description=description)


def figure_widget(fig: go.Figure) -> go.FigureWidget:
    """A plotly figure as a widget a panel can update in place."""
    return go.FigureWidget(fig)


def refresh_figure(target: go.FigureWidget, source: go.Figure) -> None:
    """Copy ``source``'s data and layout into ``target`` in place (same traces), so the chart does not flicker."""
    with target.batch_update():
        if len(target.data) != len(source.data):
            target.data = ()
            target.add_traces(source.data)
        else:
            for old, new in zip(target.data, source.data, strict=True):
                old.update({k: v for k, v in new.to_plotly_json().items() if k != "type"}, overwrite=True)
        target.layout.update(source.layout.to_plotly_json(), overwrite=True)
