"""The shortcuts that make grading a class of 10,000 fast give the same answers as the long way round.

Each fast path (the surrogate check, the CSV formula guard, cached key values, the streamed long table,
the bounded read) is checked against what it replaced, and against the files it must still refuse.
"""

from __future__ import annotations

import csv
import errno
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from quiz_helpers import answers_document, write_json

from course_lib import files
from course_lib.quiz import Quiz
from course_lib.quiz._io import _guarded, canonical_json, guard_cell, sha256_hex, write_csv
from course_lib.quiz.collect import _read_up_to
from course_lib.quiz.grading import Graded, GradingRules, grade_directory, read_submission
from course_lib.quiz.reports import answer_rows
from course_lib.quiz.scoring import AnswerError, ScoreMemo, score_answer
from course_lib.quiz.stats import AnswerTally, compute_stats

RIGHT = {"pick_one": "a", "pick_many": ["a", "b"], "budget": "153,604", "word": "stateless"}


def _file(tmp_path: Path, quiz: Quiz, answers: dict[str, object], *, ascii_only: bool) -> Path:
    document = answers_document(quiz, "alice", answers)
    path = tmp_path / "alice.json"
    path.write_text(json.dumps(document, ensure_ascii=ascii_only), encoding="utf-8")
    return path


@pytest.mark.parametrize("escape", ["\\udc80", "\\uDC80", "\\ud800", "\\uDBFF"])
def test_a_surrogate_escape_is_flagged_in_either_case(tmp_path: Path, sample: Quiz, escape: str) -> None:
    path = _file(tmp_path, sample, RIGHT, ascii_only=True)
    path.write_text(path.read_text().replace('"saved_at": "', f'"saved_at": "{escape}', 1))
    assert read_submission(path, "alice.json", sample).code == "bad_text"


def test_a_surrogate_in_raw_bytes_is_not_utf8_so_it_is_flagged_before_parsing(tmp_path: Path, sample: Quiz) -> None:
    path = _file(tmp_path, sample, RIGHT, ascii_only=False)
    path.write_bytes(path.read_bytes().replace(b'"saved_at": "', b'"saved_at": "\xed\xb2\x80', 1))
    assert read_submission(path, "alice.json", sample).code == "not_json"


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "raw-utf8"])
def test_accented_answers_grade_the_same_escaped_or_raw(tmp_path: Path, sample: Quiz, ascii_only: bool) -> None:
    path = _file(tmp_path, sample, {**RIGHT, "word": "Stateless é"}, ascii_only=ascii_only)
    graded = read_submission(path, "alice.json", sample)
    assert isinstance(graded, Graded) and graded.answers["word"] == "Stateless é"


TRICKY_CELLS = ["plain", "=1+1", "-3", "-x", "+", "@SUM(A1)", "\tTab", "a\nb", "a\r=b", "x\x00", "x\x00=y", "", 7]


@pytest.mark.parametrize("first", TRICKY_CELLS)
@pytest.mark.parametrize("second", TRICKY_CELLS)
def test_the_row_check_guards_exactly_what_the_cell_guard_does(first: object, second: object) -> None:
    row = {"a": first, "b": second, "c": "ok"}
    assert _guarded(row, ["a", "b", "c", "missing"]) == [guard_cell(first), guard_cell(second), "ok", ""]


def test_write_csv_takes_a_generator_once_and_leaves_missing_cells_empty(tmp_path: Path) -> None:
    rows = ({"id": f"s{n}", "answer": "=cmd" if n else "fine"} for n in range(3))
    path = write_csv(tmp_path / "a.csv", ["id", "answer", "note"], rows)
    with path.open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["id", "answer", "note"], ["s0", "fine", ""], ["s1", "'=cmd", ""], ["s2", "'=cmd", ""]
        ]
    assert path.read_bytes().endswith(b"\r\n") and b"\r\r" not in path.read_bytes()


