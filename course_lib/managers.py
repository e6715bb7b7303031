"""Conversation managers: keep every message, send a chosen view of them.

Introduced in notebook 02_history_strategies (full history, sliding window); the token window and
overflow recovery belong to 03_token_budgets; summaries, pinned facts and saving to
05_production_manager.

Two ideas run through every class here.

* **The transcript is not the context.** ``transcript`` keeps every message ever sent or received,
  in order, with its time, token count and flags; it is never shortened. What a request sends is
  a *view* of it, computed by :meth:`ConversationManager.get_messages`. A strategy (window,
  token budget, summary) only changes the view, so nothing is lost: a notebook can always show
  what was dropped, and a saved conversation can be re-read under another strategy.
* **A failed send changes nothing.** The user message is added, the request is made, and on any
  failure (API error, invalid history, even Ctrl-C) the message is taken out again and the error
  says why. The seed code's ``pop()`` did this for the full history only; here it holds for every
  strategy, for tool results and for overflow retries.

Views are cut only where an *exchange* starts (a user question, see
:func:`course_lib.messages.exchange_starts`): a cut there can never leave the view starting with
an assistant message or separate a ``tool_use`` from its ``tool_result``, which the API rejects.
"""

from __future__ import annotations

import copy
import json
import math
import re
import time
import warnings
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import anthropic

from .defaults import DEFAULT_MODEL
from .files import atomic_write_text
from .messages import (
    InvalidHistoryError,
    Message,
    Problem,
    blocks,
    ensure_valid,
    starts_exchange,
    strip_summary_label,
    validate_messages,
)
from .runtime.client import make_client
from .tokens import content_text, estimate_message_tokens, estimate_request_tokens, estimate_tokens

SCHEMA_VERSION = 1
"""Version of :meth:`ConversationManager.to_state`; bump it when the state's shape changes."""

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."
PINNED_HEADER = "Pinned facts (verbatim, never summarized):"
OVERFLOW_MARGIN = 0.05
"""After an overflow, prune the excess plus this share of the context window, so one retry fits."""

EMPTY_REPLY = "[empty reply]"
"""Stored when Claude answers with no text at all: an empty assistant message would make the
next request invalid, so the transcript records the fact instead of the nothing."""

SUMMARIZER_SYSTEM = ("You compress conversations so that another model can continue them. Reply with the "
                     "summary only: facts, decisions, preferences and tool results; no greetings.")
SUMMARY_ACK = "Understood. I will use that summary as the context of our earlier conversation."


# -- errors -------------------------------------------------------------------------------------

class ConversationError(RuntimeError):
    """An API request failed; your message was not added. The SDK's exception is ``__cause__``.

    Introduced in notebook 02_history_strategies. ``overflow`` is set when the failure was the
    context window being too small for the request (see :func:`parse_overflow`).
    """

    def __init__(self, message: str, overflow: Overflow | None = None):
        super().__init__(message)
        self.overflow = overflow


class ContextOverflowError(ConversationError):
    """The request did not fit the context window even after pruning the view and retrying once.

    Introduced in notebook 03_token_budgets. Why only once: if a pruned request still overflows,
    what remains is the current exchange and the pinned facts, which the manager may not drop;
    retrying again would fail again. Shorten the message, the tool result, or ``max_tokens``.
    """


class StateError(ValueError):
    """A saved state has the wrong shape or version; the message names the field.

    Introduced in notebook 05_production_manager.
    """


# -- overflow messages --------------------------------------------------------------------------

class Overflow(NamedTuple):
    """What an overflow error said: the input size, the window, and ``max_tokens`` if it was named.

    Introduced in notebook 03_token_budgets.
    """

    input_tokens: int
    limit: int
    max_tokens: int | None = None


_TOO_LONG = re.compile(r"prompt is too long:\s*(\d+)\s*tokens\s*>\s*(\d+)\s*maximum")
_TOO_LONG_WITH_OUTPUT = re.compile(r"input length and `?max_tokens`? exceed context limit:\s*(\d+)\s*\+\s*(\d+)"
                                   r"\s*>\s*(\d+)")


def parse_overflow(message: str) -> Overflow | None:
    """The numbers in an API "too long" message, or ``None`` for any other message.

    Introduced in notebook 03_token_budgets. Two wordings exist: ``prompt is too long: N tokens > M
    maximum`` (the input alone is over) and ``input length and `max_tokens` exceed context limit:
    N + K > M`` (input plus the reserved output is over). Parsing them tells the manager how much
    to prune instead of guessing.
    """
    if found := _TOO_LONG.search(message):
        return Overflow(int(found[1]), int(found[2]))
    if found := _TOO_LONG_WITH_OUTPUT.search(message):
        return Overflow(int(found[1]), int(found[3]), int(found[2]))
    return None


