"""Plotly figures that show what a conversation costs and what each strategy keeps.

Every function here is pure: it reads numbers (plain lists, a manager's ``usage_log``, a
:class:`~course_lib.budget.TokenBudget`, a pruning plan) and returns a ``plotly.graph_objects.Figure``.
None of them calls the API, so a chart can never spend money or change a conversation; the
notebooks run a manager first and then draw what it recorded.

Why plotly and not print-outs: "input tokens grow every turn" is a sentence a learner forgets, a
line that climbs while another stays flat is not. Colors are fixed per strategy (full history is
always blue, the sliding window always orange, ...) so a learner can compare figures across
notebooks at a glance.

Introduced in notebook 02_history_strategies (:func:`tokens_per_turn`, :func:`caching_costs`,
:func:`request_cost`), 03_token_budgets (:func:`budget_bar`) and 05_pruning (:func:`kept_messages`,
:func:`importance_bars`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from ..budget import TokenBudget
from ..usage import (  # noqa: F401  (DEFAULT_PRICES, Prices, request_cost: notebooks import them from here)
    DEFAULT_PRICES,
    Prices,
    cumulative_costs,
    prompt_tokens,
    request_cost,
    turn_of,
    usage_number,
    usage_rows,
    without_caching,
)
from .style import (  # noqa: F401  (BAR_HEIGHT, HEIGHT, STRATEGY_COLORS: notebooks and tests read them here)
    BAR_HEIGHT,
    BUDGET_COLORS,
    HEIGHT,
    ROLE_COLORS,
    STATUS_ALIASES,
    STATUS_COLORS,
    STATUSES,
    STRATEGY_COLORS,
    new_figure,
    strategy_color,
)

# ---------------------------------------------------------------------------------------------------
# Input tokens per turn (02_history_strategies)
# ---------------------------------------------------------------------------------------------------

def _kind_of(row: Any) -> str:
    return str(row.get("kind", "turn")) if isinstance(row, Mapping) else "turn"


def turn_series(run: Sequence[int] | Any) -> tuple[list[int], list[int]]:
    """(turn numbers, input tokens) of one run: plain ints (turn 1, 2, ...) or a manager's turn rows."""
    rows = usage_rows(run)
    if all(isinstance(r, int) for r in rows):
        return list(range(1, len(rows) + 1)), [int(r) for r in rows]
    # A turn that overflowed succeeds on its one retry: that row is the turn's request.
    turns = [(i, r) for i, r in enumerate(rows) if _kind_of(r) in ("turn", "retry")]
    return [turn_of(r, i) for i, r in turns], [prompt_tokens(r) for _, r in turns]


def tokens_per_turn(runs: Mapping[str, Sequence[int] | Any], *,
                    title: str = "Input tokens sent per turn") -> go.Figure:
    """Input tokens per turn, one line per strategy: full history climbs, a window levels off.

    Introduced in notebook 02_history_strategies.
    ``runs`` maps a label to a list of ints (tokens of turn 1, 2, ...) or to a manager, whose
    ``usage_log`` rows of kind ``"turn"`` are read. A manager's summarization requests (kind
    ``"summary"``) are drawn as open diamonds at their turn, because they cost tokens too and a fair
    comparison must show them.
    """
    fig = new_figure(title, "turn", "input tokens sent")
    for name, run in runs.items():
        color = strategy_color(name)
        turns, tokens = turn_series(run)
        fig.add_trace(go.Scatter(x=turns, y=tokens, mode="lines+markers", name=name, legendgroup=name,
                                 line={"color": color},
                                 hovertemplate="turn %{x}: %{y:,} input tokens<extra>%{fullData.name}</extra>"))
        if isinstance(run, Sequence) and all(isinstance(r, int) for r in run):
            continue
        extra = [(i, r) for i, r in enumerate(usage_rows(run)) if _kind_of(r) == "summary"]
        if extra:
            fig.add_trace(go.Scatter(
                x=[turn_of(r, i) for i, r in extra], y=[prompt_tokens(r) for _, r in extra], mode="markers",
                name=f"{name}: summary call", legendgroup=name,
                marker={"color": color, "symbol": "diamond-open", "size": 11},
                hovertemplate="turn %{x}: summary call read %{y:,} tokens<extra></extra>"))
    fig.update_xaxes(dtick=1, rangemode="tozero")
    fig.update_yaxes(rangemode="tozero", tickformat=",")
    return fig


# ---------------------------------------------------------------------------------------------------
# The token budget as one bar (03_token_budgets)
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    """One piece of the budget bar: a name, where it starts on the token axis, and how long it is."""

    name: str
    start: int
    length: int


