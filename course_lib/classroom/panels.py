"""What every classroom widget shares: the display fallbacks, a slider, a figure updated in place.

Introduced in notebook 02_history_strategies, behind every panel of :mod:`course_lib.classroom.widgets`.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from .style import BUDGET_COLORS

__all__ = ["LABEL_STYLE", "RED", "Panel", "figure_widget", "refresh_figure", "slider"]

RED = BUDGET_COLORS["over budget"]
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


def slider(description: str, value: int, maximum: int, step: int, minimum: int = 0) -> widgets.IntSlider:
    """A wide integer slider with the panels' label width, updating while dragged."""
    return widgets.IntSlider(value=value, min=minimum, max=maximum, step=step, description=description,
                             continuous_update=True, style=LABEL_STYLE, layout=widgets.Layout(width="560px"))


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