def describe_api_error(error: anthropic.APIError) -> str:
    """One sentence for people: what kind of failure this was.

    Introduced in notebook 02_history_strategies. The order of the checks matters:
    ``OverloadedError`` is a kind of ``InternalServerError`` and ``APITimeoutError`` a kind of
    ``APIConnectionError``, so the specific class must be tested first.
    """
    status = getattr(error, "status_code", None)
    if isinstance(error, anthropic.APITimeoutError):
        return "the request timed out (the SDK already retried it)"
    if isinstance(error, anthropic.APIConnectionError):
        return "the API could not be reached (the SDK already retried the connection)"
    if isinstance(error, anthropic.OverloadedError):
        return "the API is overloaded (529; the SDK already retried it) - wait a little and send again"
    if isinstance(error, anthropic.InternalServerError):
        return f"the API had a server error ({status}; the SDK already retried it)"
    if isinstance(error, anthropic.RateLimitError):
        return "the request was rate limited (429; the SDK already retried it) - slow down and send again"
    return f"the API rejected the request ({status}): {_error_text(error)}"


def _error_text(error: anthropic.APIError) -> str:
    """The API's own message (``body["error"]["message"]``), else the exception's text."""
    body = getattr(error, "body", None)
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return str(body["error"].get("message", error))
    return str(getattr(error, "message", error))


# -- the transcript -----------------------------------------------------------------------------

@dataclass
class Entry:
    """One message of the transcript and what the manager knows about it.

    Introduced in notebook 02_history_strategies. ``tokens`` is estimated once, when the message
    is added, so no strategy ever re-counts the history. ``importance`` and ``pinned`` are for the
    pruning strategies of 04_pruning (a manager's own never-dropped facts are ``pinned_facts``).
    """

    message: Message
    timestamp: float
    tokens: int
    importance: float | None = None
    pinned: bool = False


# -- the managers -------------------------------------------------------------------------------

