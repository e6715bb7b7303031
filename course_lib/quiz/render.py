"""Showing a quiz: ipywidgets in a live notebook, plain text everywhere else.

Why both at once: a notebook output can carry several formats. ``QuizWidget`` offers the widget view
*and* a ``text/plain`` rendering of the quiz, so JupyterLab shows buttons while GitHub, nbviewer and nbval
(which have no live kernel) show readable text instead of ``VBox(children=...)``.

Every widget callback calls a ``QuizSession`` method, and the test helpers (``select``, ``enter``,
``check``, ``submit``) set widget values and click buttons the way a person would, so the code path a
test exercises is the one a click exercises.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from typing import Any

from .model import Question, Quiz
from .scoring import check_raw_answer, choice_order, format_number, format_points, parse_number
from .session import QuizSession

TYPE_NAMES = {
    "single": "one choice",
    "multi": "one or more choices",
    "numeric": "a number",
    "text": "a word or phrase",
}


def quiz_file_label(quiz: Quiz) -> str:
    """``quizzes/03_token_budgets.yaml``: the path as a learner would look for it, not this machine's path."""
    if quiz.path is None:
        return f"{quiz.id}.yaml"
    return f"quizzes/{quiz.path.name}" if quiz.path.parent.name == "quizzes" else quiz.path.name


def mode_note(quiz: Quiz, answers_name: str | None = None) -> str:
    """What kind of quiz this is, and in practice mode, plainly, that its key can be read."""
    if quiz.mode == "practice":
        return (
            f"Practice quiz: feedback comes at once, and the answer key is in {quiz_file_label(quiz)}, "
            "where you can read it. Try each question before you look."
        )
    where = f" to {answers_name}" if answers_name else ""
    return (
        f"Graded quiz: your answers are saved{where} as you go. Submit when you are done; there is no "
        "feedback here, your instructor grades the submissions."
    )


def render_text(quiz: Quiz) -> str:
    """The whole quiz as plain text, in the author's choice order, so the output is the same for everyone."""
    points = format_points(quiz.total_points)
    lines = [f"{quiz.title}  [{quiz.id}: {len(quiz.questions)} questions, {points} points]", mode_note(quiz)]
    if quiz.description:
        lines.append(quiz.description.strip())
    for number, q in enumerate(quiz.questions, 1):
        plural = "s" if q.points != 1 else ""
        lines += ["", f"{number}. [{q.id}] ({TYPE_NAMES[q.type]}, {format_points(q.points)} point{plural})"]
        lines += [f"   {line}" for line in q.prompt.strip().splitlines()]
        lines += [f"   ({c.id}) {c.text.strip()}" for c in q.choices]
        if q.unit:
            lines.append(f"   Unit: {q.unit}")
    example = quiz.questions[0]
    sample = {
        "single": f'"{example.choices[0].id}"' if example.choices else '""',
        "multi": f'["{example.choices[0].id}"]' if example.choices else "[]",
        "numeric": '"42"',
        "text": '"your words"',
    }[example.type]
    finish = f'print(s.check("{example.id}").text)' if quiz.mode == "practice" else "s.submit()"
    lines += [
        "",
        "Without widgets, answer in code:",
        f'  s = QuizSession("{quiz.id}"); s.answer("{example.id}", {sample}); {finish}',
    ]
    return "\n".join(lines)


def _html_text(text: str) -> str:
    """Escape author text and keep its line breaks; prompts hold code like message arrays."""
    return f'<div style="white-space: pre-wrap; line-height: 1.4">{html.escape(text.strip())}</div>'


@dataclass
class _QuestionView:
    question: Question
    inputs: Any  # ToggleButtons (single), {choice id: ToggleButton} (multi), Text (numeric, text)
    letters: dict[str, str]  # choice id -> letter shown, in this learner's order
    read_as: Any
    feedback: Any
    hint: Any
    check_button: Any
    hint_button: Any


