"""Storage: safe ids, atomic saves, untrusted files, SQLite with several processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import make_client, storage
from course_lib.managers import ConversationManager, SmartConversationManager
from course_lib.storage import (
    ConversationStore,
    CorruptSessionError,
    InvalidIdError,
    JsonStore,
    SessionNotFoundError,
    SqliteStore,
    StoreError,
    check_id,
)

HELPERS = Path(__file__).parent
REPO = HELPERS.parent


class Clock:
    """A clock that ticks one second per save, so 'newest first' is testable and exact."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def chat(*questions: str, kind: type[ConversationManager] = ConversationManager) -> ConversationManager:
    manager = kind(make_client("simulated"))
    for question in questions:
        manager.send(question)
    return manager


@pytest.fixture(params=["json", "sqlite"])
def store(request, tmp_path) -> ConversationStore:
    if request.param == "json":
        return JsonStore(tmp_path / "conversations", clock=Clock())
    return SqliteStore(tmp_path / "conversations.db", clock=Clock())


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- ids ----------------------------------------------------------------------------------------

BAD_IDS = {
    "": "empty",
    "../escape": "path separator",
    "a/b": "path separator",
    "a\\b": "path separator",
    "/etc/passwd": "path separator",
    "C:evil": "path separator",
    "..": "'..'",
    "a..b": "'..'",
    "nul\x00byte": "control character",
    "line\nbreak": "control character",
    "x" * 129: "limit is 128",
    ".hidden": "start with a letter or digit",
    "-flag": "start with a letter or digit",
    "has space": "only letters, digits",
    "caf\u00e9": "only letters, digits",
    "CON": "reserved device name",
    "lpt1.txt": "reserved device name",
}


@pytest.mark.parametrize("bad", BAD_IDS, ids=[repr(k)[:20] for k in BAD_IDS])
def test_bad_ids_are_refused_with_the_id_and_the_rule(bad):
    with pytest.raises(InvalidIdError) as caught:
        check_id(bad)
    message = str(caught.value)
    assert BAD_IDS[bad] in message
    assert repr(bad)[:20] in message or bad == ""


def test_non_string_and_huge_ids_give_short_messages():
    with pytest.raises(InvalidIdError, match="must be a string"):
        check_id(42)
    with pytest.raises(InvalidIdError) as caught:
        check_id("../" * 100_000)
    assert len(str(caught.value)) < 200 and "..." in str(caught.value)


@pytest.mark.parametrize("good", ["a", "alice", "alice-2025-01-01", "S.1_x-2", "A" * 128, "7"])
def test_good_ids_pass(good):
    assert check_id(good) == good


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_either_refused_or_stays_inside_the_directory(tmp_path_factory, text):
    store = JsonStore(tmp_path_factory.getbasetemp() / "prop")
    try:
        path = store.path_for(text)
    except InvalidIdError:
        return
    assert path.resolve().parent == store.directory


def test_stores_refuse_bad_ids_everywhere_and_write_nothing(store, tmp_path):
    manager = chat("Hello there.")
    before = snapshot(tmp_path)
    for bad in ("../escape", "/tmp/escape", "a\x00b", ""):
        with pytest.raises(InvalidIdError):
            store.save(bad, manager)
        with pytest.raises(InvalidIdError):
            store.save("fine", manager, user_id=bad)
        with pytest.raises(InvalidIdError):
            store.load(bad)
        with pytest.raises(InvalidIdError):
            store.delete(bad)
        with pytest.raises(InvalidIdError):
            store.list_sessions(user_id=bad)
        with pytest.raises(InvalidIdError):
            store.latest_for(bad)
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "escape.json").exists() and not Path("/tmp/escape.json").exists()


