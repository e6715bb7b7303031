"""Item statistics for a graded class: which questions worked, and which wrong answers were popular.

Computed from the long ``answers.csv`` rows (not from submissions), so ``course-quiz stats`` can rerun them
on an existing grading output, or on several class sections' answers.csv files joined together.

- share correct: the fraction of students who got the question fully right.
- point-biserial: correlation between a question's score and the rest of the quiz (the total *without*
  that question, so an item is not correlated with itself). Near 0 or negative: strong students do no
  better than weak ones on it, which usually means a confusing prompt or a wrong key.
- upper-lower 27%: mean score of the top 27% of students (by total) minus that of the bottom 27%.
- wrong answers: how often each wrong choice or wrong number was given; a distractor nobody picks does
  no work, and a wrong number many give points at a shared misconception (or at a key that is wrong).
"""

from __future__ import annotations

import csv
import html
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ..files import atomic_write_text
from ._io import write_csv
from .model import Quiz

UPPER_LOWER_SHARE = 0.27


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    type: str
    possible: float
    graded: int
    answered: int
    share_correct: float
    mean_score: float
    point_biserial: float | None
    upper_lower: float | None


ANSWER_FIELDS = ("student_id", "question_id", "type", "status", "points", "possible", "wrong_given")
"""The answers.csv columns the statistics read; any other column is carried but not needed."""


class StatsInputError(ValueError):
    """An answers.csv that cannot be used; the message says ``file:line: problem``."""


def read_answer_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of an answers.csv written by ``course-quiz grade``, checked, or a StatsInputError."""
    where = Path(path)
    try:
        with where.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [f for f in ANSWER_FIELDS if f not in (reader.fieldnames or [])]
            if missing:
                raise StatsInputError(f"{where}:1: not an answers.csv: no column {', '.join(missing)}")
            return [_checked_row(row, where, reader.line_num) for row in reader]
    except UnicodeDecodeError as error:
        raise StatsInputError(f"{where}: not UTF-8 text (byte {error.start})") from error
    except csv.Error as error:
        raise StatsInputError(f"{where}: not readable as CSV: {error}") from error


def _checked_row(row: dict[str, str | None], where: Path, line: int) -> dict[str, str]:
    """A row with every needed cell present and numbers that parse; a bad row names its line."""
    if None in row or any(row.get(f) is None for f in ANSWER_FIELDS):
        raise StatsInputError(f"{where}:{line}: the row has a different number of cells than the header")
    for column in ("points", "possible"):
        try:
            value = _float(row[column])  # type: ignore[arg-type]  # checked not None above
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise StatsInputError(f"{where}:{line}: {column} {str(row[column])[:20]!r} is not a number")
    return row  # type: ignore[return-value]  # every needed cell is a str, checked above


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Correlation coefficient, or None when it is undefined (fewer than 3 pairs, or no spread)."""
    n = len(xs)
    if n < 3:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def upper_lower(
    item: dict[str, float], totals: dict[str, float], share: float = UPPER_LOWER_SHARE
) -> float | None:
    """Mean item score of the top ``share`` of students minus the bottom ``share`` (ties broken by id)."""
    students = sorted(item, key=lambda s: (-totals[s], s))
    k = round(share * len(students))
    if k < 1:
        return None
    top, bottom = students[:k], students[-k:]
    return sum(item[s] for s in top) / k - sum(item[s] for s in bottom) / k


def _float(cell: str) -> float:
    return float(cell) if cell else 0.0


class _Answer(NamedTuple):
    """What the statistics need of one answers.csv row: 104 bytes with its float, where the row's dict is 272."""

    student_id: str
    type: str
    status: str
    points: float
    wrong_given: str


class AnswerTally:
    """The answers rows grouped by question, kept compact: grading feeds it while writing answers.csv."""

    def __init__(self) -> None:
        self.by_question: dict[str, list[_Answer]] = {}  # in the order questions first appear
        self.possible: dict[str, float] = {}  # each question's points, from its first row
        self.totals: dict[str, float] = defaultdict(float)

    @classmethod
    def of(cls, rows: Iterable[Mapping[str, str]]) -> AnswerTally:
        """Tally rows already in hand: ``course-quiz stats`` re-reading an answers.csv."""
        tally = cls()
        for _ in tally.each(rows):
            pass
        return tally

    def each(self, rows: Iterable[Mapping[str, str]]) -> Iterator[Mapping[str, str]]:
        """Yield each row unchanged after counting it, so one pass can also write it out."""
        for row in rows:
            qid, points = row["question_id"], _float(row["points"])
            answers = self.by_question.get(qid)
            if answers is None:
                answers = self.by_question[qid] = []
                self.possible[qid] = _float(row["possible"])
            answers.append(_Answer(row["student_id"], row["type"], row["status"], points, row["wrong_given"]))
            self.totals[row["student_id"]] += points
            yield row


def compute_stats(
    rows: Iterable[Mapping[str, str]] | AnswerTally, quiz: Quiz | None = None
) -> tuple[list[QuestionStats], list[dict[str, Any]]]:
    """Per-question statistics and wrong-answer counts. With the quiz, unpicked distractors are listed too."""
    tally = rows if isinstance(rows, AnswerTally) else AnswerTally.of(rows)
    order = [q.id for q in quiz.questions] if quiz else list(tally.by_question)
    stats, wrong_rows = [], []
    for qid in order:
        stats.append(_question_stats(qid, tally, quiz))
        wrong_rows += _wrong_answers(qid, tally.by_question.get(qid, []), quiz)
    return stats, wrong_rows


