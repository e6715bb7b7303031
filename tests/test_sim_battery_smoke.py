"""A fast smoke test of benchmarks/conversation_battery.py: a tiny battery, every scoring path, the report."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import conversation_battery  # noqa: E402

TINY = """
name: tiny
conversations:
  - id: standup
    turns:
      - "my manager is Dev Okafor"
      - "the standup is on monday at 9"
      - "actually make that tuesday not monday"
    facts:
      - id: manager
        value: "Dev Okafor"
        questions: ["who's my manager", "what colour is the sky"]
    corrections:
      - id: day
        old: "monday"
        value: "tuesday"
        questions: ["when is the standup"]
    never_given:
      - question: "whats my sister's name"
        trap: "Okafor"
"""


def test_battery_runs_scores_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "tiny_battery.yaml"
    path.write_text(TINY, encoding="utf-8")
    assert conversation_battery.is_conversation_battery(path)
    result = conversation_battery.run(path)
    assert [len(result.rows[k]) for k in ("recall", "corrections", "abstention")] == [2, 1, 1]
    assert result.rate("recall") == 0.5  # the sky question cannot be answered: scoring can fail
    assert result.rate("corrections") == 1.0 and result.rate("abstention") == 1.0
    written = conversation_battery.write(tmp_path, result, {"CPUs": 2}, "test")
    text = written.read_text(encoding="utf-8")
    assert written.name == "tiny_battery.md" and "what colour is the sky" in text and "1/2 = 50%" in text


def test_default_batteries_are_the_conversation_ones() -> None:
    names = [p.name for p in conversation_battery.default_batteries()]
    assert "dev_battery.yaml" in names and "paraphrase_battery.yaml" not in names