BUDGET_PARTS = ("system prompt", "history", "current message", "max_tokens reserve", "free", "over budget")
"""The bar's segments, in drawing order; :func:`budget_bar` always makes these traces, then the window line."""


def budget_segments(budget: TokenBudget, history_tokens: int | None = None) -> list[Segment]:
    """The segments of :func:`budget_bar`, as numbers (so widgets and tests can check them).

    Introduced in notebook 03_token_budgets.
    Without ``history_tokens`` the history segment is the *room* left for history
    (``available_for_history``, zero when negative). With it, the bar shows a real request: the
    history actually sent, and whatever is still free. Either way, tokens past the context window
    are the "over budget" segment, drawn from the window's edge.
    """
    window, system = budget.context_window, budget.system_tokens
    current, reserve = budget.current_message_tokens, budget.max_tokens
    room = budget.available_for_history  # the budget's own formula, never a copy of it
    history = max(room, 0) if history_tokens is None else history_tokens
    free = 0 if history_tokens is None else max(room - history_tokens, 0)
    over = max(system + history + current + reserve - window, 0)
    segments, start = [], 0
    for name, length in (("system prompt", system), ("history", history), ("current message", current),
                         ("max_tokens reserve", reserve), ("free", free)):
        segments.append(Segment(name, start, length))
        start += length
    segments.append(Segment("over budget", window, over))
    return segments


def budget_title(budget: TokenBudget, history_tokens: int | None = None) -> str:
    """The one sentence the bar is about: room left, or how far over the window the request is."""
    segments = {s.name: s for s in budget_segments(budget, history_tokens)}
    over = segments["over budget"].length
    if over:
        return f"Over budget by {over:,} tokens (context window {budget.context_window:,})"
    if history_tokens is None:
        return f"History room: {segments['history'].length:,} of {budget.context_window:,} tokens"
    return f"Next request: {budget.context_window - segments['free'].length:,} of {budget.context_window:,} tokens"


def budget_bar(budget: TokenBudget, history_tokens: int | None = None) -> go.Figure:
    """One horizontal stacked bar: system prompt, history, current message and the max_tokens reserve.

    Introduced in notebook 03_token_budgets.
    The black line is the context window. When the fixed parts leave no room, the part past the
    line is red ("over budget"): that request would be a 400 before the model reads a word. Pass
    ``history_tokens`` to draw an actual next request (what :class:`course_lib.classroom.widgets.ChatPanel`
    shows) instead of the room available.
    """
    fig = new_figure("", "tokens", "", height=BAR_HEIGHT)
    for name in BUDGET_PARTS:
        fig.add_trace(go.Bar(x=[0], y=[0], base=[0], orientation="h", name=name, width=0.6,
                             marker={"color": BUDGET_COLORS[name]}))
    fig.data[-1].update(width=0.25, marker={"pattern": {"shape": "x", "fgcolor": "white"}})
    fig.add_trace(go.Scatter(x=[0, 0], y=[-0.5, 0.5], mode="lines", name="context window",
                             line={"color": BUDGET_COLORS["context window"], "width": 3}))
    fig.update_layout(barmode="overlay", yaxis={"visible": False, "range": [-0.6, 0.6]},
                      legend={"orientation": "h", "y": -0.45}, margin={"l": 20, "r": 20, "t": 50, "b": 40})
    fig.update_xaxes(tickformat=",")
    update_budget_bar(fig, budget, history_tokens)
    return fig


def update_budget_bar(fig: go.Figure, budget: TokenBudget, history_tokens: int | None = None) -> None:
    """Redraw a :func:`budget_bar` figure in place (a ``FigureWidget`` changes without re-rendering).

    Introduced in notebook 03_token_budgets, behind :class:`course_lib.classroom.widgets.TokenBudgetExplorer`.
    """
    segments = budget_segments(budget, history_tokens)
    window = budget.context_window
    history_name = "history room" if history_tokens is None else "history sent"
    with fig.batch_update():
        for trace, segment in zip(fig.data[:len(segments)], segments, strict=True):
            label = history_name if segment.name == "history" else segment.name
            share = segment.length / window if window else 0.0
            trace.update(x=[segment.length], base=[segment.start], name=label,
                         showlegend=segment.length > 0 or segment.name not in ("free", "over budget"),
                         hovertemplate=f"{html.escape(label)}: {segment.length:,} tokens ({share:.1%})<extra></extra>")
        fig.data[len(segments)].update(x=[window, window],
                                       hovertemplate=f"context window: {window:,} tokens<extra></extra>")
        right = max(window, max(s.start + s.length for s in segments))
        fig.update_layout(title=budget_title(budget, history_tokens), xaxis_range=[0, right * 1.04])


