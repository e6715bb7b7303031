"""Writing files so that a crash never leaves half a file behind.

Introduced in notebook 05_production_manager. The pattern: write a temporary file in the same
directory, flush and fsync it, then ``os.replace`` it over the target. ``os.replace`` is atomic
on POSIX and Windows, so readers see the old file or the new one, never a mix. Conversations,
cassettes, quiz answers and grading reports are all written this way.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; on any failure the old file is untouched.

    The temporary file lives in the target's directory because ``os.replace`` is only atomic
    within one file system.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
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
    """Text (UTF-8) version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


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
