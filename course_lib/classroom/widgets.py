"""Sliders and panels for the notebooks: move a number, watch the budget or the context change.

Why widgets: "the reserve for the reply costs room even if unused" is easier to believe after
dragging ``max_tokens`` and watching the history room shrink. Each class keeps its logic in plain
methods (:meth:`TokenBudgetExplorer.update`, :meth:`ChatPanel.send`, ...) and wires the widgets to
them, so tests drive a widget by setting ``.value`` and calling the method, with no browser.

Widgets read managers and budgets; :class:`ChatPanel` is the one that sends, and only through
``manager.send()``, exactly as a learner's own code would. Figures come from
:mod:`course_lib.classroom.charts` as ``plotly.graph_objects.FigureWidget`` objects updated in place.

Displaying: put a widget object last in a cell (or ``display(explorer)``). With a live kernel you
get the interactive panel; a saved notebook (widget state is not saved) and GitHub show the HTML
summary from ``_repr_html_`` instead.

Introduced in notebook 03_token_budgets (:class:`TokenBudgetExplorer`), 05_pruning
(:class:`WindowExplorer`) and 06_production_manager (:class:`ChatPanel`).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..budget import BudgetError, TokenBudget
from ..defaults import DEFAULT_CONTEXT_WINDOW
from . import charts
from .chat_panel import ChatPanel
from .panels import RED, LabelledSlider, Panel, figure_widget, slider
from .window_explorer import STRATEGY_UNITS, WindowExplorer

__all__ = ["STRATEGY_UNITS", "ChatPanel", "TokenBudgetExplorer", "WindowExplorer", "room_html", "room_text"]


class TokenBudgetExplorer(Panel):
    """Four sliders (context window, system prompt, current message, ``max_tokens``) and the budget bar.

    Introduced in notebook 03_token_budgets. Every change rebuilds a real
    :class:`~course_lib.budget.TokenBudget`, so the label and the bar show exactly what the library
    computes; when the fixed parts leave no room, the label turns red and says by how much.

    Parts of the widget, for notebooks and tests: ``context_window``, ``system_tokens``,
    ``current_message_tokens`` and ``max_tokens`` (the sliders), ``room_label`` (HTML),
    ``figure`` (a ``FigureWidget``), ``budget`` (the current TokenBudget) and ``widget`` (the box).
    """

    def __init__(self, context_window: int = DEFAULT_CONTEXT_WINDOW, system_tokens: int = 2_000,
                 current_message_tokens: int = 500, max_tokens: int = 4_096) -> None:
        self.budget = TokenBudget(context_window, system_tokens, current_message_tokens, max_tokens)
        part_max = _round_up(max(context_window, system_tokens, current_message_tokens, max_tokens) * 5 // 4)
        self.context_window = slider("context window", context_window, max(1_000_000, context_window), 1_000,
                                      minimum=1_000)
        self.system_tokens = slider("system prompt", system_tokens, part_max, 100)
        self.current_message_tokens = slider("current message", current_message_tokens, part_max, 100)
        self.max_tokens = slider("max_tokens", max_tokens, part_max, 256)
        self.room_label = widgets.HTML()
        self.figure = figure_widget(charts.budget_bar(self.budget))
        self.widget = widgets.VBox([self.context_window, self.system_tokens, self.current_message_tokens,
                                    self.max_tokens, self.room_label, self.figure])
        for each in self.sliders:
            each.observe(self.update, names="value")
        self.update()

    @property
    def sliders(self) -> tuple[LabelledSlider, ...]:
        return self.context_window, self.system_tokens, self.current_message_tokens, self.max_tokens

    @property
    def over_budget(self) -> bool:
        return not self.budget.fits

    def update(self, change: Any = None) -> None:
        """Recompute the budget from the sliders, then redraw the label and the bar in place."""
        try:
            self.budget = TokenBudget(*(each.value for each in self.sliders))
        except BudgetError as exc:  # cannot happen with these slider ranges, but say so rather than freeze
            self.room_label.value = f'<b style="color:{RED}">{html.escape(str(exc))}</b>'
            return
        self.room_label.value = room_html(self.budget)
        charts.update_budget_bar(self.figure, self.budget)

    def summary(self) -> str:
        return f"{room_text(self.budget)}\n{self.budget.explain()}"


def room_text(budget: TokenBudget) -> str:
    """'History room: 153,604 tokens', or 'History room: over budget by 2,096 tokens'.

    Introduced in notebook 03_token_budgets; the same words as the explorer's label, for printing.
    """
    room = budget.available_for_history
    return f"History room: {room:,} tokens" if room >= 0 else f"History room: over budget by {-room:,} tokens"


def room_html(budget: TokenBudget) -> str:
    """:func:`room_text` as bold HTML, red when over budget, with the share of the window."""
    room = budget.available_for_history
    if room < 0:
        return (f'<b style="color:{RED}">{room_text(budget)}</b>: this request would be rejected before '
                f"the model reads it.")
    return f"<b>{room_text(budget)}</b> ({room / budget.context_window:.0%} of the context window)"


def _round_up(value: int, step: int = 1_000) -> int:
    return -(-value // step) * step