# ---------------------------------------------------------------------------------------------------
# Which messages each strategy keeps (05_pruning)
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeptRow:
    """One message under one strategy: its index in the transcript, what happened to it, and why."""

    index: int
    status: str
    reason: str = ""
    role: str = ""
    tokens: int | None = None


def kept_row(row: Any) -> KeptRow:
    """Normalise a row: a ``KeptRow``, a tuple ``(index, status, reason[, role, tokens])``, a dict
    (``PruningPlan.to_rows()``) or a plan ``Row``. "summarized" counts as "summary"."""
    if isinstance(row, KeptRow):
        return row
    if isinstance(row, Mapping):
        fields = {k: row[k] for k in ("index", "status", "reason", "role", "tokens") if k in row}
    elif hasattr(row, "status"):  # a pruning plan Row
        fields = {k: getattr(row, k) for k in ("index", "status", "reason", "role", "tokens") if hasattr(row, k)}
    else:
        fields = dict(zip(("index", "status", "reason", "role", "tokens"), row, strict=False))
    if "index" not in fields or "status" not in fields:
        raise ValueError(f"kept_messages: row {row!r} needs at least an index and a status")
    status = str(fields["status"]).lower()
    status = STATUS_ALIASES.get(status, status)
    if status not in STATUS_COLORS:
        raise ValueError(f"kept_messages: row {row!r} has status {fields['status']!r}; "
                         f"use one of {', '.join(STATUSES)}")
    tokens = fields.get("tokens")
    return KeptRow(int(fields["index"]), status, str(fields.get("reason") or ""), str(fields.get("role") or ""),
                   None if tokens is None else int(tokens))


def kept_messages(rows: Mapping[str, Iterable[Any]] | Iterable[Any], *,
                  title: str = "Which messages each strategy sends") -> go.Figure:
    """A grid: one row per strategy, one square per message, colored kept / pinned / summary / dropped.

    Introduced in notebook 05_pruning.
    ``rows`` maps a strategy label to its rows (see :func:`kept_row`), or is one list of rows (for
    example ``PruningPlan.to_rows()``), drawn as a single strategy called "plan". Hovering a square
    shows the message's role, its tokens and the reason. One trace per status, always all four,
    so the legend explains the colors and a widget can update the figure in place.
    """
    table = dict(rows) if isinstance(rows, Mapping) else {"plan": rows}
    grid = {name: [kept_row(r) for r in found if _attr(r, "index", 0) is not None]  # skip added summary rows
            for name, found in table.items()}
    fig = new_figure(title, "message index (0 = oldest)", "")
    for status in STATUSES:
        cells = [(name, r) for name, found in grid.items() for r in found if r.status == status]
        fig.add_trace(go.Scatter(
            x=[r.index for _, r in cells], y=[name for name, _ in cells], mode="markers", name=status,
            marker={"symbol": "square", "size": 16, "color": STATUS_COLORS[status],
                    "line": {"color": "#666666", "width": 1}},
            customdata=[[r.role or "?", "?" if r.tokens is None else f"{r.tokens:,}", html.escape(r.reason)]
                        for _, r in cells],
            hovertemplate=("message %{x} (%{customdata[0]}, %{customdata[1]} tokens)<br>" + status
                           + ": %{customdata[2]}<extra>%{y}</extra>")))
    fig.update_yaxes(categoryorder="array", categoryarray=list(grid)[::-1], type="category")
    fig.update_xaxes(dtick=1, showgrid=False)
    return fig


# ---------------------------------------------------------------------------------------------------
# Importance scores (05_pruning)
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreRow:
    """One message's importance score and the reasons that produced it."""

    index: int
    score: float
    reasons: tuple[str, ...] = ()
    role: str = ""
    pinned: bool = False


