"""What every result file shares: the machine it ran on, the price table, markdown helpers."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from course_lib.classroom.charts import DEFAULT_PRICES, Prices

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

PRICE_NOTE = (f"Prices: `course_lib.classroom.charts.Prices()` defaults, the course model's list price, November 2026: "
              f"${DEFAULT_PRICES.input_per_mtok:g} per million input tokens, ${DEFAULT_PRICES.output_per_mtok:g} per "
              f"million output tokens; 5-minute cache writes at {DEFAULT_PRICES.cache_write_multiplier:g}x and cache "
              f"reads at {DEFAULT_PRICES.cache_read_multiplier:g}x the input price. Check the current pricing page "
              "before quoting a dollar figure.")
PRICES: Prices = DEFAULT_PRICES


def version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "course_lib",
                                "benchmarks", ":(exclude)benchmarks/results"],
                               cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' (with uncommitted changes to the code measured)' if dirty else ''}" if head else "unknown"


def machine_info() -> dict[str, Any]:
    return {
        "date (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "CPUs": os.cpu_count(),
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "anthropic": version_of("anthropic"),
        "langchain-core": version_of("langchain-core"),
        "langchain": version_of("langchain"),
        "llama-index-core": version_of("llama-index-core"),
        "course-lib": version_of("course-lib"),
        "git": git_revision(),
    }


def machine_md(info: dict[str, Any]) -> str:
    return "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + "."


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A GitHub markdown table; ``align`` is one letter per column, ``l`` or ``r`` (default: first left)."""
    align = align or "l" + "r" * (len(headers) - 1)
    marks = [":---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(met: bool) -> str:
    return "**met**" if met else "**NOT met**"


def command_line(argv: Sequence[str] | None = None) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python benchmarks/run.py", *args])


def write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crashed run never leaves half a result file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