def _question_stats(qid: str, tally: AnswerTally, quiz: Quiz | None) -> QuestionStats:
    answers, totals = tally.by_question.get(qid, []), tally.totals
    possible = tally.possible[qid] if answers else (quiz.question(qid).points if quiz else 0.0)
    item = {a.student_id: (a.points / possible if possible else 0.0) for a in answers}
    points = {a.student_id: a.points for a in answers}
    students = sorted(item)
    n = len(answers)
    return QuestionStats(
        question_id=qid,
        type=answers[0].type if answers else (quiz.question(qid).type if quiz else ""),
        possible=possible,
        graded=n,
        answered=sum(1 for a in answers if a.status != "blank"),
        share_correct=sum(1 for a in answers if a.status == "correct") / n if n else 0.0,
        mean_score=sum(item.values()) / n if n else 0.0,
        point_biserial=pearson([item[s] for s in students], [totals[s] - points[s] for s in students]),
        upper_lower=upper_lower(item, totals),
    )


def _wrong_answers(qid: str, answers: list[_Answer], quiz: Quiz | None) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    for answer in answers:
        if not answer.wrong_given:
            continue
        if answer.type in ("single", "multi"):
            counts.update(answer.wrong_given.split(";"))  # choice ids never contain ';'
        else:
            counts[answer.wrong_given] += 1  # a number or typed text is one value
    if quiz is not None:
        for choice in quiz.question(qid).choices:
            if not choice.correct:
                counts.setdefault(choice.id, 0)
    n = len(answers)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        {"question_id": qid, "wrong_answer": value, "count": count, "share": count / n if n else 0.0}
        for value, count in ranked
    ]


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def stats_table(stats: list[QuestionStats]) -> str:
    """A fixed-width table for the terminal."""
    lines = [f"{'question':<16} {'type':<8} {'n':>5} {'correct':>8} {'mean':>6} {'pt-bis':>7} {'up-low':>7}"]
    for s in stats:
        lines.append(
            f"{s.question_id:<16} {s.type:<8} {s.graded:>5} {s.share_correct:>8.0%} {s.mean_score:>6.2f} "
            f"{_fmt(s.point_biserial) or '-':>7} {_fmt(s.upper_lower) or '-':>7}"
        )
    return "\n".join(lines)


def stats_figure(stats: list[QuestionStats], wrong_rows: list[dict[str, Any]]) -> Any:
    """Two panels: share correct with discrimination, and how many wrong answers each question drew."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    qids = [s.question_id for s in stats]
    fig = make_subplots(
        rows=2,
        cols=1,
        vertical_spacing=0.15,
        subplot_titles=("Share correct and discrimination (point-biserial)", "Wrong answers given"),
    )
    fig.add_trace(go.Bar(x=qids, y=[s.share_correct for s in stats], name="share correct"), row=1, col=1)
    fig.add_trace(
        go.Scatter(
            x=qids,
            y=[s.point_biserial for s in stats],
            mode="markers",
            marker={"size": 11},
            name="point-biserial",
        ),
        row=1,
        col=1,
    )
    by_question: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in wrong_rows:
        by_question[row["question_id"]].append(row)
    # Plotly reads hover text as HTML: a typed answer such as <a href=...> must show as text, not a link.
    hover = [
        "<br>".join(f"{html.escape(str(r['wrong_answer']))}: {r['count']}" for r in by_question[q][:6]) or "none"
        for q in qids
    ]
    fig.add_trace(
        go.Bar(
            x=qids,
            y=[sum(r["count"] for r in by_question[q]) for q in qids],
            name="wrong answers",
            hovertext=hover,
            hoverinfo="text+x",
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(range=[-1, 1], row=1, col=1)
    fig.update_layout(height=700, title="Question statistics", template="plotly_white")
    return fig


def write_stats(
    rows: Iterable[Mapping[str, str]] | AnswerTally, out: Path, quiz: Quiz | None = None
) -> list[Path]:
    """Write question_stats.csv, wrong_answers.csv and question_stats.html (plotly.js inside: offline)."""
    stats, wrong_rows = compute_stats(rows, quiz)
    columns = [
        "question_id",
        "type",
        "possible",
        "graded",
        "answered",
        "share_correct",
        "mean_score",
        "point_biserial",
        "upper_lower_27",
    ]
    stat_rows = [
        {
            "question_id": s.question_id,
            "type": s.type,
            "possible": f"{s.possible:g}",
            "graded": s.graded,
            "answered": s.answered,
            "share_correct": _fmt(s.share_correct),
            "mean_score": _fmt(s.mean_score),
            "point_biserial": _fmt(s.point_biserial),
            "upper_lower_27": _fmt(s.upper_lower),
        }
        for s in stats
    ]
    written = [
        write_csv(out / "question_stats.csv", columns, stat_rows),
        write_csv(
            out / "wrong_answers.csv",
            ["question_id", "wrong_answer", "count", "share"],
            [{**r, "share": _fmt(r["share"])} for r in wrong_rows],
        ),
    ]
    # A fixed div_id: plotly otherwise puts a random id in the page, and two runs would differ.
    html = stats_figure(stats, wrong_rows).to_html(
        include_plotlyjs=True, full_html=True, div_id="question-stats"
    )
    atomic_write_text(out / "question_stats.html", html)
    written.append(out / "question_stats.html")
    return written
