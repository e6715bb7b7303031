"""Grading a class: right grades, right flags, inputs untouched, identical output on every run."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from pathlib import Path

import pytest
from quiz_helpers import SAMPLE, answers_document, write_json

from course_lib.quiz import Quiz
from course_lib.quiz.cli import main
from course_lib.quiz.loader import parse_quiz
from course_lib.quiz.session import submission_receipt
from course_lib.quiz.stats import pearson, upper_lower

ALL_RIGHT = {"pick_one": "a", "pick_many": ["a", "b"], "budget": "153,604", "word": "Stateless"}


def make_class(root: Path, quiz: Quiz) -> None:
    """A submissions folder with every kind of file an instructor meets."""
    write_json(root / "alice" / "answers.json", answers_document(quiz, "alice", ALL_RIGHT))
    late_bad = answers_document(quiz, "alice", {}, submitted_at="2026-01-10T12:00:00+00:00", sequence=9)
    late_bad["submission"]["answers"] = {"pick_one": "z"}  # an unknown choice, with a matching receipt
    late_bad["submission"]["receipt"] = submission_receipt(late_bad["submission"])
    write_json(root / "alice" / "late_bad.json", late_bad)
    bob = {"pick_one": "b", "pick_many": ["a", "c"], "budget": "157,700", "word": "state-less"}
    write_json(root / "bob.json", answers_document(quiz, "bob", bob))
    write_json(root / "carol_v1.json", answers_document(quiz, "carol", ALL_RIGHT, sequence=4))
    carol = {"pick_one": "a", "pick_many": ["a"]}
    write_json(
        root / "carol_v2.json",
        answers_document(quiz, "carol", carol, submitted_at="2026-01-10T10:00:00+00:00", sequence=2),
    )
    dave = answers_document(
        quiz, "dave", {"pick_one": "a"}, submitted_at="2026-01-10T10:00:00+00:00", sequence=3
    )
    write_json(root / "dave" / "nested.json", dave)  # a folder per hub user: its name is the owner
    write_json(root / "dave_copy.json", dave)  # same time and sequence: the path breaks the tie
    write_json(root / "erin_draft.json", answers_document(quiz, "erin", {"word": "x"}, submitted=False))
    (root / "corrupt.json").write_text('{"format": "course-quiz-answers/1", "answers": ')
    (root / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    write_json(root / "huge.json", {**answers_document(quiz, "hugo", ALL_RIGHT), "padding": "x" * 1_100_000})
    forged = answers_document(quiz, "frank", ALL_RIGHT)
    forged["submission"]["quiz_hash"] = "sha256:" + "0" * 64
    forged["submission"]["receipt"] = submission_receipt(forged["submission"])
    write_json(root / "forged_hash.json", forged)
    edited = answers_document(quiz, "gina", {**ALL_RIGHT, "budget": "1"})
    edited["submission"]["answers"]["budget"] = "153,604"  # changed by hand after submit()
    write_json(root / "edited.json", edited)
    other = parse_quiz(SAMPLE.read_text().replace("id: sample_graded", "id: another_quiz"))
    write_json(root / "wrong_quiz.json", answers_document(other, "hank", ALL_RIGHT))
    unknown = answers_document(quiz, "ivan", ALL_RIGHT)
    unknown["submission"]["answers"]["bonus"] = "x"
    unknown["submission"]["receipt"] = submission_receipt(unknown["submission"])
    write_json(root / "unknown_question.json", unknown)
    write_json(root / "not_answers.json", [1, 2, 3])
    bad_id = answers_document(quiz, "mallory", ALL_RIGHT)
    bad_id["submission"]["student_id"] = '=HYPERLINK("http://x")'
    bad_id["submission"]["receipt"] = submission_receipt(bad_id["submission"])
    write_json(root / "bad_id.json", bad_id)
    (root / "notes.txt").write_text("not a submission: ignored")


EXPECTED_FLAGS = [
    ("alice/late_bad.json", "alice", "unknown_choice"),
    ("bad_id.json", "mallory", "bad_student_id"),
    ("binary.json", "", "not_json"),
    ("carol_v1.json", "carol", "duplicate_student"),
    ("corrupt.json", "", "not_json"),
    ("dave/nested.json", "dave", "duplicate_student"),
    ("edited.json", "gina", "receipt_mismatch"),
    ("erin_draft.json", "erin", "not_submitted"),
    ("forged_hash.json", "frank", "wrong_hash"),
    ("huge.json", "", "too_large"),
    ("not_answers.json", "", "bad_format"),
    ("unknown_question.json", "ivan", "unknown_question"),
    ("wrong_quiz.json", "hank", "wrong_quiz"),
]


def digest_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def graded(tmp_path: Path, sample: Quiz) -> tuple[Path, Path, dict[str, str]]:
    submissions = tmp_path / "submissions"
    make_class(submissions, sample)
    before = digest_tree(submissions)
    out = tmp_path / "out"
    assert main(["grade", str(submissions), "--key", str(SAMPLE), "--out", str(out), "--no-progress"]) == 0
    return submissions, out, before


def test_grades_are_right(graded: tuple[Path, Path, dict[str, str]]) -> None:
    _, out, _ = graded
    rows = read_csv(out / "grades.csv")
    assert rows[0] == {
        "student_id": "(points possible)",
        "file": "",
        "submitted_at": "",
        "receipt": "",
        "pick_one": "1",
        "pick_many": "1",
        "budget": "2",
        "word": "1",
        "total": "5",
        "percent": "100",
    }
    totals = {r["student_id"]: (r["file"], r["total"]) for r in rows[1:]}
    assert totals == {
        "alice": ("alice/answers.json", "5"),  # her later file is broken, so the earlier valid one counts
        "bob": ("bob.json", "1"),
        "carol": ("carol_v2.json", "1.5"),  # the later submission counts, even though it scores less
        "dave": ("dave_copy.json", "1"),
    }
    assert [r["student_id"] for r in rows[1:]] == sorted(totals)


def test_flags_name_file_and_reason(graded: tuple[Path, Path, dict[str, str]]) -> None:
    _, out, _ = graded
    flags = read_csv(out / "flags.csv")
    assert [(f["file"], f["student_id"], f["code"]) for f in flags] == EXPECTED_FLAGS
    reasons = {f["file"]: f["reason"] for f in flags}
    assert "carol_v2.json" in reasons["carol_v1.json"]
    assert "1,000,000" in reasons["huge.json"]
    assert "no choice 'z'" in reasons["alice/late_bad.json"]
    assert "line 1" in reasons["corrupt.json"]


def test_inputs_are_never_touched(graded: tuple[Path, Path, dict[str, str]]) -> None:
    submissions, _, before = graded
    assert digest_tree(submissions) == before


def test_long_table_and_statistics(graded: tuple[Path, Path, dict[str, str]]) -> None:
    _, out, _ = graded
    answers = read_csv(out / "answers.csv")
    assert len(answers) == 4 * 4
    bob_budget = next(r for r in answers if r["student_id"] == "bob" and r["question_id"] == "budget")
    assert (bob_budget["answer"], bob_budget["read_as"], bob_budget["status"]) == (
        "157,700",
        "157,700",
        "wrong",
    )
    carol_many = next(r for r in answers if r["student_id"] == "carol" and r["question_id"] == "pick_many")
    assert (carol_many["answer"], carol_many["points"], carol_many["status"]) == ("a", "0.5", "partial")
    stats = {r["question_id"]: r for r in read_csv(out / "question_stats.csv")}
    assert stats["pick_one"]["share_correct"] == "0.7500"
    assert stats["budget"]["answered"] == "2"
    assert stats["word"]["share_correct"] == "0.5000"
    wrong = [(r["question_id"], r["wrong_answer"], r["count"]) for r in read_csv(out / "wrong_answers.csv")]
    assert ("budget", "157,700", "1") in wrong
    assert ("pick_one", "b", "1") in wrong and ("pick_one", "c", "0") in wrong  # unpicked distractors listed
    assert ("pick_many", "c", "1") in wrong
    html = (out / "question_stats.html").read_text(encoding="utf-8")
    assert "question-stats" in html and "plotly" in html and "cdn.plot.ly" not in html.split("<body>")[0]


def test_same_output_when_run_twice(graded: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    submissions, out, _ = graded
    first = digest_tree(out)
    assert set(first) == {
        "answers.csv",
        "grades.csv",
        "flags.csv",
        "question_stats.csv",
        "wrong_answers.csv",
        "question_stats.html",
    }
    again = tmp_path / "again"
    assert main(["grade", str(submissions), "--key", str(SAMPLE), "--out", str(again), "--no-progress"]) == 0
    assert digest_tree(again) == first
    assert main(["grade", str(submissions), "--key", str(SAMPLE), "--out", str(out), "--no-progress"]) == 0
    assert digest_tree(out) == first


def test_stats_command_reads_a_grading_output(
    graded: tuple[Path, Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = graded
    capsys.readouterr()
    assert main(["stats", str(out), "--key", str(SAMPLE), "--out", str(tmp_path / "stats")]) == 0
    table = capsys.readouterr().out
    assert "pick_many" in table and "75%" in table
    assert (tmp_path / "stats" / "question_stats.csv").read_bytes() == (
        out / "question_stats.csv"
    ).read_bytes()


def test_refusals(tmp_path: Path, sample: Quiz) -> None:
    submissions = tmp_path / "subs"
    make_class(submissions, sample)
    args = ["grade", str(submissions), "--key", str(SAMPLE), "--no-progress", "--out"]
    assert main([*args, str(submissions / "reports")]) == 1  # reports never go among the submissions
    assert not (submissions / "reports").exists()
    assert main(["grade", str(tmp_path / "missing"), "--key", str(SAMPLE), "--out", str(tmp_path / "o")]) == 1
    assert (
        main(["grade", str(submissions), "--key", str(tmp_path / "nokey.yaml"), "--out", str(tmp_path / "o")])
        == 1
    )
    with pytest.raises(SystemExit):
        main(["grade", str(submissions)])  # --key and --out are required


def test_validate_cli_reports_errors(capsys: pytest.CaptureFixture[str]) -> None:
    broken = SAMPLE.parent / "broken" / "unknown_type.yaml"
    assert main(["validate", str(SAMPLE), str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:6: question 'q1' has unknown type 'essay'" in out


def test_point_biserial_and_upper_lower() -> None:
    assert pearson([0, 0, 1, 1], [1, 2, 3, 4]) == pytest.approx(0.894427, abs=1e-6)
    assert pearson([1, 1, 1], [1, 2, 3]) is None  # everyone right: no spread, no discrimination
    item = {f"s{i}": float(i >= 5) for i in range(10)}
    totals = {f"s{i}": float(i) for i in range(10)}
    assert upper_lower(item, totals) == 1.0
    assert upper_lower({"a": 1.0}, {"a": 1.0}) is None


def test_a_class_of_1000(tmp_path: Path, sample: Quiz) -> None:
    """Runs the full pipeline on 1,000 generated submissions (its speed is for benchmarks, not asserted)."""
    rng = random.Random(5)
    submissions = tmp_path / "class"
    submissions.mkdir()
    for n in range(1000):
        student = f"student{n:04d}"
        answers = {
            "pick_one": rng.choice(["a", "a", "b", "c"]),
            "pick_many": sorted(rng.sample(["a", "b", "c"], rng.randint(1, 3))),
            "budget": rng.choice(["153,604", "153604", "157,700", "1.5e5", "lots"]),
            "word": rng.choice(["stateless", "Stateless.", "memoryless", ""]),
        }
        document = answers_document(
            sample, student, answers, submitted_at=f"2026-01-10T09:{n % 60:02d}:00+00:00"
        )
        (submissions / f"{student}.json").write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["grade", str(submissions), "--key", str(SAMPLE), "--out", str(out)]) == 0
    rows = read_csv(out / "grades.csv")
    assert len(rows) == 1 + 1000
    assert read_csv(out / "flags.csv") == []
    assert len(read_csv(out / "answers.csv")) == 4000
    unreadable = [r for r in read_csv(out / "answers.csv") if r["status"] == "unreadable"]
    assert unreadable and all(r["points"] == "0" for r in unreadable)
