"""The look every figure shares: one color per strategy, status and role, one template and size.

Introduced in notebook 02_history_strategies. Colors are fixed per strategy (full history is
always blue, the sliding window always orange, ...) so a learner can compare figures across
notebooks at a glance; widgets use the same role colors as the charts.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go

__all__ = ["BAR_HEIGHT", "BUDGET_COLORS", "HEIGHT", "ROLE_COLORS", "STATUSES", "STATUS_ALIASES", "STATUS_COLORS",
           "STRATEGY_COLORS", "TEMPLATE", "new_figure", "strategy_color"]

TEMPLATE = "plotly_white"
HEIGHT = 360
BAR_HEIGHT = 230

STRATEGY_COLORS = {
    "full": "#1f77b4",          # blue: full history
    "window": "#ff7f0e",        # orange: sliding window (messages)
    "token_window": "#2ca02c",  # green: token-budget window
    "summary": "#9467bd",       # purple: summarization
    "importance": "#8c564b",    # brown: importance pruning
}
"""One color per strategy, used by every figure so the same strategy always looks the same."""

_FALLBACK_COLORS = ("#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728")

BUDGET_COLORS = {
    "system prompt": "#7f7f7f",
    "history": "#1f77b4",
    "current message": "#2ca02c",
    "max_tokens reserve": "#ff7f0e",
    "free": "#e5e5e5",
    "over budget": "#d62728",
    "context window": "#000000",
}
STATUS_COLORS = {"kept": "#2ca02c", "pinned": "#1f77b4", "summary": "#9467bd", "dropped": "#d9d9d9"}
STATUSES = tuple(STATUS_COLORS)
STATUS_ALIASES = {"keep": "kept", "drop": "dropped", "summarized": "summary", "summarised": "summary",
                   "pin": "pinned"}
ROLE_COLORS = {"user": "#1f77b4", "assistant": "#ff7f0e"}


def strategy_color(name: str) -> str:
    """The color for a strategy, recognised from its label ("full history", "sliding window (6)", ...).

    Introduced in notebook 02_history_strategies; every figure uses it, so colors agree across notebooks.
    Labels that name no known strategy get a color of their own (from the label's text), so two
    different lines never share one.
    """
    key = name.lower()
    for pattern, strategy in ((r"\btoken[-_ ]window\b", "token_window"), (r"\bfull history\b", "full"),
                              (r"\bsummar", "summary"), (r"\bimportance\b|\bprun", "importance"),
                              (r"\b(sliding )?window\b", "window")):
        if re.search(pattern, key):
            return STRATEGY_COLORS[strategy]
    return _FALLBACK_COLORS[sum(map(ord, name)) % len(_FALLBACK_COLORS)]


def new_figure(title: str, xaxis: str, yaxis: str, height: int = HEIGHT) -> go.Figure:
    """An empty figure in the kit's template, size, margins and legend place."""
    fig = go.Figure()
    fig.update_layout(title=title, template=TEMPLATE, height=height, xaxis_title=xaxis, yaxis_title=yaxis,
                      margin={"l": 60, "r": 20, "t": 60, "b": 50}, legend={"orientation": "h", "y": -0.25})
    return fig
