"""The one persistence path for conversation state: to text and back, with the same guarantees everywhere.

Introduced in notebook 06_production_manager.

Writing: key-shaped strings are scrubbed from the *data* (:mod:`course_lib.secrets`), the result
must be JSON (no NaN, no lone surrogates) and under :data:`MAX_LOAD_BYTES`, all before anything is
touched, so a bad state writes nothing. Reading: a saved file is input, not truth. It can be
truncated, hand-edited, huge, or not a file at all (a FIFO would hang a plain ``open().read()``);
each case raises one :class:`CorruptSessionError` naming the source and the problem, and reading
never changes it. :func:`write_state_file` / :func:`read_state_file` are what ``manager.save(path)``
and ``load(path)`` use; the stores build their envelope (:mod:`.envelope`) on the same functions.
This module does not import the managers, so the managers can import it.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..files import NotARegularFileError, atomic_write_text, read_regular_file
from ..secrets import scrub_value
from .errors import CorruptSessionError, SessionNotFoundError, StoreError
from .ids import show

__all__ = ["MAX_LOAD_BYTES", "dump_state", "load_state_text", "read_state_file", "write_state_file"]

MAX_LOAD_BYTES = 50 * 1024 * 1024
"""A saved session larger than this is refused, not read (or written): files are untrusted input."""


# -- plain state files (manager.save(path) / load(path)) ----------------------------------------

def dump_state(state: Mapping[str, Any], source: str = "the state") -> str:
    """``state`` as JSON text, keys scrubbed; raises :class:`StoreError` if it is unsafe to write.

    Introduced in notebook 06_production_manager.
    """
    if not isinstance(state, Mapping):
        raise StoreError(f"{source}: expected a dict of state, got a {type(state).__name__}; nothing was written")
    try:
        text = json.dumps(scrub_value(dict(state)), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        size = len(text.encode("utf-8"))
    except (TypeError, ValueError, RecursionError) as error:  # UnicodeEncodeError is a ValueError
        raise StoreError(f"{source}: the manager's state is not JSON-safe ({show(str(error), 120)}); "
                         "nothing was written") from error
    if size > MAX_LOAD_BYTES:
        raise StoreError(f"{source}: the state is {size:,} bytes, over the {MAX_LOAD_BYTES:,} byte limit that "
                         "loading enforces; nothing was written (summarize or prune the conversation first)")
    return text


def load_state_text(text: str | bytes, source: str) -> dict[str, Any]:
    """The JSON object in ``text``; raises :class:`CorruptSessionError` naming ``source`` otherwise.

    Introduced in notebook 06_production_manager.
    """
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    return json_object(raw, source)


def write_state_file(path: str | os.PathLike[str], state: Mapping[str, Any]) -> None:
    """Save ``state`` to ``path`` atomically, keys scrubbed: a crash leaves the old file intact.

    Introduced in notebook 06_production_manager. Drop-in for ``manager.save(path)``:
    ``write_state_file(path, manager.to_state())``.
    """
    write_text(Path(path), dump_state(state, str(path)))


def read_state_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The state saved at ``path``, checked as untrusted input; rebuild it with ``manager_from_state``.

    Introduced in notebook 06_production_manager.
    """
    return json_object(read_bytes(Path(path), None), str(path))


# -- bytes in and out, with errors that name the file -------------------------------------------

def write_text(path: Path, text: str) -> None:
    """Atomic write; a full disk or a refused write becomes a StoreError saying what to do."""
    try:
        atomic_write_text(path, text)
    except OSError as error:
        if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise StoreError(f"{path}: the disk is full ({error.strerror}). Nothing was written and the previous "
                             "version is intact; free some space and save again.") from error
        raise StoreError(f"{path}: cannot be written ({error.strerror or error}). Nothing was written and the "
                         "previous version is intact.") from error


def read_bytes(path: Path, session_id: str | None) -> bytes:
    """A file's bytes, at most one past the limit; never hangs on a FIFO, never reads a huge file."""
    try:
        return read_regular_file(path, MAX_LOAD_BYTES)
    except FileNotFoundError as error:
        if session_id is None:
            raise
        raise SessionNotFoundError(f"no saved session {session_id!r} ({path} does not exist)") from error
    except NotARegularFileError as error:
        raise CorruptSessionError(str(path), f"{str(error).removeprefix(f'{path} ')}; refusing to read it "
                                  "(move it away or delete it)") from error
    except OSError as error:
        raise CorruptSessionError(str(path), f"cannot be read ({error.strerror or error})") from error


def json_object(raw: bytes, where: str) -> dict[str, Any]:
    """Decode and parse ``raw``, refusing oversized, non-UTF-8, non-JSON and non-object data."""
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
                                  f"{show(str(error), 120)})") from error
    if not isinstance(data, dict):
        raise CorruptSessionError(where, f"holds a JSON {type(data).__name__}, not a saved-session object")
    return data