def test_a_symlink_out_of_the_directory_is_never_followed(tmp_path):
    store = JsonStore(tmp_path / "store")
    outside = tmp_path / "outside.json"
    outside.write_text("precious")
    (store.directory / "evil.json").symlink_to(outside)
    with pytest.raises(StoreError, match="outside the store directory"):
        store.load("evil")
    with pytest.raises(StoreError, match="outside the store directory"):
        store.save("evil", chat("Hi."))
    assert outside.read_text() == "precious"


# -- the interface, both stores -----------------------------------------------------------------

def test_both_stores_implement_the_protocol(store):
    assert isinstance(store, ConversationStore)


def test_round_trip_gives_the_same_state_and_a_working_manager(store):
    manager = chat("My order number is 889.", "What is my order number?", kind=SmartConversationManager)
    info = store.save("order-889", manager, user_id="alice")
    loaded = store.load("order-889", client=make_client("simulated"))
    assert type(loaded) is SmartConversationManager
    assert loaded.to_state() == manager.to_state()
    assert info.message_count == len(manager.transcript) == 4
    assert info.tokens == sum(e.tokens for e in manager.transcript) > 0
    assert "889" in loaded.send("What is my order number again?")  # it goes on from where it was saved


def test_list_newest_first_filter_by_user_latest_and_delete(store):
    store.save("s1", chat("One."), user_id="alice")
    store.save("s2", chat("Two."), user_id="bob")
    store.save("s3", chat("Three.", "Four."), user_id="alice")
    store.save("s0", chat("No user."))
    rows = store.list_sessions()
    assert [r.session_id for r in rows] == ["s0", "s3", "s2", "s1"]
    assert [r.session_id for r in store.list_sessions("alice")] == ["s3", "s1"]
    assert rows[1].user_id == "alice" and rows[1].message_count == 4 and rows[1].updated_at.tzinfo is not None
    assert store.latest_for("alice").session_id == "s3"
    store.save("s1", chat("One again."), user_id="alice")  # saving again makes it the newest
    assert store.latest_for("alice").session_id == "s1"
    assert store.latest_for("carol") is None
    assert store.delete("s1") is True and store.delete("s1") is False
    assert store.latest_for("alice").session_id == "s3"
    with pytest.raises(SessionNotFoundError, match="'s1'"):
        store.load("s1")


def test_a_key_pasted_into_the_conversation_is_redacted_on_save(store, tmp_path):
    key = "sk-ant-" + "api03-PASTED-by-mistake-0123456789"
    store.save("leak", chat(f"My key is {key}, keep it safe."))
    assert not any(key.encode() in data for data in snapshot(tmp_path).values())
    assert "[redacted-key]" in json.dumps(store.load("leak").to_state())


def test_a_state_that_is_not_json_safe_writes_nothing(store, tmp_path, monkeypatch):
    manager = chat("Hi.")
    store.save("keep", manager)
    before = snapshot(tmp_path)
    monkeypatch.setattr(manager, "to_state", lambda: {"schema_version": 1, "kind": "x", "bad": float("nan")})
    with pytest.raises(StoreError, match="not JSON-safe"):
        store.save("keep", manager)
    assert snapshot(tmp_path) == before


# -- untrusted files ----------------------------------------------------------------------------

def envelope_of(store: JsonStore, session_id: str) -> dict:
    return json.loads(store.path_for(session_id).read_text())


