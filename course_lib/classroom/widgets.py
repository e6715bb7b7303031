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

Introduced in notebook 02_history_strategies (:class:`ChatPanel`), 03_token_budgets
(:class:`TokenBudgetExplorer`) and 04_pruning (:class:`WindowExplorer`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from ..budget import BudgetError, TokenBudget
from ..defaults import DEFAULT_CONTEXT_WINDOW
from ..exchanges import exchange_starts
from ..managers import ConversationManager, Entry, SlidingWindowManager, TokenWindowManager
from ..messages import InvalidHistoryError
from ..pruning import Pipeline, PruningPlan, Strategy, plan
from ..runtime.client import client_info, make_client
from ..tokens import content_text, estimate_message_tokens, estimate_tokens
from ..usage import prompt_tokens
from . import charts

RED = charts.BUDGET_COLORS["over budget"]
_LABEL_STYLE = {"description_width": "150px"}


class _Panel:
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


def _slider(description: str, value: int, maximum: int, step: int, minimum: int = 0) -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=minimum, max=maximum, step=step, description=description,
                             continuous_update=True, style=_LABEL_STYLE, layout=widgets.Layout(width="560px"))


def _figure_widget(fig: go.Figure) -> go.FigureWidget:
    return go.FigureWidget(fig)


def _refresh(target: go.FigureWidget, source: go.Figure) -> None:
    """Copy ``source``'s data and layout into ``target`` in place (same traces), so the chart does not flicker."""
    with target.batch_update():
        if len(target.data) != len(source.data):
            target.data = ()
            target.add_traces(source.data)
        else:
            for old, new in zip(target.data, source.data, strict=True):
                old.update({k: v for k, v in new.to_plotly_json().items() if k != "type"}, overwrite=True)
        target.layout.update(source.layout.to_plotly_json(), overwrite=True)


class TokenBudgetExplorer(_Panel):
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
        self.context_window = _slider("context window", context_window, max(1_000_000, context_window), 1_000,
                                      minimum=1_000)
        self.system_tokens = _slider("system prompt", system_tokens, part_max, 100)
        self.current_message_tokens = _slider("current message", current_message_tokens, part_max, 100)
        self.max_tokens = _slider("max_tokens", max_tokens, part_max, 256)
        self.room_label = widgets.HTML()
        self.figure = _figure_widget(charts.budget_bar(self.budget))
        self.widget = widgets.VBox([self.context_window, self.system_tokens, self.current_message_tokens,
                                    self.max_tokens, self.room_label, self.figure])
        for slider in self.sliders:
            slider.observe(self.update, names="value")
        self.update()

    @property
    def sliders(self) -> tuple[widgets.IntSlider, ...]:
        return self.context_window, self.system_tokens, self.current_message_tokens, self.max_tokens

    @property
    def over_budget(self) -> bool:
        return not self.budget.fits

    def update(self, change: Any = None) -> None:
        """Recompute the budget from the sliders, then redraw the label and the bar in place."""
        try:
            self.budget = TokenBudget(*(slider.value for slider in self.sliders))
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


# ---------------------------------------------------------------------------------------------------
# WindowExplorer (04_pruning)
# ---------------------------------------------------------------------------------------------------

_SENT = ("kept", "pinned")
STRATEGY_UNITS = {"full": "", "window": "messages", "token_window": "tokens", "importance": "tokens"}
"""What the budget slider counts for each strategy of :class:`WindowExplorer`."""


