"""Every strategy the token-economy benchmark compares, behind one small interface.

A *runner* takes the scripted user turns one by one (``send``), answers tool calls when Claude
asks (``pending_tool_calls``), and keeps one usage row per API request (``usage_log``, the
managers' schema: ``kind``, ``input_tokens``, ``output_tokens``, ``cache_creation_input_tokens``,
``cache_read_input_tokens``, ``messages_sent``). Three kinds:

* the course's managers, used exactly as a notebook uses them (``manager.send``);
* drivers for strategies that are functions, not managers: the pruning pipeline applied to a
  budget each turn, and a control that sends only the current exchange;
* the LangChain peers, built on ``langchain-core``: ``trim_messages(strategy="last")``, and a
  summary buffer that follows ``ConversationSummaryBufferMemory`` (which is not in
  ``langchain-core``; see :class:`LangChainSummaryBuffer` for how it was rebuilt and where it differs).

Every runner talks to the same simulated model through :class:`CachingClient`, which puts a
prompt-cache breakpoint on the last message of each conversation request (not on summary
requests, which are one-off), and counts tokens with :mod:`course_lib.tokens`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import anthropic

from course_lib.defaults import DEFAULT_CONTEXT_WINDOW
from course_lib.exchanges import exchange_starts
from course_lib.managers import (
    ConversationManager,
    LongConversationManager,
    SlidingWindowManager,
    SmartConversationManager,
    TokenWindowManager,
)
from course_lib.messages import blocks, reply_text
from course_lib.pruning import default_pipeline, prune
from course_lib.runtime.client import make_client
from course_lib.runtime.sim import is_summary_request
from course_lib.tokens import content_text, estimate_message_tokens

HISTORY_BUDGET = 4_000
"""Tokens of history every bounded strategy may send besides the current exchange (chosen once, for all)."""
WINDOW_MESSAGES = 20
"""The sliding window's size in messages (10 exchanges of question and answer)."""
SUMMARY_THRESHOLD = HISTORY_BUDGET
"""The summarizing managers summarize after a request of more than this many input tokens."""
MAX_TOKENS = 1024
CONTEXT_WINDOW = DEFAULT_CONTEXT_WINDOW


# -- the client every runner uses ---------------------------------------------------------------------

class _CachingMessages:
    def __init__(self, owner: CachingClient):
        self._owner = owner

    def create(self, **request: Any) -> anthropic.types.Message:
        owner = self._owner
        messages = request.get("messages") or []
        summary = bool(messages) and is_summary_request(content_text(blocks(messages[-1])[-1:]) if
                                                         blocks(messages[-1]) else "")
        if owner.breakpoints and messages and not summary:
            request = dict(request, messages=with_breakpoint(messages))
        if not summary:
            owner.last_turn_request = request
        return owner.client.messages.create(**request)


class CachingClient:
    """The SDK client, with a cache breakpoint on the last message of every conversation request.

    What a manager with a "cache the conversation" option would send: ``cache_control`` on the last
    block of the last message, so each request writes the whole prefix and the next one can read
    it. Summary requests (first line asks to summarize) get none: they are never repeated.
    ``last_turn_request`` keeps the last conversation request, to check what was sent.
    """

    def __init__(self, client: anthropic.Anthropic, *, breakpoints: bool = True):
        self.client = client
        self.breakpoints = breakpoints
        self.messages = _CachingMessages(self)
        self.last_turn_request: dict[str, Any] = {}


