"""Issue 14's grading probes, replayed: one class folder mixing every hostile file with good ones.

Grading it must give the right grades, flag each bad file with its reason, never follow a link or open a
FIFO (the CLI runs in a subprocess with a timeout, so a hang fails instead of blocking the suite), leave
every input byte-identical, and ``course-quiz stats`` must re-read the outputs to the same statistics.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from course_lib.quiz import ENGINE_VERSION, load_quiz
from course_lib.quiz.cli import main
from course_lib.quiz.session import ANSWERS_FORMAT, make_submission, submission_receipt
from course_lib.quiz.stats import read_answer_rows

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "quiz" / "fixtures" / "graded_sample.yaml"
NAME = "09_knowledge_check.quiz-answers.json"
RIGHT = {"pick_one": "a", "pick_many": ["a", "b"], "budget": "153,604", "word": "stateless"}
ON_TIME = "2025-03-14T09:00:00.000000+00:00"
DEADLINE = "2025-03-14T17:00:00+00:00"
FORMULA = "5\r=cmd|' /C calc'!A0"
LINK = '<a href="javascript:alert(1)">click</a>'


def answers_file(student: str, answers: dict[str, Any], submitted_at: str = ON_TIME, **edits: Any) -> str:
    """An answers file as QuizSession writes it; ``edits`` change submission fields, receipt recomputed."""
    quiz = load_quiz(SAMPLE)
    submission = make_submission(quiz, student, answers, sequence=3, submitted_at=submitted_at)
    submission.update(edits)
    submission["receipt"] = submission_receipt(submission)
    document = {"format": ANSWERS_FORMAT, "quiz_id": quiz.id, "student_id": student, "submission": submission}
    return json.dumps(document, indent=2)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_hostile_class(subs: Path, outside: Path) -> None:
    """Collected as subs/<hub user>/...: good files, and every hostile file the probes used."""
    write(subs / "alice" / NAME, answers_file("alice", RIGHT))
    write(subs / "bob" / NAME, answers_file("bob", {**RIGHT, "word": FORMULA}))
    write(subs / "carol" / NAME, answers_file("carol", {**RIGHT, "word": LINK, "budget": "1"}))
    write(subs / "dave" / "line\rbreak=1+1.json", answers_file("dave", {"pick_one": "b"}))
    (subs / "erin").mkdir()
    (subs / "erin").joinpath(os.fsdecode(b"not-utf8-\xff.json")).write_text(answers_file("erin", RIGHT))
    # A lone surrogate written as a JSON escape: it parses, but no report could hold it.
    frank = answers_file("frank", RIGHT)
    write(subs / "frank" / NAME, frank.replace(f'"engine_version": "{ENGINE_VERSION}"', '"engine_version": "\\udc80"'))
    write(subs / "gina" / NAME, answers_file("gina", RIGHT, submitted_at="0001-01-01T00:00:00+14:00"))
    # Forged for alice from public data, dated in the future to win: in mallory's folder, and loose.
    forged = answers_file("alice", {"pick_one": "c"}, submitted_at="2999-01-01T00:00:00+00:00")
    write(subs / "mallory" / NAME, forged)
    write(subs / "forged_for_alice.json", forged)
    write(subs / "hank" / NAME, answers_file("hank", RIGHT, submitted_at="2025-03-15T09:00:00+00:00"))
    write(subs / "ivan" / "first.json", answers_file("ivan", {"pick_one": "a"}))
    write(subs / "ivan" / "second.json", answers_file("ivan", RIGHT, submitted_at="2025-03-14T18:00:00+00:00"))
    write(outside / "judy.json", answers_file("judy", RIGHT))
    (subs / "judy").mkdir()
    (subs / "judy" / NAME).symlink_to(outside / "judy.json")
    (subs / "judy_home").symlink_to(outside, target_is_directory=True)
    (subs / "kim").mkdir()
    os.mkfifo(subs / "kim" / NAME)


EXPECTED_TOTALS = {"alice": "5", "bob": "4", "carol": "2", "dave": "0", "erin": "5", "ivan": "1"}
EXPECTED_FLAGS = {
    ("forged_for_alice.json", "alice", "future_date"),
    ("frank/" + NAME, "", "bad_text"),
    ("gina/" + NAME, "gina", "bad_format"),
    ("hank/" + NAME, "hank", "late"),
    ("ivan/second.json", "ivan", "late"),
    ("judy/" + NAME, "", "symlink"),
    ("judy_home", "", "symlink"),
    ("kim/" + NAME, "", "not_a_file"),
    ("mallory/" + NAME, "alice", "owner_mismatch"),
}


def snapshot(root: Path) -> dict[str, str]:
    """Every entry below ``root`` without following links or opening FIFOs: content hash, link or kind."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[str(path)] = "link:" + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[str(path)] = f"mode:{info.st_mode:o}"
    return found


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("hostile")
    subs, outside, out = root / "subs", root / "outside", root / "out"
    make_hostile_class(subs, outside)
    before = {**snapshot(subs), **snapshot(outside)}
    command = [sys.executable, "-m", "course_lib.quiz.cli", "grade", str(subs), "--key", str(SAMPLE)]
    command += ["--out", str(out), "--deadline", DEADLINE, "--no-progress"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=root)
    after = {**snapshot(subs), **snapshot(outside)}
    return {"run": run, "out": out, "before": before, "after": after, "root": root}


