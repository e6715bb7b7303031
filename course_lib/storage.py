"""Conversations that survive restarts: a JSON store and a SQLite store with one interface.

Introduced in notebook 05_production_manager.

The seed tutorial saves ``f"{session_id}.json"`` with ``write_text`` and loads whatever JSON it
finds. Three things go wrong with that, and each has a fix here:

* **The id is a path.** ``session_id = "../../.ssh/authorized_keys"`` writes outside the folder.
  Ids are checked against an allow-list (:func:`check_id`), and the final path is resolved and
  must still be inside the store's directory.
* **A crash mid-save loses the conversation.** ``write_text`` truncates the file first. Here a
  save writes a temporary file, fsyncs it and renames it over the old one
  (:func:`course_lib.files.atomic_write_text`); SQLite does the same job with a transaction.
* **A saved file is input, not truth.** It can be truncated, hand-edited, from a newer kit, or
  huge. Loading checks size, JSON, shape and version, and raises one :class:`CorruptSessionError`
  naming the file and the problem. Loading never changes the file.

What is saved, in both stores, is an *envelope* around the manager's own state::

    {"schema_version": 1, "session_id": "...", "user_id": "..." | null,
     "updated_at": "2025-01-01T12:00:00.000000+00:00", "message_count": 12, "tokens": 840,
     "state": manager.to_state()}

Two versions, two owners: the envelope's ``schema_version`` is this module's (it changes when the
envelope changes, with a step in :data:`MIGRATIONS`); ``state["schema_version"]`` is the
manager's, checked by :func:`course_lib.managers.manager_from_state`.

Text shaped like an API key is redacted before writing (the same rule cassettes use): a saved
conversation is exactly the kind of file people commit and share.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .files import atomic_write_text
from .managers import ConversationManager, StateError, manager_from_state
from .runtime.cassettes import scrub

SCHEMA_VERSION = 1
"""Version of the envelope written by this kit. Bump it only together with a step in MIGRATIONS."""

MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    # ===== MIGRATIONS: version N -> function turning an N envelope into an N+1 envelope. =====
    # None yet: version 1 is the first. When the envelope changes, add e.g. ``1: _v1_to_v2`` here,
    # bump SCHEMA_VERSION, and add a test that loads a real version-1 file.
}

MAX_LOAD_BYTES = 50 * 1024 * 1024
"""A saved session larger than this is refused, not read: files are untrusted input."""

MAX_ID_LENGTH = 128
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})


class StoreError(Exception):
    """Something went wrong in a conversation store; the subclasses say what.

    Introduced in notebook 05_production_manager. Catch this one to handle every store problem.
    """


class InvalidIdError(StoreError, ValueError):
    """A session or user id broke the id rules; the message names the id and the rule.

    Introduced in notebook 05_production_manager.
    """


class CorruptSessionError(StoreError, ValueError):
    """A saved session could not be loaded: truncated, corrupt, too big, wrong shape or version.

    Introduced in notebook 05_production_manager. ``where`` names the file (or database row) and
    ``problem`` says what is wrong. The stored data was not changed, so it can be inspected.
    """

    def __init__(self, where: str, problem: str):
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem} (the stored data was left unchanged)")


class SessionNotFoundError(StoreError, LookupError):
    """No session is saved under that id.

    Introduced in notebook 05_production_manager.
    """


def _show(value: object, limit: int = 60) -> str:
    """A repr short enough for an error message (ids can be megabytes of attacker input)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_id(value: object, what: str = "session id") -> str:
    """Return ``value`` if it is a safe id, else raise :class:`InvalidIdError` naming the rule.

    Introduced in notebook 05_production_manager. An allow-list, not a block-list: letters,
    digits, ``.``, ``_`` and ``-``, starting with a letter or digit, at most 128 characters, no
    ``..``. That rules out separators, absolute paths, NUL and control characters, hidden files
    and Windows device names at once, and means the same ids work in every store.
    """
    shown = _show(value)
    if not isinstance(value, str):
        raise InvalidIdError(f"{what} {shown} must be a string, not {type(value).__name__}")
    if not value:
        raise InvalidIdError(f"{what} is empty; give a name such as 'alice-2025-01-01'")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidIdError(f"{what} {shown} is {len(value)} characters; the limit is {MAX_ID_LENGTH}")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidIdError(f"{what} {shown} contains a NUL or control character")
    if "/" in value or "\\" in value or (len(value) > 1 and value[1] == ":"):
        raise InvalidIdError(f"{what} {shown} contains a path separator or drive; ids are names, not paths")
    if ".." in value:
        raise InvalidIdError(f"{what} {shown} contains '..'")
    if not ID_PATTERN.fullmatch(value):
        raise InvalidIdError(f"{what} {shown} may use only letters, digits, '.', '_' and '-', "
                             "and must start with a letter or digit")
    if value.split(".")[0].lower() in WINDOWS_RESERVED:
        raise InvalidIdError(f"{what} {shown} is a reserved device name on Windows")
    return value


