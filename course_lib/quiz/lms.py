"""Grades an LMS can import: Canvas's gradebook CSV (matched through its own export) and Moodle's CSV.

Canvas imports a CSV laid out like its own gradebook export: the columns Student, ID, SIS User ID,
SIS Login ID and Section, then one column per assignment headed ``Assignment name (assignment id)``, and
a second row ``    Points Possible``. A column whose header Canvas does not know becomes a *new*
assignment, which is why grades.csv cannot be imported as it is. So the instructor exports the gradebook,
and the kit fills in the one assignment column, matching each learner by ``SIS Login ID`` to the hub user
that is their student id (docs/CLASSROOM.md says how to make the two the same).

Moodle's CSV import asks which column identifies the user (username or email address) and which column
holds the grade of which grade item, so its file is just those two columns.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from ._io import write_csv
from .collect import Flag
from .grading import GradeResult
from .scoring import format_points

__all__ = [
    "CANVAS_COLUMNS",
    "Roster",
    "RosterError",
    "read_canvas_roster",
    "write_canvas_import",
    "write_moodle_import",
]

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"  # Canvas writes it with four leading spaces
MAX_ROSTER_BYTES = 20_000_000


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Roster:
    """The students of a Canvas gradebook export and the assignment column their grades go in."""

    path: Path
    assignment: str  # the header as exported, e.g. "Knowledge check (12345)": Canvas matches it exactly
    points_possible: float | None
    students: tuple[dict[str, str], ...]  # the five identity cells of each student, in export order


def read_canvas_roster(path: str | os.PathLike[str], assignment: str | None = None) -> Roster:
    """Read a Canvas gradebook export; ``assignment`` names its column (header or name without the id)."""
    where = Path(path)
    rows = _read_rows(where)
    header = rows[0] if rows else []
    missing = [c for c in CANVAS_COLUMNS if c not in header]
    if missing:
        raise RosterError(f"{where}: not a Canvas gradebook export: no column {', '.join(missing)}")
    column = _assignment_column(where, header, assignment)
    students, points = [], None
    for number, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))  # short rows padded
        if cells["Student"].strip() == POINTS_POSSIBLE.strip():
            points = _number(cells[column], where, number)
        elif cells["ID"].strip():  # rows without a Canvas id (muted, read-only notes) are not students
            students.append({c: cells[c] for c in CANVAS_COLUMNS})
    return Roster(where, column, points, tuple(students))


def _read_rows(where: Path) -> list[list[str]]:
    try:
        with where.open("rb") as handle:
            data = handle.read(MAX_ROSTER_BYTES + 1)
        if len(data) > MAX_ROSTER_BYTES:
            raise RosterError(f"{where}: larger than {MAX_ROSTER_BYTES:,} bytes; not a gradebook export")
        text = data.decode("utf-8-sig")  # Canvas starts its export with a byte order mark
        return list(csv.reader(io.StringIO(text, newline="")))
    except OSError as error:
        raise RosterError(f"{where}: cannot read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise RosterError(f"{where}: not UTF-8 text (byte {error.start})") from error
    except csv.Error as error:
        raise RosterError(f"{where}: not readable as CSV: {error}") from error


def _assignment_column(where: Path, header: list[str], wanted: str | None) -> str:
    """The column named ``wanted`` (with or without its ``(id)``), or the only assignment column."""
    assignments = [h for h in header if h not in CANVAS_COLUMNS and h.rstrip().endswith(")") and " (" in h]
    if wanted is not None:
        found = [h for h in header if h == wanted or h.rsplit(" (", 1)[0] == wanted]
        if len(found) == 1:
            return found[0]
        problem = "several columns match" if found else "no column matches"
        raise RosterError(f"{where}: {problem} --assignment {wanted!r}; assignment columns: {assignments}")
    if len(assignments) != 1:
        raise RosterError(
            f"{where}: {len(assignments)} assignment columns; name one with --assignment: {assignments}"
        )
    return assignments[0]


def _number(cell: str, where: Path, line: int) -> float | None:
    if not cell.strip():
        return None
    try:
        value = float(cell)
    except ValueError:
        value = -1.0
    if not 0 < value < 1e9:
        raise RosterError(f"{where}:{line}: Points Possible {cell[:20]!r} is not a positive number")
    return value


def write_canvas_import(result: GradeResult, roster: Roster, out: Path) -> tuple[Path, list[Flag]]:
    """Write canvas_import.csv; returns it and a ``not_in_roster`` flag for each unmatched submission.

    Grades are scaled to the assignment's Points Possible when the export gives it; every roster student
    gets a row, with an empty grade when there is no submission (Canvas then leaves the grade alone).
    """
    out_of = roster.points_possible or result.quiz.total_points
    by_login = {g.student_id.casefold(): g for g in result.counted}
    rows = [{"Student": POINTS_POSSIBLE, roster.assignment: format_points(out_of)}]
    matched: set[str] = set()
    for student in roster.students:
        login = student["SIS Login ID"].strip().casefold()
        graded = by_login.get(login) if login else None
        grade = format_points(graded.total * out_of / result.quiz.total_points) if graded else ""
        matched.add(login)
        rows.append({**student, roster.assignment: grade})
    flags = [
        Flag(g.file, g.student_id, "not_in_roster", f"no SIS Login ID {g.student_id!r} in {roster.path.name}")
        for g in result.counted
        if g.student_id.casefold() not in matched
    ]
    path = write_csv(out / "canvas_import.csv", [*CANVAS_COLUMNS, roster.assignment], rows)
    return path, flags


def write_moodle_import(result: GradeResult, out: Path, item: str, user_field: str = "username") -> Path:
    """Write moodle_import.csv: the user (``username`` or ``email``, i.e. the hub user) and the points."""
    rows = [{user_field: g.student_id, item: format_points(g.total)} for g in result.counted]
    return write_csv(out / "moodle_import.csv", [user_field, item], rows)