class WindowExplorer(_Panel):
    """Pick a strategy and a budget; see which messages it would send, and why each one goes or stays.

    Introduced in notebook 04_pruning. ``messages_or_manager`` is a list of message dicts or a
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
    Parts: ``strategy`` (Dropdown), ``budget`` (IntSlider), ``table`` (HTML), ``caption`` (HTML),
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
                                         style=_LABEL_STYLE, layout=widgets.Layout(width="560px"))
        self.budget = _slider("budget", 1, 1, 1)
        self.caption, self.table = widgets.HTML(), widgets.HTML()
        self.budgets: dict[str, int] = {}
        self.last_plan: PruningPlan | None = None
        self._switching = False
        self._load(budget)
        self.figure = _figure_widget(self.chart())
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
        _refresh(self.figure, self.chart())

    def table_html(self, rows: Sequence[charts.KeptRow] | None = None) -> str:
        """The selected strategy's rows as an HTML table: index, role, tokens, status, reason, text."""
        rows = self.rows() if rows is None else rows
        cells = []
        for r in rows:
            color = charts.STATUS_COLORS[r.status] if r.status != "dropped" else "#999999"
            text = " ".join(content_text(self.entries[r.index].message["content"]).split())
            text = text if len(text) <= 60 else text[:57] + "..."
            cells.append(f'<tr><td>{r.index}</td><td>{r.role}</td><td style="text-align:right">{r.tokens:,}</td>'
                         f'<td style="color:{color}"><b>{r.status}</b></td><td>{html.escape(r.reason)}</td>'
                         f"<td>{html.escape(text)}</td></tr>")
        head = "".join(f"<th>{h}</th>" for h in ("#", "role", "tokens", "status", "reason", "text"))
        return f'<table class="course-kept"><thead><tr>{head}</tr></thead><tbody>{"".join(cells)}</tbody></table>'

    def summary(self) -> str:
        rows = self.rows()
        sent = sum(r.status in _SENT for r in rows)
        return f"{self.label(self.strategy.value)}: sends {sent} of {len(rows)} messages"

    def _repr_html_(self) -> str:
        return f"<div><p>{self.caption.value}</p>{self.table.value}</div>"


# ---------------------------------------------------------------------------------------------------
# ChatPanel (02_history_strategies)
# ---------------------------------------------------------------------------------------------------

