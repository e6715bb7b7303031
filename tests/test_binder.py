"""Binder installs what a learner needs and nothing more: the kit, without test or instructor tools."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml with tomllib")
ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
TOOLS = {"pytest", "pytest-xdist", "nbval", "hypothesis", "ruff", "playwright", "nbgrader", "jupyterhub"}


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_binder_installs_the_kit_without_extras() -> None:
    assert requirement_lines(BINDER / "requirements.txt") == ["-e ."]


def test_the_kit_itself_needs_no_test_or_instructor_tool() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not names(project["dependencies"]) & TOOLS
    assert names(project["optional-dependencies"]["test"] + project["optional-dependencies"]["instructor"]) >= TOOLS


def test_binder_keeps_its_runtime_beside_its_requirements() -> None:
    """With a binder/ folder, repo2docker ignores the root's runtime.txt: it must live in binder/."""
    assert re.fullmatch(r"python-3\.1[0-9]", (BINDER / "runtime.txt").read_text(encoding="utf-8").strip())
    assert not (ROOT / "runtime.txt").exists()