@dataclass(frozen=True)
class SessionInfo:
    """One row of :meth:`ConversationStore.list_sessions`: enough to pick a session to resume.

    Introduced in notebook 05_production_manager. ``message_count`` and ``tokens`` describe the
    manager's full transcript at save time (tokens are the kit's estimate). ``problem`` is set,
    and the other fields are placeholders, for a JSON file whose envelope cannot be read: it is
    listed so that nothing is silently hidden, but never picked by :meth:`latest_for`. Listing
    does not rebuild managers, so a bad manager state inside a good envelope shows only on load.
    """

    session_id: str
    user_id: str | None
    updated_at: dt.datetime
    message_count: int
    tokens: int
    problem: str | None = None


@runtime_checkable
class ConversationStore(Protocol):
    """What every store offers; notebooks and tests use the two stores interchangeably.

    Introduced in notebook 05_production_manager.
    """

    def save(self, session_id: str, manager: ConversationManager, user_id: str | None = None) -> SessionInfo: ...

    def load(self, session_id: str, client: Any = None) -> ConversationManager: ...

    def list_sessions(self, user_id: str | None = None) -> list[SessionInfo]: ...

    def latest_for(self, user_id: str) -> SessionInfo | None: ...

    def delete(self, session_id: str) -> bool: ...


# -- the envelope, shared by both stores --------------------------------------------------------

