"""Scale: how long each strategy takes to prepare one turn's context, and the memory a history holds.

    python benchmarks/scale.py [--quick]      # prints the table; `python benchmarks/run.py` also writes scale.md

Histories of 100, 1,000 and 10,000 messages (alternating user and assistant text of 10-70 words,
recorded with ``record()``, no API calls), and for pruning also a *templated* support log, every
message one of two sentences with its own invoice, order and amount, as bots and agents write them.
What is timed is the work done before each request:

* the managers: ``get_messages()`` (and ``get_system()`` for the summary-in-system-prompt one),
  the smart managers after folding all but the last 4 exchanges into a summary;
* the pruning pipeline: ``prune(history, budget)``, *warm* (the kept default pipeline, which has
  indexed this history before), *cold* (a new ``default_pipeline()`` every call: nothing indexed,
  each message's facts remembered, as in a server that has seen these messages), and at *first
  sight* (every memo emptied before the call, untimed, and restored after);
* ``Deduplicate(by="meaning")`` alone, cold and warm: what semantic deduplication costs;
* LangChain: ``trim_messages(history, strategy="last", start_on="human", max_tokens=...)`` on a
  history already held as LangChain messages, with the token counter of the token-economy
  benchmark (each message converted back and counted by ``course_lib.tokens``). A second row
  gives trim_messages a per-message counter that remembers each message's count, to show how
  much of its time is counting and how much is the algorithm.

Method: every candidate is built at every size first; then, in each of several rounds, every
candidate is timed once in a shuffled order (a batch of calls long enough for ``perf_counter``),
so that machine noise (2 shared cores) falls on all of them alike. Reported: the median over
rounds of the time per call, and ratios to the token window measured in the same process.
Memory: ``tracemalloc`` around building a 10,000-message history in each container.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import machine_md, table, verdict, write_text  # noqa: E402
from benchmarks.strategies import (  # noqa: E402
    HISTORY_BUDGET,
    WINDOW_MESSAGES,
    langchain_token_counter,
    langchain_version,
    to_langchain,
)
from course_lib import make_client  # noqa: E402
from course_lib.managers import (  # noqa: E402
    ConversationManager,
    LongConversationManager,
    SlidingWindowManager,
    SmartConversationManager,
    TokenWindowManager,
)
from course_lib.pruning import Deduplicate, default_pipeline, plan, prune, split_exchanges  # noqa: E402
from course_lib.pruning import facts as pruning_facts  # noqa: E402
from course_lib.tokens import estimate_message_tokens  # noqa: E402

SIZES = (100, 1_000, 10_000)
QUICK_SIZES = (100, 1_000)
TARGET_SECONDS = 1e-3
TARGET_SIZE = 10_000
TARGET_RATIO = 10.0
PRUNE = "pruning pipeline"
TEMPLATED = "templated text"
COLD = "cold (new pipeline every call)"
FIRST_SIGHT = "first sight (memos emptied)"
PRUNE_TARGET_SECONDS = 50e-3
COLD_TARGET_SECONDS = 200e-3
PRUNE_TARGET_GROWTH = 12.0
MEANING = 'Deduplicate(by="meaning") alone'
GROWTH_FROM = 1_000
TOKEN_WINDOW = f"window by tokens ({HISTORY_BUDGET:,})"
TRIM = "LangChain trim_messages"
SLOW_SECONDS = 0.5
SLOW_ROUNDS = 3
"""A candidate whose single call takes more than ``SLOW_SECONDS`` is timed in the first
``SLOW_ROUNDS`` rounds only (still interleaved with the others), to keep the run short."""
WORDS = "billing invoice refund account service deploy region customer ticket report".split()


def text(n: int, words: int) -> str:
    return " ".join(WORDS[(n + i) % len(WORDS)] for i in range(words))


def history(size: int) -> list[dict[str, Any]]:
    """``size`` alternating user/assistant messages of varied length (10-70 words), user first."""
    return [{"role": "user" if n % 2 == 0 else "assistant", "content": text(n, 10 + (n * 37) % 61)}
            for n in range(size)]


def templated(size: int, start: int = 0) -> list[dict[str, Any]]:
    """``size`` messages of a support log where every message follows one of two templates, user first.

    ``start`` begins at a later message of the same log (the tests plant a copy of exchange ``start // 2``)."""
    messages = []
    for n in range(start, start + size):
        i = n // 2
        text = (f"The customer asks about invoice INV-{1000 + i} and wants to know why order QX-{5000 + i} "
                "was charged twice this month." if n % 2 == 0 else
                f"The agent checks order QX-{5000 + i} and invoice INV-{1000 + i}: the second charge of "
                f"${i * 37 % 500}.00 is a pending authorization and drops off in 3 to 5 business days.")
        messages.append({"role": "user" if n % 2 == 0 else "assistant", "content": text})
    return messages


def pruning_memos() -> tuple[dict[Any, Any], ...]:
    """Pruning's memos: message facts and exchange shingles."""
    return pruning_facts._MESSAGES, pruning_facts._EXCHANGES


class EmptiedMemos:
    """Around one call: pruning's memos (:func:`pruning_memos`) emptied, then restored.

    Restored so the other rows, interleaved with this one, stay as warm as they were.
    """

    def __init__(self) -> None:
        self.saved: list[dict[Any, Any]] = []

    def setup(self) -> None:
        memos = pruning_memos()  # private: a benchmark may reach in
        self.saved = [dict(memo) for memo in memos]
        for memo in memos:
            memo.clear()

    def teardown(self) -> None:
        for memo, saved in zip(pruning_memos(), self.saved, strict=True):
            memo.clear()
            memo.update(saved)
        self.saved = []


def fill(manager: ConversationManager, messages: int) -> ConversationManager:
    """Record ``messages`` alternating messages into ``manager`` (no API calls)."""
    for message in history(messages):
        manager.add_message(message)
    return manager


def summarized(manager: SmartConversationManager) -> SmartConversationManager:
    """Fold everything but the recent exchanges into the summary (a few simulated requests)."""
    while manager.summarize():
        pass
    return manager


def collector_on(call: Callable[[], Any]) -> Callable[[], Any]:
    """``call`` with the garbage collector running, as in a notebook, inside :func:`measure`'s collector-off loop.

    Every other row is timed with the collector off, so no collection lands on the wrong row; this
    one counts the collections its own allocations trigger over this process's whole heap.
    """
    def timed() -> Any:
        gc.enable()
        try:
            return call()
        finally:
            gc.disable()
    return timed


@dataclass
class Candidate:
    name: str
    call: Callable[[], Any]
    sent: int
    """Messages the prepared context holds (what the next request would send)."""
    batch: int = 1
    max_rounds: int | None = None
    times: list[float] = field(default_factory=list)
    setup: Callable[[], None] | None = None
    """Run before each timed call, untimed (then the batch is one call); ``teardown`` after it."""
    teardown: Callable[[], None] | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def candidates(size: int, *, langchain: bool) -> list[Candidate]:
    """Every strategy, built and filled at ``size`` messages, with the call that prepares a turn."""
    client = make_client("simulated", context_window=10_000_000)
    smart = {"token_threshold": HISTORY_BUDGET}
    made: list[tuple[str, Callable[[], Any], Callable[[Any], int]]] = []
    token = fill(TokenWindowManager(client, history_budget=HISTORY_BUDGET), size)
    made.append((TOKEN_WINDOW, token.get_messages, len))
    window = fill(SlidingWindowManager(client, window_size=WINDOW_MESSAGES), size)
    made.append((f"window by count ({WINDOW_MESSAGES} messages)", window.get_messages, len))
    full = fill(ConversationManager(client), size)
    made.append(("full history", full.get_messages, len))
    smart_manager = summarized(fill(SmartConversationManager(client, **smart), size))
    made.append(("smart manager (after summarizing)", smart_manager.get_messages, len))
    long_manager = summarized(fill(LongConversationManager(client, **smart), size))
    made.append(("summary in system prompt", lambda: (long_manager.get_system(), long_manager.get_messages()),
                 lambda result: len(result[1])))
    messages = history(size)
    current = sum(estimate_message_tokens(m) for m in messages[-2:])
    kept = default_pipeline()  # kept across calls, as prune() keeps its default: one per size, as sizes interleave
    made.append((PRUNE, lambda: prune(messages, HISTORY_BUDGET + current, kept), len))
    made.append((f"{PRUNE} (garbage collector on)",
                 collector_on(lambda: prune(messages, HISTORY_BUDGET + current, kept)), len))
    made += pruning_rows(messages, HISTORY_BUDGET + current, "")
    support = templated(size)
    support_budget = HISTORY_BUDGET + sum(estimate_message_tokens(m) for m in support[-2:])
    made += pruning_rows(support, support_budget, TEMPLATED)
    if langchain:
        from langchain_core.messages import trim_messages

        lc = [m for message in messages for m in to_langchain(message)]
        made.append((TRIM, lambda: trim_messages(lc, max_tokens=HISTORY_BUDGET + current, strategy="last",
                                                 token_counter=langchain_token_counter, start_on="human"), len))
        memo: dict[int, int] = {}

        def remembered(batch: list[Any]) -> int:
            total = 0
            for message in batch:  # what trim_messages does with a per-message counter, plus a cache
                found = memo.get(id(message))
                if found is None:
                    found = memo[id(message)] = langchain_token_counter([message])
                total += found
            return total

        made.append((f"{TRIM} (counts remembered)",
                     lambda: trim_messages(lc, max_tokens=HISTORY_BUDGET + current, strategy="last",
                                           token_counter=remembered, start_on="human"), len))
        lc_support = [m for message in support for m in to_langchain(message)]
        made.append((f"{TRIM}, {TEMPLATED}",
                     lambda: trim_messages(lc_support, max_tokens=support_budget, strategy="last",
                                           token_counter=langchain_token_counter, start_on="human"), len))
    found = [Candidate(name, call, sent(call())) for name, call, sent in made]
    first_sight = {f"{PRUNE}, {FIRST_SIGHT}", f"{PRUNE}, {TEMPLATED}, {FIRST_SIGHT}"}
    for c in found:
        if c.name in first_sight:
            memos = EmptiedMemos()
            c.setup, c.teardown = memos.setup, memos.teardown
    return found


def pruning_rows(messages: list[dict[str, Any]], budget: int, text: str) -> list[tuple[str, Callable[[], Any],
                                                                                       Callable[[Any], int]]]:
    """Warm (templated only: the varied warm row is the first), cold and first-sight prune, and semantic dedup."""
    label = f"{PRUNE}, {text}" if text else PRUNE
    warm_meaning = Deduplicate(by="meaning")
    rows = [(f"{label}, {COLD}", lambda: prune(messages, budget, default_pipeline()), len),
            (f"{label}, {FIRST_SIGHT}", lambda: prune(messages, budget, default_pipeline()), len),
            (f"{MEANING}, {text or 'varied text'}, cold", lambda: plan(messages, 0, Deduplicate(by="meaning")),
             lambda p: len(p.kept)),
            (f"{MEANING}, {text or 'varied text'}, warm", lambda: plan(messages, 0, warm_meaning),
             lambda p: len(p.kept))]
    kept = default_pipeline()
    return [(label, lambda: prune(messages, budget, kept), len), *rows] if text else rows


def calibrate(candidate: Candidate, floor: float) -> None:
    """Warm up, then set the calls per timed batch so that one batch lasts at least ``floor`` seconds.

    The first call warms caches up; a candidate whose first call is already slower than
    ``SLOW_SECONDS`` needs no further warming and is timed one call at a time in fewer rounds.
    """
    start = time.perf_counter()
    candidate.call()
    if time.perf_counter() - start > SLOW_SECONDS:
        candidate.batch, candidate.max_rounds = 1, SLOW_ROUNDS
        return
    if candidate.setup is not None:  # a setup before every call: one call per batch
        candidate.batch = 1
        return
    start = time.perf_counter()
    candidate.call()
    once = max(time.perf_counter() - start, 1e-7)
    candidate.batch = max(1, int(floor / once))


def measure(found: list[Candidate], rounds: int, *, floor: float = 2e-3, seed: int = 8) -> None:
    """Interleaved rounds: each round times every candidate once, in a shuffled order."""
    rng = random.Random(seed)
    for c in found:
        calibrate(c, floor)
    order = list(found)
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # a collection landing on one candidate's batch would bias it
    try:
        for _ in range(rounds):
            rng.shuffle(order)
            for c in order:
                if c.max_rounds is not None and len(c.times) >= c.max_rounds:
                    continue
                if c.setup is not None:
                    c.setup()
                start = time.perf_counter()
                for _ in range(c.batch):
                    c.call()
                c.times.append((time.perf_counter() - start) / c.batch)
                if c.teardown is not None:
                    c.teardown()
    finally:
        if gc_was_enabled:
            gc.enable()


def traced_bytes(build: Callable[[], Any]) -> int:
    """Bytes still allocated after ``build()`` (its result kept alive), by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return after - before


def memory(size: int, *, langchain: bool) -> dict[str, int]:
    client = make_client("simulated")
    builds: dict[str, Callable[[], Any]] = {
        "plain list of message dicts (baseline)": lambda: history(size),
        "ConversationManager transcript (every manager keeps one)": lambda: fill(ConversationManager(client), size),
        TOKEN_WINDOW: lambda: fill(TokenWindowManager(client, history_budget=HISTORY_BUDGET), size),
    }
    if langchain:
        builds["LangChain messages (HumanMessage / AIMessage)"] = lambda: [
            m for message in history(size) for m in to_langchain(message)]
    return {name: traced_bytes(build) for name, build in builds.items()}


@dataclass
class ScaleResult:
    sizes: tuple[int, ...]
    rounds: dict[int, int]
    by_size: dict[int, list[Candidate]]
    memory: dict[str, int]
    memory_size: int
    seconds: float
    load: tuple[float, float] = (0.0, 0.0)
    """The 1-minute load average when the run started and ended: other processes share the cores."""


def run(*, quick: bool = False, langchain: bool | None = None, sizes: tuple[int, ...] | None = None,
        rounds: int | None = None, progress: Callable[[str], None] = print) -> ScaleResult:
    use_langchain = langchain_version() is not None if langchain is None else langchain
    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    by_size: dict[int, list[Candidate]] = {}
    used_rounds: dict[int, int] = {}
    for size in sizes:
        by_size[size] = candidates(size, langchain=use_langchain)
        used_rounds[size] = rounds or (5 if quick else 20)
    # every size in the same rounds: a growth ratio compares timings taken under the same load
    measure([c for found in by_size.values() for c in found], max(used_rounds.values()))
    for size, found in by_size.items():
        progress(f"  {size:>6,} messages: " + ", ".join(f"{c.name} {c.median * 1e6:,.1f} us" for c in found))
    memory_size = sizes[-1]
    mem = memory(memory_size, langchain=use_langchain)
    return ScaleResult(tuple(sizes), used_rounds, by_size, mem, memory_size, time.perf_counter() - started,
                       (load_before, os.getloadavg()[0]))


def targets(result: ScaleResult) -> list[tuple[str, bool | None]]:
    """The issue's two targets, judged at 10,000 messages (a smaller run is reported without a verdict)."""
    largest = result.sizes[-1]
    if largest != TARGET_SIZE:
        return [(f"Not judged: the targets are for {TARGET_SIZE:,} messages and this run stopped at {largest:,}.",
                 None)]
    found = {c.name: c for c in result.by_size[largest]}
    token = found[TOKEN_WINDOW]
    checks: list[tuple[str, bool | None]] = [(
        f"Window by tokens prepares a turn in under 1 ms at {largest:,} messages: {token.median * 1e6:,.1f} us "
        f"({verdict(token.median < TARGET_SECONDS)})", token.median < TARGET_SECONDS)]
    trim = found.get(TRIM)
    if trim is None:
        checks.append(("Window by tokens at least 10x faster than LangChain trim_messages: not measured "
                       "(langchain-core is not installed)", None))
    else:
        ratio = trim.median / token.median
        checks.append((f"Window by tokens at least 10x faster than LangChain trim_messages on the same "
                       f"{largest:,}-message history: {ratio:,.0f}x ({verdict(ratio >= TARGET_RATIO)})",
                       ratio >= TARGET_RATIO))
    return checks + prune_targets(result)


def prune_targets(result: ScaleResult) -> list[tuple[str, bool | None]]:
    """Issues 16 and 21: at 10,000 messages a warm prune() under 50 ms and a cold one under 200 ms, varied text or
    templated, also at first sight (issue 21's strict reading: a fresh worker loading a stored conversation);
    every pruning row at most 12x the time for 10x the messages."""
    at = {size: {c.name: c.median for c in result.by_size[size]} for size in result.sizes}
    largest = at[TARGET_SIZE]
    checks: list[tuple[str, bool | None]] = []
    for name in (n for n in largest if n.startswith(PRUNE)):
        target = COLD_TARGET_SECONDS if COLD in name or FIRST_SIGHT in name else PRUNE_TARGET_SECONDS
        met = largest[name] < target
        checks.append((f"{name} at {TARGET_SIZE:,} messages under {target * 1e3:g} ms: {largest[name] * 1e3:,.1f} ms "
                       f"({verdict(met)})", met))
    if GROWTH_FROM in at:
        growth = {name: largest[name] / at[GROWTH_FROM][name] for name in largest if name.startswith(PRUNE)}
        met = all(g <= PRUNE_TARGET_GROWTH for g in growth.values())
        checks.append((f"every pruning row from {GROWTH_FROM:,} to {TARGET_SIZE:,} messages grows at most "
                       f"{PRUNE_TARGET_GROWTH:g}x: " + ", ".join(f"{g:,.1f}x" for g in growth.values())
                       + f" ({verdict(met)})", met))
    return checks


def exact_check_load(size: int) -> tuple[float, float]:
    """For a templated log of ``size`` messages: the MinHash candidates per exchange that reach the exact check,
    and the share of them that the bound on shared shingles sets aside (measured, not timed)."""
    strategy = Deduplicate()
    live = split_exchanges(templated(size))
    list(strategy.candidates(live))
    index = strategy._index  # private: a benchmark may reach in
    index.matches = [None] * len(index.matches)  # every exchange's candidates, as on a first plan
    found = list(index._candidates(0))
    aside = sum(not may_match for *_, may_match in found)
    return len(found) / len(live), aside / max(len(found), 1)


def checked(size: int) -> str:
    """How many candidates reach the exact check at ``size`` and at ``GROWTH_FROM`` messages, for the notes."""
    (large, large_aside), (small, small_aside) = exact_check_load(size), exact_check_load(GROWTH_FROM)
    return (f"{large:.1f} candidates an exchange to the exact check at {size:,} messages against {small:.1f} at "
            f"{GROWTH_FROM:,}; an exact bound on the shingles a pair shares sets {large_aside:.0%} of them aside "
            f"({small_aside:.0%} at {GROWTH_FROM:,})")


def markdown(result: ScaleResult, info: dict[str, Any], *, quick: bool, command: str) -> str:
    sizes = result.sizes
    names = list(dict.fromkeys(c.name for size in sizes for c in result.by_size[size]))
    growth_shown = GROWTH_FROM in sizes and TARGET_SIZE in sizes
    rows = []
    for name in names:
        row: list[Any] = [name]
        for size in sizes:
            found = {c.name: c for c in result.by_size[size]}
            c, token = found.get(name), found[TOKEN_WINDOW]
            row += [f"{c.median * 1e6:,.1f} us [{c.sent:,}]", f"{c.median / token.median:,.1f}x"]
        if growth_shown:
            at = {size: {c.name: c.median for c in result.by_size[size]}[name] for size in (GROWTH_FROM, TARGET_SIZE)}
            row.append(f"{at[TARGET_SIZE] / at[GROWTH_FROM]:,.1f}x")
        rows.append(row)
    headers = ["strategy"]
    for size in sizes:
        headers += [f"{size:,} messages", "vs token window"]
    if growth_shown:
        headers.append(f"{GROWTH_FROM:,} -> {TARGET_SIZE:,}")
    slow = sorted({f"{c.name} at {size:,} ({len(c.times)} rounds: one call takes over {SLOW_SECONDS:g} s)"
                   for size in sizes for c in result.by_size[size] if c.max_rounds is not None})
    mem_rows = [[name, f"{size / 1024:,.0f} KiB", f"{size / result.memory_size:,.0f} B"]
                for name, size in result.memory.items()]
    parts = [
        "# Scale: preparing one turn's context",
        "",
        f"{'**Quick run (smoke version): not the committed figures.** ' if quick else ''}Written by `{command}` "
        f"in {result.seconds:.0f} s. " + machine_md(info) + f" Load average (1 min) {result.load[0]:.1f} at the "
        f"start, {result.load[1]:.1f} at the end, on {os.cpu_count()} cores.",
        "",
        "## Targets",
        "",
        *(f"- {text}" for text, _ in targets(result)),
        "",
        "## Time to prepare one turn",
        "",
        "Median time per call over interleaved rounds (rounds: "
        + ", ".join(f"{result.rounds[s]} at {s:,}" for s in sizes)
        + "); messages the prepared context holds in brackets; ratio to the token window at the same size, "
          "measured in the same process.",
        "",
        table(headers, rows),
        "",
        *([f"Timed in fewer rounds: {'; '.join(slow)}.", ""] if slow else []),
        "What is timed: `get_messages()` for the managers (plus `get_system()` for the summary in the system "
        "prompt), with the smart managers' older turns already folded into a summary; `prune(history, "
        "budget, pipeline)` for the pruning pipeline with a `default_pipeline()` kept across calls (one per "
        "history: `prune(history, budget)` keeps one default the same way, and a manager keeps its own), so "
        "its near-duplicate index is remembered and extended: *warm*; the \"cold\" rows pass a new "
        "`default_pipeline()` each time, so the near-duplicate index is rebuilt from nothing, while the "
        "per-message memo of scores, token counts and shingles is shared, as in a server process that has "
        "seen these messages; the \"first sight\" rows also empty those memos before each call (untimed; "
        "restored after it, so the other rows stay warm), so every message is scored, counted and shingled "
        "again: the varied history cycles ten words, so it holds only 610 distinct messages and its first "
        "sight works out those alone). *Templated text* is a support log whose every message follows one of "
        "two sentences with its own invoice, order and amount (\"The customer asks about invoice INV-1000 "
        "and wants to know why order QX-5000 was charged twice this month.\"): every pair of exchanges is "
        "about 0.6 similar, just under the 0.7 threshold, which made the shingle index of the previous "
        "version compare every pair (a cold call on 2,000 messages of such a log took 3.4 s). Its amounts "
        "repeat every 500 exchanges, so at 10,000 messages each exchange also has nine look-alikes at 0.65 "
        f"(none at 1,000), so MinHash hands {checked(TARGET_SIZE)} without comparing the sets. "
        f"{MEANING}: `plan(history, 0, "
        "Deduplicate(by=\"meaning\"))`, a new one each call (cold: the embeddings are remembered per text, "
        "the similarity matrix is computed again, 512 x 512 at a time) or a kept one (warm); no target, it "
        "is there to show what semantic deduplication costs. `trim_messages(history, strategy=\"last\", "
        "start_on=\"human\")` on a history already held as LangChain messages, with the token counter of the "
        "token-economy benchmark (each message converted back to the Messages API's shape and counted by "
        "`course_lib.tokens.estimate_message_tokens`). Converting trim_messages' result for the API is not "
        "timed. \"(counts remembered)\" gives trim_messages a per-message counter that caches each message's "
        f"count, as the token window caches its counts. History budget: {HISTORY_BUDGET:,} tokens besides the "
        f"newest exchange; window by count: {WINDOW_MESSAGES} messages. Rows are timed with Python's garbage "
        "collector off (as `timeit` does), so a collection cannot land on the wrong row; the \"(garbage "
        "collector on)\" row times the same prune with it on, as in a notebook, collections its allocations "
        "trigger over this process's heap included.",
        "",
        f"## Memory for {result.memory_size:,} messages",
        "",
        "Bytes allocated (tracemalloc) while building the history, message texts included.",
        "",
        table(["held as", "total", "per message"], mem_rows),
        "",
    ]
    return "\n".join(parts)


def write(out: Path, result: ScaleResult, info: dict[str, Any], *, quick: bool, command: str) -> list[Path]:
    path = out / "scale.md"
    write_text(path, markdown(result, info, quick=quick, command=command))
    return [path]


def main(argv: list[str] | None = None) -> ScaleResult:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 messages, 5 rounds")
    parser.add_argument("--managers-only", action="store_true", help="leave out the LangChain rows")
    args = parser.parse_args(argv)
    from benchmarks.common import machine_info

    result = run(quick=args.quick, langchain=False if args.managers_only else None)
    print(markdown(result, machine_info(), quick=args.quick, command="python benchmarks/scale.py"))
    return result


if __name__ == "__main__":
    main()
