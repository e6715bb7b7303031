"""Conversation batteries: recall, corrections and abstention of the simulator after a casual chat.

    python benchmarks/conversation_battery.py                    # every benchmarks/data/*_battery.yaml
    python benchmarks/conversation_battery.py path/to/x.yaml     # chosen batteries

A battery (format: a list of ``conversations``, each with ``turns``, ``facts``, ``corrections`` and
``never_given``) is played through the real SDK against ``make_client("simulated")``: the user's
turns are sent one by one with the simulator's replies in between, then every question is asked on
its own as the next user message. Recall: the reply contains the fact's value (or an ``also_ok``
string). Corrections: it contains the corrected value and not the old one. Abstention: it says it
does not know and does not contain the trap. Targets (issue 20): recall and corrections 90%,
abstention 95%. Writes ``benchmarks/results/<battery-stem>.md`` with every miss.
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

DATA = Path(__file__).resolve().parent / "data"
TARGETS = {"recall": 0.90, "corrections": 0.90, "abstention": 0.95}
ABSTAINS = ("don't have", "don't know", "haven't told", "didn't mention", "not mentioned", "no record")


@dataclass
class Row:
    conversation: str
    question: str
    reply: str
    ok: bool
    expected: str


@dataclass
class BatteryResult:
    name: str
    path: Path
    rows: dict[str, list[Row]] = field(default_factory=lambda: {kind: [] for kind in TARGETS})

    def rate(self, kind: str) -> float:
        rows = self.rows[kind]
        return sum(r.ok for r in rows) / len(rows) if rows else 1.0

    @property
    def met(self) -> bool:
        return all(self.rate(kind) >= target for kind, target in TARGETS.items())


def is_conversation_battery(path: Path) -> bool:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and isinstance(data.get("conversations"), list)


def default_batteries() -> list[Path]:
    return [p for p in sorted(DATA.glob("*_battery.yaml")) if is_conversation_battery(p)]


def reply(client, system: str | None, messages: list[dict[str, Any]]) -> str:
    kwargs = {"system": system} if system else {}
    response = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=messages, **kwargs)
    return "".join(block.text for block in response.content if block.type == "text")


def contains(text: str, wanted: list[str]) -> bool:
    lowered = text.lower()
    return any(str(w).lower() in lowered for w in wanted)


def play(conversation: dict[str, Any], client) -> tuple[str | None, list[dict[str, Any]]]:
    """The conversation's history: each user turn, then the simulator's reply to it."""
    system, history = conversation.get("system"), []
    for turn in conversation["turns"]:
        history.append({"role": "user", "content": turn})
        history.append({"role": "assistant", "content": reply(client, system, history)})
    return system, history


def run(path: Path) -> BatteryResult:
    battery, client = yaml.safe_load(path.read_text(encoding="utf-8")), make_client("simulated")
    result = BatteryResult(battery.get("name", path.stem), path)
    for conversation in battery["conversations"]:
        system, history = play(conversation, client)
        name = conversation["id"]
        def ask(question: str, system=system, history=history) -> str:
            return reply(client, system, [*history, {"role": "user", "content": question}])

        for fact in conversation.get("facts", []):
            wanted = [fact["value"], *fact.get("also_ok", [])]
            result.rows["recall"] += [Row(name, q, a, contains(a, wanted), " / ".join(map(str, wanted)))
                                      for q in fact["questions"] for a in [ask(q)]]
        for fix in conversation.get("corrections", []):
            wanted = [fix["value"], *fix.get("also_ok", [])]
            result.rows["corrections"] += [
                Row(name, q, a, contains(a, wanted) and not contains(a, [fix["old"]]),
                    f"{' / '.join(map(str, wanted))}, not {fix['old']}") for q in fix["questions"] for a in [ask(q)]]
        for never in conversation.get("never_given", []):
            trap = never.get("trap")
            answer = ask(never["question"])
            ok = contains(answer, list(ABSTAINS)) and not (trap and contains(answer, [trap]))
            result.rows["abstention"].append(Row(name, never["question"], answer, ok,
                                                 "abstain" + (f", not {trap}" if trap else "")))
    return result


def markdown(result: BatteryResult, info: dict[str, Any], command: str) -> str:
    rows = [[kind, len(result.rows[kind]), f"{sum(r.ok for r in result.rows[kind])}/{len(result.rows[kind])} = "
             f"{result.rate(kind):.0%}", f">= {target:.0%}", verdict(result.rate(kind) >= target)]
            for kind, target in TARGETS.items()]
    misses = [f"- {kind}, `{r.conversation}`: `{r.question}` (wanted {r.expected}) -> {r.reply[:200]}"
              for kind in TARGETS for r in result.rows[kind] if not r.ok]
    return "\n\n".join([
        f"# Conversation battery: {result.name}",
        f"Command: `{command}`. Battery: `{result.path.name}`, played through the real SDK against the "
        "simulated Claude; each question asked on its own after the whole conversation.",
        table(["measure", "questions", "result", "target", "verdict"], rows, "lrrrl"),
        "Misses:\n" + ("\n".join(misses) if misses else "none"),
        machine_md(info)]) + "\n"


def write(out: Path, result: BatteryResult, info: dict[str, Any], command: str) -> Path:
    path = out / f"{result.path.stem}.md"
    write_text(path, markdown(result, info, command))
    return path


def main(argv: list[str] | None = None) -> list[BatteryResult]:
    args = sys.argv[1:] if argv is None else argv
    paths = [Path(a) for a in args] or default_batteries()
    info, results = machine_info(), []
    for path in paths:
        result = run(path)
        command = "python benchmarks/conversation_battery.py" + (f" {path}" if args else "")
        written = write(RESULTS, result, info, command)
        print(written.read_text(encoding="utf-8"))
        results.append(result)
    return results


if __name__ == "__main__":
    main()
