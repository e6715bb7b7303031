"""Adversarial probes against the conversation stores: each one asserts the safe behaviour.

Replays the store part of the probe set of issue 14: hostile ids, symlink escapes, corrupt files,
concurrent saves, FIFOs, secrets in saved data, and SIGKILL during a save. (Quiz and cassette
probes live with their owners' tests.)
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib import make_client
from course_lib.managers import ConversationManager
from course_lib.storage import (
    ConflictError,
    CorruptSessionError,
    InvalidIdError,
    JsonStore,
    SqliteStore,
    StoreError,
)

TESTS = Path(__file__).resolve().parents[1]
KEY = "sk-ant-" + "api03-PROBE-secret-value-0123456789abcdef"

HOSTILE_IDS = [
    "../escape", "..", "a/../../b", "/etc/passwd", "C:\\Windows\\evil", "C:evil", "a\x00b", "nul\x00",
    "line\nbreak", "tab\there", "\u202eexe.txt", "caf\u00e9", "\uff0e\uff0e\uff0fescape", "%2e%2e%2fescape",
    "x" * 129, "x" * 100_000, ".hidden", "-rf", "CON", "aux.json", "com1", "a:b", " ", "",
]


def chat(text: str = "Hello there.") -> ConversationManager:
    manager = ConversationManager(make_client("simulated"))
    manager.send(text)
    return manager


def every_file(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(params=["json", "sqlite"])
def store(request, tmp_path):
    return JsonStore(tmp_path / "store") if request.param == "json" else SqliteStore(tmp_path / "store.db")


@pytest.mark.parametrize("hostile", HOSTILE_IDS, ids=[repr(i)[:16] for i in HOSTILE_IDS])
def test_hostile_ids_are_refused_everywhere_and_nothing_is_written(store, tmp_path, hostile):
    manager = chat()
    before = every_file(tmp_path)
    for attempt in ("save", "save as user", "load", "delete", "list", "latest"):
        with pytest.raises(InvalidIdError) as caught:
            if attempt == "save":
                store.save(hostile, manager)
            elif attempt == "save as user":
                store.save("fine", manager, user_id=hostile)
            elif attempt == "load":
                store.load(hostile)
            elif attempt == "delete":
                store.delete(hostile)
            elif attempt == "list":
                store.list_sessions(hostile)
            else:
                store.latest_for(hostile)
        assert len(str(caught.value)) < 300  # a 100 kB id is not echoed back whole
    assert every_file(tmp_path) == before


def test_symlinks_out_of_the_store_are_never_followed(tmp_path):
    store = JsonStore(tmp_path / "store")
    outside = tmp_path / "outside.json"
    outside.write_text("precious")
    (store.directory / "evil.json").symlink_to(outside)
    (store.directory / "dangling.json").symlink_to(tmp_path / "created-outside.json")
    for session_id in ("evil", "dangling"):
        with pytest.raises(StoreError, match="outside the store directory"):
            store.load(session_id)
        with pytest.raises(StoreError, match="outside the store directory"):
            store.save(session_id, chat())
    problems = {row.session_id: row.problem for row in store.list_sessions()}
    assert "outside the store directory" in problems["evil"] and "precious" not in problems["evil"]
    assert outside.read_text() == "precious" and not (tmp_path / "created-outside.json").exists()


def test_a_planted_lock_symlink_is_refused_not_followed(tmp_path):
    store = JsonStore(tmp_path / "store")
    target = tmp_path / "victim-file"
    (store.directory / ".lock").symlink_to(target)
    with pytest.raises(StoreError, match="lock file"):
        store.save("s", chat())
    assert not target.exists() and not (store.directory / "s.json").exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_any_bytes_in_a_session_file_give_a_corrupt_session_error_and_stay(tmp_path, data):
    store = JsonStore(tmp_path / "fuzz")
    path = store.path_for("victim")
    path.write_bytes(data)
    with pytest.raises(CorruptSessionError):
        store.load("victim")
    with pytest.raises(CorruptSessionError):
        store.save("victim", chat())  # an unreadable file is never silently overwritten
    assert path.read_bytes() == data
    assert [row.session_id for row in store.list_sessions() if row.problem] == ["victim"]


def test_eight_threads_saving_one_session_exactly_one_wins(store):
    store.save("shared", chat())
    managers = [store.load("shared") for _ in range(8)]
    barrier, results = threading.Barrier(8), []

    def save(manager, name):
        manager.record({"role": "user", "content": f"Note from {name}."})
        manager.record({"role": "assistant", "content": "Noted."})
        barrier.wait()
        try:
            store.save("shared", manager)
            results.append("won")
        except ConflictError:
            results.append("conflict")
    threads = [threading.Thread(target=save, args=(m, f"t{i}")) for i, m in enumerate(managers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == ["conflict"] * 7 + ["won"]
    assert store.list_sessions()[0].revision == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_in_the_store_never_hangs_a_load_or_a_listing(tmp_path):
    store = JsonStore(tmp_path / "store")
    os.mkfifo(store.directory / "pipe.json")
    outcome: list[object] = []

    def probe():
        try:
            store.load("pipe")
        except CorruptSessionError as error:
            outcome.append(error)
        outcome.append(store.list_sessions())
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "a FIFO hung the store"
    assert "FIFO" in str(outcome[0]) and "FIFO" in outcome[1][0].problem


def test_a_key_anywhere_in_a_conversation_never_reaches_the_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "live-" + "key-value-that-is-long-enough")
    manager = ConversationManager(make_client("simulated"), system_prompt=f"Internal key {KEY}",
                                  pinned_facts=[f"Key {KEY}"])
    manager.send(f"My key is {KEY} and also live-key-value-that-is-long-enough.")
    manager.record({"role": "user", "content": [{"type": "text", "text": f"again {KEY}"}]})
    manager.record({"role": "assistant", "content": f"I will not repeat {KEY}."})
    stores = [JsonStore(tmp_path / "json"), SqliteStore(tmp_path / "db" / "s.db")]
    for store in stores:
        store.save("leak", manager, user_id="alice")
        assert KEY not in str(store.load("leak").to_state())
    stored = b"".join(every_file(tmp_path).values())
    assert KEY.encode() not in stored and b"live-key-value" not in stored and b"[redacted-key]" in stored
    assert KEY in manager.system_prompt  # the manager in memory is not changed by saving


@pytest.mark.parametrize("kind", ["json", "sqlite"])
def test_sigkill_at_random_moments_never_leaves_an_unloadable_session(tmp_path, kind):
    target = tmp_path / ("store" if kind == "json" else "store.db")
    store = JsonStore(target) if kind == "json" else SqliteStore(target)
    store.save("victim", chat("My order number is 889."))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
    rng = random.Random(14)
    for round_ in range(3):
        ready = tmp_path / f"ready-{round_}"
        writer = subprocess.Popen([sys.executable, str(TESTS / "helpers_kill_writer.py"), "forever", kind,
                                   str(target), "victim", str(ready)], env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 180
        while not ready.exists():
            assert writer.poll() is None, writer.communicate()[1]
            assert time.monotonic() < deadline, "the writer never saved"
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.5))  # somewhere in the middle of some save
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        reopened = JsonStore(target) if kind == "json" else SqliteStore(target)
        loaded = reopened.load("victim")
        assert loaded.transcript[0].message["content"] == "My order number is 889."
        assert [row.problem for row in reopened.list_sessions()] == [None]
