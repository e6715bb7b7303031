"""Regression tests for issue 14's grading findings, one at a time (the mixed folder is in tests/adversarial)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from quiz_helpers import SAMPLE, answers_document, write_json

from course_lib.quiz import Quiz, QuizSession
from course_lib.quiz import scoring as scoring_module
from course_lib.quiz._io import guard_cell, write_csv
from course_lib.quiz.cli import main
from course_lib.quiz.collect import owner_matches, path_owner
from course_lib.quiz.grading import GradingRules, grade_directory, read_submission
from course_lib.quiz.loader import QuizError, parse_quiz
from course_lib.quiz.session import submission_receipt
from course_lib.quiz.stats import compute_stats, stats_figure

RIGHT = {"pick_one": "a", "pick_many": ["a", "b"], "budget": "153,604", "word": "stateless"}
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=timezone.utc)


def test_a_bare_carriage_return_stays_inside_its_cell(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ["id", "answer"], [{"id": "bob", "answer": "5\r=cmd|' /C calc'!A0"}])
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["id", "answer"], ["bob", "5\r'=cmd|' /C calc'!A0"]]


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("=1+1", "'=1+1"),
        ("-3", "-3"),
        ("ok\n@SUM(A1)", "ok\n'@SUM(A1)"),
        ("a\r\n+1x\r-x", "a\r\n'+1x\r'-x"),
        ("'=already guarded", "'=already guarded"),
    ],
)
def test_the_formula_guard_covers_every_line_and_is_idempotent(typed: str, written: str) -> None:
    assert guard_cell(typed) == written
    assert guard_cell(written) == written


def submission_file(tmp_path: Path, quiz: Quiz, name: str, student: str = "alice", **fields: object) -> Path:
    document = answers_document(quiz, student, RIGHT)
    document["submission"].update(fields)
    document["submission"]["receipt"] = submission_receipt(document["submission"])
    return write_json(tmp_path / name, document)


def test_a_lone_surrogate_is_flagged_not_fatal(tmp_path: Path, sample: Quiz) -> None:
    path = submission_file(tmp_path, sample, "s.json")
    path.write_text(path.read_text().replace('"engine_version": "1.0"', '"engine_version": "\\udc80"', 1))
    flag = read_submission(path, "s.json", sample)
    assert (flag.code, flag.file) == ("bad_text", "s.json")


def test_an_extreme_time_zone_offset_is_flagged_not_fatal(tmp_path: Path, sample: Quiz) -> None:
    path = submission_file(tmp_path, sample, "s.json", submitted_at="0001-01-01T00:00:00+14:00")
    flag = read_submission(path, "s.json", sample)
    assert (flag.code, flag.student_id) == ("bad_format", "alice")


def test_any_unforeseen_error_flags_that_file_and_the_batch_goes_on(
    tmp_path: Path, sample: Quiz, monkeypatch: pytest.MonkeyPatch
) -> None:
    submission_file(tmp_path, sample, "alice.json")
    submission_file(tmp_path, sample, "zoe.json", student="zoe")
    real = scoring_module.score_answer

    def fragile(question, raw):  # type: ignore[no-untyped-def]
        if raw == "153,604" and fragile.calls == 0:
            fragile.calls += 1
            raise RuntimeError("boom")
        return real(question, raw)

    fragile.calls = 0  # type: ignore[attr-defined]
    monkeypatch.setattr(scoring_module, "score_answer", fragile)  # what grading's ScoreMemo calls
    result = grade_directory(tmp_path, sample, progress=False)
    assert [(f.file, f.code) for f in result.flags] == [("alice.json", "internal_error")]
    assert "RuntimeError: boom" in result.flags[0].reason
    assert [g.student_id for g in result.counted] == ["zoe"]


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("alice/09_knowledge_check.quiz-answers.json", "alice"),
        ("jupyter-alice__COURSE__notebooks__09_knowledge_check.quiz-answers.json", "jupyter-alice"),
        ("jupyter-alice-2esmith__home__jovyan__08.quiz-answers.json", "jupyter-alice-2esmith"),
        ("bob.json", None),
    ],
)
def test_the_owner_comes_from_the_collection_layout(name: str, owner: str | None) -> None:
    assert path_owner(name) == owner


def test_owner_names_match_hub_tljh_and_z2jh_forms() -> None:
    assert owner_matches("alice", "alice") and owner_matches("jupyter-alice", "alice")
    assert owner_matches("jupyter-alice-2esmith", "alice.smith")
    long_name = "alexandra.konstantinopoulou"  # TLJH cuts "jupyter-" + this to 26 characters, adds a hash
    digest = hashlib.sha256(f"jupyter-{long_name}".encode()).hexdigest()[:5]
    assert owner_matches(f"jupyter-alexandra.konstant-{digest}", long_name)
    assert not owner_matches("jupyter-alexandra.konstant-00000", long_name)
    assert not owner_matches("mallory", "alice") and not owner_matches("jupyter-alicex", "alice")


def test_a_file_collected_from_someone_else_is_an_owner_mismatch(tmp_path: Path, sample: Quiz) -> None:
    submission_file(tmp_path, sample, "alice/a.json")
    submission_file(tmp_path, sample, "jupyter-mallory__course__a.json", submitted_at="2026-01-11T00:00:00+00:00")
    result = grade_directory(tmp_path, sample, progress=False)
    assert [(f.file, f.student_id, f.code) for f in result.flags] == [
        ("jupyter-mallory__course__a.json", "alice", "owner_mismatch")
    ]
    assert [g.file for g in result.counted] == ["alice/a.json"]
    assert "--no-owner-check" in result.flags[0].reason
    unchecked = grade_directory(tmp_path, sample, rules=GradingRules(check_owner=False), progress=False)
    assert [g.file for g in unchecked.counted] == ["jupyter-mallory__course__a.json"]  # the later one


def test_future_and_late_submissions_are_flagged_and_do_not_count(tmp_path: Path, sample: Quiz) -> None:
    submission_file(tmp_path, sample, "on_time.json", submitted_at="2026-03-13T10:00:00+00:00")
    submission_file(tmp_path, sample, "late.json", submitted_at="2026-03-14T10:00:00+00:00")
    submission_file(tmp_path, sample, "future.json", submitted_at="2026-03-15T10:00:00+00:00")
    deadline = datetime(2026, 3, 13, 17, 0, tzinfo=timezone.utc)
    result = grade_directory(tmp_path, sample, rules=GradingRules(now=NOW, deadline=deadline), progress=False)
    assert [(f.file, f.code) for f in result.flags] == [("future.json", "future_date"), ("late.json", "late")]
    assert [g.file for g in result.counted] == ["on_time.json"]
    no_deadline = grade_directory(tmp_path, sample, rules=GradingRules(now=NOW), progress=False)
    assert [g.file for g in no_deadline.counted] == ["late.json"]


def test_deadline_option_needs_a_time_zone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["grade", str(tmp_path), "--key", str(SAMPLE), "--out", str(tmp_path / "o"), "--deadline", "2026-03-14"])
    assert exit_info.value.code == 2
    assert "no time zone" in capsys.readouterr().err


def test_a_second_session_never_erases_the_first_ones_submission(sample: Quiz, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    first = QuizSession(sample, "alice", path)
    second = QuizSession(sample, "alice", path)  # a duplicated notebook, opened before the submit
    first.answer("pick_one", "a")
    receipt = first.submit(quiet=True)
    second.answer("pick_one", "b")  # saves: must keep the submission made by the first session
    saved = json.loads(path.read_text())
    assert saved["submission"]["receipt"] == receipt.hash
    assert saved["answers"] == {"pick_one": "b"}
    assert saved["sequence"] > saved["submission"]["sequence"]
    again = second.submit(quiet=True)  # and a later submit from the second session wins, as it should
    assert json.loads(path.read_text())["submission"]["receipt"] == again.hash != receipt.hash


def test_an_older_submission_never_replaces_a_newer_one(sample: Quiz, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    stale = QuizSession(sample, "alice", path)
    stale.answer("pick_one", "c")
    stale.submit(quiet=True)
    fresh = QuizSession(sample, "alice", path)
    fresh.answer("pick_one", "a")
    newest = fresh.submit(quiet=True)
    stale.answer("word", "x")  # the stale session still holds its older submission in memory
    assert json.loads(path.read_text())["submission"]["receipt"] == newest.hash


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("id: q\ntitle: t\x07\n", 2, "control character U+0007"),
        ("id: q\ntitle: " + "[" * 3000 + "]" * 3000 + "\n", 2, "nested more than"),
        ("id: q\ntitle:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(600)), 33, "nested more than"),
    ],
)
def test_validate_reports_file_and_line_for_hostile_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, problem: str
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}:{line}: ") and problem in out and "Traceback" not in out


def many_choices(count: int, duplicate: bool) -> str:
    lines = ["id: big", "title: Big", "mode: graded", "questions:", "  - id: q", "    type: single", "    prompt: p"]
    lines.append("    choices:")
    lines += [f"      - {{id: c{i}, text: t{i}, correct: {str(i == 0).lower()}}}" for i in range(count)]
    if duplicate:
        lines.append("      - {id: c1, text: again}")
    return "\n".join(lines) + "\n"


def test_thousands_of_choices_validate_and_a_duplicate_names_both_lines() -> None:
    assert len(parse_quiz(many_choices(3000, duplicate=False)).questions[0].choices) == 3000
    with pytest.raises(QuizError) as error:
        parse_quiz(many_choices(3000, duplicate=True), "big.yaml")
    assert error.value.line == 3009 and "duplicate choice id 'c1'" in error.value.problem
    assert "first on line 10" in error.value.problem


def test_a_typed_link_is_escaped_in_the_chart_hover() -> None:
    rows = [
        {"student_id": s, "question_id": "word", "type": "text", "status": "wrong", "points": "0", "possible": "1",
         "wrong_given": '<a href="javascript:alert(1)">x</a>'}
        for s in ("a", "b", "c")
    ]
    stats, wrong = compute_stats(rows)
    hover = stats_figure(stats, wrong).data[2].hovertext[0]
    assert "<a" not in hover and hover == "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;: 3"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("student_id,question_id\nbob,q1\n", ":1: not an answers.csv: no column type"),
        ("student_id,question_id,type,status,points,possible,wrong_given\nbob,q1,text,wrong,0\n", ":2: the row has"),
        ("student_id,question_id,type,status,points,possible,wrong_given\nbob,q,text,wrong,lots,1,\n", ":2: points"),
        (b"\xff\xfe\x00", "not UTF-8"),
        ("student_id,question_id,type,status,points,possible,wrong_given\n" + "x" * 200_000, "not readable as CSV"),
    ],
)
def test_stats_on_a_malformed_csv_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, expected: str
) -> None:
    path = tmp_path / "answers.csv"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)  # type: ignore[operator]
    assert main(["stats", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}") and expected in err and "Traceback" not in err



WRITER = """
import sys
from course_lib.quiz import QuizSession, load_quiz
role, path, sample, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
session = QuizSession(load_quiz(sample), "alice", path)
last = ""
for n in range(rounds):
    session.answer("budget", str(n))
    if role == "submitter":
        last = session.submit(quiet=True).hash