def test_grading_finishes_with_the_right_grades(hostile: dict[str, Any]) -> None:
    assert hostile["run"].returncode == 0, hostile["run"].stderr
    rows = read_csv(hostile["out"] / "grades.csv")[1:]
    assert {r["student_id"]: r["total"] for r in rows} == EXPECTED_TOTALS
    files = {r["student_id"]: r["file"] for r in rows}
    assert files["alice"] == "alice/" + NAME  # the forged copies did not replace her own
    assert files["dave"] == "dave/line\rbreak=1+1.json"
    assert files["erin"] == "erin/not-utf8-\\xff.json"


def test_each_bad_file_is_flagged_with_its_reason(hostile: dict[str, Any]) -> None:
    flags = read_csv(hostile["out"] / "flags.csv")
    assert {(f["file"], f["student_id"], f["code"]) for f in flags} == EXPECTED_FLAGS
    reasons = {f["file"]: f["reason"] for f in flags}
    assert "outside the submissions folder" in reasons["judy/" + NAME]
    assert "'mallory'" in reasons["mallory/" + NAME] and "'alice'" in reasons["mallory/" + NAME]
    assert "deadline" in reasons["hank/" + NAME] and "after this grading ran" in reasons["forged_for_alice.json"]
    assert "surrogate" in reasons["frank/" + NAME] and "ISO 8601" in reasons["gina/" + NAME]


def test_inputs_are_byte_identical(hostile: dict[str, Any]) -> None:
    assert hostile["after"] == hostile["before"]


def test_no_line_break_or_formula_escapes_a_cell(hostile: dict[str, Any]) -> None:
    raw = (hostile["out"] / "answers.csv").read_bytes()
    assert b"\r=" not in raw  # the formula after the typed line break is guarded: "\r'="
    rows = read_csv(hostile["out"] / "answers.csv")
    assert {r["student_id"] for r in rows} == set(EXPECTED_TOTALS)  # no student invented by a split row
    bob_word = next(r["answer"] for r in rows if r["student_id"] == "bob" and r["question_id"] == "word")
    assert bob_word == "5\r'=cmd|' /C calc'!A0"
    grades = read_csv(hostile["out"] / "grades.csv")
    assert len(grades) == 1 + len(EXPECTED_TOTALS)


def test_stats_rereads_the_outputs_unchanged(hostile: dict[str, Any]) -> None:
    out, again = hostile["out"], hostile["root"] / "stats-again"
    rows = read_answer_rows(out / "answers.csv")
    assert len(rows) == 4 * len(EXPECTED_TOTALS)
    assert main(["stats", str(out), "--key", str(SAMPLE), "--out", str(again)]) == 0
    for name in ("question_stats.csv", "wrong_answers.csv"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_a_typed_link_is_text_in_the_chart(hostile: dict[str, Any]) -> None:
    page = (hostile["out"] / "question_stats.html").read_text(encoding="utf-8")
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;" in page


def test_an_unreadable_folder_is_flagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads any folder, so the refusal is simulated where the walk lists it."""
    subs = tmp_path / "subs"
    write(subs / "alice" / NAME, answers_file("alice", RIGHT))
    (subs / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["grade", str(subs), "--key", str(SAMPLE), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    flags = read_csv(tmp_path / "o" / "flags.csv")
    assert [(f["file"], f["code"]) for f in flags] == [("locked/", "unreadable")]
    assert "Permission denied" in flags[0]["reason"]
    assert [r["student_id"] for r in read_csv(tmp_path / "o" / "grades.csv")[1:]] == ["alice"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list a folder whatever its mode")
def test_a_folder_without_permissions_is_flagged(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write(subs / "alice" / NAME, answers_file("alice", RIGHT))
    (subs / "locked").mkdir(mode=0)
    try:
        assert main(["grade", str(subs), "--key", str(SAMPLE), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    finally:
        (subs / "locked").chmod(0o755)
    assert [(f["file"], f["code"]) for f in read_csv(tmp_path / "o" / "flags.csv")] == [("locked/", "unreadable")]
