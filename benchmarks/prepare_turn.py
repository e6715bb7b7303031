"""How long a manager takes to prepare one turn's context (``get_messages()``) as the transcript grows.

    python benchmarks/prepare_turn.py [--repeats 300]

Transcripts of 100, 1,000 and 10,000 messages are built with ``record()`` (no API calls), then
``get_messages()`` is timed with ``time.perf_counter`` many times and the median is reported.
The token window should cost in proportion to what it keeps, not to the transcript: its token
counts are cached per message, exchange starts are kept up to date on append, and the walk stops
at the first exchange that does not fit. The target: under 1 ms at 10,000 messages. The sliding
window (also bounded) and full history (copies everything, so it grows with the transcript) are
measured in the same run for comparison; the last column is each time over the token window's.

Not a test: timings depend on the machine. Figures quoted in the notebooks come from here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from course_lib import make_client  # noqa: E402
from course_lib.managers import ConversationManager, SlidingWindowManager, TokenWindowManager  # noqa: E402

SIZES = (100, 1_000, 10_000)
HISTORY_BUDGET = 4_000
WINDOW_SIZE = 40
TARGET_SECONDS = 1e-3
WORDS = "billing invoice refund account service deploy region customer ticket report".split()


def text(n: int, words: int) -> str:
    return " ".join(WORDS[(n + i) % len(WORDS)] for i in range(words))


def fill(manager: ConversationManager, messages: int) -> ConversationManager:
    """Alternating user/assistant messages of varied length (10-70 words), recorded directly."""
    for n in range(messages):
        role = "user" if n % 2 == 0 else "assistant"
        manager.record({"role": role, "content": text(n, 10 + (n * 37) % 61)})
    return manager


def median_seconds(manager: ConversationManager, repeats: int) -> float:
    for _ in range(10):  # warm up
        manager.get_messages()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        manager.get_messages()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict[str, dict[int, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=300, help="timed calls per measurement (default 300)")
    args = parser.parse_args(argv)
    client = make_client("simulated")
    makers = {
        f"token window ({HISTORY_BUDGET:,} tokens)": lambda: TokenWindowManager(client, history_budget=HISTORY_BUDGET),
        f"sliding window ({WINDOW_SIZE} messages)": lambda: SlidingWindowManager(client, window_size=WINDOW_SIZE),
        "full history": lambda: ConversationManager(client),
    }
    results: dict[str, dict[int, float]] = {name: {} for name in makers}
    kept: dict[str, dict[int, int]] = {name: {} for name in makers}
    for size in SIZES:
        for name, make in makers.items():
            manager = fill(make(), size)
            results[name][size] = median_seconds(manager, args.repeats)
            kept[name][size] = len(manager.get_messages())

    token = next(iter(results))
    print(f"get_messages() median of {args.repeats} calls, microseconds (messages sent in brackets)\n")
    header = f"{'strategy':<32}" + "".join(f"{size:>16,}" for size in SIZES) + f"{'vs token @10k':>15}"
    print(header)
    print("-" * len(header))
    for name, row in results.items():
        cells = "".join(f"{row[s] * 1e6:>9.1f} [{kept[name][s]:>4}]" for s in SIZES)
        print(f"{name:<32}{cells}{row[SIZES[-1]] / results[token][SIZES[-1]]:>14.1f}x")
    at_largest = results[token][SIZES[-1]]
    growth = at_largest / results[token][SIZES[0]]
    verdict = "met" if at_largest < TARGET_SECONDS else "NOT met"
    print(f"\nToken window at {SIZES[-1]:,} messages: {at_largest * 1e6:.1f} us -> target < 1 ms {verdict}; "
          f"{growth:.2f}x its time at {SIZES[0]} messages for {SIZES[-1] // SIZES[0]}x the transcript.")
    return results


if __name__ == "__main__":
    main()
