"""Writing files so that a crash never leaves half a file behind, and reading them without trusting them.

Introduced in notebook 06_production_manager. The pattern: write a temporary file in the same
directory, flush and fsync it, then ``os.replace`` it over the target. ``os.replace`` is atomic
on POSIX and Windows, so readers see the old file or the new one, never a mix. Conversations,
cassettes, quiz answers and grading reports are all written this way.

A process killed with ``kill -9`` between writing and renaming leaves its temporary file behind.
The temporary files therefore carry a recognisable name, ``.<target>.partial-XXXXXXXX.tmp``, and
:func:`sweep_stale_temp_files` removes old ones (a store does this when it opens its folder).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["STALE_TEMP_SECONDS", "LockError", "NotARegularFileError", "atomic_write_bytes", "atomic_write_text",
           "locked", "read_regular_file", "sweep_stale_temp_files"]

TEMP_MARKER = ".partial-"
TEMP_NAME = re.compile(r"\..+\.partial-[a-z0-9_]{8}\.tmp")
STALE_TEMP_SECONDS = 15 * 60
"""A temporary file older than this belongs to a writer that died: no save takes a quarter of an hour."""


class LockError(OSError):
    """The lock file could not be opened (e.g. it is a symlink someone planted, or the folder is read-only)."""


class NotARegularFileError(OSError):
    """The path is a FIFO, a device, a socket or a directory: reading it could hang or mean nothing."""


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; on any failure the old file is untouched.

    Introduced in notebook 06_production_manager. The temporary file lives in the target's
    directory because ``os.replace`` is only atomic within one file system.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}{TEMP_MARKER}", suffix=".tmp")
    try:
        os.chmod(tmp, mode)  # mkstemp makes 0600 files; keep the old file's mode, or the usual default
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Text (UTF-8) version of :func:`atomic_write_bytes`.

    Introduced in notebook 06_production_manager.
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def sweep_stale_temp_files(directory: str | os.PathLike[str], older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete temporary files of :func:`atomic_write_bytes` left by killed writers; return what went.

    Introduced in notebook 06_production_manager. Only regular files with this module's naming
    and older than ``older_than`` seconds are touched, so a save in progress elsewhere is safe.
    """
    removed = []
    cutoff = time.time() - older_than
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if not TEMP_NAME.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):  # another process may sweep the same file first
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a regular file, so the caller can refuse an oversized one unread.

    Introduced in notebook 06_production_manager. The file is opened non-blocking and checked
    before reading: a FIFO named like a saved file would otherwise hang the reader forever.
    Raises :class:`NotARegularFileError` for anything that is not a regular file.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        kind = os.fstat(fd).st_mode
        if not stat.S_ISREG(kind):
            raise NotARegularFileError(f"{path} is {_kind_name(kind)}, not a regular file")
        return handle.read(limit + 1)


def _kind_name(mode: int) -> str:
    """What a non-regular file is, in words for an error message."""
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISDIR, "a directory"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


@contextlib.contextmanager
def locked(lock_path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (created if needed) across processes, until the block ends.

    Introduced in notebook 06_production_manager. The lock is the operating system's
    (``flock`` on POSIX, ``msvcrt.locking`` on Windows), so it is released even if the holder is
    killed: a dead process never leaves the store locked.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)  # a planted symlink is refused, not followed
    try:
        fd = os.open(lock_path, flags, 0o666 & ~_umask())
    except OSError as error:
        raise LockError(error.errno, f"cannot open the lock file ({error.strerror})", str(lock_path)) from error
    try:
        _lock(fd)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:  # LK_LOCK gives up after ten seconds; keep waiting, as flock does
                continue
    fcntl.flock(fd, fcntl.LOCK_EX)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable, so a power cut cannot undo a completed save.

    Directories cannot be opened this way on Windows; there the data is safe and this is skipped.
    """
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
