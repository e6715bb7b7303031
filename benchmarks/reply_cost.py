"""What a simulated reply costs: milliseconds per reply, the old word matcher vs this checkout's, side by side.

    python benchmarks/reply_cost.py        # writes benchmarks/results/reply_cost.md

The same request (a chat of N user messages with the simulator's replies between them, then one
question) is answered by ``make_client("simulated")`` in this checkout and, in the same run, by the
word matcher's code (:data:`WORD_MATCHER`) from a temporary ``git worktree`` imported in a subprocess. Each figure is
the median of several replies after one warm-up reply (the embedding model loads once per process,
and is timed apart as "first reply").
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import RESULTS, ROOT, machine_info, machine_md, table, write_text  # noqa: E402

SIZES = (10, 100, 400)
RUNS = 7
TIMER = r'''
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from course_lib import DEFAULT_MODEL, make_client
sizes, runs = json.loads(sys.argv[2]), int(sys.argv[3])
TOPICS = ["my manager is Dev Okafor", "the standup is on tuesday at 9", "our budget is 4,500 euros",
          "the router is a TP-Link AX55", "my sister lands at 6pm", "the venue is Harrow Barn"]
def history(n):
    messages = []
    for i in range(n):
        messages.append({"role": "user", "content": f"{TOPICS[i % len(TOPICS)]} (note {i})"})
        messages.append({"role": "assistant", "content": "Got it."})
    return messages + [{"role": "user", "content": "who's my boss"}]
client = make_client("simulated")
started = time.perf_counter()
client.messages.create(model=DEFAULT_MODEL, max_tokens=200, messages=history(2))
first = (time.perf_counter() - started) * 1000
out = {"first": first}
for n in sizes:
    messages, times = history(n), []
    client.messages.create(model=DEFAULT_MODEL, max_tokens=200, messages=messages)  # warm-up
    for _ in range(runs):
        started = time.perf_counter()
        client.messages.create(model=DEFAULT_MODEL, max_tokens=200, messages=messages)
        times.append((time.perf_counter() - started) * 1000)
    out[str(n)] = statistics.median(times)
print(json.dumps(out))
'''


def measure(checkout: Path) -> dict[str, float]:
    """Milliseconds per reply for the code in ``checkout``, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", TIMER, str(checkout), json.dumps(SIZES), str(RUNS)],
                          capture_output=True, text=True, check=True, cwd=checkout,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(checkout)})
    return json.loads(done.stdout.strip().splitlines()[-1])


WORD_MATCHER = "4ae10d3"
"""The last commit whose simulator matched words, before its clause memory and embedding-weighted matching."""


def word_matcher_worktree(folder: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), WORD_MATCHER], cwd=ROOT, check=True,
                   capture_output=True)
    return folder


def run() -> tuple[dict[str, float], dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="reply_cost_") as tmp:
        folder = word_matcher_worktree(Path(tmp) / "word_matcher")
        try:
            old = measure(folder)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True)
    return old, measure(ROOT)


def markdown(old: dict[str, float], new: dict[str, float], info: dict) -> str:
    rows = [[f"{n} user messages", f"{old[str(n)]:.1f}", f"{new[str(n)]:.1f}", f"{new[str(n)] / old[str(n)]:.1f}x"]
            for n in SIZES]
    rows.append(["first reply of a process (model load)", f"{old['first']:.0f}", f"{new['first']:.0f}",
                 f"{new['first'] / old['first']:.1f}x"])
    return "\n\n".join([
        "# What a simulated reply costs",
        f"Command: `python benchmarks/reply_cost.py`. Median of {RUNS} replies per size, after a warm-up reply; "
        f"the word matcher (a temporary `git worktree` of {WORD_MATCHER}) and this checkout timed in the same run, "
        "each in a fresh interpreter.",
        table(["request", f"word matcher, {WORD_MATCHER} (ms)", "this checkout (ms)", "ratio"], rows, "lrrr"),
        machine_md(info)]) + "\n"


def main() -> None:
    old, new = run()
    path = RESULTS / "reply_cost.md"
    write_text(path, markdown(old, new, machine_info()))
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
