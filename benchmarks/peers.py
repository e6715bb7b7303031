"""Real peers, talking over HTTP to the same offline Claude through ``course-kit serve``.

Each peer gets its own :func:`course_lib.runtime.serve.start_server` on a random 127.0.0.1 port,
backed by a :class:`RecordingSimulator` that logs one usage row per request (the managers'
schema) and, like :class:`benchmarks.strategies.CachingClient`, puts a cache breakpoint on the
last message of every conversation request, so the peers are billed by the same rule.

* **LangChain v1 ``SummarizationMiddleware``** (``langchain.agents.middleware``) with
  ``langchain-anthropic``'s ``ChatAnthropic(base_url=..., api_key="dummy")``. The middleware's own
  ``before_model`` hook runs before every model call, exactly where ``create_agent`` runs it; the
  benchmark drives the loop itself because its tool results are scripted, not executed.
* **LlamaIndex ``Memory``** with a ``StaticMemoryBlock`` holding the pinned facts; ``memory.get()``
  is the history of the course's own call (the ``anthropic`` SDK with ``base_url``), because
  ``llama-index-llms-anthropic`` 0.12.3 fails against ``anthropic`` 2.14 before sending anything
  (it instantiates ``MessageParam``, now a ``Union``: ``TypeError: Cannot instantiate typing.Union``).
  Only for scenarios without tools (see :class:`LlamaIndexMemory`).

Install with ``pip install -r benchmarks/requirements.txt``; without the packages the peers are left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from importlib.util import find_spec
from typing import Any

import anthropic
import httpx2

from benchmarks.strategies import HISTORY_BUDGET, MAX_TOKENS, SUMMARY_THRESHOLD, Runner, from_langchain, to_langchain
from course_lib.defaults import DEFAULT_MODEL
from course_lib.runtime.serve import SimulatorServer, start_server
from course_lib.runtime.sim import SimulatedClaude, is_summary_request
from course_lib.tokens import content_text

__all__ = ["LangChainSummarization", "LlamaIndexMemory", "RecordingSimulator", "peer_lineup", "peers_missing"]

KEEP_MESSAGES = 8
"""Messages SummarizationMiddleware keeps after summarizing: the smart manager's last 4 exchanges."""
SUMMARY_PROMPT = """Summarize the conversation below for the assistant that continues it.
Keep every fact the user stated (names, numbers, ids, dates) and every decision; drop small talk.

Messages to summarize:
{messages}"""
"""The prompt given to SummarizationMiddleware. Its default starts with a role tag; the simulator
recognises a summary request by its first line (see ``course_lib.runtime.sim.is_summary_request``),
so the first line says "Summarize". A real model would follow either."""


def peers_missing() -> str | None:
    """Why the real peers cannot run here (a missing package), or None."""
    for module, package in (("langchain.agents.middleware", "langchain"),
                            ("langchain_anthropic", "langchain-anthropic"),
                            ("llama_index.core.memory", "llama-index-core")):
        try:
            if find_spec(module) is None:
                return f"{package} is not installed (pip install -r benchmarks/requirements.txt)"
        except ModuleNotFoundError:
            return f"{package} is not installed (pip install -r benchmarks/requirements.txt)"
    return None


class RecordingSimulator(SimulatedClaude):
    """The simulator behind the server, logging usage and adding the benchmark's cache breakpoint."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.usage_log: list[dict[str, Any]] = []
        self.last_turn_request: dict[str, Any] = {}
        self.breakpoints = True

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if not request.url.path.endswith("/v1/messages"):
            return super().__call__(request)
        body = json.loads(request.content or b"{}")
        messages = body.get("messages") or []
        last = content_text(messages[-1]["content"]) if messages else ""
        kind = "summary" if is_summary_request(last) else "turn"
        if kind == "turn" and self.breakpoints and messages:
            from benchmarks.strategies import with_breakpoint

            body["messages"] = with_breakpoint(messages)
            self.last_turn_request = body
        request = httpx2.Request("POST", request.url, headers={k: v for k, v in request.headers.items()
                                                               if k.lower() != "content-length"}, json=body)
        response = super().__call__(request)
        if response.status_code == 200:
            usage = json.loads(response.read())["usage"]
            self.usage_log.append({"turn": len(self.usage_log), "kind": kind, "messages_sent": len(messages),
                                   **{k: usage.get(k) or 0 for k in ("input_tokens", "output_tokens",
                                                                     "cache_creation_input_tokens",
                                                                     "cache_read_input_tokens")}})
        return response


class _ServedClient:
    """What :func:`benchmarks.token_economy.play` reads from ``runner.client``: the last turn's request."""

    def __init__(self, simulator: RecordingSimulator):
        self.simulator = simulator

    @property
    def last_turn_request(self) -> dict[str, Any]:
        return self.simulator.last_turn_request


