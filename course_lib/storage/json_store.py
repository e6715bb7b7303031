"""One human-readable JSON file per session: the default store.

Introduced in notebook 06_production_manager.

The seed tutorial saves ``f"{session_id}.json"`` with ``write_text`` and loads whatever JSON it
finds. What goes wrong with that, and the fix here:

* **The id is a path.** ``"../../.ssh/authorized_keys"`` writes outside the folder. Ids are
  checked against an allow-list, and the final path must resolve inside the store's directory.
* **A crash mid-save loses the conversation.** ``write_text`` truncates the file first. Here a
  save writes a temporary file and renames it over the old one; temporary files left by a killed
  process are swept when the store opens.
* **Two processes save in turn and the first one's messages vanish.** Saves compare revisions
  under a lock file (``.lock``), so the second save raises ConflictError instead.
* **A saved file is input.** Loading checks that it is a regular file (a FIFO would hang the
  reader), its size, JSON, shape and version; it never changes the file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import LockError, locked, sweep_stale_temp_files
from .base import SessionInfo, loaded_revision, newest_first, remember_revision, utc_now
from .envelope import envelope_text, parse_envelope, rebuild_manager, session_info
from .errors import ConflictError, CorruptSessionError, SessionNotFoundError, StoreError
from .ids import ID_PATTERN, check_id
from .serialize import read_bytes, write_text

if TYPE_CHECKING:
    from ..managers import ConversationManager

__all__ = ["JsonStore"]


class JsonStore:
    """One human-readable JSON file per session, ``<directory>/<session_id>.json``.

    Introduced in notebook 06_production_manager. The default store: open a file and read the
    conversation. Listing reads every file, which is fine for hundreds of sessions; for many more
    use :class:`SqliteStore`, and for several machines :class:`RedisStore`. ``clock`` exists so
    tests and notebooks can make ``updated_at`` deterministic.
    """

    SUFFIX = ".json"
    LOCK_NAME = ".lock"

    def __init__(self, directory: str | os.PathLike[str], *, clock: Callable[[], dt.datetime] = utc_now):
        self.directory = Path(directory).resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.key = f"json:{self.directory}"
        sweep_stale_temp_files(self.directory)

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
        """Write the session atomically, if nobody saved it since ``manager`` was loaded (else ConflictError)."""
        path = self.path_for(session_id)
        if user_id is not None:
            check_id(user_id, "user id")
        expected = loaded_revision(manager, self.key, session_id)
        with self._locked():
            found = self._stored_revision(path, session_id)
            if found != expected:
                raise ConflictError(session_id, str(self.directory), expected, found)
            text, info = envelope_text(session_id, manager, user_id, self.clock(), found + 1)
            write_text(path, text)
        remember_revision(manager, self.key, session_id, info.revision)
        return info

    def load(self, session_id: str, client: Any = None) -> ConversationManager:
        """The saved manager, attached to ``client``; raises CorruptSessionError for a bad file."""
        path = self.path_for(session_id)
        data = parse_envelope(read_bytes(path, session_id), str(path), session_id)
        manager = rebuild_manager(data, str(path), client)
        remember_revision(manager, self.key, session_id, data["revision"])
        return manager

    def list_sessions(self, user_id: str | None = None) -> list[SessionInfo]:
        """Saved sessions, newest first; anything unreadable is listed with ``problem`` set, never hidden."""
        if user_id is not None:
            check_id(user_id, "user id")
        rows = [row for row in map(self._row, self._session_paths()) if row is not None]
        return newest_first([row for row in rows if user_id is None or row.user_id == user_id])

    def latest_for(self, user_id: str) -> SessionInfo | None:
        """The user's most recently saved readable session, to resume; None if there is none."""
        return next((row for row in self.list_sessions(user_id) if row.problem is None), None)

    def delete(self, session_id: str) -> bool:
        """Remove the session's file; True if there was one."""
        path = self.path_for(session_id)
        with self._locked():
            try:
                path.unlink()
            except FileNotFoundError:
                return False
        return True

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the store's lock file, so compare-and-write is one step for every process."""
        try:
            with locked(self.directory / self.LOCK_NAME):
                yield
        except LockError as error:
            raise StoreError(f"{error.filename}: {error.strerror}; nothing was written (delete it if it is "
                             "not a plain file; the store recreates it)") from error

    def _stored_revision(self, path: Path, session_id: str) -> int:
        """The revision on disk now (0: no file); an unreadable file is never silently overwritten."""
        try:
            raw = read_bytes(path, session_id)
        except SessionNotFoundError:
            return 0
        try:
            return parse_envelope(raw, str(path), session_id)["revision"]
        except CorruptSessionError as error:
            raise CorruptSessionError(error.where, f"{error.problem}; saving over it would destroy it, so "
                                      "nothing was written: move or delete the file, or save under a new id") from error

    def _session_paths(self) -> list[Path]:
        """Every entry named like a session file; an unreadable folder is an error, not an empty list."""
        try:
            with os.scandir(self.directory) as entries:
                names = [entry.name for entry in entries]
        except OSError as error:
            raise StoreError(f"{self.directory}: cannot list the store folder ({error.strerror or error}); "
                             "check that it exists and that you may read it") from error
        return [self.directory / name for name in sorted(names)
                if name.endswith(self.SUFFIX) and ID_PATTERN.fullmatch(name[: -len(self.SUFFIX)])]

    def _row(self, path: Path) -> SessionInfo | None:
        """The listing row for one file; None if it vanished meanwhile (deleted by another process)."""
        session_id = path.name[: -len(self.SUFFIX)]
        try:
            self.path_for(session_id)  # a symlink leading out of the folder is listed, never followed
            return session_info(parse_envelope(read_bytes(path, session_id), str(path), session_id))
        except SessionNotFoundError:
            return None
        except StoreError as error:
            try:
                modified = dt.datetime.fromtimestamp(os.lstat(path).st_mtime, dt.timezone.utc)
            except OSError:
                return None
            return SessionInfo(session_id, None, modified, 0, 0, problem=getattr(error, "problem", str(error)))


