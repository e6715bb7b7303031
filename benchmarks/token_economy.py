"""Token economy: what each strategy bills and what it remembers over long scripted conversations.

For each scenario of :mod:`benchmarks.conversations` and each runner of
:mod:`benchmarks.strategies`, the script is played turn by turn against a fresh simulated model
(the same configuration for all). Recorded per run:

* cumulative input tokens: every prompt token of every request (uncached input + cache writes +
  cache reads), summary requests included, since they are billed too;
* peak request tokens: the largest single request;
* dollars with prompt caching (a breakpoint on the last message of each turn, as billed by the
  simulator's cache reads and writes) and without (the same requests with every prompt token
  billed as plain input; the simulator's replies do not depend on ``cache_control``, so the run
  without breakpoints sends exactly these requests);
* fact recall: the share of fact questions whose reply contains the planted value, and, as a
  diagnostic, the share whose request contained the value at all;
* paraphrase recall: the same request asked again with the learner's wording of the question
  (:attr:`benchmarks.conversations.Fact.paraphrase`), sent once to a separate simulator so the
  conversation and its bill are untouched: both phrasings see exactly the same context.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import PRICE_NOTE, PRICES, machine_md, table, verdict, version_of, write_text
from benchmarks.conversations import Fact, Scenario, coding_session, support_case
from benchmarks.peers import KEEP_MESSAGES, peer_lineup, peers_missing
from benchmarks.strategies import (
    CONTEXT_WINDOW,
    HISTORY_BUDGET,
    SUMMARY_THRESHOLD,
    WINDOW_MESSAGES,
    Runner,
    langchain_version,
    lineup,
    request_text,
)
from benchmarks.tool_heavy import CLEAR_TRIGGER, COMPACT_TRIGGER, server_side_lineup, tool_heavy_case
from course_lib.classroom.charts import request_cost, without_caching
from course_lib.runtime.client import make_client

RECALL_TARGET = 0.95
COST_TARGET = 0.30
TARGET_TURNS = 200
"""The target is set for the 200-turn support case; shorter (quick) runs report it without a verdict."""
TARGET_LABEL = "smart manager + pinned facts"


class ScriptBroken(RuntimeError):
    """The scripted conversation did not go as written (e.g. no tool call where one was scripted)."""


@dataclass
class RunResult:
    scenario: str
    label: str
    family: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    per_step: list[tuple[int, float, float]] = field(default_factory=list)
    """After each user turn: (cumulative prompt tokens, dollars with caching, dollars without)."""
    asked: int = 0
    correct: int = 0
    in_request: int = 0
    paraphrase_correct: int = 0
    missed: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def prompt_tokens(self) -> int:
        return sum(prompt(r) for r in self.rows)

    @property
    def peak(self) -> int:
        return max((prompt(r) for r in self.rows), default=0)

    @property
    def cache_reads(self) -> int:
        return sum(r["cache_read_input_tokens"] for r in self.rows)

    @property
    def dollars_cached(self) -> float:
        return sum(request_cost(r, PRICES) for r in self.rows)

    @property
    def dollars_uncached(self) -> float:
        return sum(request_cost(without_caching(r), PRICES) for r in self.rows)

    @property
    def summaries(self) -> int:
        return sum(r["kind"] == "summary" for r in self.rows)

    @property
    def recall(self) -> float:
        return self.correct / self.asked if self.asked else 0.0

    @property
    def paraphrase_recall(self) -> float:
        return self.paraphrase_correct / self.asked if self.asked else 0.0


def prompt(row: dict[str, Any]) -> int:
    return row["input_tokens"] + row["cache_creation_input_tokens"] + row["cache_read_input_tokens"]


_PROBE: list[Any] = []


def ask_paraphrase(request: dict[str, Any], fact: Fact) -> bool:
    """Resend ``request`` with its question in the learner's words; True when the reply has the value.

    The probe goes to one separate simulator (never the runner's), so the runner's history, cache
    and usage rows are exactly those of the scripted run.
    """
    if not request or not fact.paraphrase:
        return False
    if not _PROBE:
        _PROBE.append(make_client("simulated", context_window=CONTEXT_WINDOW))
    messages = [dict(m) for m in request["messages"]]
    messages[-1] = {"role": "user", "content": fact.paraphrase}
    body = {k: v for k, v in request.items() if k != "betas"}
    create = _PROBE[0].beta.messages.create if request.get("betas") else _PROBE[0].messages.create
    reply = create(**dict(body, messages=messages), **({"betas": request["betas"]} if request.get("betas") else {}))
    return fact.value in "\n".join(b.text for b in reply.content if b.type == "text")


def play(scenario: Scenario, runner: Runner) -> RunResult:
    """Play the script through ``runner``; a failure is recorded with the turn it happened at."""
    result = RunResult(scenario.name, runner.label, runner.family)
    started = time.perf_counter()
    cost_cached = cost_uncached = 0.0
    tokens, seen = 0, 0
    try:
        for turn, step in enumerate(scenario.steps, 1):
            if step.plants:
                runner.planted(step.plants.sentence)
            reply = runner.send(step.text)
            if step.tool_output is not None:
                calls = runner.pending_tool_calls()
                if not calls:
                    raise ScriptBroken(f"turn {turn} named a tool but the reply had no tool call: {reply!r:.80}")
                reply = runner.send([{"type": "tool_result", "tool_use_id": calls[0]["id"],
                                      "content": step.tool_output}])
            if step.asks:
                result.asked += 1
                if step.asks.value in reply:
                    result.correct += 1
                else:
                    result.missed.append(f"turn {turn}: {step.asks.key}")
                result.in_request += step.asks.value in request_text(runner.client.last_turn_request)
                result.paraphrase_correct += ask_paraphrase(runner.client.last_turn_request, step.asks)
            rows = runner.usage_log
            for row in rows[seen:]:
                tokens += prompt(row)
                cost_cached += request_cost(row, PRICES)
                cost_uncached += request_cost(without_caching(row), PRICES)
            seen = len(rows)
            result.per_step.append((tokens, cost_cached, cost_uncached))
    except Exception as error:  # noqa: BLE001 - a failing strategy is a finding, reported in the table
        result.error = f"turn {len(result.per_step) + 1}: {type(error).__name__}: {error}"
        result.error = result.error[:300]
        traceback.print_exc()
    result.rows = list(runner.usage_log)
    result.seconds = time.perf_counter() - started
    return result


def run(scenarios: Sequence[Scenario], *, langchain: bool | None = None, peers: bool | None = None,
        progress: Callable[[str], None] = print) -> dict[str, list[RunResult]]:
    """Every runner over every scenario, in the same process; results by scenario name."""
    use_langchain = langchain_version() is not None if langchain is None else langchain
    use_peers = peers_missing() is None if peers is None else peers
    results: dict[str, list[RunResult]] = {}
    for scenario in scenarios:
        results[scenario.name] = []
        make_lineup = server_side_lineup if scenario.name == "tool_heavy" else lineup
        makers = make_lineup(scenario.system_prompt, scenario.tools, langchain=use_langchain)
        if use_peers:
            makers += peer_lineup(scenario.system_prompt, scenario.tools)
        for make in makers:
            runner = make()
            try:
                result = play(scenario, runner)
            finally:
                getattr(runner, "close", lambda: None)()  # a real peer's local server
            results[scenario.name].append(result)
            status = (f"ERROR {result.error}" if result.error else
                      f"recall {result.recall:.0%} / paraphrased {result.paraphrase_recall:.0%}")
            progress(f"  {scenario.name:<15} {result.label:<34} {result.prompt_tokens:>11,} tokens  {status}  "
                     f"({result.seconds:.1f} s)")
    return results


def scenarios(quick: bool) -> list[Scenario]:
    if quick:
        return [support_case(48), coding_session(32), tool_heavy_case(lines=200)]
    return [support_case(200), coding_session(100), tool_heavy_case()]


# -- reporting -------------------------------------------------------------------------------------------

def scenario_table(results: list[RunResult]) -> str:
    full = next((r for r in results if r.label == "full history"), None)
    rows = []
    for r in results:
        if r.error and not r.rows:
            rows.append([r.label, "failed", "", "", "", "", "", "", "", "", r.error])
            continue
        ratio = f"{r.prompt_tokens / full.prompt_tokens:.0%}" if full and full.prompt_tokens else ""
        reads = f"{r.cache_reads / r.prompt_tokens:.0%}" if r.prompt_tokens else ""
        rows.append([
            r.label + {"LangChain": " (LangChain peer)", "LlamaIndex": " (LlamaIndex peer)"}.get(r.family, ""),
            f"{len(r.rows):,}" + (f" ({r.summaries:,})" if r.summaries else ""),
            f"{r.prompt_tokens:,}", ratio, f"{r.peak:,}",
            f"${r.dollars_uncached:.4f}", f"${r.dollars_cached:.4f}", reads,
            f"{r.correct}/{r.asked} = {r.recall:.0%}",
            f"{r.paraphrase_correct}/{r.asked} = {r.paraphrase_recall:.0%}",
            f"{r.in_request / r.asked:.0%}" if r.asked else "",
        ] + ([f"failed at {r.error}"] if r.error else []))
    headers = ["strategy", "requests (summaries)", "cumulative input tokens", "vs full history",
               "peak request tokens", "$ without caching", "$ with caching", "read from cache", "fact recall",
               "recall, paraphrased", "fact was in the request"]
    if any(r.error for r in results):
        headers.append("error")
        rows = [row + [""] * (len(headers) - len(row)) for row in rows]
    return table(headers, rows)


def target_check(results: dict[str, list[RunResult]]) -> tuple[bool, str]:
    """The issue's target on the support case: recall >= 95% at <= 30% of full history's input tokens."""
    support = results.get("support_case", [])
    pinned = next((r for r in support if r.label == TARGET_LABEL), None)
    full = next((r for r in support if r.label == "full history"), None)
    if not pinned or not full or not full.prompt_tokens:
        return False, "not measured (no support case run)"
    share = pinned.prompt_tokens / full.prompt_tokens
    if len(pinned.per_step) != TARGET_TURNS and not pinned.error:
        return False, (f"Not judged: the target is for the {TARGET_TURNS}-turn support case and this run played "
                       f"{len(pinned.per_step)} turns (smart manager with pinned facts: recall {pinned.recall:.0%}, "
                       f"{share:.0%} of full history's input tokens).")
    recall_ok, cost_ok = pinned.recall >= RECALL_TARGET and not pinned.error, share <= COST_TARGET
    text = (f"Smart manager with pinned facts on the support case: recall {pinned.recall:.0%} "
            f"(target >= {RECALL_TARGET:.0%}: {verdict(recall_ok)}); cumulative input tokens {share:.0%} of full "
            f"history's (target <= {COST_TARGET:.0%}: {verdict(cost_ok)}). Together: {verdict(recall_ok and cost_ok)}.")
    return recall_ok and cost_ok, text


def markdown(scenario_list: Sequence[Scenario], results: dict[str, list[RunResult]], info: dict[str, Any], *,
             quick: bool, command: str) -> str:
    seconds = sum(r.seconds for runs in results.values() for r in runs)
    lc = langchain_version()
    met, target_text = target_check(results)
    parts = [
        "# Token economy: what each strategy costs and remembers",
        "",
        f"{'**Quick run (smoke version): not the committed figures.** ' if quick else ''}Written by `{command}` "
        f"(this part: {seconds:.0f} s). " + machine_md(info),
        "",
        "Each strategy plays the same scripted conversations against the course's simulated model (a fresh "
        "instance each, same configuration: 200,000-token window) and counts tokens with "
        "`course_lib.tokens`. Facts (ids, names, dates) are stated in the first turns and asked about twice "
        "later; a question counts as recalled when the reply contains the planted value. The simulator "
        "answers only from the user's side of what it was sent, and the script is checked so that no other "
        "sentence can "
        "answer a question. Summaries by the simulator keep sentences but blur every number, id and name.",
        "",
        "## Target",
        "",
        f"- {target_text}",
        "",
    ]
    for scenario in scenario_list:
        runs = results.get(scenario.name, [])
        parts += [f"## {scenario.title}", "",
                  f"{scenario.turns} user turns, {sum(s.tool_output is not None for s in scenario.steps)} of them "
                  f"with a tool call; {len(scenario.facts)} facts planted in turns "
                  f"{scenario.notes.get('planted_in_turns')}, {len(scenario.questions)} fact questions from turn "
                  f"{scenario.notes.get('asked_from_turn')} on.", "", scenario_table(runs), ""]
    parts += [
        "## How to read it",
        "",
        "- *cumulative input tokens*: every prompt token of every request, summary requests included "
        "(uncached input + cache writes + cache reads). *vs full history*: that total over full history's.",
        "- *$ with caching*: a cache breakpoint on the last message of every conversation request; cache reads "
        "and writes as the simulator reports them, which assumes each turn arrives within the 5-minute cache "
        "lifetime. *$ without caching*: the same requests, every prompt token billed as plain input. Output "
        "tokens are included in both.",
        "- *read from cache*: the share of prompt tokens billed as cache reads. Full history is an append-only "
        "prefix and caches well; a window moves its start every turn and re-writes its cache; a summary changes "
        "the prefix each time it is rewritten.",
        "- *fact was in the request*: the planted value appeared somewhere in the request that asked the question "
        "(a blurred summary does not count). Recall can be lower when the simulator quoted other, newer "
        "sentences instead.",
        "",
        "## Settings (chosen once, the same for every strategy)",
        "",
        f"- History budget {HISTORY_BUDGET:,} tokens besides the current exchange: window by tokens, the pruning "
        f"pipeline (`default_pipeline()`, no summarizer), LangChain `trim_messages` (`max_tokens` = budget + "
        f"current exchange), LangChain summary buffer (`max_token_limit`).",
        f"- Window by count: {WINDOW_MESSAGES} messages. Smart manager, smart manager with pinned facts and "
        f"summary in the system prompt (`LongConversationManager`): summarize after a request of more than "
        f"{SUMMARY_THRESHOLD:,} input tokens, keep the last 4 exchanges (library defaults otherwise). Pinned facts: "
        "each planted sentence is pinned when it is stated.",
        "- LangChain peers: " + (f"langchain-core {lc}. " if lc else "**not run: langchain-core is not installed** "
                                  "(`pip install -r benchmarks/requirements.txt`). ")
        + "`trim_messages(strategy=\"last\", start_on=\"human\")` with a token counter that converts each "
        "message back and applies `course_lib.tokens.estimate_message_tokens`. `ConversationSummaryBufferMemory` "
        "is not in langchain-core (it is in the heavy `langchain-classic` package), so the summary-buffer peer "
        "is rebuilt from langchain-core pieces with the same algorithm (pop the oldest messages while over the "
        "limit, summarize them into the running summary with LangChain's prompt, minus its worked example); "
        "unlike LangChain it pops until the buffer starts with a user question, since a leading tool result "
        "is rejected by the API. See `benchmarks/strategies.py`.",
        "- The control sends only the current exchange: its recall shows how many questions can be answered "
        "without any history (it should be 0%).",
        f"- {PRICE_NOTE}",
        "",
        "- *recall, paraphrased*: at each fact question, the very request that asked it is sent once more to a "
        "separate simulator with the question in a learner's words (`Fact.paraphrase` in "
        "`benchmarks/conversations.py`, written apart from the simulator's matcher and not tuned to it). Same "
        "context, other wording: the gap between the two recall columns is the phrasing, not the strategy.",
        "- Real peers (" + (peers_missing() or "installed: " + ", ".join(
            f"{p} {version_of(p)}" for p in ("langchain", "langchain-anthropic", "llama-index-core")))
        + "), each against its own "
        "`course-kit serve` on 127.0.0.1 (`benchmarks/peers.py`): LangChain v1 `SummarizationMiddleware` "
        f"(trigger {SUMMARY_THRESHOLD:,} tokens, keep {KEEP_MESSAGES} messages, `ChatAnthropic(base_url=...)`; its "
        "`before_model` hook is run before each model call as `create_agent` runs it, the loop is driven by the "
        "benchmark because tool results are scripted; its summary prompt's first line says \"Summarize\" so the "
        "simulator recognises it); LlamaIndex `Memory` (`token_limit` "
        f"{2 * HISTORY_BUDGET:,}, chat share 0.5) with the pinned facts in a `StaticMemoryBlock`, "
        "`memory.get()` as the history of the course's own SDK call to the server (`llama-index-llms-anthropic` "
        "0.12.3 fails against anthropic 2.14 before sending: `TypeError: Cannot instantiate typing.Union`); "
        "scenarios without tools only. The server adds the same cache breakpoint.",
        f"- Tool-heavy case (`benchmarks/tool_heavy.py`): server-side edits through `client.beta.messages.create` "
        f"with the full history kept on the client: `clear_tool_uses_20250919` (trigger {CLEAR_TRIGGER:,} input "
        f"tokens, keep 3 tool uses), `compact_20260112` (trigger {COMPACT_TRIGGER:,}, the API's minimum), and both. "
        "A compaction's own summarizing call (`usage.iterations`) is counted as a summary request. The client "
        "sends the full history and the server edits it, so their *fact was in the request* is 100% by "
        "construction; their recall shows what survived the edits.",
        "",
        "Chart: `token_economy.html` (cumulative input tokens per turn; recall against cost).",
        "",
    ]
    return "\n".join(parts)


PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#393b79"]


def figure(scenario_list: Sequence[Scenario], results: dict[str, list[RunResult]]) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    titles = [f"{s.title}: cumulative input tokens" for s in scenario_list]
    titles += [f"{s.title}: fact recall vs cost with caching" for s in scenario_list]
    fig = make_subplots(rows=2, cols=len(scenario_list), subplot_titles=titles, vertical_spacing=0.14)
    labels = list(dict.fromkeys(r.label for runs in results.values() for r in runs))
    colors = {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}
    for col, scenario in enumerate(scenario_list, 1):
        for r in results.get(scenario.name, []):
            show = col == 1
            turns = list(range(1, len(r.per_step) + 1))
            dash = "solid" if r.family == "course_lib" else "dash"  # a peer can coincide with a manager
            fig.add_trace(go.Scatter(x=turns, y=[t for t, _, _ in r.per_step], mode="lines", name=r.label,
                                     legendgroup=r.label, showlegend=show,
                                     line={"color": colors[r.label], "dash": dash},
                                     hovertemplate="turn %{x}: %{y:,} tokens<extra>" + r.label + "</extra>"),
                          row=1, col=col)
            fig.add_trace(go.Scatter(x=[r.dollars_cached], y=[100 * r.recall], mode="markers", name=r.label,
                                     legendgroup=r.label, showlegend=False,
                                     marker={"color": colors[r.label], "size": 14 if r.family == "course_lib" else 12,
                                             "symbol": "circle" if r.family == "course_lib" else "diamond",
                                             "line": {"width": 1, "color": "white"}},
                                     hovertemplate=f"{r.label}<br>$%{{x:.4f}} with caching<br>recall %{{y:.0f}}%"
                                                   "<extra></extra>"),
                          row=2, col=col)
        fig.update_xaxes(title_text="user turn", row=1, col=col)
        fig.update_yaxes(title_text="input tokens so far", row=1, col=col)
        fig.update_xaxes(title_text="dollars with prompt caching", tickprefix="$", row=2, col=col)
        fig.update_yaxes(title_text="fact recall (%)", range=[-5, 105], row=2, col=col)
    fig.update_layout(title="Token economy: what each strategy costs and remembers", height=900,
                      template="plotly_white", legend={"orientation": "h", "y": -0.08})
    return fig


def write(out: Path, scenario_list: Sequence[Scenario], results: dict[str, list[RunResult]], info: dict[str, Any],
          *, quick: bool, command: str) -> list[Path]:
    md = out / "token_economy.md"
    write_text(md, markdown(scenario_list, results, info, quick=quick, command=command))
    html = out / "token_economy.html"
    fig = figure(scenario_list, results)
    # "directory": plotly.min.js is written once beside the page, so the chart opens offline.
    fig.write_html(str(html), include_plotlyjs="directory", full_html=True)
    return [md, html]