class ConversationManager:
    """Full history: every request sends the whole conversation.

    Introduced in notebook 02_history_strategies. Simple, exact, and a stable prefix that prompt
    caching rewards; but every turn re-sends (and re-bills) everything before it, and a long
    conversation eventually overflows the context window. The subclasses change only which part
    of the transcript is sent (:meth:`_strategy_start`, :meth:`_lead`, :meth:`get_system`).

    ``client=None`` means :func:`course_lib.runtime.client.make_client` (offline simulator without a key);
    ``model=None`` means the kit's one default model. ``tools`` is passed to every turn's request.
    ``prompt_caching=True`` asks the API to cache each request's prefix (top-level ``cache_control``,
    see notebook 07_beyond_the_module): full history then re-reads its past at a tenth of the price.

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
                 prompt_caching: bool = False):
        if not isinstance(system_prompt, str):
            raise TypeError(f"system_prompt must be a str, not {type(system_prompt).__name__}")
        if model is not None and (not isinstance(model, str) or not model.strip()):
            raise ValueError(f"model must be a non-empty model id or None (the default), not {model!r}")
        self.client = client if client is not None else make_client()
        self.system_prompt = system_prompt
        self.model = model or DEFAULT_MODEL
        self.max_tokens = _positive_int("max_tokens", max_tokens)
        self.tools = _tool_list(tools)
        self.prompt_caching = bool(prompt_caching)
        self.pinned_facts: list[str] = []
        if isinstance(pinned_facts, str):
            raise TypeError("pinned_facts must be a list of strings, not one string")
        for fact in pinned_facts:
            self.pin(fact)
        self.transcript: list[Entry] = []
        self.usage_log: list[dict[str, Any]] = []
        self.turns = 0
        self.overflow_floor = 0
        self.last_stop_reason: str | None = None
        self._starts: list[int] = []  # transcript indices where exchanges start, kept up to date on append
        self._prefix: list[int] = [0]  # _prefix[i] = tokens of transcript[:i], so any range costs O(1)

    # -- what is sent ---------------------------------------------------------------------------

    def get_messages(self) -> list[Message]:
        """The context view: exactly the ``messages`` the next request sends.

        :meth:`send` adds your message to the transcript and then sends ``get_messages()``. Called
        between turns it shows the current view; for full history and summaries that is the history
        part of the next request, but a window recomputes its start once your message is added, so
        the next request may start one exchange later. Pinned facts open the first message; messages
        are shallow copies, so editing them cannot edit the transcript.
        """
        if not self.transcript:
            return []
        view = [*self._lead(), *(dict(entry.message) for entry in self.transcript[self._view_start():])]
        block = self.pinned_block()
        if block:
            view[0] = {"role": "user", "content": [{"type": "text", "text": block}, *blocks(view[0])]}
        return view

    def get_system(self) -> str:
        """The system prompt the next request sends."""
        return self.system_prompt

    def context_tokens(self) -> int:
        """Estimated input tokens of the next request without a new message (system, view, tools)."""
        return estimate_request_tokens(self.get_messages(), self.get_system() or None, self.tools)

    def pin(self, fact: str) -> None:
        """Keep ``fact`` verbatim at the start of every request, whatever the strategy drops.

        Why the start: recall is best at the start and the end of a long context, and specifics
        (ids, amounts, names) are exactly what summaries lose. Pinned facts are never pruned and
        never sent to a summarizer. Pinning the same fact twice keeps one copy.
        """
        if not isinstance(fact, str) or not fact.strip():
            raise ValueError(f"a pinned fact must be a non-empty string, not {fact!r}")
        fact = " ".join(fact.split())
        if fact not in self.pinned_facts:
            self.pinned_facts.append(fact)

    def pinned_block(self) -> str | None:
        """The text block that carries the pinned facts, or ``None`` when there are none."""
        if not self.pinned_facts:
            return None
        return "\n".join([PINNED_HEADER, *(f"- {fact}" for fact in self.pinned_facts)])

    @property
    def dropped_for_overflow(self) -> range:
        """Transcript indices left out of every view since an overflow (``range(overflow_floor)``).

        Why a floor and not a set: overflow recovery drops the *oldest* whole exchanges, so what
        it dropped is always a prefix of the transcript. Later turns keep the smaller view (the
        conversation is not re-sent into the same overflow), and the transcript keeps it all; a
        summarizing manager still folds these messages into its next summary.
        """
        return range(self.overflow_floor)

    # -- talking to Claude ----------------------------------------------------------------------

    def send(self, content: str | Sequence[Mapping[str, Any]]) -> str:
        """Send a message (text, or a list of content blocks such as ``tool_result``) and return the reply's text.

        When Claude asks for a tool (``last_stop_reason == "tool_use"``), the assistant message with
        its ``tool_use`` block is kept and the text part is returned (maybe ``""``); answer with
        ``send([{"type": "tool_result", "tool_use_id": ..., "content": ...}])``, see
        :meth:`pending_tool_calls`. On any failure nothing is added and the error says why:
        :class:`InvalidHistoryError` before any request, :class:`ConversationError` (SDK error
        chained) after, :class:`ContextOverflowError` if even one pruned retry did not fit.
        """
        message = {"role": "user", "content": _user_content(content)}
        self._check_next(message)
        floor = self.overflow_floor
        self.turns += 1
        self._append(message)
        try:
            response = self._request_turn()
        except BaseException:  # includes KeyboardInterrupt: a failed send leaves no trace
            self._pop()
            self.turns -= 1
            self.overflow_floor = floor
            raise
        self.last_stop_reason = response.stop_reason
        self._append(_reply_message(response))
        self._after_turn(response)
        return _reply_text(response)

    def pending_tool_calls(self) -> list[dict[str, Any]]:
        """The ``tool_use`` blocks of the last reply that still need a ``tool_result``."""
        if not self.transcript or self.transcript[-1].message["role"] != "assistant":
            return []
        return [b for b in blocks(self.transcript[-1].message) if b.get("type") == "tool_use"]

    def record(self, message: Mapping[str, Any], *, importance: float | None = None, pinned: bool = False,
               timestamp: float | None = None) -> Entry:
        """Add a message to the transcript without calling the API, e.g. to import a conversation.

        The message must continue the transcript validly (user first, alternating roles, tool
        results answering the previous tool calls); only the new pair of messages is checked, so
        building a long transcript this way costs O(1) per message.
        """
        if not isinstance(message, Mapping):
            raise TypeError(f"record() takes a message dict with 'role' and 'content', not {message!r:.60}")
        normal = {"role": message.get("role"), "content": _json_copy(message.get("content"), "content")}
        self._check_next(normal)
        if importance is not None and not _is_number(importance):
            raise TypeError(f"importance must be a number or None, not {importance!r}")
        return self._append(normal, importance=importance, pinned=bool(pinned), timestamp=timestamp)

    def get_token_usage(self) -> dict[str, int]:
        """Token totals over every request so far, summaries included (they are billed too)."""
        totals = {key: sum(row[key] for row in self.usage_log) for key in
                  ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")}
        last = next((row for row in reversed(self.usage_log) if row["kind"] != "summary"), None)
        return {"total_input_tokens": totals["input_tokens"], "total_output_tokens": totals["output_tokens"],
                "cache_creation_input_tokens": totals["cache_creation_input_tokens"],
                "cache_read_input_tokens": totals["cache_read_input_tokens"],
                "requests": len(self.usage_log), "message_count": len(self.transcript),
                "messages_sent_last": last["messages_sent"] if last else 0}

    # -- saving ---------------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything needed to continue the conversation later, as JSON-safe data (no client)."""
        return {"schema_version": SCHEMA_VERSION, "kind": type(self).__name__,
                "config": copy.deepcopy({name: getattr(self, name) for name in self.CONFIG}),
                "pinned_facts": list(self.pinned_facts),
                "transcript": [asdict(entry) for entry in self.transcript],
                "usage_log": [dict(row) for row in self.usage_log],
                "turns": self.turns, "overflow_floor": self.overflow_floor, **self._extra_state()}

    @classmethod
    def from_state(cls, state: Mapping[str, Any], client: anthropic.Anthropic | None = None) -> ConversationManager:
        """A manager continuing from ``state``; a wrong shape raises :class:`StateError` naming the field."""
        state = _check_envelope(state)
        if state["kind"] != cls.__name__:
            raise StateError(f"state['kind'] is {state['kind']!r}, not {cls.__name__!r}; "
                             "use manager_from_state() to load any kind")
        _check_keys(state, {"schema_version", "kind", "config", "pinned_facts", "transcript", "usage_log",
                            "turns", "overflow_floor", *cls._extra_state_fields()}, "state")
        config = _expect(state["config"], dict, "state['config']")
        _check_keys(config, set(cls.CONFIG), "state['config']")
        facts = _expect(state["pinned_facts"], list, "state['pinned_facts']")
        for i, fact in enumerate(facts):
            _expect(fact, str, f"state['pinned_facts'][{i}]")
        try:
            manager = cls(client, **config, pinned_facts=facts)
        except (TypeError, ValueError) as error:
            raise StateError(f"state['config'] is unusable: {error}") from error
        for i, raw in enumerate(_expect(state["transcript"], list, "state['transcript']")):
            manager._append_entry(_entry_from_state(raw, f"state['transcript'][{i}]"))
        problems = validate_messages([e.message for e in manager.transcript]) if manager.transcript else []
        if problems:
            raise StateError(f"state['transcript'] is not a valid conversation: {problems[0]}")
        manager.usage_log = [_usage_row(row, f"state['usage_log'][{i}]")
                             for i, row in enumerate(_expect(state["usage_log"], list, "state['usage_log']"))]
        manager.turns = _count(state["turns"], "state['turns']")
        manager.overflow_floor = manager._exchange_index(state["overflow_floor"], "state['overflow_floor']")
        manager._restore_extra(state)
        return manager

    def save(self, path: str | Path) -> None:
        """Write the state as JSON, atomically: a crash mid-save leaves the old file intact."""
        text = json.dumps(self.to_state(), indent=1, ensure_ascii=False, allow_nan=False)
        atomic_write_text(path, text + "\n")

    @classmethod
    def load(cls, path: str | Path, client: anthropic.Anthropic | None = None) -> ConversationManager:
        """Read a file written by :meth:`save`; ``ConversationManager.load`` accepts every kind."""
        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise StateError(f"{path} is not valid JSON ({error.msg} at line {error.lineno})") from error
        manager = manager_from_state(state, client=client)
        if not isinstance(manager, cls):
            raise StateError(f"{path} holds a {type(manager).__name__}, not a {cls.__name__}")
        return manager

    # -- hooks for the strategies ---------------------------------------------------------------

    def _strategy_start(self) -> int:
        """Transcript index where this strategy's view begins (always an exchange start)."""
        return 0

    def _lead(self) -> list[Message]:
        """Synthetic messages the view opens with (a summary pair); none for plain strategies."""
        return []

    def _after_turn(self, response: anthropic.types.Message) -> None:
        """Called after a successful turn, with the reply already in the transcript."""

    def _extra_state(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _extra_state_fields(cls) -> set[str]:
        return set()

    def _restore_extra(self, state: Mapping[str, Any]) -> None:
        """Restore the fields of :meth:`_extra_state`, validating them."""

    # -- the machinery --------------------------------------------------------------------------

    def _view_start(self) -> int:
        return max(self._strategy_start(), self.overflow_floor)

    def _request_turn(self) -> anthropic.types.Message:
        """Send the view; on an overflow prune the view once and retry once."""
        try:
            return self._call("turn", self.get_messages(), self.get_system(), self.model, self.max_tokens, self.tools)
        except ConversationError as error:
            if error.overflow is None:
                raise
            dropped = self._shrink_view(error.overflow)
            if not dropped:
                raise ContextOverflowError(
                    f"the request needs {error.overflow.input_tokens} input tokens and the context window holds "
                    f"{error.overflow.limit}, and nothing is left to prune: the current exchange and the pinned "
                    "facts are never dropped. Send a shorter message or tool result, or lower max_tokens.",
                    error.overflow) from error.__cause__
        try:
            return self._call("retry", self.get_messages(), self.get_system(), self.model, self.max_tokens, self.tools)
        except ConversationError as error:
            if error.overflow is None:
                raise
            raise ContextOverflowError(
                f"the request still does not fit the context window after dropping {dropped} older messages from "
                f"the view ({error.overflow.input_tokens} input tokens, window {error.overflow.limit}); the "
                "transcript is unchanged. Send a shorter message or tool result, or lower max_tokens.",
                error.overflow) from error.__cause__

    def _call(self, kind: str, messages: list[Message], system: str, model: str, max_tokens: int,
              tools: list[dict[str, Any]] | None = None) -> anthropic.types.Message:
        """One API request, validated first and logged after; SDK errors become ConversationError."""
        ensure_valid(messages)
        request: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": messages}
        if system:
            request["system"] = system
        if tools:
            request["tools"] = tools
        if self.prompt_caching and kind != "summary":
            request["cache_control"] = {"type": "ephemeral"}  # cache everything up to the last block
        try:
            response = self.client.messages.create(**request)
        except anthropic.APIError as error:
            overflow = parse_overflow(_error_text(error)) if isinstance(error, anthropic.BadRequestError) else None
            what = "the summary request failed" if kind == "summary" else "your message was not added"
            raise ConversationError(f"{describe_api_error(error)}; {what}.", overflow) from error
        usage = response.usage
        self.usage_log.append({
            "turn": self.turns, "kind": kind, "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_creation_input_tokens": usage.cache_creation_input_tokens or 0,
            "cache_read_input_tokens": usage.cache_read_input_tokens or 0, "messages_sent": len(messages)})
        return response

    def _shrink_view(self, overflow: Overflow) -> int:
        """Raise ``overflow_floor`` past the oldest whole exchanges of the view; return messages dropped.

        How much: the excess (input + max_tokens - window) plus a margin of ``OVERFLOW_MARGIN`` of
        the window. The API counts with the real tokenizer and we count with an estimate, so the
        target is scaled by how far apart the two were on this very request.
        """
        estimate = max(1, estimate_request_tokens(self.get_messages(), self.get_system() or None, self.tools))
        needed = overflow.input_tokens + self.max_tokens - overflow.limit + math.ceil(OVERFLOW_MARGIN * overflow.limit)
        needed = math.ceil(needed * estimate / max(1, overflow.input_tokens))
        start = self._view_start()
        i, newest = bisect_left(self._starts, start), len(self._starts) - 1
        floor, freed = start, 0
        while i < newest and freed < needed:  # the newest exchange (the current message) is never dropped
            freed += self._prefix[self._starts[i + 1]] - self._prefix[self._starts[i]]
            i += 1
            floor = self._starts[i]
        self.overflow_floor = max(self.overflow_floor, floor)
        return floor - start

    def _check_next(self, message: Mapping[str, Any]) -> None:
        """Check that ``message`` validly continues the transcript, looking only at the last message."""
        previous = [self.transcript[-1].message] if self.transcript else []
        found = [p for p in validate_messages([*previous, message])
                 if p.index == len(previous) or p.code == "tool_use_unanswered"]
        if found:
            offset = len(self.transcript) - len(previous)
            raise InvalidHistoryError([Problem(p.index + offset, p.code, p.detail) for p in found])

    def _append(self, message: Message, *, importance: float | None = None, pinned: bool = False,
                timestamp: float | None = None) -> Entry:
        entry = Entry(message, time.time() if timestamp is None else float(timestamp),
                      estimate_message_tokens(message), importance, pinned)
        self._append_entry(entry)
        return entry

    def _append_entry(self, entry: Entry) -> None:
        if starts_exchange(entry.message):
            self._starts.append(len(self.transcript))
        self.transcript.append(entry)
        self._prefix.append(self._prefix[-1] + entry.tokens)

    def _pop(self) -> None:
        self.transcript.pop()
        self._prefix.pop()
        if self._starts and self._starts[-1] == len(self.transcript):
            self._starts.pop()

    def _exchange_index(self, value: Any, where: str) -> int:
        """Validate a saved transcript index that must be 0 or the start of an exchange."""
        index = _count(value, where)
        i = bisect_left(self._starts, index)
        if index and (i == len(self._starts) or self._starts[i] != index):
            raise StateError(f"{where} is {index}, which is not the start of an exchange in the transcript")
        return index


class SlidingWindowManager(ConversationManager):
    """Send only the last ``window_size`` messages (cut at whole exchanges).

    Introduced in notebook 02_history_strategies. Cheap and bounded, but early facts fall out of
    the window for good, and since the window's start moves every turn, prompt caching cannot
    reuse the previous request's prefix. The view begins at the oldest exchange start within the
    last ``window_size`` messages, so it never opens with an assistant message nor separates a
    ``tool_use`` from its ``tool_result``. If the newest exchange alone is longer than
    ``window_size`` (a tool loop with many rounds), it is kept whole: the window is then larger
    than asked, because the current question cannot be answered from half an exchange.
    """

    CONFIG = (*ConversationManager.CONFIG, "window_size")

    def __init__(self, client: anthropic.Anthropic | None = None, *, window_size: int = 10, **kwargs: Any):
        self.window_size = _positive_int("window_size", window_size)
        super().__init__(client, **kwargs)

    def _strategy_start(self) -> int:
        if not self._starts:
            return 0
        i = bisect_left(self._starts, len(self.transcript) - self.window_size)
        return self._starts[min(i, len(self._starts) - 1)]


class TokenWindowManager(ConversationManager):
    """Send the newest exchanges that fit ``history_budget`` tokens: slide on tokens, not messages.

    Introduced in notebook 03_token_budgets. A message-count window breaks the moment one tool
    result is 30,000 tokens; a token window keeps 50 short turns or 2 huge ones. The newest
    exchange (the current question, with any tool rounds) is always sent and is not charged to
    the budget: it is the "current message" of the budget formula, as the pinned facts are part
    of the fixed overhead. Older exchanges are added newest first while they fit.

    Cost: token counts are cached per message and summed with prefix sums, and exchange starts
    are kept up to date on append, so preparing a turn walks only the exchanges it keeps (plus
    one) however long the transcript is.
    """

    CONFIG = (*ConversationManager.CONFIG, "history_budget")

    def __init__(self, client: anthropic.Anthropic | None = None, *, history_budget: int = 50_000, **kwargs: Any):
        self.history_budget = _positive_int("history_budget", history_budget)
        super().__init__(client, **kwargs)

    def history_tokens(self) -> int:
        """Tokens of the view's history part: everything sent before the newest exchange."""
        if not self._starts:
            return 0
        return self._prefix[self._starts[-1]] - self._prefix[self._view_start()]

    def _strategy_start(self) -> int:
        starts = self._starts
        if not starts:
            return 0
        j, used = len(starts) - 1, 0
        while j > 0 and starts[j - 1] >= self.overflow_floor:
            cost = self._prefix[starts[j]] - self._prefix[starts[j - 1]]
            if used + cost > self.history_budget:
                break
            used += cost
            j -= 1
        return starts[j]


class SmartConversationManager(ConversationManager):
    """Summarize older turns when the context grows; keep recent turns and pinned facts verbatim.

    Introduced in notebook 05_production_manager. After a turn whose request read more than
    ``token_threshold`` input tokens, everything older than the last ``recent_turns_to_keep``
    exchanges is folded into a summary, which the view sends as a synthetic user/assistant pair
    before the recent turns. What the seed code got wrong, and what happens here instead:

    * Summaries chain: the new summary is written from the previous summary plus the newly old
      messages, so it does not grow by concatenation. Its size is bounded twice: ``max_tokens``
      of the summary request (``summary_max_tokens``) and a cut if the text still comes back
      longer. Its tokens are part of every later request, so they count against the threshold.
    * A failed summary loses nothing: the seed fell back to a sliding window and threw the old
      messages away. Here the conversation goes on with them still in the view, a
      ``RuntimeWarning`` says so, and the next turn over the threshold tries again.
    * Pinned facts stay out of the summarizer (they would come back blurred) and open every request.
    * The material for one summary is bounded by ``summary_input_budget`` tokens (whole exchanges,
      oldest first; a single huge message is cut for the summarizer), so the summary request
      itself cannot overflow; what does not fit waits for the next summary.

    ``summary_history`` records each summary: the transcript range it folded in (``start``,
    ``end``; the summary covers ``transcript[:end]``), its tokens, and when it was made.
    """

    CONFIG = (*ConversationManager.CONFIG, "token_threshold", "recent_turns_to_keep", "summarizer_model",
              "summary_max_tokens", "summary_input_budget")
    EXTRA_STATE: ClassVar[tuple[str, ...]] = ("summary", "summarized_upto", "summary_history", "last_input_tokens",
                                              "last_summary_error")

    def __init__(self, client: anthropic.Anthropic | None = None, *, token_threshold: int = 100_000,
                 recent_turns_to_keep: int = 4, summarizer_model: str | None = None, summary_max_tokens: int = 300,
                 summary_input_budget: int = 20_000, **kwargs: Any):
        self.token_threshold = _positive_int("token_threshold", token_threshold)
        self.recent_turns_to_keep = _positive_int("recent_turns_to_keep", recent_turns_to_keep)
        if summarizer_model is not None and (not isinstance(summarizer_model, str) or not summarizer_model.strip()):
            raise ValueError(f"summarizer_model must be a model id or None (the conversation's model), "
                             f"not {summarizer_model!r}")
        self.summarizer_model = summarizer_model
        self.summary_max_tokens = _positive_int("summary_max_tokens", summary_max_tokens)
        self.summary_input_budget = _positive_int("summary_input_budget", summary_input_budget)
        super().__init__(client, **kwargs)
        self.summary: str | None = None
        self.summarized_upto = 0
        self.summary_history: list[dict[str, Any]] = []
        self.last_input_tokens = 0
        self.last_summary_error: str | None = None

    def get_summary(self) -> str:
        """The current summary of the older turns, or ``""`` if nothing has been summarized yet."""
        return self.summary or ""

    def summarize(self) -> bool:
        """Fold the turns older than the recent ones into the summary now; ``True`` if it did.

        Called automatically after a turn over ``token_threshold``; call it yourself to see a
        summary happen. On an API error it returns ``False`` and keeps every message.
        """
        starts, keep = self._starts, self.recent_turns_to_keep
        cut = starts[-keep] if len(starts) > keep else 0
        start = self.summarized_upto
        if cut <= start:
            return False
        end = self._material_end(start, cut)
        request = {"role": "user", "content": self._summary_request(start, end)}
        try:
            response = self._call("summary", [request], SUMMARIZER_SYSTEM, self.summarizer_model or self.model,
                                  self.summary_max_tokens)
            text = _clip(strip_summary_label(_reply_text(response)), self.summary_max_tokens)
            if not text:
                raise ConversationError("the summarizer answered with an empty summary")
        except ConversationError as error:
            self.last_summary_error = str(error)
            warnings.warn(f"summarization failed ({error}); the {end - start} messages it would have folded in "
                          "stay in the conversation and a later turn will try again", RuntimeWarning, stacklevel=2)
            return False
        self.summary, self.summarized_upto, self.last_summary_error = text, end, None
        self.summary_history.append({"start": start, "end": end, "summary_tokens": estimate_tokens(text),
                                     "input_tokens": response.usage.input_tokens,
                                     "output_tokens": response.usage.output_tokens,
                                     "timestamp": time.time(), "chained": start > 0})
        return True

    def _material_end(self, start: int, cut: int) -> int:
        """Whole exchanges from ``start`` that fit ``summary_input_budget`` (at least one), up to ``cut``."""
        i = bisect_left(self._starts, start) + 1
        end = self._starts[i]
        while end < cut and self._prefix[self._starts[i + 1]] - self._prefix[start] <= self.summary_input_budget:
            i += 1
            end = self._starts[i]
        return end

    def _summary_request(self, start: int, end: int) -> str:
        """The summarizer's prompt: instructions on the first line, then the material line by line."""
        entries = self.transcript[start:end]
        per_message = max(50, self.summary_input_budget // max(1, len(entries)))
        so_far = " The next line is the summary so far; fold the newer lines into it." if self.summary else ""
        lines = [f"Summarize the conversation below in at most {self.summary_max_tokens * 3 // 4} words, keeping "
                 f"facts, decisions, preferences and tool results and skipping greetings and filler.{so_far}"]
        if self.summary:
            lines.append(self.summary)
        for entry in entries:
            lines.append(f"{entry.message['role']}: {_clip(_as_text(entry.message), per_message)}")
        return "\n".join(lines)

    def _lead(self) -> list[Message]:
        if not self.summary:
            return []
        return [{"role": "user", "content": f"{self._summary_heading()}\n{self.summary}"},
                {"role": "assistant", "content": SUMMARY_ACK}]

    def _summary_heading(self) -> str:
        return f"Summary of our earlier conversation (messages 1-{self.summarized_upto}; details may be lost):"

    def _strategy_start(self) -> int:
        return self.summarized_upto

    def _after_turn(self, response: anthropic.types.Message) -> None:
        usage = response.usage
        self.last_input_tokens = (usage.input_tokens + (usage.cache_creation_input_tokens or 0)
                                  + (usage.cache_read_input_tokens or 0))
        if self.last_input_tokens > self.token_threshold:
            self.summarize()

    def _extra_state(self) -> dict[str, Any]:
        return {"summary": self.summary, "summarized_upto": self.summarized_upto,
                "summary_history": copy.deepcopy(self.summary_history), "last_input_tokens": self.last_input_tokens,
                "last_summary_error": self.last_summary_error}

    @classmethod
    def _extra_state_fields(cls) -> set[str]:
        return set(cls.EXTRA_STATE)

    def _restore_extra(self, state: Mapping[str, Any]) -> None:
        self.summary = _expect(state["summary"], (str, type(None)), "state['summary']")
        self.summarized_upto = self._exchange_index(state["summarized_upto"], "state['summarized_upto']")
        if bool(self.summary) != bool(self.summarized_upto):
            raise StateError("state['summary'] and state['summarized_upto'] disagree: a summary must cover "
                             "some messages, and summarized messages need a summary")
        self.summary_history = [_summary_row(row, f"state['summary_history'][{i}]") for i, row in
                                enumerate(_expect(state["summary_history"], list, "state['summary_history']"))]
        self.last_input_tokens = _count(state["last_input_tokens"], "state['last_input_tokens']")
        self.last_summary_error = _expect(state["last_summary_error"], (str, type(None)),
                                          "state['last_summary_error']")


class LongConversationManager(SmartConversationManager):
    """The tutorial's variant: the summary goes into the system prompt instead of the messages.

    Introduced in notebook 05_production_manager, to compare the two placements. The base
    ``system_prompt`` is kept apart and the summary section is rebuilt from it each time, so the
    system prompt does not grow by concatenation as the seed tutorial's did. Trade-off: a system
    prompt that changes with every summary invalidates a cached prefix that includes it, while a
    summary *message* leaves the system prompt (and tools) cacheable.
    """

    def get_system(self) -> str:
        if not self.summary:
            return self.system_prompt
        return f"{self.system_prompt}\n\n---\n{self._summary_heading()}\n{self.summary}"

    def _lead(self) -> list[Message]:
        return []


MANAGER_KINDS: dict[str, type[ConversationManager]] = {cls.__name__: cls for cls in (
    ConversationManager, SlidingWindowManager, TokenWindowManager, SmartConversationManager, LongConversationManager)}
"""Every class :func:`manager_from_state` can rebuild, by the ``kind`` a state records."""


def manager_from_state(state: Mapping[str, Any], client: anthropic.Anthropic | None = None) -> ConversationManager:
    """Rebuild whichever manager ``state`` describes (its ``"kind"``), checking shape and version.

    Introduced in notebook 05_production_manager. Raises :class:`StateError` naming the field.
    """
    state = _check_envelope(state)
    if state["kind"] not in MANAGER_KINDS:
        raise StateError(f"state['kind'] is {state['kind']!r}; expected one of {', '.join(MANAGER_KINDS)}")
    return MANAGER_KINDS[state["kind"]].from_state(state, client=client)


# -- helpers ------------------------------------------------------------------------------------

def _positive_int(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, not {value!r}")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _json_copy(value: Any, name: str) -> Any:
    """A deep copy that is guaranteed to be JSON data, so saving can never fail later."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be JSON data (str, list, dict, numbers): {error}") from error


def _tool_list(tools: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    if tools is None:
        return None
    if isinstance(tools, str | bytes | Mapping) or not all(isinstance(t, Mapping) and t.get("name") for t in tools):
        raise ValueError("tools must be a list of tool definitions, each a dict with a 'name'")
    return _json_copy(list(tools), "tools") or None


def _user_content(content: Any) -> str | list[dict[str, Any]]:
    """Check what the caller sends: non-blank text, or a non-empty list of blocks with a ``type``.

    Block types are not checked against a fixed list: the API adds new ones, and it is the
    authority on them (an unknown type comes back as a 400, reported as a ConversationError).
    """
    if isinstance(content, str):
        if not content.strip():
            raise ValueError("send() needs some text; the message is empty")
        return content
    if not isinstance(content, Sequence) or isinstance(content, bytes) or not content:
        raise TypeError(f"send() takes a string or a non-empty list of content blocks, not {content!r:.60}")
    for i, block in enumerate(content):
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            raise TypeError(f"content block {i} must be a dict with a 'type', not {block!r:.60}")
    return _json_copy(list(content), "content")


def _reply_message(response: anthropic.types.Message) -> Message:
    """The assistant message to store: plain text when the reply is one text block, else blocks."""
    content = [block.model_dump(mode="json", exclude_none=True) for block in response.content]
    content = [b for b in content if b.get("type") != "text" or str(b.get("text", "")).strip()]
    if not content:
        return {"role": "assistant", "content": EMPTY_REPLY}
    if len(content) == 1 and content[0]["type"] == "text":
        return {"role": "assistant", "content": content[0]["text"]}
    return {"role": "assistant", "content": content}


def _reply_text(response: anthropic.types.Message) -> str:
    return "\n".join(block.text for block in response.content if block.type == "text")


def _as_text(message: Mapping[str, Any]) -> str:
    """A message as one line of text for the summarizer; tool calls and results written out."""
    parts = []
    for block in blocks(message):
        kind = block.get("type")
        if kind == "tool_use":
            parts.append(f"[called tool {block.get('name')} with {json.dumps(block.get('input', {}), sort_keys=True)}]")
        elif kind == "tool_result":
            parts.append(f"[tool result: {content_text(block.get('content') or '')}]")
        else:
            parts.append(content_text([block]))
    return " ".join(" ".join(parts).split())


def _clip(text: str, max_tokens: int) -> str:
    """``text`` cut at a word boundary to at most ``max_tokens`` estimated tokens, marked with an ellipsis."""
    if estimate_tokens(text) <= max_tokens:
        return text
    kept, used = [], 1  # the ellipsis costs one token
    for word in text.split():
        cost = estimate_tokens(word)  # words are separated by spaces, so their costs simply add up
        if used + cost > max_tokens:
            break
        kept.append(word)
        used += cost
    return " ".join([*kept, "\u2026"])


# -- state validation ---------------------------------------------------------------------------

def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join("null" if k is type(None) else k.__name__ for k in kinds)


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise StateError(f"{where} should be {_type_name(kind)}, found {type(value).__name__} {value!r:.60}")
    return value


def _count(value: Any, where: str) -> int:
    if _expect(value, int, where) < 0:
        raise StateError(f"{where} should be 0 or more, found {value}")
    return value


def _check_keys(data: Mapping[str, Any], expected: set[str], where: str) -> None:
    missing, unknown = expected - set(data), set(data) - expected
    if missing:
        raise StateError(f"{where} is missing {', '.join(repr(k) for k in sorted(missing))}")
    if unknown:
        raise StateError(f"{where} has unknown field(s) {', '.join(repr(k) for k in sorted(unknown))}")


def _check_envelope(state: Any) -> Mapping[str, Any]:
    _expect(state, dict, "state")
    version = state.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise StateError(f"state['schema_version'] is {version!r}; this course_lib reads version {SCHEMA_VERSION}")
    _expect(state.get("kind"), str, "state['kind']")
    return state


def _entry_from_state(raw: Any, where: str) -> Entry:
    _check_keys(_expect(raw, dict, where), {"message", "timestamp", "tokens", "importance", "pinned"}, where)
    message = _expect(raw["message"], dict, f"{where}['message']")
    _check_keys(message, {"role", "content"}, f"{where}['message']")
    if message["role"] not in ("user", "assistant"):
        raise StateError(f"{where}['message']['role'] is {message['role']!r}; it must be 'user' or 'assistant'")
    content = _expect(message["content"], (str, list), f"{where}['message']['content']")
    if isinstance(content, list):
        for j, block in enumerate(content):
            _expect(_expect(block, dict, f"{where}['message']['content'][{j}]").get("type"), str,
                    f"{where}['message']['content'][{j}]['type']")
    timestamp = _expect(raw["timestamp"], (int, float), f"{where}['timestamp']")
    importance = _expect(raw["importance"], (int, float, type(None)), f"{where}['importance']")
    return Entry(copy.deepcopy(message), timestamp, _count(raw["tokens"], f"{where}['tokens']"),
                 importance, _expect(raw["pinned"], bool, f"{where}['pinned']"))


_USAGE_FIELDS = ("turn", "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                 "messages_sent")


def _usage_row(raw: Any, where: str) -> dict[str, Any]:
    _check_keys(_expect(raw, dict, where), {"kind", *_USAGE_FIELDS}, where)
    if raw["kind"] not in ("turn", "summary", "retry"):
        raise StateError(f"{where}['kind'] is {raw['kind']!r}; expected 'turn', 'summary' or 'retry'")
    for name in _USAGE_FIELDS:
        _count(raw[name], f"{where}[{name!r}]")
    return dict(raw)


def _summary_row(raw: Any, where: str) -> dict[str, Any]:
    _check_keys(_expect(raw, dict, where), {"start", "end", "summary_tokens", "input_tokens", "output_tokens",
                                            "timestamp", "chained"}, where)
    for name in ("start", "end", "summary_tokens", "input_tokens", "output_tokens"):
        _count(raw[name], f"{where}[{name!r}]")
    if raw["start"] >= raw["end"]:
        raise StateError(f"{where} covers an empty range: start {raw['start']} is not before end {raw['end']}")
    _expect(raw["timestamp"], (int, float), f"{where}['timestamp']")
    _expect(raw["chained"], bool, f"{where}['chained']")
    return dict(raw)