class ServedRunner(Runner):
    """A peer whose requests go over HTTP to its own local server."""

    def __init__(self, context_window: int = 200_000):
        self.simulator = RecordingSimulator(context_window=context_window)
        self.server: SimulatorServer = start_server(simulator=self.simulator)
        self.client = _ServedClient(self.simulator)  # type: ignore[assignment]

    @property
    def usage_log(self) -> list[dict[str, Any]]:
        return self.simulator.usage_log

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LangChainSummarization(ServedRunner):
    """LangChain v1 ``SummarizationMiddleware`` before every ``ChatAnthropic`` call, over HTTP."""

    label = "LangChain v1 SummarizationMiddleware"
    family = "LangChain"

    def __init__(self, *, system: str, tools: Sequence[Mapping[str, Any]] = ()):
        from langchain.agents.middleware import SummarizationMiddleware
        from langchain_anthropic import ChatAnthropic

        super().__init__()
        model = ChatAnthropic(model=DEFAULT_MODEL, base_url=self.server.url, api_key="dummy", max_tokens=MAX_TOKENS,
                              max_retries=0)
        self.middleware = SummarizationMiddleware(model=model, trigger=("tokens", SUMMARY_THRESHOLD),
                                                  keep=("messages", KEEP_MESSAGES), summary_prompt=SUMMARY_PROMPT)
        self.model = model.bind_tools(list(tools)) if tools else model
        self.system = system
        self.messages: list[Any] = []

    def send(self, content: str | list[dict[str, Any]]) -> str:
        from langchain_core.messages import RemoveMessage, SystemMessage

        self.messages += to_langchain({"role": "user", "content": content})
        update = self.middleware.before_model({"messages": self.messages}, None)  # type: ignore[arg-type]
        if update:  # the middleware's state update: remove everything, then the summary and the kept messages
            self.messages = [m for m in update["messages"] if not isinstance(m, RemoveMessage)]
        reply = self.model.invoke([SystemMessage(self.system), *self.messages])
        self.messages.append(reply)
        return reply.text if isinstance(reply.text, str) else reply.text()

    def pending_tool_calls(self) -> list[dict[str, Any]]:
        last = from_langchain(self.messages[-1:]) if self.messages and self.messages[-1].type == "ai" else []
        return [b for b in (last[0]["content"] if last and isinstance(last[0]["content"], list) else [])
                if b.get("type") == "tool_use"]


class LlamaIndexMemory(ServedRunner):
    """LlamaIndex ``Memory`` with the pinned facts in a ``StaticMemoryBlock``; ``memory.get()`` is the history sent.

    Short-term memory holds ``HISTORY_BUDGET`` tokens of chat (``token_limit`` with the chat share at
    1.0 of it less the block), the rest is flushed out. Tool calls are not driven here: LlamaIndex runs
    tools inside its agent workflows, so this peer plays only the scenarios without tools.
    """

    label = "LlamaIndex Memory + StaticMemoryBlock"
    family = "LlamaIndex"

    def __init__(self, *, system: str, tools: Sequence[Mapping[str, Any]] = ()):
        from llama_index.core.memory import Memory, StaticMemoryBlock

        if tools:
            raise ValueError("the LlamaIndex peer plays only scenarios without tools")
        super().__init__()
        self.block = StaticMemoryBlock(name="pinned_facts", static_content="", priority=0)
        self.memory = Memory.from_defaults(session_id="benchmark", token_limit=2 * HISTORY_BUDGET,
                                           chat_history_token_ratio=0.5, token_flush_size=HISTORY_BUDGET // 4,
                                           memory_blocks=[self.block])
        self.llm = anthropic.Anthropic(base_url=self.server.url, api_key="dummy", max_retries=0)
        self.system = system
        self.facts: list[str] = []

    def planted(self, sentence: str) -> None:
        from llama_index.core.base.llms.types import TextBlock

        self.facts.append(sentence)
        self.block.static_content = [TextBlock(text="\n".join(self.facts))]

    def send(self, content: str | list[dict[str, Any]]) -> str:
        from llama_index.core.llms import ChatMessage

        self.memory.put(ChatMessage(role="user", content=content_text(content)))
        history = self.memory.get()  # the memory blocks arrive as a system message (insert_method="system")
        system = "\n\n".join([self.system, *(m.content or "" for m in history if m.role.value == "system")])
        messages = [{"role": m.role.value, "content": m.content or ""} for m in history if m.role.value != "system"]
        reply = self.llm.messages.create(model=DEFAULT_MODEL, max_tokens=MAX_TOKENS, system=system, messages=messages)
        text = "\n".join(b.text for b in reply.content if b.type == "text")
        self.memory.put(ChatMessage(role="assistant", content=text))
        return text

    def pending_tool_calls(self) -> list[dict[str, Any]]:
        return []


def peer_lineup(system: str, tools: Sequence[Mapping[str, Any]]) -> list[Callable[[], Runner]]:
    """The real peers that can play a scenario with these tools (none when their packages are missing)."""
    if peers_missing():
        return []
    makers: list[Callable[[], Runner]] = [lambda: LangChainSummarization(system=system, tools=tools)]
    if not tools:
        makers.append(lambda: LlamaIndexMemory(system=system))
    return makers
