"""Small file helpers shared by the learner side (saving answers) and the instructor side (reports).

Why a private module: both sides must write files the same careful way. A learner's answers are saved
on every change, so a crash or a full disk mid-write must never leave half a JSON file; a report is
rewritten on every grading run, so a reader must see the old one or the new one, never a mix.
(``course_lib.files.atomic_write_text`` follows the same pattern; the quiz engine keeps its own copy so
that it imports nothing from the rest of the kit.)
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data``: temp file in the same directory, fsync, then ``os.replace``.

    The temp file must live in the target's directory because ``os.replace`` is only atomic within one
    file system. On any failure the temp file is removed and the old target is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8, newlines kept as given)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself; without this a power cut can forget which file the name points to.

    Directories cannot be opened this way on Windows, so failure here is ignored: the data is safe.
    """
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def canonical_json(value: Any) -> bytes:
    """One byte string per value (sorted keys, no spaces), so that hashes do not depend on formatting."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256, prefixed with the algorithm so a reader never has to guess how it was made."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_csv(path: str | os.PathLike[str], columns: list[str], rows: list[dict[str, Any]]) -> Path:
    """CSV through the csv module (quoting handled), cells guarded against spreadsheet formulas, atomic."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    atomic_write_text(path, buffer.getvalue())
    return Path(path)


def _cell(value: Any) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (``=HYPERLINK(...)`` typed as an answer).

    Plain numbers such as ``-3`` are left alone: they are answers, and spreadsheets read them as numbers.
    """
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text.replace(",", ""))
        except ValueError:
            return "'" + text
    return text