class QuizWidget:
    """The interactive quiz. ``view`` is the ipywidgets tree (None when ipywidgets is missing)."""

    def __init__(self, session: QuizSession) -> None:
        self.session = session
        self.quiz = session.quiz
        self._plain: dict[str, str] = {}  # what each label says, without HTML, for tests and text output
        self._views: dict[str, _QuestionView] = {}
        self._syncing = False  # True while we set widget values from saved answers: do not save those back
        try:
            import ipywidgets  # noqa: F401  # only to learn whether widgets can be built at all
        except ImportError:
            self.view = None
        else:
            self.view = self._build()

    # -- building ---------------------------------------------------------------------------------

    def _build(self) -> Any:
        import ipywidgets as w

        quiz, session = self.quiz, self.session
        header = w.HTML(
            f"<h3>{html.escape(quiz.title)}</h3>"
            f"<p><b>{html.escape(mode_note(quiz, session.answers_path.name))}</b></p>"
            + (_html_text(quiz.description) if quiz.description else "")
        )
        boxes = [self._build_question(number, q) for number, q in enumerate(quiz.questions, 1)]
        self.score_label = w.HTML()
        self.status_label = w.HTML()
        self.submit_button = w.Button(description="Submit", button_style="primary", icon="paper-plane")
        self.submit_button.on_click(lambda _button: self._on_submit())
        footer = [self.score_label] if quiz.mode == "practice" else [self.submit_button]
        self._sync_from_session()
        self._refresh_score()
        return w.VBox([header, *boxes, w.HBox(footer), self.status_label])

    def _build_question(self, number: int, q: Question) -> Any:
        import ipywidgets as w

        order = choice_order(q, f"{self.quiz.id}|{self.session.student_id}")
        letters = {c.id: chr(ord("A") + i) for i, c in enumerate(order)}
        choice_lines = "".join(
            f"<div><b>{letters[c.id]}.</b> {html.escape(c.text.strip())}</div>" for c in order
        )
        prompt = w.HTML(
            f"<p><b>{number}.</b> <i>({TYPE_NAMES[q.type]}, {format_points(q.points)} pt)</i></p>"
            + _html_text(q.prompt)
            + choice_lines
        )
        inputs: Any
        if q.type == "single":
            # Each letter button carries its choice's text as its tooltip (title), so a screen reader
            # announces more than "A"; the group is named after the question.
            inputs = w.ToggleButtons(options=[(letters[c.id], c.id) for c in order], value=None,
                                     tooltips=[_tooltip(c.text) for c in order],
                                     description=f"Answer {number}", style={"description_width": "initial"})
            inputs.observe(lambda change, qid=q.id: self._on_change(qid, change["new"]), names="value")
            row = inputs
        elif q.type == "multi":
            inputs = {c.id: w.ToggleButton(description=letters[c.id], tooltip=_tooltip(c.text)) for c in order}
            for button in inputs.values():
                button.observe(lambda _change, qid=q.id: self._on_multi_change(qid), names="value")
            row = w.HBox(list(inputs.values()))
        else:
            placeholder = "e.g. 153,604 or 1.5e5 or 1/2" if q.type == "numeric" else "type your answer"
            inputs = w.Text(placeholder=placeholder, description=f"Answer {number}",  # a real <label>
                            style={"description_width": "initial"})
            inputs.observe(lambda change, qid=q.id: self._on_change(qid, change["new"]), names="value")
            row = w.HBox([inputs, w.HTML(html.escape(q.unit))]) if q.unit else inputs
        check_button = w.Button(description="Check", icon="check", disabled=self.quiz.mode != "practice")
        check_button.on_click(lambda _button, qid=q.id: self._on_check(qid))
        hint_button = w.Button(description="Hint", icon="lightbulb-o", disabled=not q.hint)
        hint_button.on_click(lambda _button, qid=q.id: self._on_hint(qid))
        view = _QuestionView(q, inputs, letters, w.HTML(), w.HTML(), w.HTML(), check_button, hint_button)
        self._views[q.id] = view
        buttons = [check_button, hint_button] if self.quiz.mode == "practice" else [hint_button]
        return w.VBox(
            [prompt, row, view.read_as, w.HBox(buttons), view.feedback, view.hint],
            layout=w.Layout(border="1px solid #ddd", padding="6px", margin="6px 0"),
        )

    # -- callbacks: each one calls the session, then updates labels -------------------------------

    def _on_change(self, question_id: str, value: Any) -> None:
        view = self._views[question_id]
        if view.question.type == "numeric":
            self._set(view.read_as, f"read:{question_id}", _reading(value))
        if self._syncing:
            return
        try:
            self.session.answer(question_id, value)
        except (ValueError, OSError) as error:  # shown, because an exception in a callback is invisible
            self._set(self.status_label, "status", f"Not saved: {error}", colour="#b00")
            return
        self._set(view.feedback, f"feedback:{question_id}", "")
        self._set(self.status_label, "status", self._saved_note())
        self._refresh_score()

    def _on_multi_change(self, question_id: str) -> None:
        view = self._views[question_id]
        self._on_change(question_id, [cid for cid, button in view.inputs.items() if button.value])

    def _on_check(self, question_id: str) -> None:
        try:
            score = self.session.check(question_id)
        except ValueError as error:
            self._set(self._views[question_id].feedback, f"feedback:{question_id}", str(error), colour="#b00")
            return
        colour = {"correct": "#070", "partial": "#a60"}.get(score.status, "#b00")
        self._set(self._views[question_id].feedback, f"feedback:{question_id}", score.text, colour=colour)
        self._refresh_score()

    def _on_hint(self, question_id: str) -> None:
        view = self._views[question_id]
        self._set(view.hint, f"hint:{question_id}", f"Hint: {view.question.hint}", colour="#555")

    def _on_submit(self) -> None:
        try:
            receipt = self.session.submit(quiet=True)
        except (ValueError, OSError) as error:
            self._set(self.status_label, "status", f"Not submitted: {error}", colour="#b00")
            return
        self._set(self.status_label, "status", str(receipt), colour="#070")

    # -- label helpers ----------------------------------------------------------------------------

    def _set(self, label: Any, key: str, text: str, colour: str = "#333") -> None:
        self._plain[key] = text
        label.value = (
            f'<div style="color: {colour}; white-space: pre-wrap">{html.escape(text)}</div>' if text else ""
        )

    def _saved_note(self) -> str:
        answered = len(self.session.answers)
        note = (
            f"Saved to {self.session.answers_path.name} ({answered} of {len(self.quiz.questions)} answered)."
        )
        if self.session.changed_since_submit:
            note += " Changed since your last submission: submit again to hand in these answers."
        return note

    def _refresh_score(self) -> None:
        if self.quiz.mode == "practice":
            earned, possible, checked = self.session.running_score()
            self._set(
                self.score_label,
                "score",
                f"Score: {format_points(earned)} of {format_points(possible)} points "
                f"({checked} of {len(self.quiz.questions)} questions checked)",
            )

    def _sync_from_session(self) -> None:
        """Show answers saved earlier (a reopened notebook) without saving them again."""
        self._syncing = True
        try:
            for question_id, raw in self.session.answers.items():
                self._put(question_id, raw)
        finally:
            self._syncing = False

    def _put(self, question_id: str, value: Any) -> None:
        view = self._views[question_id]
        if view.question.type == "multi":
            chosen = set(value or [])
            for choice_id, button in view.inputs.items():
                button.value = choice_id in chosen
        else:
            view.inputs.value = (
                value if value is not None else (None if view.question.type == "single" else "")
            )

    # -- what tests and notebooks call: the same paths as clicks ----------------------------------

    def select(self, question_id: str, choice: str | list[str] | None) -> None:
        """Pick a choice (or a list of choices for ``multi``) by id, as clicking the buttons would."""
        self._require_widgets()
        check_raw_answer(self.quiz.question(question_id), choice)  # a typo fails here, not silently
        self._put(question_id, choice)

    def enter(self, question_id: str, text: str) -> None:
        """Type into the box of a numeric or text question."""
        self._require_widgets()
        self._put(question_id, text)

    def check(self, question_id: str) -> str:
        """Press Check; returns the feedback text shown."""
        self._require_widgets()
        self._views[question_id].check_button.click()
        return self.feedback_text(question_id)

    def show_hint(self, question_id: str) -> str:
        self._require_widgets()
        self._views[question_id].hint_button.click()
        return self._plain.get(f"hint:{question_id}", "")

    def submit(self) -> str:
        """Press Submit; returns the status line (the receipt, or why it failed)."""
        self._require_widgets()
        self.submit_button.click()
        return self.status_text

    def feedback_text(self, question_id: str) -> str:
        return self._plain.get(f"feedback:{question_id}", "")

    def read_as_text(self, question_id: str) -> str:
        return self._plain.get(f"read:{question_id}", "")

    @property
    def score_text(self) -> str:
        return self._plain.get("score", "")

    @property
    def status_text(self) -> str:
        return self._plain.get("status", "")

    def _require_widgets(self) -> None:
        if self.view is None:
            raise RuntimeError("ipywidgets is not installed: use the QuizSession methods instead")

    # -- display ----------------------------------------------------------------------------------

    def text(self) -> str:
        return render_text(self.quiz)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """Widget view for live frontends, with our text in ``text/plain`` for the rest."""
        bundle: dict[str, Any] = {}
        if self.view is not None:
            bundle.update(self.view._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.text()
        return bundle

    def __repr__(self) -> str:
        return (
            f"<QuizWidget {self.quiz.id}: {len(self.session.answers)} of {len(self.quiz.questions)} answered>"
        )


def _tooltip(text: str) -> str:
    """A choice's text on one line, short enough for a tooltip."""
    return " ".join(text.split())[:120]


def _reading(value: str | None) -> str:
    """What the number box says under itself: how the input was read, before anything is scored."""
    if not value or not value.strip():
        return ""
    try:
        return f"Read as {format_number(parse_number(value))}"
    except ValueError as error:
        return f"Not a number yet: {error}"


def _in_ipython() -> bool:
    """True when IPython will display a returned object (a notebook kernel or the IPython shell)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def show_quiz(
    path_or_id: str | os.PathLike[str],
    student_id: str | None = None,
    answers_path: str | os.PathLike[str] | None = None,
) -> QuizWidget:
    """Show a quiz: ``show_quiz("03_token_budgets")`` as the last line of a cell.

    In a notebook the returned object displays itself as widgets (with a text fallback for viewers that
    cannot run widgets); in a plain Python script the text is printed. Answers are saved to
    ``<quiz id>.quiz-answers.json`` beside the notebook unless ``answers_path`` says otherwise. Use the
    returned object's ``.session`` to answer in code.
    """
    widget = QuizWidget(QuizSession(path_or_id, student_id, answers_path))
    if not _in_ipython():
        print(widget.text())
    return widget