print(last)
"""


def test_two_processes_on_one_answers_file_keep_the_last_submission(tmp_path: Path) -> None:
    """Real processes saving at once: the lock and the re-read keep the submitter's last submission."""
    path = tmp_path / "a.json"
    command = [sys.executable, "-c", WRITER]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("JUPYTERHUB_USER", None)
    submitter = subprocess.Popen([*command, "submitter", str(path), str(SAMPLE), "15"], stdout=subprocess.PIPE, env=env)
    editor = subprocess.Popen([*command, "editor", str(path), str(SAMPLE), "30"], stdout=subprocess.PIPE, env=env)
    last_receipt = submitter.communicate(timeout=300)[0].decode().strip()
    editor.communicate(timeout=300)
    assert submitter.returncode == 0 and editor.returncode == 0
    assert json.loads(path.read_text())["submission"]["receipt"] == last_receipt


def test_the_owner_check_can_be_turned_off_from_the_command_line(tmp_path: Path, sample: Quiz) -> None:
    subs = tmp_path / "subs"
    submission_file(subs, sample, "section-a/alice.json")  # a layout that names sections, not hub users
    args = ["grade", str(subs), "--key", str(SAMPLE), "--no-progress", "--out"]
    assert main([*args, str(tmp_path / "checked")]) == 0
    assert "owner_mismatch" in (tmp_path / "checked" / "flags.csv").read_text()
    assert main([*args, str(tmp_path / "unchecked"), "--no-owner-check"]) == 0
    assert (tmp_path / "unchecked" / "flags.csv").read_text().strip() == "file,student_id,code,reason"
