"""Grades into an LMS: canvas_import.csv from a Canvas gradebook export, and Moodle's grade import CSV.

The fixture canvas_gradebook_export.csv is written by hand in the layout Canvas exports (byte order mark,
CRLF, the five identity columns, ``Name (id)`` assignment headers, read-only score columns, the
``    Points Possible`` row and a ``Manual Posting`` row, and Canvas's test student).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from quiz_helpers import FIXTURES, SAMPLE, answers_document, write_json

from course_lib.quiz import Quiz
from course_lib.quiz.cli import main
from course_lib.quiz.lms import RosterError, read_canvas_roster

EXPORT = FIXTURES / "canvas_gradebook_export.csv"
CHECK = "Knowledge check: conversation management (48213)"
RIGHT = {"pick_one": "a", "pick_many": ["a", "b"], "budget": "153,604", "word": "stateless"}


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def submissions(tmp_path: Path, sample: Quiz) -> Path:
    subs = tmp_path / "subs"
    write_json(subs / "alice" / "a.json", answers_document(sample, "alice", RIGHT))
    write_json(subs / "bob" / "a.json", answers_document(sample, "bob", {**RIGHT, "word": "memoryless"}))
    write_json(subs / "zed" / "a.json", answers_document(sample, "zed", RIGHT))  # enrolled after the export
    return subs


def grade(subs: Path, out: Path, *extra: str) -> int:
    return main(["grade", str(subs), "--key", str(SAMPLE), "--out", str(out), "--no-progress", *extra])


def test_canvas_import_matches_the_gradebook_layout(submissions: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    name = CHECK.removesuffix(" (48213)")
    assert grade(submissions, out, "--roster", str(EXPORT), "--assignment", name) == 0
    rows = read_rows(out / "canvas_import.csv")
    assert rows == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", CHECK],
        ["    Points Possible", "", "", "", "", "10"],
        ["Smith, Alice", "1101", "S20250001", "alice", "CS 101 Section 1", "10"],  # 5 of 5, scaled to 10
        ["Jones, Bob", "1102", "S20250002", "Bob", "CS 101 Section 1", "8"],  # login matched ignoring case
        ["Lee, Carol", "1103", "S20250003", "carol", "CS 101 Section 2", ""],  # no submission: left empty
        ["'=HYPERLINK(\"http://x\"), Eve", "1104", "S20250004", "eve", "CS 101 Section 2", ""],
        ["Student, Test", "1199", "", "3f6b2c1e9d0a4b7c8e5f", "CS 101 Section 1", ""],
    ]
    assert (out / "canvas_import.csv").read_bytes().startswith(b"Student,ID,SIS User ID,SIS Login ID,Section,")
    flags = read_rows(out / "flags.csv")
    assert flags[1][:3] == ["zed/a.json", "zed", "not_in_roster"] and "canvas_gradebook_export.csv" in flags[1][3]


def test_the_full_header_or_the_name_alone_picks_the_column() -> None:
    assert read_canvas_roster(EXPORT, CHECK).assignment == CHECK
    roster = read_canvas_roster(EXPORT, "Lab 1: a chat loop")
    assert (roster.assignment, roster.points_possible) == ("Lab 1: a chat loop (48207)", 20.0)
    assert [s["SIS Login ID"] for s in roster.students] == ["alice", "Bob", "carol", "eve", "3f6b2c1e9d0a4b7c8e5f"]


def test_an_ambiguous_or_missing_assignment_is_a_clear_error(
    submissions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert grade(submissions, tmp_path / "o", "--roster", str(EXPORT)) == 1
    assert "2 assignment columns; name one with --assignment" in capsys.readouterr().err
    assert grade(submissions, tmp_path / "o", "--roster", str(EXPORT), "--assignment", "Final exam") == 1
    assert "no column matches --assignment 'Final exam'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing graded or written with an unusable roster


def test_the_only_assignment_column_is_used_without_naming_it(tmp_path: Path) -> None:
    export = tmp_path / "one.csv"
    export.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Quiz 8 (77)\nA,1,,a,S,\n", encoding="utf-8")
    roster = read_canvas_roster(export)
    assert (roster.assignment, roster.points_possible, len(roster.students)) == ("Quiz 8 (77)", None, 1)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("Name,Login\nA,a\n", "not a Canvas gradebook export: no column Student, ID"),
        (b"\xff\xfe", "not UTF-8"),
        ("Student,ID,SIS User ID,SIS Login ID,Section,Q (1)\n    Points Possible,,,,,lots\n", ":2: Points Possible"),
    ],
)
def test_a_bad_roster_is_refused_with_a_reason(tmp_path: Path, content: str | bytes, problem: str) -> None:
    path = tmp_path / "roster.csv"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)  # type: ignore[operator]
    with pytest.raises(RosterError, match=problem):
        read_canvas_roster(path, None)


def test_moodle_import_has_the_user_then_the_grade(submissions: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert grade(submissions, out, "--lms", "moodle", "--assignment", "Knowledge check") == 0
    assert read_rows(out / "moodle_import.csv") == [
        ["username", "Knowledge check"],
        ["alice", "5"],
        ["bob", "4"],
        ["zed", "5"],
    ]
    assert grade(submissions, tmp_path / "e", "--lms", "moodle", "--moodle-user", "email") == 0
    assert read_rows(tmp_path / "e" / "moodle_import.csv")[0] == ["email", "Sample graded quiz"]


def test_a_roster_goes_only_with_canvas(submissions: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        grade(submissions, tmp_path / "o", "--lms", "moodle", "--roster", str(EXPORT))
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        grade(submissions, tmp_path / "o", "--lms", "canvas")