def with_breakpoint(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A copy of ``messages`` whose last block carries ``cache_control`` (the caller's dicts untouched)."""
    copied = [dict(m) for m in messages]
    last = copied[-1]
    content = [dict(b) for b in blocks(last)]  # a plain string becomes one text block
    content[-1] = {**content[-1], "cache_control": {"type": "ephemeral"}}
    copied[-1] = {"role": last["role"], "content": content}
    return copied


def request_text(request: Mapping[str, Any]) -> str:
    """Everything a request showed the model, as text (system prompt and messages)."""
    system = request.get("system") or ""
    system = system if isinstance(system, str) else content_text(system)
    return "\n".join([system, *(content_text(m["content"]) for m in request.get("messages") or [])])


def simulated_client(breakpoints: bool = True) -> CachingClient:
    """A fresh simulator per runner (same configuration for all), so no runner reads another's cache."""
    return CachingClient(make_client("simulated", context_window=CONTEXT_WINDOW), breakpoints=breakpoints)


# -- runners ----------------------------------------------------------------------------------------------

class Runner:
    """What the benchmark drives: ``send`` a turn, answer ``pending_tool_calls``, read ``usage_log``."""

    label = "runner"
    family = "course_lib"
    client: CachingClient

    def send(self, content: str | list[dict[str, Any]]) -> str:
        raise NotImplementedError

    def pending_tool_calls(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    @property
    def usage_log(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def planted(self, sentence: str) -> None:
        """Told when the script states a fact (only the pinning runner uses it)."""


class ManagerRunner(Runner):
    """A course manager, used exactly as the notebooks use it."""

    def __init__(self, label: str, manager: ConversationManager, client: CachingClient, *, pin: bool = False):
        self.label, self.manager, self.client, self.pin = label, manager, client, pin

    def send(self, content: str | list[dict[str, Any]]) -> str:
        return self.manager.send(content)

    def pending_tool_calls(self) -> list[dict[str, Any]]:
        return self.manager.pending_tool_calls()

    @property
    def usage_log(self) -> list[dict[str, Any]]:
        return self.manager.usage_log

    def planted(self, sentence: str) -> None:
        if self.pin:
            self.manager.pin(sentence)


class Driver(ConversationManager):
    """A strategy written as a function of the history, run by the managers' own request plumbing.

    Only the view differs: :meth:`view` says which messages the next request sends. Sending,
    validating, logging usage and answering tool calls are :class:`ConversationManager`'s, so a
    driver's requests are built exactly as a manager's are (no copy of that code here).
    """

    label = "driver"
    family = "course_lib"

    def __init__(self, client: CachingClient, *, system: str, tools: Sequence[Mapping[str, Any]] = ()):
        super().__init__(client, system_prompt=system, tools=list(tools) or None,  # type: ignore[arg-type]
                         max_tokens=MAX_TOKENS)

    @property
    def history(self) -> list[dict[str, Any]]:
        return [entry.message for entry in self.transcript]

    def view(self) -> list[dict[str, Any]]:
        """The messages of the next request; the history ends with the current user message."""
        raise NotImplementedError

    def get_messages(self, next_message: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._preview(next_message) if next_message is not None else self.view()

    def current_exchange(self) -> list[dict[str, Any]]:
        history = self.history
        return history[exchange_starts(history)[-1]:]

    def planted(self, sentence: str) -> None:
        """Told when the script states a fact; drivers do not pin."""


class PruningDriver(Driver):
    """``course_lib.pruning.default_pipeline()`` applied to the whole history before every request.

    The budget is ``HISTORY_BUDGET`` plus the current exchange, the same rule as the token window
    (the current exchange is always sent and not charged to the history budget). No summarizer:
    with one, the pipeline would re-summarize the whole old history on every turn.
    """

    label = "pruning pipeline"

    def __init__(self, client: CachingClient, *, system: str, tools: Sequence[Mapping[str, Any]] = (),
                 budget: int = HISTORY_BUDGET):
        super().__init__(client, system=system, tools=tools)
        self.budget, self.pipeline = budget, default_pipeline()

    def view(self) -> list[dict[str, Any]]:
        current = sum(estimate_message_tokens(m) for m in self.current_exchange())
        return prune(self.history, self.budget + current, self.pipeline)


class ControlDriver(Driver):
    """The control: only the current exchange is sent. Every fact question should fail here."""

    label = "current exchange only (control)"

    def view(self) -> list[dict[str, Any]]:
        return list(self.current_exchange())


# -- the LangChain peers ----------------------------------------------------------------------------------

def langchain_version() -> str | None:
    try:
        import langchain_core
    except ImportError:
        return None
    return langchain_core.__version__


def to_langchain(message: Mapping[str, Any]) -> list[Any]:
    """One Anthropic-format message as LangChain messages (a tool-result turn becomes ToolMessages)."""
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    content = message["content"]
    if message["role"] == "user":
        if isinstance(content, str):
            return [HumanMessage(content=content)]
        results = [b for b in content if b.get("type") == "tool_result"]
        if results:
            return [ToolMessage(content=content_text(b.get("content") or ""), tool_call_id=b["tool_use_id"])
                    for b in results]
        return [HumanMessage(content=content_text(content))]
    if isinstance(content, str):
        return [AIMessage(content=content)]
    text = "\n".join(b["text"] for b in content if b.get("type") == "text")
    calls = [{"name": b["name"], "args": b.get("input", {}), "id": b["id"], "type": "tool_call"}
             for b in content if b.get("type") == "tool_use"]
    return [AIMessage(content=text, tool_calls=calls)]


def from_langchain(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """LangChain messages back to the Messages API's shape (what ChatAnthropic would send)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.type == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": str(m.content)}
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        elif m.type == "human":
            out.append({"role": "user", "content": m.content})
        elif m.type == "ai":
            if not m.tool_calls:
                out.append({"role": "assistant", "content": m.content})
                continue
            content = [{"type": "text", "text": m.content}] if m.content else []
            content += [{"type": "tool_use", "id": c["id"], "name": c["name"], "input": c["args"]}
                        for c in m.tool_calls]
            out.append({"role": "assistant", "content": content})
        else:
            raise ValueError(f"no Messages API form for a LangChain {m.type!r} message")
    return out


def langchain_token_counter(messages: Sequence[Any]) -> int:
    """The course's estimate over converted messages: LangChain counts what course_lib counts."""
    return sum(estimate_message_tokens(m) for message in messages for m in from_langchain([message]))


class LangChainTrim(Driver):
    """``langchain_core.messages.trim_messages(strategy="last", start_on="human")`` before every request.

    The app keeps its history as LangChain messages (converted once, when added), as a LangChain
    app does. ``max_tokens`` is ``HISTORY_BUDGET`` plus the current exchange: the token window's
    rule, so both keep the same amount of history. ``start_on="human"`` keeps a tool result from
    opening the view (its tool call would be missing: the API rejects that).
    """

    label = "LangChain trim_messages"
    family = "LangChain"

    def __init__(self, client: CachingClient, *, system: str, tools: Sequence[Mapping[str, Any]] = (),
                 budget: int = HISTORY_BUDGET, token_counter: Callable[..., int] = langchain_token_counter):
        super().__init__(client, system=system, tools=tools)
        self.budget, self.lc_token_counter = budget, token_counter

    def view(self) -> list[dict[str, Any]]:
        from langchain_core.messages import trim_messages

        lc_history = [lc for message in self.history for lc in to_langchain(message)]
        current = sum(estimate_message_tokens(m) for m in self.current_exchange())
        kept = trim_messages(lc_history, max_tokens=self.budget + current, strategy="last",
                             token_counter=self.lc_token_counter, start_on="human")
        return from_langchain(kept)


SUMMARY_BUFFER_PROMPT = """Progressively summarize the lines of conversation provided, adding onto the previous \
summary returning a new summary.

Current summary:
{summary}

New lines of conversation:
{new_lines}

New summary:"""
"""LangChain's summarizer prompt for ``ConversationSummaryBufferMemory``, without its worked example.

The example (a made-up exchange about artificial intelligence) is left out because the simulator
would treat its sentences as part of the conversation; a real model would not."""


class LangChainSummaryBuffer(Driver):
    """A summary buffer that works like LangChain's ``ConversationSummaryBufferMemory``.

    That class lives in the heavy ``langchain`` / ``langchain-classic`` packages, not in
    ``langchain-core``, so it is rebuilt here from langchain-core pieces (``PromptTemplate``,
    ``get_buffer_string`` and the message classes) and follows its algorithm:

    * the buffer holds recent messages; the summary is sent before them, as a system message
      (which ChatAnthropic moves into ``system``);
    * after each exchange, while the buffer is over ``max_token_limit`` tokens the *oldest
      message* is popped; the popped lines and the old summary go to the model with the
      summarizer prompt, and its reply becomes the new summary. So once the buffer is full,
      every exchange costs a summary request.

    One difference, needed to run at all: LangChain pops single messages, which can leave a tool
    result (or an assistant reply) at the front of the buffer, and the API rejects a tool result
    whose call is missing. Here popping goes on until the buffer starts with a user question.
    """

    label = "LangChain summary buffer"
    family = "LangChain"

    def __init__(self, client: CachingClient, *, system: str, tools: Sequence[Mapping[str, Any]] = (),
                 max_token_limit: int = HISTORY_BUDGET, summary_max_tokens: int = 300):
        from langchain_core.prompts import PromptTemplate

        super().__init__(client, system=system, tools=tools)
        self.max_token_limit, self.summary_max_tokens = max_token_limit, summary_max_tokens
        self.prompt = PromptTemplate.from_template(SUMMARY_BUFFER_PROMPT)
        self.buffer: list[Any] = []
        self.buffered = 0  # transcript messages already in the buffer
        self.moving_summary_buffer = ""

    def unbuffered(self) -> list[Any]:
        return [lc for entry in self.transcript[self.buffered:] for lc in to_langchain(entry.message)]

    def view(self) -> list[dict[str, Any]]:
        return from_langchain([*self.buffer, *self.unbuffered()])

    def get_system(self) -> str:
        if not self.moving_summary_buffer:
            return self.system_prompt
        return f"{self.system_prompt}\n\n{self.moving_summary_buffer}"

    def _after_turn(self, response: anthropic.types.Message) -> None:
        self.buffer.extend(self.unbuffered())
        self.buffered = len(self.transcript)
        if response.stop_reason == "tool_use":
            return  # the exchange is not over: LangChain saves context once per run
        from langchain_core.messages import get_buffer_string

        if langchain_token_counter(self.buffer) <= self.max_token_limit:
            return
        pruned: list[Any] = []
        while self.buffer and (langchain_token_counter(self.buffer) > self.max_token_limit
                               or self.buffer[0].type != "human"):
            pruned.append(self.buffer.pop(0))
        text = self.prompt.format(summary=self.moving_summary_buffer,
                                  new_lines=get_buffer_string(pruned, human_prefix="Human", ai_prefix="AI"))
        reply = self._call("summary", [{"role": "user", "content": text}], None, self.model, self.summary_max_tokens)
        self.moving_summary_buffer = reply_text(reply).strip()


# -- the line-up ---------------------------------------------------------------------------------------------

def lineup(system: str, tools: Sequence[Mapping[str, Any]], *, breakpoints: bool = True,
           langchain: bool = True) -> list[Callable[[], Runner]]:
    """Factories for every runner of the benchmark, in table order; each makes its own client."""
    common = {"system_prompt": system, "tools": list(tools) or None, "max_tokens": MAX_TOKENS}

    def manager(label: str, cls: type[ConversationManager], pin: bool = False, **kwargs: Any) -> Callable[[], Runner]:
        def make() -> Runner:
            client = simulated_client(breakpoints)
            return ManagerRunner(label, cls(client, **common, **kwargs), client, pin=pin)  # type: ignore[arg-type]
        return make

    def driver(cls: type[Driver], **kwargs: Any) -> Callable[[], Runner]:
        return lambda: cls(simulated_client(breakpoints), system=system, tools=tools, **kwargs)  # type: ignore

    smart = {"token_threshold": SUMMARY_THRESHOLD}
    makers = [
        manager("full history", ConversationManager),
        manager(f"window by count ({WINDOW_MESSAGES} messages)", SlidingWindowManager, window_size=WINDOW_MESSAGES),
        manager(f"window by tokens ({HISTORY_BUDGET:,})", TokenWindowManager, history_budget=HISTORY_BUDGET),
        manager("smart manager (summary)", SmartConversationManager, **smart),
        manager("smart manager + pinned facts", SmartConversationManager, pin=True, **smart),
        manager("summary in system prompt", LongConversationManager, **smart),
        driver(PruningDriver),
    ]
    if langchain:
        makers += [driver(LangChainTrim), driver(LangChainSummaryBuffer)]
    makers.append(driver(ControlDriver))
    return makers
