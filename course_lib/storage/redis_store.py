"""Sessions in Redis: one store shared by every app server behind a load balancer.

Introduced in notebook 06_production_manager.

A JSON folder or a SQLite file lives on one machine. When a service runs several app processes
on several machines, a request for one conversation can land on any of them, so the
conversation must live in a server they all reach. Redis is the usual choice. Layout, under a
``namespace`` (default ``course_lib``)::

    <ns>:session:<id>   hash: envelope (the same JSON a JsonStore file holds), revision,
                        user_id, updated_at, message_count, tokens
    <ns>:sessions       set of every session id
    <ns>:user:<user>    set of that user's session ids

A save is a compare-and-set with ``WATCH``/``MULTI``/``EXEC``: watch the session's key, read its
revision, compare, then write in a transaction that Redis refuses (``WatchError``) if anyone
touched the key in between. Either way the loser gets ConflictError and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import serialize
from .base import SessionInfo, loaded_revision, newest_first, remember_revision, utc_now
from .envelope import envelope_text, parse_envelope, rebuild_manager
from .errors import ConflictError, CorruptSessionError, SessionNotFoundError, StoreError
from .ids import check_id

if TYPE_CHECKING:
    from ..managers import ConversationManager

__all__ = ["INSTALL_HINT", "START_HINT", "RedisStore"]

INSTALL_HINT = ("RedisStore needs the redis client package: pip install 'course-lib[redis]' "
                "(in this kit: .venv/bin/pip install redis)")
START_HINT = ("start a local server with: redis-server --port 6379 --save '' "
              "(Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)")
_LISTED = ("user_id", "updated_at", "message_count", "tokens", "revision")


def _redis_module() -> Any:
    """Import the optional ``redis`` client only when a RedisStore is made, with a clear error if absent."""
    try:
        import redis
    except ImportError as error:
        raise StoreError(INSTALL_HINT) from error
    return redis


class RedisStore:
    """Sessions in a Redis server, with the same interface and guarantees as the other stores.

    Introduced in notebook 06_production_manager. ``url`` is a redis URL such as
    ``redis://127.0.0.1:6379/0``; error messages name host, port and database, never a password
    in it. Connecting checks the server at once, so a missing server fails here, clearly.
    """

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", *, namespace: str = "course_lib",
                 timeout: float = 5.0, clock: Callable[[], dt.datetime] = utc_now):
        redis = _redis_module()
        self._redis_errors, self._watch_error = redis.RedisError, redis.WatchError
        self._unreachable = (redis.ConnectionError, redis.TimeoutError)
        self.namespace = check_id(namespace, "namespace")
        self.clock = clock
        self.redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        options = self.redis.connection_pool.connection_kwargs
        where = options.get("path") or f"{options.get('host', '?')}:{options.get('port', '?')}"
        self.where = f"redis {where}/{options.get('db', 0)} [{self.namespace}]"
        self.key = f"redis:{where}/{options.get('db', 0)}/{self.namespace}"
        with self._errors():
            self.redis.ping()

    def __repr__(self) -> str:
        return f"RedisStore({self.where!r})"

    def save(self, session_id: str, manager: ConversationManager, user_id: str | None = None) -> SessionInfo:
        """Write the session in one transaction, if nobody saved it since ``manager`` was loaded.

        Otherwise raise ConflictError and write nothing.
        """
        key = self._session_key(check_id(session_id))
        if user_id is not None:
            check_id(user_id, "user id")
        expected = loaded_revision(manager, self.key, session_id)
        with self._errors(), self.redis.pipeline() as pipe:
            pipe.watch(key)
            found, old_user = pipe.hmget(key, "revision", "user_id")
            found = self._revision(found, session_id)
            if found != expected:
                raise ConflictError(session_id, self.where, expected, found)
            text, info = envelope_text(session_id, manager, user_id, self.clock(), found + 1)
            pipe.multi()
            pipe.hset(key, mapping={"envelope": text, "revision": info.revision, "user_id": user_id or "",
                                    "updated_at": info.updated_at.isoformat(timespec="microseconds"),
                                    "message_count": info.message_count, "tokens": info.tokens})
            pipe.sadd(f"{self.namespace}:sessions", session_id)
            if old_user and old_user.decode() != user_id:
                pipe.srem(self._user_key(old_user.decode()), session_id)
            if user_id:
                pipe.sadd(self._user_key(user_id), session_id)
            try:
                pipe.execute()
            except self._watch_error as error:  # someone wrote between our read and our write
                now = self._revision(self.redis.hget(key, "revision"), session_id)
                raise ConflictError(session_id, self.where, expected, now) from error
        remember_revision(manager, self.key, session_id, info.revision)
        return info

    def load(self, session_id: str, client: Any = None) -> ConversationManager:
        """The saved manager, attached to ``client``; raises CorruptSessionError for a bad entry."""
        key = self._session_key(check_id(session_id))
        where = f"{self.where} [session {session_id!r}]"
        with self._errors():
            if not self.redis.exists(key):
                raise SessionNotFoundError(f"no saved session {session_id!r} in {self.where}")
            size = self.redis.hstrlen(key, "envelope")
            if size > serialize.MAX_LOAD_BYTES:  # refused before it is fetched
                raise CorruptSessionError(where, f"is {size:,} bytes, over the {serialize.MAX_LOAD_BYTES:,} "
                                          "byte limit")
            raw, revision = self.redis.hmget(key, "envelope", "revision")
        if raw is None:
            raise CorruptSessionError(where, "has no envelope field")
        data = parse_envelope(raw, where, session_id)
        manager = rebuild_manager(data, where, client)
        remember_revision(manager, self.key, session_id, self._revision(revision, session_id))
        return manager

    def list_sessions(self, user_id: str | None = None) -> list[SessionInfo]:
        """Saved sessions, newest first, from the hash fields (no envelope is fetched or parsed)."""
        index = f"{self.namespace}:sessions" if user_id is None else self._user_key(check_id(user_id, "user id"))
        with self._errors():
            ids = sorted(member.decode() for member in self.redis.smembers(index))
            with self.redis.pipeline(transaction=False) as pipe:
                for session_id in ids:
                    pipe.hmget(self._session_key(session_id), *_LISTED)
                fields = pipe.execute()
        rows = [self._row(session_id, values) for session_id, values in zip(ids, fields, strict=True)
                if values[4] is not None]  # no revision: deleted while we were listing
        return newest_first([row for row in rows if user_id is None or row.user_id == user_id])

    def latest_for(self, user_id: str) -> SessionInfo | None:
        """The user's most recently saved readable session, to resume; None if there is none."""
        return next((row for row in self.list_sessions(user_id) if row.problem is None), None)

    def delete(self, session_id: str) -> bool:
        """Remove the session and its index entries in one transaction; True if there was one."""
        key = self._session_key(check_id(session_id))
        with self._errors(), self.redis.pipeline() as pipe:
            pipe.watch(key)
            user = pipe.hget(key, "user_id")
            pipe.multi()
            pipe.delete(key)
            pipe.srem(f"{self.namespace}:sessions", session_id)
            if user:
                pipe.srem(self._user_key(user.decode()), session_id)
            return bool(pipe.execute()[0])

    def _session_key(self, session_id: str) -> str:
        return f"{self.namespace}:session:{session_id}"

    def _user_key(self, user_id: str) -> str:
        return f"{self.namespace}:user:{user_id}"

    def _revision(self, raw: bytes | None, session_id: str) -> int:
        """A stored revision as an int (0: no session); anything else is corrupt data, reported."""
        try:
            value = int(raw or 0)
        except ValueError:
            value = -1
        if value < 0:
            raise CorruptSessionError(f"{self.where} [session {session_id!r}]", f"revision {raw!r} is not a count")
        return value

    def _row(self, session_id: str, values: list[bytes | None]) -> SessionInfo:
        """One listing row from the hash fields; damaged fields give a row with ``problem`` set."""
        user, updated, count, tokens, revision = (value.decode() if value else "" for value in values)
        try:
            when = dt.datetime.fromisoformat(updated)
            if when.tzinfo is None:
                raise ValueError("no time zone")
            return SessionInfo(session_id, user or None, when, int(count), int(tokens), revision=int(revision))
        except (ValueError, OverflowError) as error:
            epoch = dt.datetime.fromtimestamp(0, dt.timezone.utc)
            return SessionInfo(session_id, user or None, epoch, 0, 0, problem=f"unreadable listing fields ({error})")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn redis-py errors into a StoreError that names the server and says what to do."""
        try:
            yield
        except self._redis_errors as error:
            hint = f"; is the server running? To {START_HINT}" if isinstance(error, self._unreachable) else ""
            raise StoreError(f"{self.where}: {type(error).__name__}: {error}{hint}") from error
