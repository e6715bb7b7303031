"""No API key in anything the kit keeps: tracked files, notebooks, cassettes, conversations, logs.

The scanner is a small function so that it is itself tested: a planted key must be found.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from course_lib import make_client
from course_lib.managers import ConversationManager
from course_lib.storage import JsonStore, SqliteStore

REPO = Path(__file__).resolve().parent.parent
KEY_SHAPE = re.compile(r"sk-ant-[A-Za-z0-9_-]{10,}")
FIXTURE_MARK = "FAKE"  # a made-up key in a test must contain this, so it is told apart from a real one
LIVE_KEY = os.environ.get("ANTHROPIC_API_KEY")  # read at import: tests/conftest.py hides it from each test
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".pytest_cache", ".ipynb_checkpoints",
             "build", "dist"}
# Built by concatenation so that this file never holds a key-shaped literal itself.
ENV_FAKE_KEY = "sk-ant-" + "test-FAKE-not-a-real-key-123456"


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def find_secrets(paths: Iterable[Path], secrets: Iterable[str | None] = ()) -> list[Finding]:
    """Every key-shaped string (not marked FAKE) and every exact ``secrets`` value in ``paths``.

    Files are read as bytes and decoded as latin-1, so binary files (SQLite databases, images in
    notebook outputs) are scanned too and nothing fails to decode. Secrets shorter than 8
    characters are ignored: too short to search for without false alarms.
    """
    exact = [s for s in secrets if s and len(s) >= 8]
    found = []
    for path in paths:
        text = path.read_bytes().decode("latin-1")
        for match in KEY_SHAPE.finditer(text):
            if FIXTURE_MARK not in match.group():
                found.append(Finding(path, text.count("\n", 0, match.start()) + 1,
                                     f"key-shaped text {match.group()[:12]}..."))
        for secret in exact:
            at = text.find(secret)
            if at >= 0:
                found.append(Finding(path, text.count("\n", 0, at) + 1, "the value of a secret"))
    return found


def walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        yield from (Path(folder) / name for name in files)


def files_the_kit_keeps(root: Path = REPO) -> set[Path]:
    """Tracked files, plus notebooks/, cassettes/, every conversations/ folder and every *.log."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=False)
    kept = {root / name for name in listed.stdout.decode().split("\0") if name} if listed.returncode == 0 \
        else set(walk(root))
    for path in walk(root):
        parts = path.relative_to(root).parts
        if parts[0] in ("notebooks", "cassettes") or "conversations" in parts[:-1] or path.suffix == ".log":
            kept.add(path)
    return {p for p in kept if p.is_file()}


def test_the_repository_holds_no_key():
    findings = find_secrets(sorted(files_the_kit_keeps()), [LIVE_KEY])
    assert not findings, "possible API keys:\n" + "\n".join(map(str, findings))


def test_the_scanner_finds_a_planted_key(tmp_path):
    (tmp_path / "clean.txt").write_text("nothing to see; sk-ant-short; an sk-ant-" + "api03-FAKE-fixture-key-123\n")
    (tmp_path / "leak.ipynb").write_text('{"outputs": ["line one",\n "sk-ant-' + 'api03-abcdefghijklmnop_-1234"]}')
    (tmp_path / "env.log").write_bytes(b"\x00\x01binary then the-live-key-value-42")
    findings = find_secrets(sorted(tmp_path.iterdir()), ["the-live-key-value-42", "short"])
    assert [(f.path.name, f.line) for f in findings] == [("env.log", 1), ("leak.ipynb", 2)]
    assert "sk-ant-api03" in findings[1].what and "abcdefghijklmnop" not in findings[1].what


def test_the_scan_covers_untracked_conversations_and_logs(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "deep" / "conversations").mkdir(parents=True)
    (tmp_path / "deep" / "conversations" / "s1.json").write_text("{}")
    (tmp_path / "run.log").write_text("log")
    (tmp_path / "untracked.txt").write_text("not kept")
    kept = {p.relative_to(tmp_path).as_posix() for p in files_the_kit_keeps(tmp_path)}
    assert kept == {"deep/conversations/s1.json", "run.log"}


def test_saved_conversations_and_cassettes_never_hold_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", ENV_FAKE_KEY)
    manager = ConversationManager(make_client("simulated"))
    manager.send("My order number is 889. Please remember it.")
    recorded = ConversationManager(make_client("record", via="simulated", cassette="secret", cassette_dir=tmp_path))
    recorded.send("What is my order number?")
    for store in (JsonStore(tmp_path / "conversations"), SqliteStore(tmp_path / "conversations.db")):
        store.save("s1", manager, user_id="alice")
        store.save("s2", recorded)
    written = sorted(walk(tmp_path))
    assert {p.name for p in written} >= {"secret.json", "s1.json", "s2.json", "conversations.db"}
    assert find_secrets(written, [ENV_FAKE_KEY]) == []
