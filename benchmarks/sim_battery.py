"""The simulator's paraphrase battery: recall of planted facts and abstention on facts never given.

    python benchmarks/sim_battery.py        # prints the table and writes benchmarks/results/sim_battery.md

One conversation plants every fact of ``benchmarks/data/paraphrase_battery.yaml`` in its place (user
turns, system prompt, a tool result, a summary pair, the pinned-facts block), with the simulator's
own replies in between, so its boilerplate sits in the context too. Then each question is asked on
its own against that history. Recall: the reply quotes the fact's value. Abstention: a question
about a fact never given gets "I don't have that information". Target: 95% or better for each.
The held-out questions were written after the matcher was tuned and are reported beside them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import RESULTS, machine_info, machine_md, table, verdict, write_text  # noqa: E402
from course_lib import DEFAULT_MODEL, make_client  # noqa: E402
from course_lib.managers import PINNED_HEADER, SUMMARY_ACK  # noqa: E402

BATTERY = Path(__file__).resolve().parent / "data" / "paraphrase_battery.yaml"
TARGET = 0.95
REFUSAL = "don't have that information"
SUMMARY_HEADING = "Summary of our earlier conversation (messages 1-6; details may be lost):"  # as the managers write it


@dataclass
class BatteryResult:
    """Every question's reply, and whether it passed."""

    recalled: list[tuple[str, str, bool]] = field(default_factory=list)
    abstained: list[tuple[str, str, bool]] = field(default_factory=list)
    held_out_recalled: list[tuple[str, str, bool]] = field(default_factory=list)
    held_out_abstained: list[tuple[str, str, bool]] = field(default_factory=list)

    @staticmethod
    def rate(rows: list[tuple[str, str, bool]]) -> float:
        return sum(ok for *_, ok in rows) / len(rows)

    @property
    def recall(self) -> float:
        return self.rate(self.recalled)

    @property
    def abstention(self) -> float:
        return self.rate(self.abstained)


def load_battery(path: Path = BATTERY) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build_history(battery: dict[str, Any], client) -> tuple[str, list[dict[str, Any]]]:
    """The system prompt and the messages that plant every fact, simulator replies included."""
    facts = {f["text"]: f for f in battery["facts"]}.values()  # a sentence planting two facts is sent once
    system = "\n".join([battery["system"], *(f["text"] for f in facts if f["where"] == "system")])
    pinned = [f"- {f['text']}" for f in facts if f["where"] == "pinned"]
    system += "\n\n" + "\n".join([PINNED_HEADER, *pinned])
    summary = " ".join(f["text"] for f in facts if f["where"] == "summary")
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": f"{SUMMARY_HEADING}\n{summary}"},
        {"role": "assistant", "content": SUMMARY_ACK}]
    fillers = iter(battery["filler"] * len(battery["facts"]))
    for fact in facts:
        if fact["where"] == "tool":
            messages += tool_exchange(fact["text"], client, system, messages)
        elif fact["where"] == "user":
            for text in (fact["text"], next(fillers)):
                messages.append({"role": "user", "content": text})
                messages.append({"role": "assistant", "content": reply(client, system, messages)})
    return system, messages


def tool_exchange(output: str, client, system: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A question, the tool call it led to, the tool's result and the simulator's answer to it."""
    call = {"type": "tool_use", "id": "toolu_battery_1", "name": "lookup_order", "input": {"query": "status"}}
    exchange = [{"role": "user", "content": "Can you check on the status of my parcel?"},
                {"role": "assistant", "content": [{"type": "text", "text": "Let me check."}, call]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": output}]}]
    exchange.append({"role": "assistant", "content": reply(client, system, [*messages, *exchange])})
    return exchange


def reply(client, system: str, messages: list[dict[str, Any]]) -> str:
    response = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, system=system, messages=messages)
    return "".join(block.text for block in response.content if block.type == "text")


def run(path: Path = BATTERY) -> BatteryResult:
    battery, client = load_battery(path), make_client("simulated")
    system, history = build_history(battery, client)
    def ask(question: str) -> str:
        return reply(client, system, [*history, {"role": "user", "content": question}])

    result = BatteryResult()
    for fact in battery["facts"]:
        result.recalled += [(q, a, fact["value"] in a) for q in fact["questions"] for a in [ask(q)]]
        result.held_out_recalled += [(q, a, fact["value"] in a) for q in fact.get("held_out_questions", [])
                                     for a in [ask(q)]]
    result.abstained = [(q, a, REFUSAL in a) for q in battery["never_given"] for a in [ask(q)]]
    result.held_out_abstained = [(q, a, REFUSAL in a) for q in battery.get("held_out_never_given", [])
                                 for a in [ask(q)]]
    return result


def markdown(result: BatteryResult, info: dict[str, Any], command: str) -> str:
    def row(label: str, rows: list[tuple[str, str, bool]], target: bool) -> list[Any]:
        rate = result.rate(rows)
        return [label, len(rows), f"{rate:.0%}", verdict(rate >= TARGET) if target else "(reported only)"]

    rows = [row("paraphrased questions about planted facts, answered with the fact", result.recalled, True),
            row("questions about facts never given, refused", result.abstained, True),
            row("held out: paraphrased questions, answered with the fact", result.held_out_recalled, False),
            row("held out: facts never given, refused", result.held_out_abstained, False)]
    everything = result.recalled + result.abstained + result.held_out_recalled + result.held_out_abstained
    misses = [f"- `{q}` -> {a[:160]}" for q, a, ok in everything if not ok]
    return "\n\n".join([
        "# The simulator's paraphrase battery",
        f"Command: `{command}`. Battery: `benchmarks/data/paraphrase_battery.yaml`. Target: {TARGET:.0%} or better.",
        table(["what was measured", "questions", "result", "target"], rows, "lrrl"),
        "Misses:\n" + ("\n".join(misses) if misses else "none"),
        machine_md(info)]) + "\n"


def verdicts(result: BatteryResult) -> str:
    """One line for the run's summary of targets."""
    met = result.recall >= TARGET and result.abstention >= TARGET
    return (f"simulator battery: recall {result.recall:.0%}, abstention {result.abstention:.0%} "
            f"(target {TARGET:.0%} each): {verdict(met)}")


def write(out: Path, result: BatteryResult, info: dict[str, Any], command: str) -> list[Path]:
    path = out / "sim_battery.md"
    write_text(path, markdown(result, info, command))
    return [path]


def main() -> BatteryResult:
    result = run()
    written = write(RESULTS, result, machine_info(), "python benchmarks/sim_battery.py")
    print(written[0].read_text(encoding="utf-8"))
    return result


if __name__ == "__main__":
    main()
