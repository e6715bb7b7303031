"""The syllabus lab, runnable offline: what three history strategies send for the same six questions.

Full history, a sliding window of 4 messages, and a summarizing manager (threshold 500 input
tokens, 2 recent turns kept) each answer the same questions with the system prompt
"Answer in 1 sentence."; the table shows the input tokens each turn sent and the totals
(summary requests included: they are billed too). Then the summarizing manager that summarized is saved to a
temporary folder, loaded into a new object, and asked "What did we discuss?".

    python scripts/syllabus_lab.py                 # offline simulator, free
    python scripts/syllabus_lab.py --mode live     # the real API: needs ANTHROPIC_API_KEY, costs money

The offline simulator answers the Python questions from Python's own documentation (what
``help()`` shows), one sentence each as the system prompt asks, so its replies are about as long
as a real model's one-sentence answers: six turns then send about 300 input tokens, under the
syllabus's 500. The module's advice when summaries do not trigger is to lower the threshold, so when
the smart manager made no summary the lab runs it again with ``--lower-to`` (default 250, a value
one-sentence answers from a real Claude cross too) and saves and restores that manager.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from course_lib import make_client  # noqa: E402
from course_lib.managers import (  # noqa: E402
    ConversationManager,
    SlidingWindowManager,
    SmartConversationManager,
)

QUESTIONS = ["What is a Python list?", "How do I sort a list?", "What about list comprehensions?",
             "How do dictionaries differ from lists?", "What are sets?", "When should I use tuples?"]
SYSTEM_PROMPT = "Answer in 1 sentence."


@dataclass
class Row:
    """One strategy's line of the table."""

    label: str
    per_turn: list[int]
    summary_tokens: int

    @property
    def total(self) -> int:
        return sum(self.per_turn) + self.summary_tokens


def prompt_tokens(row: dict) -> int:
    """Everything the request read: uncached input plus cache writes and reads."""
    return row["input_tokens"] + row["cache_creation_input_tokens"] + row["cache_read_input_tokens"]


def run(label: str, manager: ConversationManager) -> Row:
    for question in QUESTIONS:
        manager.send(question)
    per_turn = {row["turn"]: prompt_tokens(row) for row in manager.usage_log if row["kind"] != "summary"}
    summaries = sum(prompt_tokens(row) for row in manager.usage_log if row["kind"] == "summary")
    return Row(label, [per_turn[turn] for turn in sorted(per_turn)], summaries)


def table(rows: Sequence[Row]) -> str:
    width = max(len(row.label) for row in rows)
    turns = len(rows[0].per_turn)
    header = f"{'strategy':<{width}} | " + " ".join(f"{'t' + str(t + 1):>5}" for t in range(turns))
    header += f" | {'summaries':>9} | {'total':>6}"
    lines = [header, "-" * len(header)]
    for row in rows:
        cells = " ".join(f"{tokens:>5,}" for tokens in row.per_turn)
        lines.append(f"{row.label:<{width}} | {cells} | {row.summary_tokens:>9,} | {row.total:>6,}")
    return "\n".join(lines)


@dataclass
class LabResult:
    """What the lab shows: the table's rows, how many summaries smart made, the restored manager's recap."""

    rows: list[Row]
    summaries: int  # made at the syllabus's threshold
    recap: str  # the restored manager's answer to "What did we discuss?"
    restored_threshold: int  # the threshold of the manager that was saved and restored
    restored_summaries: int


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run the lab and print it; returns the table's rows."""
    return run_lab(argv).rows


def run_lab(argv: Sequence[str] | None = None) -> LabResult:
    """Run the lab and print it; returns everything it shows."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mode", default="simulated", help="client mode (default: simulated, offline)")
    parser.add_argument("--window", type=int, default=4, help="sliding window size in messages (default 4)")
    parser.add_argument("--threshold", type=int, default=500, help="summarizing threshold in input tokens")
    parser.add_argument("--lower-to", type=int, default=250,
                        help="threshold for a second run when the first made no summary (default 250)")
    args = parser.parse_args(argv)

    def client():
        return make_client(args.mode)

    def smart_manager(threshold: int) -> SmartConversationManager:
        return SmartConversationManager(client(), system_prompt=SYSTEM_PROMPT, token_threshold=threshold,
                                        recent_turns_to_keep=2)

    smart = smart_manager(args.threshold)
    full = run("full history", ConversationManager(client(), system_prompt=SYSTEM_PROMPT))
    rows = [full, run(f"window of {args.window}", SlidingWindowManager(client(), system_prompt=SYSTEM_PROMPT,
                                                                      window_size=args.window)),
            run(f"smart (threshold {args.threshold})", smart)]
    print(f"Input tokens per turn, {len(QUESTIONS)} questions, system prompt {SYSTEM_PROMPT!r}:\n")
    print(table(rows))
    summaries = len(smart.summary_history)
    print(f"\nSummaries made by the smart manager: {summaries}.")
    if not summaries:
        print(f"It never crossed {args.threshold} input tokens (its last turn sent {rows[-1].per_turn[-1]}), so it "
              "sent the full history.")
        print(f"\nThe module's advice: when replies are short, lower the threshold. Again at {args.lower_to}:\n")
        smart = smart_manager(args.lower_to)
        print(table([full, run(f"smart (threshold {args.lower_to})", smart)]))
        print(f"\nSummaries made by the smart manager: {len(smart.summary_history)}.")
    if smart.summary_history:
        print(f"Summary requests are counted in its total. The summary now reads: {smart.get_summary()!r}")
    recap = save_restore_and_recap(smart, client())
    return LabResult(rows, summaries, recap, smart.token_threshold, len(smart.summary_history))


def save_restore_and_recap(smart: SmartConversationManager, client) -> str:
    """Save the manager, load it into a new object, and ask it what was discussed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "smart.json"
        smart.save(path)
        restored = SmartConversationManager.load(path, client=client)
        print(f"\nSaved to {path.name}, loaded into a new object ({len(restored.transcript)} messages, "
              f"threshold {restored.token_threshold}).")
        recap = restored.send("What did we discuss?")
        print("Q: What did we discuss?")
        print(f"A: {recap}")
    return recap


if __name__ == "__main__":
    main()