class ChatPanel(_Panel):
    """A chat box for a manager: type, see what the next request will hold, send.

    Introduced in notebook 02_history_strategies; it replaces the ``input()`` loop of the syllabus,
    which cannot be tested or re-run. The bar under the transcript is
    :func:`course_lib.classroom.charts.budget_bar` of the next request: system prompt (and tools), the history
    the manager will send (computed by the manager itself), your
    draft, and the ``max_tokens`` reserve, against the context window. It changes as you type.
    The history is the manager's own preview of its next request (``get_messages(next_message=...)``).

    Sending calls ``manager.send(text)``, nothing else. If that raises (an API error after the
    SDK's retries, an overflow, an empty message), the error is shown in the panel, the draft stays
    in the box, and the manager has added nothing. Parts: ``draft`` (Textarea), ``send_button``,
    ``transcript`` (HTML), ``status`` (HTML), ``figure`` (FigureWidget), ``widget`` (the box).
    """

    def __init__(self, manager: ConversationManager, *, context_window: int | None = None) -> None:
        self.manager = manager
        simulator = client_info(manager.client).simulator if hasattr(manager, "client") else None
        self.context_window = context_window or (simulator.context_window if simulator else DEFAULT_CONTEXT_WINDOW)
        self.draft = widgets.Textarea(placeholder="Type a message, then press Send", continuous_update=True,
                                      layout=widgets.Layout(width="460px", height="70px"))
        self.send_button = widgets.Button(description="Send", button_style="primary", icon="paper-plane")
        self.transcript = widgets.HTML(layout=widgets.Layout(max_height="320px", overflow="auto"))
        self.status = widgets.HTML()
        self._history_tokens = self.next_history_tokens()
        self.figure = _figure_widget(charts.budget_bar(self.next_budget(), self._history_tokens))
        self.widget = widgets.VBox([self.transcript, self.figure, widgets.HBox([self.draft, self.send_button]),
                                    self.status])
        self.draft.observe(self.update_bar, names="value")
        self.send_button.on_click(lambda _button: self.send())
        self.render()

    # -- the next request ----------------------------------------------------------------------------

    def next_history_tokens(self) -> int:
        """Tokens of the history the next request will send, as the manager itself would choose it.

        Why a preview: a window may drop one more old exchange once your message is added, so the
        honest number comes from the manager's own ``get_messages(next_message=...)``, which sends
        nothing. A manager waiting for a tool result (a text message cannot come next), or your own
        class without a preview, is read as it is.
        """
        placeholder = {"role": "user", "content": "..."}
        try:
            view = self.manager.get_messages(next_message=placeholder)
            return sum(estimate_message_tokens(m) for m in view) - estimate_message_tokens(placeholder)
        except (TypeError, InvalidHistoryError):
            return sum(estimate_message_tokens(m) for m in self.manager.get_messages())

    def next_budget(self) -> TokenBudget:
        """The :class:`~course_lib.budget.TokenBudget` of the next request, with the draft as the current message."""
        get_system = getattr(self.manager, "get_system", None)
        system = get_system() if get_system else getattr(self.manager, "system_prompt", "")
        tools = getattr(self.manager, "tools", None)
        system_tokens = estimate_tokens(system or "") + (estimate_tokens(_json(tools)) if tools else 0)
        text = self.draft.value
        current = estimate_message_tokens({"role": "user", "content": text}) if text.strip() else 0
        return TokenBudget(self.context_window, system_tokens, current, self.manager.max_tokens)

    def update_bar(self, change: Any = None) -> None:
        """Redraw the next-request bar in place (called on every keystroke)."""
        charts.update_budget_bar(self.figure, self.next_budget(), self._history_tokens)

    # -- sending ---------------------------------------------------------------------------------------

    def send(self, text: str | None = None) -> str | None:
        """Send the draft (or ``text``) with ``manager.send()``; return the reply, or ``None`` on failure.

        On success the draft is cleared; on failure the error is shown and the draft is kept.
        """
        text = self.draft.value if text is None else text
        if not text.strip():
            self.status.value = "Type a message first."
            return None
        self.send_button.disabled = True
        self.status.value = "Sending..."
        try:
            reply = self.manager.send(text)
        except Exception as error:  # a UI boundary: whatever went wrong is shown here, not lost in a log
            self.status.value = (f'<span style="color:{RED}"><b>Not sent</b> ({type(error).__name__}): '
                                 f"{html.escape(str(error))}</span><br>Your draft is still in the box.")
            return None
        finally:
            self.send_button.disabled = False
        self.draft.value = ""
        self.status.value = self._last_usage()
        self._history_tokens = self.next_history_tokens()
        self.render()
        return reply

    def _last_usage(self) -> str:
        log = getattr(self.manager, "usage_log", None)
        if not log:
            return "Sent."
        turn = log[-1]["turn"]
        rows = [r for r in log if r["turn"] == turn]
        main = [r for r in rows if r["kind"] != "summary"][-1:] or rows[-1:]
        row, count = main[0], main[0]["messages_sent"]
        text = (f"Turn {turn}: sent {count} message{'s' if count != 1 else ''}, "
                f"{prompt_tokens(row):,} input tokens; the reply used {row['output_tokens']:,} output tokens.")
        if any(r["kind"] == "retry" for r in rows):
            text += " The first try overflowed the context window; the manager pruned its view and retried."
        summaries = [r for r in rows if r["kind"] == "summary"]
        if summaries:
            text += (f" Then the manager summarized older turns (one more request: "
                     f"{prompt_tokens(summaries[-1]):,} input tokens).")
        return text

    # -- drawing --------------------------------------------------------------------------------------

    def transcript_html(self) -> str:
        """Every message of the transcript (the manager keeps them all), with its role and tokens."""
        entries = getattr(self.manager, "transcript", None)
        items = [(e.message, e.tokens) for e in entries] if entries is not None else [
            (m, estimate_message_tokens(m)) for m in self.manager.get_messages()]
        if not items:
            return "<i>No messages yet.</i>"
        lines = []
        for message, tokens in items:
            role = message["role"]
            text = html.escape(content_text(message["content"]))
            color = charts.ROLE_COLORS.get(role, "#333")
            lines.append(f'<div style="margin:4px 0"><b style="color:{color}">{role}</b> '
                         f'<span style="color:#888">({tokens:,} tokens)</span>'
                         f'<div style="white-space:pre-wrap">{text}</div></div>')
        return "".join(lines)

    def render(self) -> None:
        """Redraw the transcript and the bar after the conversation changed."""
        self.transcript.value = self.transcript_html()
        self.update_bar()

    def summary(self) -> str:
        budget = self.next_budget()
        count = len(getattr(self.manager, "transcript", ()) or ())
        return (f"{type(self.manager).__name__} with {count} messages; next request: system {budget.system_tokens:,} "
                f"+ history {self._history_tokens:,} + draft {budget.current_message_tokens:,} + max_tokens "
                f"{budget.max_tokens:,} of {budget.context_window:,} tokens")

    def _repr_html_(self) -> str:
        return f"<div>{self.transcript.value}<p><i>{html.escape(self.summary())}</i></p></div>"


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