def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _envelope_text(session_id: str, manager: ConversationManager, user_id: str | None,
                   now: dt.datetime) -> tuple[str, SessionInfo]:
    """Serialize everything *before* touching storage, so a bad state writes nothing."""
    check_id(session_id)
    if user_id is not None:
        check_id(user_id, "user id")
    transcript = manager.transcript
    info = SessionInfo(session_id, user_id, now.astimezone(dt.timezone.utc), len(transcript),
                       sum(entry.tokens for entry in transcript))
    envelope = {"schema_version": SCHEMA_VERSION, "session_id": session_id, "user_id": user_id,
                "updated_at": info.updated_at.isoformat(timespec="microseconds"),
                "message_count": info.message_count, "tokens": info.tokens, "state": manager.to_state()}
    try:
        text = json.dumps(envelope, indent=1, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise StoreError(f"session {session_id!r}: the manager's state is not JSON-safe ({error}); "
                         "nothing was written") from error
    return scrub(text) + "\n", info


def _parse_envelope(raw: bytes, where: str, session_id: str) -> dict[str, Any]:
    """Check an envelope read from storage and bring it to the current version; never trusts it."""
    if len(raw) > MAX_LOAD_BYTES:
        raise CorruptSessionError(where, f"is larger than the {MAX_LOAD_BYTES:,} byte limit; refusing to read it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorruptSessionError(where, f"is not UTF-8 text (byte {error.start})") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        ends_early = error.msg.startswith("Unterminated") or error.pos >= len(text.rstrip())
        hint = "; the data ends early, as if truncated" if ends_early else ""
        problem = error.msg.removesuffix(" at")  # some messages end in "at", before our own "at line"
        raise CorruptSessionError(where, f"is not valid JSON ({problem} at line {error.lineno} column "
                                  f"{error.colno}{hint})") from error
    except (ValueError, RecursionError) as error:  # e.g. a 5000-digit number, or [[[[... nested too deep
        raise CorruptSessionError(where, f"is not JSON this kit can read ({type(error).__name__}: "
                                  f"{_show(str(error), 120)})") from error
    if not isinstance(data, dict):
        raise CorruptSessionError(where, f"holds a JSON {type(data).__name__}, not a saved-session object")
    data = _migrate(data, where)
    expected = {"session_id": str, "updated_at": str, "message_count": int, "tokens": int, "state": dict}
    for key, kind in expected.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            found = "missing" if key not in data else f"a {type(data[key]).__name__}"
            raise CorruptSessionError(where, f"field {key!r} should be a {kind.__name__}, found {found}")
    if data["session_id"] != session_id:
        raise CorruptSessionError(where, f"says it is session {_show(data['session_id'])}, not {session_id!r} "
                                  "(copied or renamed by hand?)")
    if data.get("user_id") is not None:
        try:
            check_id(data["user_id"], "user id")
        except InvalidIdError as error:
            raise CorruptSessionError(where, str(error)) from error
    try:
        zone = dt.datetime.fromisoformat(data["updated_at"]).tzinfo
    except ValueError:
        zone = None
    if zone is None:
        raise CorruptSessionError(where, f"updated_at {_show(data['updated_at'])} is not an ISO time with a zone")
    return data


def _migrate(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Step an old envelope up to :data:`SCHEMA_VERSION` in memory; refuse newer or unknown ones."""
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CorruptSessionError(where, f"has no usable schema_version (found {_show(version)}); "
                                  "it was not written by a course_lib store")
    if version > SCHEMA_VERSION:
        raise CorruptSessionError(where, f"has schema_version {version}, newer than the {SCHEMA_VERSION} this "
                                  "course_lib reads; upgrade course_lib to load it")
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise CorruptSessionError(where, f"has schema_version {version} and there is no migration from it "
                                      f"to {SCHEMA_VERSION}")
        data = step(data)
        version = data["schema_version"]
    return data


def _info(data: dict[str, Any]) -> SessionInfo:
    return SessionInfo(data["session_id"], data.get("user_id"), dt.datetime.fromisoformat(data["updated_at"]),
                       data["message_count"], data["tokens"])


def _manager(data: dict[str, Any], where: str, client: Any) -> ConversationManager:
    try:
        return manager_from_state(data["state"], client=client)
    except StateError as error:
        raise CorruptSessionError(where, f"the saved manager state is unusable: {error}") from error
    except (LookupError, TypeError, ValueError, AttributeError) as error:
        # manager_from_state promises StateError, but the file is untrusted: whatever a hand-edited
        # state trips over is still reported as one clear error about this file (the cause is chained).
        raise CorruptSessionError(where, f"the saved manager state is unusable ({type(error).__name__}: "
                                  f"{_show(str(error), 120)})") from error


def _newest_first(rows: list[SessionInfo]) -> list[SessionInfo]:
    return sorted(rows, key=lambda row: (row.updated_at, row.session_id), reverse=True)


# -- JSON files ---------------------------------------------------------------------------------

class JsonStore:
    """One human-readable JSON file per session, ``<directory>/<session_id>.json``.

    Introduced in notebook 05_production_manager. The default store: open a file and read the
    conversation. Listing reads every file, which is fine for hundreds of sessions; for many more,
    or several processes sharing one store, use :class:`SqliteStore`. ``clock`` exists so tests
    and notebooks can make ``updated_at`` deterministic.
    """

    SUFFIX = ".json"

    def __init__(self, directory: str | os.PathLike[str], *, clock: Callable[[], dt.datetime] = _utc_now):
        self.directory = Path(directory).resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.clock = clock

    def __repr__(self) -> str:
        return f"JsonStore({str(self.directory)!r})"

    def path_for(self, session_id: str) -> Path:
        """The file for ``session_id``; refuses ids and symlinks that would lead outside the directory."""
        path = self.directory / f"{check_id(session_id)}{self.SUFFIX}"
        resolved = path.resolve()
        if resolved.parent != self.directory:
            raise StoreError(f"{path} resolves to {resolved}, outside the store directory {self.directory}; "
                             "refusing to use it")
        return path

    def save(self, session_id: str, manager: ConversationManager, user_id: str | None = None) -> SessionInfo:
        """Write the session atomically: readers and crashes see the old file or the new one."""
        text, info = _envelope_text(session_id, manager, user_id, self.clock())
        atomic_write_text(self.path_for(session_id), text)
        return info

    def load(self, session_id: str, client: Any = None) -> ConversationManager:
        """The saved manager, attached to ``client``; raises CorruptSessionError for a bad file."""
        path = self.path_for(session_id)
        return _manager(_parse_envelope(self._read(path, session_id), str(path), session_id), str(path), client)

    def list_sessions(self, user_id: str | None = None) -> list[SessionInfo]:
        """Saved sessions, newest first; unreadable files are listed with ``problem`` set."""
        if user_id is not None:
            check_id(user_id, "user id")
        rows = []
        for path in self.directory.glob(f"*{self.SUFFIX}"):
            session_id = path.name[: -len(self.SUFFIX)]
            if not ID_PATTERN.fullmatch(session_id) or not path.is_file():
                continue  # temp files (".name.json.xyz.tmp") and anything a store could not have written
            try:
                try:
                    row = _info(_parse_envelope(self._read(path, session_id), str(path), session_id))
                except CorruptSessionError as error:
                    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
                    row = SessionInfo(session_id, None, modified, 0, 0, problem=error.problem)
            except (SessionNotFoundError, FileNotFoundError):
                continue  # deleted by another process while we were listing
            if user_id is None or row.user_id == user_id:
                rows.append(row)
        return _newest_first(rows)

    def latest_for(self, user_id: str) -> SessionInfo | None:
        """The user's most recently saved readable session, to resume; None if there is none."""
        return next((row for row in self.list_sessions(user_id) if row.problem is None), None)

    def delete(self, session_id: str) -> bool:
        """Remove the session's file; True if there was one."""
        try:
            self.path_for(session_id).unlink()
        except FileNotFoundError:
            return False
        return True

    @staticmethod
    def _read(path: Path, session_id: str) -> bytes:
        """Read at most one byte past the limit, so a huge file is refused without loading it."""
        try:
            with open(path, "rb") as handle:
                return handle.read(MAX_LOAD_BYTES + 1)
        except FileNotFoundError as error:
            raise SessionNotFoundError(f"no saved session {session_id!r} ({path} does not exist)") from error
        except OSError as error:
            raise CorruptSessionError(str(path), f"cannot be read ({error.strerror})") from error


# -- SQLite -------------------------------------------------------------------------------------

SQLITE_LAYOUT = 1
"""``PRAGMA user_version`` of the database: the table layout, separate from the envelope version."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id    TEXT PRIMARY KEY,
    user_id       TEXT,
    updated_at    TEXT NOT NULL,
    message_count INTEGER NOT NULL,
    tokens        INTEGER NOT NULL,
    envelope      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id, updated_at);
"""


class SqliteStore:
    """All sessions in one SQLite file (standard library ``sqlite3``), safe for several processes.

    Introduced in notebook 05_production_manager. Each row keeps the same JSON envelope a
    :class:`JsonStore` file holds, plus columns to list and find sessions without parsing them.
    WAL mode lets readers work while one process writes; ``timeout`` is the busy timeout, how
    long a writer waits for another writer's transaction instead of failing with "database is
    locked". Every save is one transaction: after a crash the row is the old one or the new one.
    WAL needs a local filesystem: on a network-mounted home directory (NFS, common on JupyterHub)
    put the database on a local disk, or use :class:`JsonStore`.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0,
                 clock: Callable[[], dt.datetime] = _utc_now):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self.clock = clock
        with self._transaction() as conn:
            layout = conn.execute("PRAGMA user_version").fetchone()[0]
            if layout > SQLITE_LAYOUT:
                raise StoreError(f"{self.path}: database layout {layout} is newer than the {SQLITE_LAYOUT} this "
                                 "course_lib knows; upgrade course_lib")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SQLITE_LAYOUT}")

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        """A fresh connection per operation: nothing to share across threads or forked processes."""
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as error:
            conn.close()
            raise StoreError(f"{self.path}: cannot be used as a session database ({error})") from error
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def save(self, session_id: str, manager: ConversationManager, user_id: str | None = None) -> SessionInfo:
        """Insert or replace the session's row in one transaction."""
        text, info = _envelope_text(session_id, manager, user_id, self.clock())
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (session_id, user_id, updated_at, message_count, tokens, envelope) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, "
                "updated_at = excluded.updated_at, message_count = excluded.message_count, "
                "tokens = excluded.tokens, envelope = excluded.envelope",
                (session_id, user_id, info.updated_at.isoformat(timespec="microseconds"), info.message_count,
                 info.tokens, text))
        return info

    def load(self, session_id: str, client: Any = None) -> ConversationManager:
        """The saved manager, attached to ``client``; raises CorruptSessionError for a bad row."""
        check_id(session_id)
        where = f"{self.path} [session {session_id!r}]"
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT length(CAST(envelope AS BLOB)), CASE WHEN length(CAST(envelope AS BLOB)) <= ? "
                "THEN CAST(envelope AS BLOB) END FROM sessions WHERE session_id = ?",
                (MAX_LOAD_BYTES, session_id)).fetchone()
        if row is None:
            raise SessionNotFoundError(f"no saved session {session_id!r} in {self.path}")
        size, raw = row
        if raw is None:
            raise CorruptSessionError(where, f"is {size:,} bytes, over the {MAX_LOAD_BYTES:,} byte limit")
        return _manager(_parse_envelope(bytes(raw), where, session_id), where, client)

    def list_sessions(self, user_id: str | None = None) -> list[SessionInfo]:
        """Saved sessions, newest first, from the indexed columns (no envelope is parsed)."""
        query = "SELECT session_id, user_id, updated_at, message_count, tokens FROM sessions"
        params: tuple[str, ...] = ()
        if user_id is not None:
            query, params = query + " WHERE user_id = ?", (check_id(user_id, "user id"),)
        with closing(self._connect()) as conn:
            rows = conn.execute(query + " ORDER BY updated_at DESC, session_id DESC", params).fetchall()
        return [SessionInfo(sid, uid, dt.datetime.fromisoformat(at), count, tokens)
                for sid, uid, at, count, tokens in rows]

    def latest_for(self, user_id: str) -> SessionInfo | None:
        """The user's most recently saved session, to resume; None if there is none."""
        rows = self.list_sessions(user_id)
        return rows[0] if rows else None

    def delete(self, session_id: str) -> bool:
        """Remove the session's row; True if there was one."""
        check_id(session_id)
        with self._transaction() as conn:
            return conn.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,)).rowcount > 0