def test_a_cell_that_cannot_be_utf8_fails_before_anything_is_written(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    target.write_text("old\r\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_csv(target, ["id"], [{"id": "fine"}, {"id": "\udc80"}])
    assert target.read_bytes() == b"old\r\n" and list(tmp_path.iterdir()) == [target]


def test_the_cached_quiz_hash_is_the_content_hash_and_a_copy_gets_its_own(sample: Quiz) -> None:
    first = sample.quiz_hash
    assert first == sha256_hex(canonical_json(sample.public_view()))
    edited = replace(sample, title=sample.title + " (edited)")
    assert edited.quiz_hash != first and sample.quiz_hash == first


def test_question_and_choice_lookups(sample: Quiz) -> None:
    question = sample.questions[0]
    assert sample.question(question.id) is question and sample.has_question(question.id)
    assert not sample.has_question("nope") and not sample.has_question(5)
    with pytest.raises(KeyError, match="no question 'nope'"):
        sample.question("nope")
    assert question.choice(question.choices[1].id) is question.choices[1] and question.choice("zz") is None


def test_the_long_table_is_streamed_and_tallied_like_the_rows(tmp_path: Path, sample: Quiz) -> None:
    subs = tmp_path / "subs"
    for n, answers in enumerate([RIGHT, {**RIGHT, "budget": "1"}, {"pick_one": "b", "word": "x"}]):
        write_json(subs / f"s{n}.json", answers_document(sample, f"s{n}", answers))
    result = grade_directory(subs, sample, rules=GradingRules(check_owner=False), progress=False)
    assert len(result.counted) == 3
    streamed = answer_rows(result)
    assert iter(streamed) is streamed  # a generator: 10,000 students never become 100,000 dicts at once
    rows = list(answer_rows(result))
    tally = AnswerTally()
    assert list(tally.each(iter(rows))) == rows
    assert compute_stats(tally, sample) == compute_stats(rows, sample) == compute_stats(AnswerTally.of(rows), sample)


@pytest.mark.parametrize(
    ("content", "expected", "limit", "length"),
    [
        (b"x" * 10, 10, 15, 10),  # as fstat said
        (b"x" * 12, 10, 15, 12),  # grew a little after fstat: all of it
        (b"x" * 40, 10, 15, 16),  # grew past the limit: one byte more than the limit, so it is refused
        (b"x" * 15, 15, 15, 15),  # exactly the limit
    ],
)
def test_a_bounded_read_never_passes_the_limit(content: bytes, expected: int, limit: int, length: int) -> None:
    assert _read_up_to(io.BufferedReader(io.BytesIO(content)), expected, limit) == content[:length]


def test_a_full_disk_while_writing_a_report_raises_the_disk_error_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "answers.csv"
    target.write_bytes(b"old\r\n")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)  # the temporary file cannot be flushed to a full disk
    with pytest.raises(OSError, match="No space left") as raised:
        write_csv(target, ["id"], ({"id": f"s{n}"} for n in range(5000)))
    assert raised.type is OSError  # not a BufferError from closing the buffer the write was reading
    monkeypatch.undo()
    assert target.read_bytes() == b"old\r\n" and list(tmp_path.iterdir()) == [target]


def test_the_memo_scores_each_distinct_answer_once_and_never_mixes_shapes(sample: Quiz) -> None:
    memo, one, many = ScoreMemo(), sample.question("pick_one"), sample.question("pick_many")
    first = memo.score(one, "a")
    assert first == score_answer(one, "a") and memo.score(one, "a") is first
    assert memo.score(many, ["a", "b"]) == score_answer(many, ["a", "b"])
    assert memo.score(many, ["b", "a"]) == score_answer(many, ["b", "a"])
    for wrong_shape in (["a"], 1, True, None, {"a": 1}):
        if wrong_shape is None:
            assert memo.score(one, wrong_shape).status == "blank"
            continue
        with pytest.raises(AnswerError):
            memo.score(one, wrong_shape)
    with pytest.raises(AnswerError):
        memo.score(many, "a")  # a text where a list belongs, after the list ["a", "b"] was remembered
    with pytest.raises(AnswerError):
        memo.score(many, ["a", "a"])


def test_a_class_shares_one_score_per_distinct_answer_and_the_keys_question_ids(tmp_path: Path, sample: Quiz) -> None:
    for student in ("ann", "ben"):
        write_json(tmp_path / f"{student}.json", answers_document(sample, student, RIGHT))
    ann, ben = grade_directory(tmp_path, sample, rules=GradingRules(check_owner=False), progress=False).counted
    assert all(a is b for a, b in zip(ann.scores, ben.scores, strict=True))
    own_ids = {id(q.id) for q in sample.questions}  # the key's strings, not ten new ones per file
    assert ann.answers == RIGHT and {id(k) for k in ann.answers} | {id(k) for k in ben.answers} <= own_ids
