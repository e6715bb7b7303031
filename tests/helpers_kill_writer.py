"""Helper processes for tests/test_storage.py: a writer to kill mid-save, and concurrent writers.

Run as a script (never imported by pytest):

* ``helpers_kill_writer.py json|sqlite TARGET SESSION MARKER`` loads SESSION, adds a big turn and
  saves it again, but stops *inside* the write: after the temp file is written and before it is
  fsynced and renamed (JSON), or after the row is written and before COMMIT (SQLite). It creates
  MARKER at that moment and sleeps, so the test can SIGKILL it exactly there.
* ``helpers_kill_writer.py many DATABASE PREFIX COUNT GO`` creates GO.PREFIX.ready, waits until
  the file GO exists, then saves COUNT sessions named PREFIX-0 ... into DATABASE, racing another
  writer started the same way.
* ``helpers_kill_writer.py race json|sqlite|redis TARGET SESSION GO NAME`` is one "app server":
  it loads SESSION, creates GO.NAME.ready, waits for GO, records one exchange naming NAME and
  saves. It prints ``won`` or ``conflict``; after a conflict it does what the ConflictError says
  (reload, re-apply, save) and prints ``re-applied``.
* ``helpers_kill_writer.py forever json|sqlite TARGET SESSION READY`` saves SESSION again and again,
  a bigger transcript each time, creating READY after its first save, until it is killed.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

from course_lib import make_client
from course_lib.managers import ConversationManager
from course_lib.storage import ConflictError, JsonStore, SqliteStore


def open_store(kind: str, target: str):
    if kind == "redis":
        from course_lib.storage import RedisStore
        return RedisStore(target)
    return JsonStore(target) if kind == "json" else SqliteStore(target)


def stop_here(marker: str) -> None:
    Path(marker).touch()
    time.sleep(120)  # the test kills us long before this ends
    sys.exit("helper was not killed")


def kill_target(kind: str, target: str, session_id: str, marker: str) -> None:
    store = open_store(kind, target)
    manager = store.load(session_id, client=make_client("simulated"))
    manager.send("Here is a long note to remember. " + "The parcel went to the depot and back again. " * 3000)
    if kind == "json":
        os.fsync = lambda fd: stop_here(marker)  # atomic_write_text fsyncs only the temp file, then renames
    else:
        real_connect = sqlite3.connect

        def connect_with_pause(*args, **kwargs):
            conn = real_connect(*args, **kwargs)
            conn.execute("PRAGMA cache_size = 2")  # spill the uncommitted pages into the WAL file
            conn.set_trace_callback(lambda sql: stop_here(marker) if sql.strip() == "COMMIT" else None)
            return conn
        sqlite3.connect = connect_with_pause
    store.save(session_id, manager, user_id="alice")
    sys.exit("the save finished; it should have been killed")


def many(database: str, prefix: str, other: str, count: str, go: str) -> None:
    Path(f"{go}.{prefix}.ready").touch()
    while not os.path.exists(go):
        time.sleep(0.005)
    store = SqliteStore(database)
    for i in range(int(count)):
        manager = ConversationManager(make_client("simulated"))
        manager.send(f"I am session {prefix}-{i}.")
        store.save(f"{prefix}-{i}", manager, user_id=prefix)
        if i == 0:  # the rest waits for the other writer's first save: on a busy box one could otherwise finish first
            Path(f"{go}.{prefix}.first").touch()
            deadline = time.monotonic() + 150  # under the test's 180 s: a dead partner fails the test, not hangs it
            while not os.path.exists(f"{go}.{other}.first"):
                if time.monotonic() > deadline:
                    sys.exit(f"{other} never saved its first session")
                time.sleep(0.005)


def race(kind: str, target: str, session_id: str, go: str, name: str) -> None:
    store = open_store(kind, target)
    manager = store.load(session_id, client=make_client("simulated"))
    Path(f"{go}.{name}.ready").touch()
    while not os.path.exists(go):
        time.sleep(0.005)
    apply_change(manager, name)
    try:
        store.save(session_id, manager)
        print("won", flush=True)
    except ConflictError:
        print("conflict", flush=True)
        manager = store.load(session_id, client=make_client("simulated"))  # what the error says to do
        apply_change(manager, name)
        store.save(session_id, manager)
        print("re-applied", flush=True)


def apply_change(manager: ConversationManager, name: str) -> None:
    manager.record({"role": "user", "content": f"Note from {name}."})
    manager.record({"role": "assistant", "content": f"Noted, {name}."})


def forever(kind: str, target: str, session_id: str, ready: str) -> None:
    store = open_store(kind, target)
    manager = store.load(session_id, client=make_client("simulated"))
    for turn in range(10**6):
        apply_change(manager, f"turn {turn} " + "padding " * 2000)
        store.save(session_id, manager)
        Path(ready).touch()


if __name__ == "__main__":
    if sys.argv[1] == "forever":
        forever(*sys.argv[2:])
    elif sys.argv[1] == "many":
        many(*sys.argv[2:])
    elif sys.argv[1] == "race":
        race(*sys.argv[2:])
    else:
        kill_target(*sys.argv[1:])
