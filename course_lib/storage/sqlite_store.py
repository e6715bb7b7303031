"""All sessions in one SQLite file (standard library ``sqlite3``), safe for several processes.

Introduced in notebook 06_production_manager.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import serialize
from .base import SessionInfo, loaded_revision, newest_first, remember_revision, utc_now
from .envelope import envelope_text, parse_envelope, rebuild_manager
from .errors import ConflictError, CorruptSessionError, SessionNotFoundError, StoreError
from .ids import check_id

if TYPE_CHECKING:
    from ..managers import ConversationManager

__all__ = ["SQLITE_LAYOUT", "SqliteStore"]

SQLITE_LAYOUT = 2
"""``PRAGMA user_version`` of the database: the table layout, separate from the envelope version.
Layout 2 added the ``revision`` column."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id    TEXT PRIMARY KEY,
    user_id       TEXT,
    updated_at    TEXT NOT NULL,
    message_count INTEGER NOT NULL,
    tokens        INTEGER NOT NULL,
    envelope      TEXT NOT NULL,
    revision      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id, updated_at);
"""
_UPSERT = ("INSERT INTO sessions (session_id, user_id, updated_at, message_count, tokens, envelope, revision) "
           "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, "
           "updated_at = excluded.updated_at, message_count = excluded.message_count, tokens = excluded.tokens, "
           "envelope = excluded.envelope, revision = excluded.revision")


class SqliteStore:
    """All sessions in one SQLite file, indexed by user, safe for several processes on one machine.

    Introduced in notebook 06_production_manager. Each row keeps the same JSON envelope a
    :class:`JsonStore` file holds, plus columns to list and find sessions without parsing them.
    WAL mode lets readers work while one process writes; ``timeout`` is the busy timeout, how
    long a writer waits for another writer's transaction instead of failing with "database is
    locked". A save is one ``BEGIN IMMEDIATE`` transaction that compares the row's revision with
    the one the manager was loaded at and writes only if they match (compare-and-set), so two
    processes saving one session cannot both win. WAL needs a local filesystem: on a
    network-mounted home directory (NFS, common on JupyterHub) put the database on a local disk.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0,
                 clock: Callable[[], dt.datetime] = utc_now):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self.clock = clock
        self.key = f"sqlite:{self.path.resolve()}"
        with self._errors(), closing(sqlite3.connect(self.path, timeout=timeout, isolation_level=None)) as conn:
            # Before WAL mode, which would rewrite the header of anybody's file; in one read transaction, so
            # another process creating the table in between is seen whole or not at all (never a table
            # without its layout number, which would look like somebody else's file)
            conn.execute("BEGIN")
            try:
                self._check_ours(conn)
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
        with self._transaction() as conn:
            self._create_or_upgrade(conn)

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def save(self, session_id: str, manager: ConversationManager, user_id: str | None = None) -> SessionInfo:
        """Insert or update the session's row, if nobody saved it since ``manager`` was loaded (else ConflictError)."""
        check_id(session_id)
        if user_id is not None:
            check_id(user_id, "user id")
        expected = loaded_revision(manager, self.key, session_id)
        with self._transaction() as conn:
            row = conn.execute("SELECT revision FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
            found = row[0] if row else 0
            if found != expected:
                raise ConflictError(session_id, str(self.path), expected, found)
            text, info = envelope_text(session_id, manager, user_id, self.clock(), found + 1)
            conn.execute(_UPSERT, (session_id, user_id, info.updated_at.isoformat(timespec="microseconds"),
                                   info.message_count, info.tokens, text, info.revision))
        remember_revision(manager, self.key, session_id, info.revision)
        return info

    def load(self, session_id: str, client: Any = None) -> ConversationManager:
        """The saved manager, attached to ``client``; raises CorruptSessionError for a bad row."""
        check_id(session_id)
        where = f"{self.path} [session {session_id!r}]"
        with self._errors(), closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT length(CAST(envelope AS BLOB)), CASE WHEN length(CAST(envelope AS BLOB)) <= ? "
                "THEN CAST(envelope AS BLOB) END, revision FROM sessions WHERE session_id = ?",
                (serialize.MAX_LOAD_BYTES, session_id)).fetchone()
        if row is None:
            raise SessionNotFoundError(f"no saved session {session_id!r} in {self.path}")
        size, raw, revision = row
        if raw is None:
            raise CorruptSessionError(where, f"is {size:,} bytes, over the {serialize.MAX_LOAD_BYTES:,} byte limit")
        manager = rebuild_manager(parse_envelope(bytes(raw), where, session_id), where, client)
        remember_revision(manager, self.key, session_id, revision)  # the column is what save compares
        return manager

    def list_sessions(self, user_id: str | None = None) -> list[SessionInfo]:
        """Saved sessions, newest first, from the indexed columns (no envelope is parsed)."""
        query = "SELECT session_id, user_id, updated_at, message_count, tokens, revision FROM sessions"
        params: tuple[str, ...] = ()
        if user_id is not None:
            query, params = query + " WHERE user_id = ?", (check_id(user_id, "user id"),)
        with self._errors(), closing(self._connect()) as conn:
            rows = conn.execute(query, params).fetchall()
        return newest_first([SessionInfo(sid, uid, dt.datetime.fromisoformat(at), count, tokens, revision=rev)
                             for sid, uid, at, count, tokens, rev in rows])

    def latest_for(self, user_id: str) -> SessionInfo | None:
        """The user's most recently saved session, to resume; None if there is none."""
        rows = self.list_sessions(user_id)
        return rows[0] if rows else None

    def delete(self, session_id: str) -> bool:
        """Remove the session's row; True if there was one."""
        check_id(session_id)
        with self._transaction() as conn:
            return conn.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,)).rowcount > 0

    def _check_ours(self, conn: sqlite3.Connection) -> int:
        """The file's layout version; StoreError if it is not a database, or somebody else's, or newer."""
        try:
            layout = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: cannot be used as a session database ({error}). It was left "
                             "unchanged; give the store a new file name.") from error
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
        if layout > SQLITE_LAYOUT:
            raise StoreError(f"{self.path}: database layout {layout} is newer than the {SQLITE_LAYOUT} this "
                             "course_lib knows; upgrade course_lib")
        if layout == 0:
            ours = not tables  # a new, empty file: every store of ours sets user_version when it creates the table
        else:
            ours = {"session_id", "user_id", "updated_at", "message_count", "tokens", "envelope"} <= columns
        if not ours:
            raise StoreError(f"{self.path}: is a SQLite database, but not a course_lib session store (its tables: "
                             f"{', '.join(sorted(tables)) or 'none'}). It was left unchanged; give the store "
                             "a new file name.")
        return layout

    def _create_or_upgrade(self, conn: sqlite3.Connection) -> None:
        """Create the table in a new file, or upgrade an older layout (inside one transaction)."""
        layout = self._check_ours(conn)  # again, under the write lock: another process may have created it
        columns = {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
        for statement in filter(str.strip, _SCHEMA.split(";")):
            conn.execute(statement)
        if "revision" not in columns and layout == 1:
            conn.execute("ALTER TABLE sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
        conn.execute(f"PRAGMA user_version = {SQLITE_LAYOUT}")

    def _connect(self) -> sqlite3.Connection:
        """A fresh connection per operation: nothing to share across threads or forked processes."""
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            self._use_wal(conn)
        except sqlite3.OperationalError:
            conn.close()
            raise  # still locked after the timeout: _errors() reports it as a StoreError naming the file
        except sqlite3.DatabaseError as error:
            conn.close()
            raise StoreError(f"{self.path}: cannot be used as a session database ({error}). It was left "
                             "unchanged; give the store a new file name.") from error
        return conn

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        """Switch the file to WAL (readers and one writer at once), waiting while another process holds it.

        Switching needs the file to itself for a moment, and SQLite answers "database is locked" at once
        instead of waiting (the busy timeout does not cover it), so two processes opening a new store retry.
        """
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn raw sqlite3 errors (disk full, locked, corrupt) into a StoreError that names the file."""
        try:
            yield
        except sqlite3.Error as error:
            if "full" in str(error):
                raise StoreError(f"{self.path}: the disk is full ({error}). Nothing was written and the previous "
                                 "version is intact; free some space and save again.") from error
            raise StoreError(f"{self.path}: the database failed ({error}); nothing was written") from error

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking."""
        with self._errors(), closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
