"""Small file helpers shared by the learner side (saving answers) and the instructor side (reports).

Why a private module: both sides must write files the same careful way. A learner's answers are saved
on every change, so a crash or a full disk mid-write must never leave half a JSON file; a report is
rewritten on every grading run, so a reader must see the old one or the new one, never a mix.
Both use ``course_lib.files`` for the atomic write itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

from ..files import atomic_write_text


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
