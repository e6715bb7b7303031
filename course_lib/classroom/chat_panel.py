"""ChatPanel: a chat box for a manager that shows what the next request will hold.

Introduced in notebook 06_production_manager.
"""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as widgets

from ..budget import TokenBudget
from ..defaults import DEFAULT_CONTEXT_WINDOW
from ..managers import ConversationManager
from ..messages import InvalidHistoryError
from ..runtime.client import client_info
from ..tokens import content_text, estimate_message_tokens, estimate_tokens
from ..usage import prompt_tokens
from . import charts
from .panels import RED, Panel, figure_widget

__all__ = ["ChatPanel"]

class ChatPanel(Panel):
    """A chat box for a manager: type, see what the next request will hold, send.

    Introduced in notebook 06_production_manager; it replaces the ``input()`` loop of the syllabus,
    which cannot be tested or re-run. The bar under the transcript is
    :func:`course_lib.classroom.charts.budget_bar` of the next request: system prompt (and tools), the history
    the manager will send (computed by the manager itself), your
    draft, and the ``max_tokens`` reserve, against the context window. It changes as you type.
    The history is the manager's own preview of its next request (``get_messages(next_message=...)``).

    Sending calls ``manager.stream(text)`` (``manager.send(text)`` for a class without it), nothing
    else: the reply appears in the transcript as it streams, chunk by chunk. If that raises (an API
    error after the SDK's retries, an overflow, an empty message, a stream broken halfway), the
    error is shown in the panel, the draft stays in the box, and the manager has added nothing: a
    partial reply is not kept (it stays in view, marked so) and the error says how much of it arrived. Parts: ``draft``
    (Textarea), ``send_button``, ``transcript`` (HTML), ``status`` (HTML), ``figure`` (FigureWidget),
    ``widget`` (the box).
    """

    def __init__(self, manager: ConversationManager, *, context_window: int | None = None) -> None:
        self.manager = manager
        simulator = client_info(manager.client).simulator if hasattr(manager, "client") else None
        self.context_window = context_window or (simulator.context_window if simulator else DEFAULT_CONTEXT_WINDOW)
        self.draft = widgets.Textarea(placeholder="Type a message, then press Send", continuous_update=True,
                                      description="Message", style={"description_width": "initial"},  # a <label>
                                      layout=widgets.Layout(width="520px", height="70px"))
        self.send_button = widgets.Button(description="Send", button_style="primary", icon="paper-plane")
        self.transcript = widgets.HTML()  # scrolls inside its own focusable log (see transcript_html)
        self.status = widgets.HTML()
        self._history_tokens = self.next_history_tokens()
        self.figure = figure_widget(charts.budget_bar(self.next_budget(), self._history_tokens))
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
            reply = self._stream(text) if callable(getattr(self.manager, "stream", None)) else self.manager.send(text)
        except Exception as error:  # a UI boundary: whatever went wrong is shown here, not lost in a log
            partial = getattr(error, "partial_text", "")
            # The manager kept nothing. What the learner already read of a broken reply stays in view,
            # marked as not kept, rather than vanishing; without one, the transcript is redrawn as it is.
            self.transcript.value = self.transcript_html(pending=(text, partial) if partial else None,
                                                         interrupted=bool(partial))
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

    def _stream(self, text: str) -> str:
        """``manager.stream(text)``, redrawing the transcript with the reply so far after every chunk."""
        chunks = self.manager.stream(text)
        received = ""
        while True:
            try:
                received += next(chunks)
            except StopIteration as done:  # the stream completed: its value is the reply, as send() returns it
                return done.value
            self.transcript.value = self.transcript_html(pending=(text, received))

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

    def transcript_html(self, pending: tuple[str, str] | None = None, interrupted: bool = False) -> str:
        """Every message of the transcript (the manager keeps them all), with its role and tokens.

        ``pending`` is a turn under way, ``(your message, the reply so far)``: shown after the
        transcript and labelled as not kept yet, since the manager keeps it only once the stream
        completes; ``interrupted`` labels it as a stream that broke off, which the manager did not keep.
        """
        entries = getattr(self.manager, "transcript", None)
        items = [(e.message, f"{e.tokens:,} tokens") for e in entries] if entries is not None else [
            (m, f"{estimate_message_tokens(m):,} tokens") for m in self.manager.get_messages()]
        if pending:
            notes = (("not added", "interrupted: not kept, press Send to try again") if interrupted else
                     ("sending", "streaming, not kept until complete"))
            items += [({"role": "user", "content": pending[0]}, notes[0]),
                      ({"role": "assistant", "content": pending[1]}, notes[1])]
        if not items:
            return "<i>No messages yet.</i>"
        lines = []
        for message, note in items:
            role = message["role"]
            text = html.escape(content_text(message["content"]))
            color = charts.ROLE_COLORS.get(role, "#333")
            # The role is named in words and its colour is a bar beside the message, not the text's colour:
            # text keeps WCAG AA contrast, and no meaning rests on colour alone.
            lines.append(f'<div style="margin:4px 0; padding-left:6px; border-left:4px solid {color}">'
                         f'<b>{role}</b> <span style="color:#666666">({note})</span>'
                         f'<div style="white-space:pre-wrap">{text}</div></div>')
        # The transcript scrolls, so its box takes keyboard focus (arrow keys scroll it) and names itself
        # to screen readers as a live log of the conversation; while a reply streams in, aria-busy asks
        # them to wait for it to settle instead of reading every chunk.
        busy = ' aria-busy="true"' if pending and not interrupted else ""
        return (f'<div role="log" aria-label="Conversation so far" tabindex="0"{busy} '
                f'style="max-height:320px; overflow:auto">{"".join(lines)}</div>')

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
