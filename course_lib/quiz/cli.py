"""``course-quiz``: the instructor's command line. validate, build, grade, stats.

    course-quiz validate quizzes/
    course-quiz build quizzes/09_knowledge_check.yaml --out build/quiz
    course-quiz grade submissions/ --key build/quiz/key/09_knowledge_check.key.yaml --out grades/
    course-quiz grade submissions/ --key KEY --out grades/ --deadline 2026-03-14T17:00+01:00 --roster canvas.csv
    course-quiz stats grades/

Exit status: 0 when the command did its job (grading with flagged files included: flags are findings,
not failures), 1 when a quiz is invalid or an input is unusable, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from .build import build_quiz
from .grading import MAX_SUBMISSION_BYTES, GradeResult, GradingRules, grade_directory
from .lms import Roster, RosterError, read_canvas_roster, write_canvas_import, write_moodle_import
from .loader import QuizError, load_quiz
from .reports import write_reports
from .stats import StatsInputError, compute_stats, read_answer_rows, stats_table, write_stats


def _quiz_files(paths: list[str]) -> list[Path]:
    """Files as given; for a directory, its ``*.yaml`` and ``*.yml`` files in name order."""
    files: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            files += sorted(p for p in given.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            files.append(given)
    return files


def _validate(args: argparse.Namespace) -> int:
    failures = 0
    for path in _quiz_files(args.paths):
        try:
            quiz = load_quiz(path)
        except QuizError as error:
            print(error)
            failures += 1
            continue
        key = "" if quiz.key_included else ", learner copy"
        print(f"ok  {path}  ({quiz.id}: {quiz.mode}{key}, {len(quiz.questions)} questions)")
    return 1 if failures else 0


def _build(args: argparse.Namespace) -> int:
    failures = 0
    for path in _quiz_files(args.paths):
        try:
            quiz = load_quiz(path)
            if quiz.mode == "practice":
                print(f"skip {path}: practice quiz, handed out as it is (its key is meant to be read)")
                continue
            result = build_quiz(path, args.out)
        except (QuizError, ValueError) as error:
            print(error)
            failures += 1
            continue
        print(f"built {quiz.id}: learner copy {result.learner_path} (hand out), key {result.key_path} (keep)")
    return 1 if failures else 0


def _grade(args: argparse.Namespace) -> int:
    submissions, out = Path(args.submissions_dir), Path(args.out)
    if not submissions.is_dir():
        print(f"error: {submissions} is not a directory", file=sys.stderr)
        return 1
    if out.resolve().is_relative_to(submissions.resolve()):
        print(
            f"error: --out {out} is inside {submissions}; reports never go next to the submissions",
            file=sys.stderr,
        )
        return 1
    try:
        quiz = load_quiz(args.key)
        roster = read_canvas_roster(args.roster, args.assignment) if args.lms == "canvas" else None
        rules = GradingRules(max_bytes=args.max_bytes, deadline=args.deadline, check_owner=not args.no_owner_check)
        result = grade_directory(submissions, quiz, rules=rules, progress=not args.no_progress)
    except (QuizError, RosterError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    exported = _export_to_lms(args, result, roster, out)
    written = write_reports(result, out) + exported
    print(
        f"Graded {len(result.counted)} students from {result.files_read} files against {quiz.id} "
        f"({quiz.quiz_hash.removeprefix('sha256:')[:12]})."
    )
    if result.flags:
        codes = Counter(f.code for f in result.flags)
        summary = ", ".join(f"{code} {count}" for code, count in sorted(codes.items()))
        print(f"{len(result.flags)} files flagged ({summary}): see {out / 'flags.csv'}")
    print("Wrote " + ", ".join(p.name for p in written) + f" in {out}")
    return 0


def _export_to_lms(args: argparse.Namespace, result: GradeResult, roster: Roster | None, out: Path) -> list[Path]:
    """canvas_import.csv or moodle_import.csv when asked for; Canvas's unmatched students join the flags."""
    if args.lms == "moodle":
        return [write_moodle_import(result, out, args.assignment or result.quiz.title, args.moodle_user)]
    if roster is None:
        return []
    path, unmatched = write_canvas_import(result, roster, out)
    result.flags = sorted(result.flags + unmatched, key=lambda f: (f.file, f.code))
    return [path]


def _deadline(text: str) -> datetime:
    """``--deadline``: an ISO 8601 time with its zone (a deadline without one means nothing on a server)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from error
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone: add one, e.g. {text}+00:00")
    return when


def _stats(args: argparse.Namespace) -> int:
    source = Path(args.source)
    answers = source / "answers.csv" if source.is_dir() else source
    try:
        rows = read_answer_rows(answers)
        quiz = load_quiz(args.key) if args.key else None
    except (OSError, QuizError, StatsInputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stats, _wrong = compute_stats(rows, quiz)
    print(stats_table(stats))
    if args.out:
        written = write_stats(rows, Path(args.out), quiz)
        print("Wrote " + ", ".join(p.name for p in written) + f" in {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-quiz", description="Validate, build and grade course quizzes."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check quiz files; errors name file, line and problem")
    validate.add_argument("paths", nargs="+", help="quiz files or directories of them")
    validate.set_defaults(run=_validate)

    build = commands.add_parser("build", help="write the learner copy (no key) and the key of graded quizzes")
    build.add_argument("paths", nargs="+", help="quiz files or directories of them")
    build.add_argument("--out", default="build/quiz", help="output directory (default: build/quiz)")
    build.set_defaults(run=_build)

    grade = commands.add_parser("grade", help="grade a directory of submissions (files are only read)")
    grade.add_argument("submissions_dir", help="directory searched recursively for *.json answers files")
    grade.add_argument("--key", required=True, help="the instructor's quiz file, with its answer key")
    grade.add_argument("--out", required=True, help="directory for the CSV reports and the chart")
    grade.add_argument("--max-bytes", type=int, default=MAX_SUBMISSION_BYTES, help="larger files are flagged")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    grade.add_argument("--deadline", type=_deadline, help="ISO 8601 time with zone; later submissions are flagged")
    grade.add_argument(
        "--no-owner-check",
        action="store_true",
        help="the folder layout does not name hub users (default: subs/<user>/... or <user>__... is the owner)",
    )
    grade.add_argument("--roster", help="a Canvas gradebook export: also write canvas_import.csv")
    grade.add_argument("--lms", choices=("canvas", "moodle"), help="canvas (needs --roster) or moodle")
    grade.add_argument("--assignment", help="the roster's assignment column, or Moodle's grade item name")
    grade.add_argument(
        "--moodle-user", choices=("username", "email"), default="username", help="what the hub user name is"
    )
    grade.set_defaults(run=_grade)

    stats = commands.add_parser("stats", help="per-question statistics from a grading output")
    stats.add_argument("source", help="a grade --out directory, or an answers.csv")
    stats.add_argument("--key", help="the quiz key: lists distractors nobody picked, in quiz order")
    stats.add_argument("--out", help="also write question_stats.csv, wrong_answers.csv and the chart here")
    stats.set_defaults(run=_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course-quiz`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "grade":
        args.lms = args.lms or ("canvas" if args.roster else None)
        if (args.lms == "canvas") != bool(args.roster):
            parser.error("--roster (a Canvas gradebook export) goes with --lms canvas, and only with it")
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
