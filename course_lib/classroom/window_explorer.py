"""WindowExplorer: pick a strategy and a budget, see which messages it sends and why.

Introduced in notebook 05_pruning.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from ..exchanges import exchange_starts
from ..managers import ConversationManager, Entry, SlidingWindowManager, TokenWindowManager
from ..pruning import Pipeline, PruningPlan, Strategy, plan
from ..runtime.client import make_client
from ..tokens import content_text, estimate_message_tokens
from . import charts
from .panels import LABEL_STYLE, Panel, figure_widget, refresh_figure, slider

__all__ = ["STRATEGY_UNITS", "WindowExplorer"]

_SENT = ("kept", "pinned")
STRATEGY_UNITS = {"full": "", "window": "messages", "token_window": "tokens", "importance": "tokens"}
"""What the budget slider counts for each strategy of :class:`WindowExplorer`."""


class WindowExplorer(Panel):
    """Pick a strategy and a budget; see which messages it would send, and why each one goes or stays.

    Introduced in notebook 05_pruning. ``messages_or_manager`` is a list of message dicts or a
    manager (its ``transcript`` is read, with each entry's ``pinned`` and ``importance``). The
    strategies are the library's own code, never a re-implementation:

    * ``"full"``: :class:`~course_lib.managers.ConversationManager` sends everything.
    * ``"window"``: a :class:`~course_lib.managers.SlidingWindowManager` over the same messages
      (budget = ``window_size`` in messages; cuts only at :func:`~course_lib.messages.exchange_starts`).
    * ``"token_window"``: a :class:`~course_lib.managers.TokenWindowManager` (budget =
      ``history_budget`` in tokens; the newest exchange is always sent and not charged).
    * ``"importance"``: :func:`course_lib.pruning.plan` with ``pipeline`` (default: the library's
      default pipeline). Its budget is for the history too: the newest exchange is added to the
      limit, as :func:`~course_lib.pruning.budget_limit` says to do for a list that ends with it.
      The last plan is kept as ``last_plan`` (print it for the library's own table). A pipeline
      with :class:`~course_lib.pruning.SummarizeAndReplace` calls its summarizer on every slider
      move: give it a plain function, not :func:`~course_lib.pruning.client_summarizer`.

    ``budget`` sets the starting budget of the strategy shown first (``strategy``, default
    ``"window"``) and of the others counted in the same unit; each strategy keeps its own budget
    while you switch between them.

    The managers are built once with :meth:`~course_lib.managers.ConversationManager.add_message` (no
    request is ever sent; their client is an offline simulator) and asked to
    :meth:`~course_lib.managers.ConversationManager.explain_view` what they keep and why.
    Parts: ``strategy`` (Dropdown), ``budget`` (:class:`~course_lib.classroom.panels.LabelledSlider`),
    ``table`` (HTML), ``caption`` (HTML),
    ``figure`` (FigureWidget of :func:`course_lib.classroom.charts.kept_messages`, one row per strategy at
    its own budget) and ``widget`` (the box). Call :meth:`refresh` after the conversation grows.
    """

    def __init__(self, messages_or_manager: ConversationManager | Sequence[Mapping[str, Any] | Entry],
                 strategies: Sequence[str] = ("full", "window", "token_window", "importance"), *,
                 budget: int | None = None, strategy: str | None = None,
                 pipeline: Pipeline | Strategy | Sequence[Strategy] | None = None) -> None:
        unknown = [s for s in strategies if s not in STRATEGY_UNITS]
        if unknown or not strategies:
            raise ValueError(f"strategies {list(strategies)!r}: choose from {', '.join(STRATEGY_UNITS)}")
        self.source = messages_or_manager
        self.strategies = tuple(strategies)
        self.pipeline = pipeline
        self._offline = make_client("simulated")  # the helper managers below never send; this makes sure
        initial = strategy or ("window" if "window" in self.strategies else self.strategies[0])
        if initial not in self.strategies:
            raise ValueError(f"strategy {initial!r} is not one of the strategies {list(self.strategies)!r}")
        self.strategy = widgets.Dropdown(options=self.strategies, value=initial, description="strategy",
                                         style=LABEL_STYLE, layout=widgets.Layout(width="560px"))
        self.budget = slider("budget", 1, 1, 1)
        self.caption, self.table = widgets.HTML(), widgets.HTML()
        self.budgets: dict[str, int] = {}
        self.last_plan: PruningPlan | None = None
        self._switching = False
        self._load(budget)
        self.figure = figure_widget(self.chart())
        self.widget = widgets.VBox([self.strategy, self.budget, self.caption, self.figure, self.table])
        self.strategy.observe(self._on_strategy, names="value")
        self.budget.observe(self._on_budget, names="value")
        self._on_strategy()

    # -- reading the conversation ----------------------------------------------------------------

    def _load(self, budget: int | None) -> None:
        """Read the messages and build one helper manager per window strategy."""
        transcript = getattr(self.source, "transcript", None)
        items = list(transcript) if transcript is not None else list(self.source)
        self.entries: list[Entry] = [item if isinstance(item, Entry) else Entry(dict(item), 0.0,
                                                                                estimate_message_tokens(item))
                                     for item in items]
        if not self.entries:
            raise ValueError("WindowExplorer needs at least one message to show")
        self.window = self._replay(SlidingWindowManager(self._offline, window_size=1))
        self.token_window = self._replay(TokenWindowManager(self._offline, history_budget=1))
        n, total = len(self.entries), sum(e.tokens for e in self.entries)
        defaults = {"full": 0, "window": min(6, n), "token_window": max(1, total // 2),
                    "importance": max(1, total // 2)}
        for name, unit in STRATEGY_UNITS.items():
            chosen = budget if budget is not None and unit and self._unit() == unit else defaults[name]
            low, high = self._range(name)
            self.budgets[name] = min(max(self.budgets.get(name, chosen), low), high)

    def _replay(self, manager: ConversationManager) -> ConversationManager:
        for entry in self.entries:  # add_message() checks each message continues a valid history
            manager.add_message(entry.message, importance=entry.importance, pinned=entry.pinned,
                           timestamp=entry.timestamp)
        return manager

    def _unit(self) -> str:
        return STRATEGY_UNITS[self.strategy.value]

    def _range(self, name: str) -> tuple[int, int]:
        if STRATEGY_UNITS[name] == "messages":
            return 1, len(self.entries)
        if STRATEGY_UNITS[name] == "tokens":
            return 1, max(1, sum(e.tokens for e in self.entries))
        return 0, 0

    def refresh(self) -> None:
        """Re-read a manager's transcript (after more turns) and redraw."""
        self._load(None)
        self._on_strategy()

    # -- what each strategy keeps ------------------------------------------------------------------

    def rows(self, strategy: str | None = None, budget: int | None = None) -> list[charts.KeptRow]:
        """One :class:`~course_lib.classroom.charts.KeptRow` per message: kept or dropped, and why."""
        strategy = strategy or self.strategy.value
        budget = self.budgets[strategy] if budget is None else budget
        if strategy == "full":
            return [self._row(i, "kept", "full history sends every message") for i in range(len(self.entries))]
        if strategy == "window":
            return self._window_rows(budget)
        if strategy == "token_window":
            return self._token_rows(budget)
        return self._plan_rows(budget)

    def kept(self, strategy: str | None = None, budget: int | None = None) -> list[int]:
        """Indices of the messages the strategy would send (a summarized message is not sent)."""
        return [r.index for r in self.rows(strategy, budget) if r.status in _SENT]

    def _row(self, index: int, status: str, reason: str) -> charts.KeptRow:
        entry = self.entries[index]
        return charts.KeptRow(index, status, reason, entry.message["role"], entry.tokens)

    def _explained(self, manager: ConversationManager) -> list[charts.KeptRow]:
        """The manager's own account of its view, as chart rows."""
        return [charts.kept_row(row) for row in manager.explain_view()]

    def _window_rows(self, size: int) -> list[charts.KeptRow]:
        self.window.window_size = size
        return self._explained(self.window)

    def _token_rows(self, budget: int) -> list[charts.KeptRow]:
        self.token_window.history_budget = budget
        return self._explained(self.token_window)

    def _plan_rows(self, budget: int) -> list[charts.KeptRow]:
        newest = exchange_starts([e.message for e in self.entries])
        current = sum(e.tokens for e in self.entries[newest[-1]:]) if newest else 0
        self.last_plan = plan(self.entries, budget + current, self.pipeline)
        rows = []
        for row in self.last_plan.to_rows():
            reason = row["reason"] or (f"score {row['score']:g}: kept, the history fits without dropping it"
                                       if row["kept"] else "")
            rows.append(charts.KeptRow(row["index"], charts.kept_row(row).status, reason, row["role"], row["tokens"]))
        return rows

    # -- drawing -------------------------------------------------------------------------------------

    def label(self, strategy: str) -> str:
        unit, budget = STRATEGY_UNITS[strategy], self.budgets[strategy]
        return f"{strategy} ({budget:,} {unit})" if unit else strategy

    def chart(self) -> go.Figure:
        """:func:`course_lib.classroom.charts.kept_messages` for every strategy, each at its own budget."""
        return charts.kept_messages({self.label(s): self.rows(s) for s in self.strategies})

    def _on_strategy(self, change: Any = None) -> None:
        """Point the slider at the chosen strategy's budget and unit, then redraw."""
        name = self.strategy.value
        low, high = self._range(name)
        self._switching = True
        try:
            self.budget.max = max(high, self.budget.min)
            self.budget.min = low
            self.budget.max = high
            self.budget.value = self.budgets[name]
            self.budget.step = 1 if STRATEGY_UNITS[name] != "tokens" else max(1, high // 200)
            self.budget.description = f"budget ({STRATEGY_UNITS[name]})" if STRATEGY_UNITS[name] else "budget"
            self.budget.disabled = not STRATEGY_UNITS[name]
        finally:
            self._switching = False
        self.update()

    def _on_budget(self, change: Any = None) -> None:
        if not self._switching and STRATEGY_UNITS[self.strategy.value]:
            self.budgets[self.strategy.value] = self.budget.value
            self.update()

    def update(self, change: Any = None) -> None:
        """Redraw the caption, the table and the chart for the current strategy and budget."""
        rows = self.rows()
        sent = [r for r in rows if r.status in _SENT]
        total = sum(e.tokens for e in self.entries)
        self.caption.value = (f"<b>{html.escape(self.label(self.strategy.value))}</b>: sends {len(sent)} of "
                              f"{len(rows)} messages, {sum(r.tokens or 0 for r in sent):,} of {total:,} tokens")
        self.table.value = self.table_html(rows)
        refresh_figure(self.figure, self.chart())

    def table_html(self, rows: Sequence[charts.KeptRow] | None = None) -> str:
        """The selected strategy's rows as an HTML table: index, role, tokens, status, reason, text."""
        rows = self.rows() if rows is None else rows
        cells = []
        for r in rows:
            color = charts.STATUS_COLORS[r.status]  # a swatch beside the word: the text stays readable
            text = " ".join(content_text(self.entries[r.index].message["content"]).split())
            text = text if len(text) <= 60 else text[:57] + "..."
            swatch = (f'<span aria-hidden="true" style="display:inline-block;width:10px;height:10px;'
                      f'background:{color}"></span>')
            cells.append(f'<tr><td>{r.index}</td><td>{r.role}</td><td style="text-align:right">{r.tokens:,}</td>'
                         f'<td>{swatch} <b>{r.status}</b></td><td>{html.escape(r.reason)}</td>'
                         f"<td>{html.escape(text)}</td></tr>")
        head = "".join(f"<th>{h}</th>" for h in ("#", "role", "tokens", "status", "reason", "text"))
        return f'<table class="course-kept"><thead><tr>{head}</tr></thead><tbody>{"".join(cells)}</tbody></table>'

    def summary(self) -> str:
        rows = self.rows()
        sent = sum(r.status in _SENT for r in rows)
        return f"{self.label(self.strategy.value)}: sends {sent} of {len(rows)} messages"

    def _repr_html_(self) -> str:
        return f"<div><p>{self.caption.value}</p>{self.table.value}</div>"