def score_row(row: Any, position: int = 0) -> ScoreRow:
    """Normalise a score: a ``ScoreRow``, a float, a tuple ``(index, score[, reasons])``, a dict, or an object.

    Objects may be :func:`course_lib.pruning.score_message` results (``value``, ``reasons``) or plan
    rows (``index``, ``role``, ``score``); dicts are ``PruningPlan.to_rows()`` rows.
    """
    if isinstance(row, ScoreRow):
        return row
    if isinstance(row, int | float):
        return ScoreRow(position, float(row))
    if isinstance(row, Sequence) and not isinstance(row, str):
        index, score, *rest = row
        return ScoreRow(int(index), float(score), _reasons(rest[0] if rest else ()))
    score = _attr(row, "score", _attr(row, "importance", _attr(row, "value")))
    if score is None:
        raise ValueError(f"importance_bars: {row!r} has no score")
    reasons = _attr(row, "reasons", _attr(row, "reason", ()))
    if hasattr(score, "value"):  # a pruning Score (or a plan Row holding one): its reasons come with it
        score, reasons = score.value, reasons or getattr(score, "reasons", ())
    return ScoreRow(int(_attr(row, "index", position)), float(score), _reasons(reasons),
                    str(_attr(row, "role", "") or ""), bool(_attr(row, "pinned", False)))


def _attr(row: Any, key: str, default: Any = None) -> Any:
    return row.get(key, default) if isinstance(row, Mapping) else getattr(row, key, default)


def _reasons(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)


def importance_bars(scores: Iterable[Any], *, threshold: float | None = None,
                    title: str = "Importance score per message") -> go.Figure:
    """One bar per message, as high as its importance score; hover shows the reasons.

    Introduced in notebook 05_pruning.
    Bars are colored by role (pinned messages get a thick outline), so "the greeting scored low,
    the account number scored high" is visible at once. ``threshold`` draws the line below which
    a pruning pass would drop messages first.
    """
    rows = [score_row(r, i) for i, r in enumerate(scores) if _attr(r, "index", 0) is not None]
    fig = new_figure(title, "message index (0 = oldest)", "importance")
    for role in sorted({r.role for r in rows}, key=lambda x: (x not in ROLE_COLORS, x)):
        mine = [r for r in rows if r.role == role]
        fig.add_trace(go.Bar(
            x=[r.index for r in mine], y=[r.score for r in mine], name=role or "message",
            marker={"color": ROLE_COLORS.get(role, "#999999"),  # Okabe-Ito grey for other roles
                    "line": {"color": "#000000", "width": [3 if r.pinned else 0 for r in mine]}},
            customdata=[["; ".join(html.escape(x) for x in r.reasons) or "no reason given",
                         " (pinned)" if r.pinned else ""] for r in mine],
            hovertemplate="message %{x}%{customdata[1]}: %{y:.2f}<br>%{customdata[0]}<extra></extra>"))
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dash", line_color=BUDGET_COLORS["over budget"],  # vermillion
                      annotation_text=f"drop first below {threshold:g}", annotation_position="top left")
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(rangemode="tozero")
    return fig


# ---------------------------------------------------------------------------------------------------
# Money: request cost and prompt caching (02_history_strategies)
# ---------------------------------------------------------------------------------------------------

def caching_costs(runs: Mapping[str, Any], prices: Prices = DEFAULT_PRICES, *, counterfactual: bool = True,
                  title: str = "Cumulative cost per turn") -> go.Figure:
    """Cumulative dollars per turn, one solid line per run as billed.

    Introduced in notebook 02_history_strategies.
    ``runs`` maps a label to a manager (its ``usage_log``) or a list of per-request usage rows. For
    a run that used prompt caching (any cache write or read), ``counterfactual`` adds a dashed line
    in the same color: the same tokens billed without caching. That is how the figure shows the
    honest result: full history, an append-only prefix, is mostly cache reads at 0.1x; a sliding
    window moves its start every turn, so it keeps paying to write its cache and gains little.
    """
    fig = new_figure(title, "turn", "cumulative cost (USD)")
    for name, run in runs.items():
        color = strategy_color(name)
        rows = usage_rows(run)
        cached = any(prompt_tokens(r) != usage_number(r, "input_tokens") for r in rows)  # any cache write or read
        turns, dollars = cumulative_costs(rows, prices)
        fig.add_trace(go.Scatter(x=turns, y=dollars, mode="lines+markers", name=name + (" (cached)" if cached else ""),
                                 legendgroup=name, line={"color": color},
                                 hovertemplate="turn %{x}: $%{y:.4f}<extra>%{fullData.name}</extra>"))
        if cached and counterfactual:
            turns, dollars = cumulative_costs(rows, prices, cached=False)
            fig.add_trace(go.Scatter(x=turns, y=dollars, mode="lines", name=f"{name} (no caching)",
                                     legendgroup=name, line={"color": color, "dash": "dash"},
                                     hovertemplate="turn %{x}: $%{y:.4f}<extra>%{fullData.name}</extra>"))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(rangemode="tozero", tickprefix="$", tickformat=".3f")
    return fig
