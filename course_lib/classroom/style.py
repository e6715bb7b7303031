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
    "full": "#0072B2",          # blue: full history
    "window": "#E69F00",        # orange: sliding window (messages)
    "token_window": "#009E73",  # bluish green: token-budget window
    "summary": "#CC79A7",       # reddish purple: summarization
    "importance": "#D55E00",    # vermillion: importance pruning
}
"""One color per strategy, used by every figure so the same strategy always looks the same.

The palette is Okabe-Ito's, chosen to stay distinguishable for colour-blind readers; every series is
also named in its legend or label, so no meaning rests on colour alone."""

_FALLBACK_COLORS = ("#56B4E9", "#F0E442", "#999999", "#000000")

BUDGET_COLORS = {
    "system prompt": "#999999",
    "history": "#0072B2",
    "current message": "#009E73",
    "max_tokens reserve": "#E69F00",
    "free": "#e5e5e5",
    "over budget": "#D55E00",
    "context window": "#000000",
}
STATUS_COLORS = {"kept": "#009E73", "pinned": "#0072B2", "summary": "#CC79A7", "dropped": "#d9d9d9"}
STATUSES = tuple(STATUS_COLORS)
STATUS_ALIASES = {"keep": "kept", "drop": "dropped", "summarized": "summary", "summarised": "summary",
                   "pin": "pinned"}
ROLE_COLORS = {"user": "#0072B2", "assistant": "#E69F00"}


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
