"""Finding the answers files in a collected folder, and reading each one without trusting it.

The folder comes from learners' home directories, so anything can be in it: symbolic links to files the
instructor can read and the learner cannot, FIFOs that block a reader for ever, folders nobody may list,
file names with line breaks or bytes that are not UTF-8. Nothing here follows a link, opens a
non-regular file or stops at a bad entry: each becomes a ``Flag`` and the walk goes on.

Who handed a file in is told twice: by the student id inside it, and by where the collection put it.
The collection steps in docs/CLASSROOM.md name each file after its owner's home (``jupyter-alice__...``)
or put it in a folder per hub user (``subs/alice/...``); ``path_owner`` reads that back.
"""

from __future__ import annotations

import hashlib
import os
import stat
import string
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["Flag", "Unusable", "display_name", "find_answer_files", "owner_matches", "path_owner", "read_limited"]

HUB_PREFIX = "jupyter-"
"""TLJH names each Unix user, and Zero to JupyterHub each pod, ``jupyter-<hub user>``."""


@dataclass(frozen=True)
class Flag:
    """One problem with one file. ``student_id`` is empty when the file did not say who it was from."""

    file: str
    student_id: str
    code: str
    reason: str


class Unusable(Exception):
    """A file that cannot be graded; ``code`` and ``reason`` become its row in flags.csv."""

    def __init__(self, code: str, reason: str, student_id: str = "") -> None:
        super().__init__(reason)
        self.code, self.reason, self.student_id = code, reason, student_id


def display_name(relative: Path) -> str:
    """A relative path as printable text; bytes that are not UTF-8 become ``\\xNN`` (CSVs are UTF-8)."""
    return os.fsencode(relative.as_posix()).decode("utf-8", "backslashreplace")


def find_answer_files(root: Path) -> tuple[list[tuple[Path, str]], list[Flag]]:
    """Every regular ``*.json`` file below ``root`` with its display name, sorted; and what was refused."""
    files: list[tuple[Path, str]] = []
    flags: list[Flag] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            where = display_name(folder.relative_to(root)) + "/"
            flags.append(Flag(where, "", "unreadable", f"folder cannot be listed: {error.strerror or error}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            name = display_name(path.relative_to(root))
            if entry.is_symlink():
                if entry.name.endswith(".json") or path.is_dir():
                    flags.append(Flag(name, "", "symlink", _symlink_reason(path, root)))
            elif entry.is_dir(follow_symlinks=False):
                folders.append(path)
            elif entry.name.endswith(".json"):
                if entry.is_file(follow_symlinks=False):
                    files.append((path, name))
                else:
                    flags.append(Flag(name, "", "not_a_file", "a FIFO, socket or device: never opened"))
    files.sort(key=lambda item: item[1])
    return files, flags


def _symlink_reason(path: Path, root: Path) -> str:
    target = Path(os.path.realpath(path))
    where = "inside" if target.is_relative_to(root.resolve()) else "outside"
    return f"a symbolic link to somewhere {where} the submissions folder: not followed; collect the file itself"


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, refusing links, FIFOs and files over ``max_bytes`` without blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:  # ELOOP: it became a link after the folder was listed
        raise Unusable("unreadable", f"cannot open: {error.strerror or error}") from error
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unusable("not_a_file", "not a regular file: never read")
        if info.st_size > max_bytes:
            raise Unusable("too_large", f"{info.st_size:,} bytes; the limit is {max_bytes:,}")
        try:
            data = _read_up_to(handle, info.st_size, max_bytes)
        except OSError as error:
            raise Unusable("unreadable", f"cannot read: {error.strerror or error}") from error
    if len(data) > max_bytes:  # it grew while we read it
        raise Unusable("too_large", f"over {max_bytes:,} bytes")
    return data


def _read_up_to(handle: BinaryIO, expected: int, max_bytes: int) -> bytes:
    """The file's bytes, at most ``max_bytes + 1``: the size ``fstat`` gave, plus whatever it grew by since.

    Asking for ``max_bytes + 1`` at once would allocate (and page in) a megabyte buffer for every
    two-kilobyte answers file; asking for the expected size plus one byte tells whether it grew.
    """
    data = handle.read(expected + 1)
    if len(data) > expected:  # it grew after fstat: keep reading, but never past the limit
        data += handle.read(max_bytes + 1 - len(data))
    return data


def path_owner(name: str) -> str | None:
    """The hub user a collection put in the file's path: its first folder, or the part before ``__``."""
    first, _, rest = name.partition("/")
    if not rest:  # a file at the top: collect-09.sh names it <home>__<path in the home>
        first, found, _ = first.partition("__")
        if not found:
            return None
    return first or None


def owner_matches(owner: str, student_id: str) -> bool:
    """True when ``owner`` is ``student_id`` as a hub user, a TLJH Unix user or a Z2JH pod name."""
    plain = student_id.casefold()
    candidates = {plain, _tljh_unix_user(HUB_PREFIX + plain), HUB_PREFIX + _kubespawner_escape(student_id)}
    return owner.casefold() in candidates


def _tljh_unix_user(name: str) -> str:
    """TLJH's Unix user for ``jupyter-<hub user>``: names of 26 characters or more are cut to 26 and
    given ``-`` and 5 hex digits of their SHA-256, to stay under Linux's 32-character limit."""
    if len(name) < 26:
        return name
    return f"{name[:26]}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:5]}"


def _kubespawner_escape(name: str) -> str:
    """How Zero to JupyterHub puts a user name in a pod name: lowercase letters and digits kept, any
    other byte written as ``-`` and two hex digits (``alice.b`` -> ``alice-2eb``)."""
    safe = set(string.ascii_lowercase + string.digits)
    return "".join(chr(b) if chr(b) in safe else f"-{b:02x}" for b in name.encode("utf-8"))
