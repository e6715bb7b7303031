"""The tool-heavy case: 15 turns whose tool results fill 50K+ tokens, client-side and server-side strategies.

The syllabus's agent example: a few facts stated first (one of them only inside a tool result),
then large tool results (source files, test runs) every turn, then the questions. Compared: the
client-side strategies of :func:`benchmarks.strategies.lineup`, and the API's server-side context
management as the simulator emulates it (``clear_tool_uses_20250919`` and ``compact_20260112``,
sent through ``client.beta.messages.create``), which keeps the full history on the client and lets
the server edit what the model reads.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from benchmarks.conversations import TOOLS, Scenario, Step, _code_line, check_scenario, coding_facts
from benchmarks.strategies import MAX_TOKENS, Runner, lineup, simulated_client, with_breakpoint
from course_lib.defaults import DEFAULT_MODEL

__all__ = ["CLEAR_TRIGGER", "COMPACT_TRIGGER", "ServerSideDriver", "server_side_lineup", "tool_heavy_case"]

TURNS = 15
CLEAR_TRIGGER = 30_000
"""Input tokens at which tool results are cleared (keeping the last 3 tool uses): about half the case."""
COMPACT_TRIGGER = 50_000
"""Input tokens at which the conversation is compacted: the API's smallest allowed trigger."""


def _big_output(rng: random.Random, tool: str, target: str, lines: int) -> str:
    """A tool result of ``lines`` lines (about 14 tokens each): a source file or a test run."""
    if tool == "open_source_file":
        return "\n".join([f"# {target}"] + [_code_line(rng) for _ in range(lines)])
    return "\n".join(f"tests/test_{rng.choice(['invoice', 'ledger', 'cart'])}.py::test_case_{i} "
                     f"{rng.choice(['PASSED'] * 9 + ['FAILED'])} [{rng.randint(1, 99)}%]" for i in range(lines))


def tool_heavy_case(turns: int = TURNS, seed: int = 8, *, lines: int = 500) -> Scenario:
    """Four facts (the last only in a tool result), ``turns - 8`` large tool calls, then four questions."""
    rng = random.Random(seed + 2)
    facts = coding_facts(rng)[:4]
    steps: list[Step] = [Step(f.sentence, plants=f) for f in facts[:3]]
    hidden = facts[3]
    steps.append(Step("Please use open_source_file on docs/PROJECT.md.", plants=hidden,
                      tool_output="# docs/PROJECT.md\n" + hidden.sentence + "\n" +
                                  _big_output(rng, "open_source_file", "docs/PROJECT.md", lines // 4)))
    for i in range(turns - len(steps) - len(facts)):
        tool = ("open_source_file", "run_test_suite")[i % 2]
        target = f"src/billing/module_{i}.py"
        text = f"Please use {tool} on {target}." if tool == "open_source_file" else \
            f"Please use run_test_suite for module {i}."
        steps.append(Step(text, tool_output=_big_output(rng, tool, target, lines)))
    steps += [Step(f.question, asks=f) for f in facts]
    scenario = Scenario("tool_heavy", f"{turns}-turn tool-heavy session", tuple(steps), tuple(facts), TOOLS,
                        notes={"planted_in_turns": "1-4 (the 4th inside a tool result)",
                               "asked_from_turn": turns - len(facts) + 1})
    check_scenario(scenario)
    return scenario


class ServerSideDriver(Runner):
    """Full history on the client; the API's context management edits what the model reads.

    Introduced in notebook 08_beyond_the_module. The reply is kept as returned, so a compaction
    block goes back to the server, which then reads its summary instead of everything before it.
    A compaction's own summarizing call is billed (``usage.iterations``): it is logged as a
    ``summary`` row so its cost counts. Self-contained (not a manager): the edits live on the server.
    """

    family = "server-side"

    def __init__(self, client: Any, *, system: str, tools: Sequence[Mapping[str, Any]] = (), label: str,
                 edits: list[dict[str, Any]], betas: list[str]):
        self.client, self.system, self.tools = client, system, list(tools)
        self.label, self.edits, self.betas = label, copy.deepcopy(edits), betas  # never the shared defaults
        self.history: list[dict[str, Any]] = []
        self._log: list[dict[str, Any]] = []

    @property
    def usage_log(self) -> list[dict[str, Any]]:
        return self._log

    def send(self, content: str | list[dict[str, Any]]) -> str:
        self.history.append({"role": "user", "content": copy.deepcopy(content)})
        request: dict[str, Any] = {"model": DEFAULT_MODEL, "max_tokens": MAX_TOKENS, "system": self.system,
                                   "messages": with_breakpoint(self.history) if self.client.breakpoints
                                   else list(self.history),
                                   "tools": self.tools, "context_management": {"edits": self.edits}}
        request = {k: v for k, v in request.items() if v}
        self.client.last_turn_request = dict(request, betas=self.betas)
        response = self.client.client.beta.messages.create(**request, betas=self.betas)
        usage = response.usage.model_dump()
        turn = sum(m["role"] == "user" for m in self.history)
        for step in usage.get("iterations") or []:
            if step.get("type") == "compaction":
                self._log.append(_row(turn, "summary", step, 0))
        self._log.append(_row(turn, "turn", usage, len(self.history)))
        kept = [b.model_dump(mode="json", exclude_none=True) for b in response.content]
        self.history.append({"role": "assistant", "content": kept or [{"type": "text", "text": "[empty reply]"}]})
        return "\n".join(b.text for b in response.content if b.type == "text")

    def pending_tool_calls(self) -> list[dict[str, Any]]:
        last = self.history[-1] if self.history and self.history[-1]["role"] == "assistant" else {"content": []}
        return [b for b in last["content"] if b.get("type") == "tool_use"]


def _row(turn: int, kind: str, usage: Mapping[str, Any], sent: int) -> dict[str, Any]:
    return {"turn": turn, "kind": kind, "input_tokens": usage.get("input_tokens") or 0,
            "output_tokens": usage.get("output_tokens") or 0,
            "cache_creation_input_tokens": usage.get("cache_creation_input_tokens") or 0,
            "cache_read_input_tokens": usage.get("cache_read_input_tokens") or 0, "messages_sent": sent}


CLEAR_EDIT = {"type": "clear_tool_uses_20250919", "trigger": {"type": "input_tokens", "value": CLEAR_TRIGGER},
              "keep": {"type": "tool_uses", "value": 3}}
COMPACT_EDIT = {"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": COMPACT_TRIGGER}}


def server_side_lineup(system: str, tools: Sequence[Mapping[str, Any]], *, breakpoints: bool = True,
                       langchain: bool = True) -> list[Callable[[], Runner]]:
    """The client-side line-up, then the two server-side edits alone and together."""
    def server(label: str, edits: list[dict[str, Any]], betas: list[str]) -> Callable[[], Runner]:
        return lambda: ServerSideDriver(simulated_client(breakpoints), system=system, tools=tools, label=label,
                                        edits=edits, betas=betas)

    return lineup(system, tools, breakpoints=breakpoints, langchain=langchain) + [
        server(f"server-side tool-result clearing (at {CLEAR_TRIGGER:,}, keep 3)", [CLEAR_EDIT],
               ["context-management-2025-06-27"]),
        server(f"server-side compaction (at {COMPACT_TRIGGER:,})", [COMPACT_EDIT], ["compact-2026-01-12"]),
        server("server-side clearing + compaction", [CLEAR_EDIT, COMPACT_EDIT],
               ["context-management-2025-06-27", "compact-2026-01-12"]),
    ]
