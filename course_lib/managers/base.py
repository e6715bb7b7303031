"""The full-history manager, which every other strategy builds on.

Introduced in notebook 02_history_strategies.

Two ideas run through every manager.

* **The transcript is not the context.** ``transcript`` keeps every message ever sent or received,
  in order, with its time, token count and flags; it is never shortened. What a request sends is
  a *view* of it, computed by :meth:`ConversationManager.get_messages`. A strategy (window,
  token budget, summary) only changes the view, so nothing is lost: a notebook can always show
  what was dropped (:meth:`ConversationManager.explain_view`), and a saved conversation can be
  re-read under another strategy.
* **A failed send changes nothing.** The user message is added, the request is made, and on any
  failure (API error, invalid history, even Ctrl-C) the message is taken out again and the error
  says why. The seed code's ``pop()`` did this for the full history only; here it holds for every
  strategy, for tool results, for overflow retries, and for a streamed reply that breaks off halfway
  (:meth:`ConversationManager.stream`): a reply is kept only once it is complete.

Views are cut only where an exchange starts (:mod:`course_lib.exchanges`): a cut there can never
leave the view starting with an assistant message or separate a ``tool_use`` from its
``tool_result``, which the API rejects.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import anthropic

from ..messages import Message, blocks, reply_text
from ..runtime.client import client_info, make_client
from ..tokens import estimate_message_tokens, estimate_request_tokens
from ..usage import USAGE_FIELDS
from ._inputs import positive_int, tool_list, user_content
from .errors import StreamInterruptedError, describe_stream_failure
from .requests import Requester
from .state import Persistent, restorable
from .transcript import TokenCounter, TranscriptKeeper

__all__ = ["DEFAULT_SYSTEM_PROMPT", "EMPTY_REPLY", "PINNED_HEADER", "ConversationManager", "ViewRow"]

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."
PINNED_HEADER = "Pinned facts (verbatim, never summarized):"
EMPTY_REPLY = "[empty reply]"
"""Stored when Claude answers with no text at all: an empty assistant message would make the
next request invalid, so the transcript records the fact instead of the nothing."""


@dataclass(frozen=True)
class ViewRow:
    """One transcript message in a manager's view: sent or not, and why. See :meth:`ConversationManager.explain_view`.

    Introduced in notebook 05_pruning. ``status`` is ``"kept"``, ``"dropped"`` or ``"summary"``
    (folded into the summary); :func:`course_lib.classroom.charts.kept_messages` draws these rows.
    """

    index: int
    status: str
    reason: str
    role: str
    tokens: int


@restorable
class ConversationManager(TranscriptKeeper, Requester, Persistent):
    """Full history: every request sends the whole conversation.

    Introduced in notebook 02_history_strategies. Simple, exact, and a stable prefix that prompt
    caching rewards; but every turn re-sends (and re-bills) everything before it, and a long
    conversation eventually overflows the context window. The subclasses change only which part
    of the transcript is sent (:meth:`_strategy_start`, :meth:`_lead`, :meth:`get_system`).

    ``client=None`` means :func:`course_lib.runtime.client.make_client` (offline simulator without a key);
    ``model=None`` means the kit's one default model. ``tools`` is passed to every turn's request.
    ``prompt_caching=True`` asks the API to cache each request's prefix (top-level ``cache_control``,
    see notebook 08_beyond_the_module): full history then re-reads its past at a tenth of the price.
    ``token_counter`` counts each message once, when it is added (04_counting_and_overflow): the estimator
    by default, :func:`course_lib.tokens.api_token_counter` for the API's exact counts.

    What to read after a few turns: ``transcript`` (every message, see :class:`Entry`);
    ``usage_log``, one row per API request (``turn`` counts calls to :meth:`send`, tool results
    included; ``kind`` is ``"turn"``, ``"retry"`` for the one retry after an overflow, or
    ``"summary"``; the usage numbers; ``messages_sent``); ``pinned_facts``; ``overflow_floor``.
    """

    CONFIG: ClassVar[tuple[str, ...]] = ("system_prompt", "model", "max_tokens", "tools", "prompt_caching")
    """Constructor arguments saved in ``to_state()["config"]`` (attributes of the same name)."""

    def __init__(self, client: anthropic.Anthropic | None = None, *, system_prompt: str = DEFAULT_SYSTEM_PROMPT,
                 model: str | None = None, max_tokens: int = 1024,
                 tools: Sequence[Mapping[str, Any]] | None = None, pinned_facts: Sequence[str] = (),
                 prompt_caching: bool = False, token_counter: TokenCounter | None = None):
        if not isinstance(system_prompt, str):
            raise TypeError(f"system_prompt must be a str, not {type(system_prompt).__name__}")
        if model is not None and (not isinstance(model, str) or not model.strip()):
            raise ValueError(f"model must be a non-empty model id or None (the default), not {model!r}")
        if isinstance(pinned_facts, str):
            raise TypeError("pinned_facts must be a list of strings, not one string")
        self.client = client if client is not None else make_client()
        self.system_prompt = system_prompt
        self.model = model or client_info(self.client).model  # COURSE_MODEL reaches every manager
        self.max_tokens = positive_int("max_tokens", max_tokens)
        self.tools = tool_list(tools)
        self.prompt_caching = bool(prompt_caching)
        self.token_counter = token_counter or estimate_message_tokens
        self.pinned_facts: list[str] = []
        for fact in pinned_facts:
            self.pin(fact)
        self._start_transcript()
        self.usage_log: list[dict[str, Any]] = []
        self.turns = 0
        self.overflow_floor = 0
        self.last_stop_reason: str | None = None

    # -- what is sent ---------------------------------------------------------------------------

    def get_messages(self, next_message: Mapping[str, Any] | None = None) -> list[Message]:
        """The context view: the ``messages`` a request sends. Introduced in notebook 02_history_strategies.

        Without ``next_message`` it is the current view. With one, it previews the next request:
        the view once that message is added, which for a window may start one exchange later
        (nothing is kept; an invalid next message raises :class:`InvalidHistoryError`). Pinned facts
        open the first message; messages are shallow copies, so editing them cannot edit the transcript.
        """
        if next_message is not None:
            return self._preview(next_message)
        if not self.transcript:
            return []
        view = [*self._lead(), *(dict(entry.message) for entry in self.transcript[self._view_start():])]
        block = self.pinned_block()
        if block:
            view[0] = {"role": "user", "content": [{"type": "text", "text": block}, *blocks(view[0])]}
        return view

    def _preview(self, message: Mapping[str, Any]) -> list[Message]:
        """The view with ``message`` added, computed by the same code as a real send, then undone."""
        normal = {"role": message.get("role"), "content": message.get("content")}
        self._check_next(normal)
        self._append(normal)
        try:
            return self.get_messages()
        finally:
            self._pop()

    def get_system(self) -> str:
        """The system prompt the next request sends. Introduced in notebook 02_history_strategies."""
        return self.system_prompt

    def context_tokens(self) -> int:
        """Input tokens of the next request without a new message (system, view, tools).

        Introduced in notebook 04_counting_and_overflow. Messages are counted with ``token_counter``.
        """
        return estimate_request_tokens(self.get_messages(), self.get_system() or None, self.tools,
                                       token_counter=self.token_counter)

    def explain_view(self) -> list[ViewRow]:
        """One :class:`ViewRow` per transcript message: whether the current view sends it, and why.

        Introduced in notebook 05_pruning. The reasons come from the strategy itself, so widgets
        and charts show what the manager does instead of re-deriving it.
        """
        start, own_start = self._view_start(), self._strategy_start()
        rows = []
        for i, entry in enumerate(self.transcript):
            if i >= start:
                status, reason = "kept", self._kept_reason(i)
            elif i >= own_start:
                status, reason = "dropped", "dropped from the view to recover from a context overflow"
            else:
                status, reason = self._left_out_reason(i)
            rows.append(ViewRow(i, status, reason, entry.message["role"], entry.tokens))
        return rows

    def pin(self, fact: str) -> None:
        """Keep ``fact`` verbatim at the start of every request, whatever the strategy drops.

        Introduced in notebook 06_production_manager. Why the start: recall is best at the start
        and the end of a long context, and specifics (ids, amounts, names) are exactly what summaries
        lose. Pinned facts are never pruned and never sent to a summarizer. Pinning twice keeps one copy.
        """
        if not isinstance(fact, str) or not fact.strip():
            raise ValueError(f"a pinned fact must be a non-empty string, not {fact!r}")
        fact = " ".join(fact.split())
        if fact not in self.pinned_facts:
            self.pinned_facts.append(fact)

    def pinned_block(self) -> str | None:
        """The text block that carries the pinned facts, or ``None``. Introduced in notebook 06_production_manager."""
        if not self.pinned_facts:
            return None
        return "\n".join([PINNED_HEADER, *(f"- {fact}" for fact in self.pinned_facts)])

    @property
    def dropped_for_overflow(self) -> range:
        """Transcript indices left out of every view since an overflow (``range(overflow_floor)``).

        Introduced in notebook 04_counting_and_overflow. Why a floor and not a set: overflow recovery drops
        the *oldest* whole exchanges, so what it dropped is always a prefix of the transcript. Later
        turns keep the smaller view, and the transcript keeps it all; a summarizing manager still
        folds these messages into its next summary.
        """
        return range(self.overflow_floor)

    # -- talking to Claude ----------------------------------------------------------------------

    def send(self, content: str | Sequence[Mapping[str, Any]]) -> str:
        """Send a message (text, or content blocks such as ``tool_result``) and return the reply's text.

        Introduced in notebook 02_history_strategies. When Claude asks for a tool
        (``last_stop_reason == "tool_use"``), the reply with its ``tool_use`` block is kept and its
        text returned (maybe ``""``); answer with ``send([{"type": "tool_result", "tool_use_id": ...,
        "content": ...}])``, see :meth:`pending_tool_calls`. On any failure nothing is added:
        :class:`InvalidHistoryError` before any request, :class:`ConversationError` (SDK error
        chained) after, :class:`ContextOverflowError` if even one pruned retry did not fit.
        """
        floor = self._begin_turn(content)
        try:
            response = self._request_turn()
        except BaseException:  # includes KeyboardInterrupt: a failed send leaves no trace
            self._undo_turn(floor)
            raise
        return self._finish_turn(response)

    def stream(self, content: str | Sequence[Mapping[str, Any]]) -> Generator[str, None, str]:
        """Send a message and yield the reply's text as it arrives; the reply is kept once the stream completes.

        Introduced in notebook 06_production_manager. ``for chunk in manager.stream("Hi"): print(chunk, end="")``.
        Nothing is sent until you iterate. Everything :meth:`send` promises holds: the same checks,
        the same overflow retry (an overflow is answered before any text, so the retry streams
        afresh), the same ``usage_log`` row, a ``tool_use`` reply kept for its ``tool_result``.
        If the stream breaks off after it began (an ``error`` event, a dropped connection; the
        SDK does not retry those), or you stop iterating early, the turn is undone as a failed
        :meth:`send` is: your message is taken out again and the partial reply is not stored, so
        the history stays valid and ends where it ended before. :class:`StreamInterruptedError`
        carries the partial text (``partial_text``); send again to retry.
        """
        floor = self._begin_turn(content)
        received: list[str] = []
        try:
            opened = self._request_turn(stream=True)
            try:
                for text in opened.text():
                    received.append(text)
                    yield text
                response = opened.finish()
            finally:
                opened.close()
        except anthropic.APIError as error:  # the stream broke after it began: the SDK's errors, not yet wrapped
            self._undo_turn(floor)
            partial = "".join(received)
            raise StreamInterruptedError(
                f"{describe_stream_failure(error)} after {len(partial)} characters of the reply; your message "
                "was not added and the partial reply was not kept (it is in partial_text). Send again to retry.",
                partial) from error
        except BaseException:  # an error answered at once (already a ConversationError), Ctrl-C, or a break
            self._undo_turn(floor)
            raise
        return self._finish_turn(response)  # the generator's return value: the reply text send() would return

    def get_token_usage(self) -> dict[str, int]:
        """Token totals over every request so far, summaries included (they are billed too).

        Introduced in notebook 02_history_strategies.
        """
        totals = {key: sum(row[key] for row in self.usage_log) for key in USAGE_FIELDS}
        last = next((row for row in reversed(self.usage_log) if row["kind"] != "summary"), None)
        return {"total_input_tokens": totals["input_tokens"], "total_output_tokens": totals["output_tokens"],
                "cache_creation_input_tokens": totals["cache_creation_input_tokens"],
                "cache_read_input_tokens": totals["cache_read_input_tokens"],
                "requests": len(self.usage_log), "message_count": len(self.transcript),
                "messages_sent_last": last["messages_sent"] if last else 0}

    def _begin_turn(self, content: str | Sequence[Mapping[str, Any]]) -> int:
        """Check and add the user's message; return the overflow floor to restore if the turn fails."""
        message = {"role": "user", "content": user_content(content)}
        self._check_next(message)
        self.turns += 1
        self._append(message)
        return self.overflow_floor

    def _undo_turn(self, floor: int) -> None:
        """Take a failed turn's message out again, as if it had never been sent."""
        self._pop()
        self.turns -= 1
        self.overflow_floor = floor

    def _finish_turn(self, response: anthropic.types.Message) -> str:
        """Keep the complete reply, run the strategy's after-turn step, and return the reply's text."""
        self.last_stop_reason = response.stop_reason
        self._append(_reply_message(response))
        self._after_turn(response)
        return reply_text(response)

    # -- hooks for the strategies ---------------------------------------------------------------

    def _strategy_start(self) -> int:
        """Transcript index where this strategy's view begins (always an exchange start)."""
        return 0

    def _view_start(self) -> int:
        return max(self._strategy_start(), self.overflow_floor)

    def _lead(self) -> list[Message]:
        """Synthetic messages the view opens with (a summary pair); none for plain strategies."""
        return []

    def _kept_reason(self, index: int) -> str:
        """Why the view sends ``transcript[index]``, in words for :meth:`explain_view`."""
        return "full history sends every message"

    def _left_out_reason(self, index: int) -> tuple[str, str]:
        """(status, reason) for a message before the strategy's start, for :meth:`explain_view`."""
        return "dropped", "before the view's start"

    def _after_turn(self, response: anthropic.types.Message) -> None:
        """Called after a successful turn, with the reply already in the transcript."""


def _reply_message(response: anthropic.types.Message) -> Message:
    """The assistant message to store: plain text when the reply is one text block, else blocks."""
    content = [block.model_dump(mode="json", exclude_none=True) for block in response.content]
    content = [b for b in content if b.get("type") != "text" or str(b.get("text", "")).strip()]
    if not content:
        return {"role": "assistant", "content": EMPTY_REPLY}
    if len(content) == 1 and content[0]["type"] == "text":
        return {"role": "assistant", "content": content[0]["text"]}
    return {"role": "assistant", "content": content}