CORRUPTIONS = {
    "truncated": (lambda raw: raw[: len(raw) // 2], "not valid JSON"),
    "empty": (lambda raw: b"", "not valid JSON"),
    "garbage": (lambda raw: b"\x00\x01garbage{{{", "not valid JSON"),
    "not utf-8": (lambda raw: b'{"a": "\xff\xfe"}', "not UTF-8"),
    "a list": (lambda raw: b"[1, 2, 3]", "JSON list"),
    "nested too deep": (lambda raw: b"[" * 100_000 + b"]" * 100_000, "RecursionError"),
    "huge number": (lambda raw: b'{"schema_version": 1' + b"0" * 5000 + b"}", "not JSON this kit can read"),
    "no version": (lambda raw: raw.replace(b'"schema_version": 1,', b"", 1), "no usable schema_version"),
    "string version": (lambda raw: raw.replace(b'"schema_version": 1', b'"schema_version": "1"', 1),
                       "no usable schema_version"),
    "future version": (lambda raw: raw.replace(b'"schema_version": 1', b'"schema_version": 99', 1),
                       "schema_version 99, newer than the 1"),
    "old version": (lambda raw: raw.replace(b'"schema_version": 1', b'"schema_version": 0', 1),
                    "no migration"),
    "no state": (lambda raw: json.dumps({**json.loads(raw), "state": None}).encode(), "'state' should be a dict"),
    "bad count": (lambda raw: json.dumps({**json.loads(raw), "message_count": "4"}).encode(), "'message_count'"),
    "renamed": (lambda raw: json.dumps({**json.loads(raw), "session_id": "other"}).encode(), "'other'"),
    "bad user": (lambda raw: json.dumps({**json.loads(raw), "user_id": "../root"}).encode(), "user id"),
    "naive time": (lambda raw: json.dumps({**json.loads(raw), "updated_at": "2025-01-01T00:00:00"}).encode(),
                   "with a zone"),
    "bad manager state": (lambda raw: json.dumps({**json.loads(raw), "state": {"kind": "Nope"}}).encode(),
                          "saved manager state is unusable"),
}


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_a_bad_file_gives_one_clear_error_and_is_left_byte_identical(tmp_path, how):
    store = JsonStore(tmp_path, clock=Clock())
    store.save("victim", chat("My order number is 889."), user_id="alice")
    path = store.path_for("victim")
    damage, expected = CORRUPTIONS[how]
    path.write_bytes(damage(path.read_bytes()))
    before, stat = path.read_bytes(), path.stat()
    with pytest.raises(CorruptSessionError) as caught:
        store.load("victim")
    assert str(path) in str(caught.value) and expected in str(caught.value)
    assert isinstance(caught.value, ValueError)
    if how != "bad manager state":  # listing reads the envelope only; the state is checked on load
        rows = store.list_sessions()
        assert [(r.session_id, r.problem is not None) for r in rows] == [("victim", True)]
        assert store.latest_for("alice") is None
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns


def test_future_schema_version_says_upgrade(tmp_path):
    store = JsonStore(tmp_path)
    store.save("s", chat("Hi."))
    data = envelope_of(store, "s")
    store.path_for("s").write_text(json.dumps({**data, "schema_version": storage.SCHEMA_VERSION + 1}))
    with pytest.raises(CorruptSessionError, match="upgrade course_lib"):
        store.load("s")


def test_migrations_step_old_envelopes_up_in_memory_only(tmp_path, monkeypatch):
    """No real migration exists yet (MIGRATIONS is empty); this checks the mechanism a future one uses."""
    assert storage.MIGRATIONS == {}
    store = JsonStore(tmp_path)
    store.save("s", chat("Hi."))
    raw = store.path_for("s").read_bytes()
    monkeypatch.setattr(storage, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(storage.MIGRATIONS, 1, lambda old: {**old, "schema_version": 2})
    assert store.load("s").to_state() == json.loads(raw)["state"]
    assert store.path_for("s").read_bytes() == raw


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    store = JsonStore(tmp_path)
    store.save("big", chat("Hi."))
    monkeypatch.setattr(storage, "MAX_LOAD_BYTES", 100)
    with pytest.raises(CorruptSessionError, match="byte limit"):
        store.load("big")
    sqlite_store = SqliteStore(tmp_path / "s.db")
    monkeypatch.setattr(storage, "MAX_LOAD_BYTES", 10**6)
    sqlite_store.save("big", chat("Hi."))
    monkeypatch.setattr(storage, "MAX_LOAD_BYTES", 100)
    with pytest.raises(CorruptSessionError, match="byte limit"):
        sqlite_store.load("big")


def test_a_corrupt_sqlite_row_names_the_database_and_session_and_stays(tmp_path):
    path = tmp_path / "s.db"
    store = SqliteStore(path)
    store.save("victim", chat("Hi."))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE sessions SET envelope = '{\"schema_version\": 1, \"sess' WHERE session_id = 'victim'")
    with pytest.raises(CorruptSessionError) as caught:
        store.load("victim")
    assert str(path) in str(caught.value) and "'victim'" in str(caught.value) and "truncated" in str(caught.value)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT envelope FROM sessions").fetchone()[0].endswith('"sess')


def test_a_file_that_is_not_a_database_is_refused_and_unchanged(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="notes.db"):
        SqliteStore(path)
    assert path.read_bytes() == before


def test_leftover_temp_files_are_not_sessions(tmp_path):
    store = JsonStore(tmp_path, clock=Clock())
    store.save("real", chat("Hi."))
    (tmp_path / ".real.json.abc123.tmp").write_text("half a fi")
    (tmp_path / ".ghost.json").write_text("{}")
    (tmp_path / "readme.txt").write_text("not a session")
    assert [r.session_id for r in store.list_sessions()] == ["real"]


# -- real processes -----------------------------------------------------------------------------

def run_helper(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(HELPERS / "helpers_kill_writer.py"), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"helper exited early: {process.communicate()}")
        assert time.monotonic() < deadline, "helper never reached the write"
        time.sleep(0.02)


@pytest.mark.parametrize("kind", ["json", "sqlite"])
def test_a_process_killed_mid_save_leaves_the_previous_version(tmp_path, kind):
    target = tmp_path / ("store" if kind == "json" else "store.db")
    store = JsonStore(target) if kind == "json" else SqliteStore(target)
    previous = chat("My order number is 889.", "What is my order number?")
    store.save("victim", previous, user_id="alice")
    marker = tmp_path / "inside-the-write"
    process = run_helper(kind, str(target), "victim", str(marker))
    try:
        wait_for(marker, process)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=20)
    assert process.returncode == -signal.SIGKILL
    if kind == "json":  # the new version was on disk, in a temp file never renamed
        leftovers = [p for p in target.iterdir() if p.name.endswith(".tmp")]
        assert len(leftovers) == 1 and b"The parcel went to the depot" in leftovers[0].read_bytes()
    else:  # the new row's pages were in the WAL file, with no commit record
        assert b"The parcel went to the depot" in (tmp_path / "store.db-wal").read_bytes()
    reopened = JsonStore(target) if kind == "json" else SqliteStore(target)
    assert reopened.load("victim").to_state() == previous.to_state()
    assert [(r.session_id, r.message_count, r.problem) for r in reopened.list_sessions()] == [("victim", 4, None)]
    reopened.save("victim", chat("Still works."), user_id="alice")
    assert reopened.load("victim").transcript[0].message["content"] == "Still works."


def test_two_processes_saving_into_one_sqlite_file_lose_nothing(tmp_path):
    path, go, count = tmp_path / "shared.db", tmp_path / "go", 25
    writers = [run_helper("many", str(path), prefix, str(count), str(go)) for prefix in ("p1", "p2")]
    for writer, prefix in zip(writers, ("p1", "p2"), strict=True):
        wait_for(tmp_path / f"go.{prefix}.ready", writer)
    go.touch()  # both are imported and waiting: they start saving together, and both create the schema
    for writer in writers:
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
    store = SqliteStore(path)
    rows = store.list_sessions()
    assert len(rows) == 2 * count
    spans = [[r.updated_at for r in store.list_sessions(prefix)] for prefix in ("p1", "p2")]
    assert min(spans[0]) < max(spans[1]) and min(spans[1]) < max(spans[0]), "the writers did not overlap"
    for row in rows:
        manager = store.load(row.session_id)
        assert manager.transcript[0].message["content"] == f"I am session {row.session_id}."
