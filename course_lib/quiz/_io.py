"""Small file helpers shared by the learner side (saving answers) and the instructor side (reports).

Why a private module: both sides must write files the same careful way. A learner's answers are saved
on every change, so a crash or a full disk mid-write must never leave half a JSON file; a report is
rewritten on every grading run, so a reader must see the old one or the new one, never a mix.
Both use ``course_lib.files`` for the atomic write itself.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..files import atomic_write_bytes


def canonical_json(value: Any) -> bytes:
    """One byte string per value (sorted keys, no spaces), so that hashes do not depend on formatting."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256, prefixed with the algorithm so a reader never has to guess how it was made."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on a folder while a file in it is read, merged and rewritten.

    The folder itself is locked, so no lock file is left beside a learner's notebook. Where a folder
    cannot be locked (Windows, some network file systems) the caller's re-read before writing is what
    keeps a submission safe; the lock only closes the gap of two saves in the same instant.
    """
    try:
        import fcntl

        fd = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_csv(path: str | os.PathLike[str], columns: list[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """CSV through the csv module, cells guarded against spreadsheet formulas, written atomically.

    ``\\r\\n`` ends each row (RFC 4180): with it the csv module quotes any cell holding ``\\r`` or ``\\n``,
    so a typed line break (even a bare ``\\r``) stays inside its cell instead of starting a new row.
    A row's missing columns are empty cells; ``rows`` may be a generator, consumed once.
    """
    encoded = io.BytesIO()  # UTF-8 as rows arrive: one copy of the file in memory, not text + bytes
    text = io.TextIOWrapper(encoded, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(_guarded(row, columns) for row in rows)
    text.detach()  # flushes, and leaves the bytes open: closing them under a view would hide a write error
    atomic_write_bytes(path, encoded.getbuffer())
    return Path(path)


_LINES = re.compile(r"(\r\n|\r|\n)")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t")
_CELL_APART = "\x00"
_MAY_NEED_GUARD = re.compile(r"[\r\n]|\x00[=+\-@\t]")
"""In a row's cells, each after a NUL: a line break anywhere, or a cell starting like a formula.

A NUL inside a cell can only make a false alarm (the row then takes the cell-by-cell path), never hide
a cell that needs the guard, because every cell starts right after a NUL."""


def _guarded(row: Mapping[str, Any], columns: list[str]) -> list[str]:
    """A row's cells in column order, each through ``guard_cell``; a row with nothing to guard (most of a
    class's answers) is checked with one regular-expression search instead of a call per cell."""
    cells = [str(row.get(column, "")) for column in columns]
    if _MAY_NEED_GUARD.search(_CELL_APART + _CELL_APART.join(cells)):
        return [guard_cell(cell) for cell in cells]
    return cells


def guard_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: every line that starts like a formula gets a ``'`` prefix.

    Every line, not just the first: some spreadsheets split a quoted cell at its line breaks when
    pasting, and then ``5\\r=cmd|...`` would start a cell with ``=``. Plain numbers such as ``-3`` are
    left alone, and the guard is idempotent, so re-reading and re-writing a report changes nothing.
    """
    text = str(value)
    if not text.startswith(_FORMULA_STARTS) and "\n" not in text and "\r" not in text:
        return text  # one line that starts harmlessly: most cells, so they skip the split
    parts = _LINES.split(text)
    return "".join(part if i % 2 else _guard_line(part) for i, part in enumerate(parts))


def _guard_line(text: str) -> str:
    if text.startswith(_FORMULA_STARTS):
        try:
            float(text.replace(",", ""))
        except ValueError:
            return "'" + text
    return text
