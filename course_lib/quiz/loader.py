"""Loading a quiz file: safe YAML in, a validated ``Quiz`` out, or a ``QuizError`` naming file and line.

Why we walk YAML *nodes* instead of calling ``yaml.safe_load``: ``safe_load`` returns plain dicts and
forgets where each value came from, so an error could only say "question 3 has no correct choice". The
composed node tree keeps a start mark on every value, so the error can say ``09_knowledge_check.yaml:41``.
Walking nodes also lets us refuse what ``safe_load`` quietly accepts: a key given twice (the second
silently wins) and aliases (which can expand a small file into a huge one). Nothing here ever
constructs arbitrary Python objects: the loader is ``yaml.SafeLoader`` and we only read scalar text.
"""

from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

import yaml

from .model import MODES, QUESTION_TYPES, Choice, KnownMistake, Question, Quiz, Tolerance
from .scoring import normalize_text, parse_number

MAX_QUIZ_BYTES = 1_000_000
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"

_QUIZ_KEYS = {"id", "title", "mode", "questions", "description", "shuffle", "key_included"}
_COMMON_KEYS = {"id", "type", "prompt", "points", "hint", "explanation"}
_TYPE_KEYS = {
    "single": {"choices", "shuffle"},
    "multi": {"choices", "shuffle", "partial_credit"},
    "numeric": {"answer", "tolerance", "wrong_answers", "unit"},
    "text": {"answer", "accept", "wrong_answers"},
}
_CHOICE_KEYS = {"id", "text", "correct", "feedback"}
_KEY_FIELDS = {"correct", "feedback", "explanation", "answer", "accept", "tolerance", "wrong_answers"}
"""Fields that give answers away; a learner copy (``key_included: false``) must have none of them."""


class QuizError(ValueError):
    """A quiz file that cannot be used. ``path``, ``line`` (1-based, or None) and ``problem`` are separate
    so that tools can point an editor at the line; ``str()`` gives the familiar ``file:line: problem``."""

    def __init__(self, path: str | os.PathLike[str] | None, line: int | None, problem: str) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.problem = problem
        where = str(self.path) if self.path else "<quiz>"
        super().__init__(f"{where}:{line}: {problem}" if line else f"{where}: {problem}")


def load_quiz(path: str | os.PathLike[str]) -> Quiz:
    """Read and validate one quiz file. Raises QuizError (never a bare YAML or OS error)."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_QUIZ_BYTES + 1)
    except OSError as error:
        raise QuizError(file, None, f"cannot read the file: {error.strerror or error}") from error
    if len(data) > MAX_QUIZ_BYTES:
        raise QuizError(file, None, f"file is larger than {MAX_QUIZ_BYTES:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QuizError(file, None, f"not UTF-8 text (byte {error.start})") from error
    return parse_quiz(text, file)


def parse_quiz(text: str, path: str | os.PathLike[str] | None = None) -> Quiz:
    """Validate quiz YAML given as text; ``path`` is only used in messages and stored on the Quiz."""
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as error:
        raise QuizError(path, *_describe(error, text)) from error
    except yaml.reader.ReaderError as error:  # a control character: the reader knows only its offset
        line = text.count("\n", 0, error.position) + 1
        code = ord(error.character) if isinstance(error.character, str) else error.character
        raise QuizError(path, line, f"YAML: control character U+{code:04X} is not allowed in YAML") from error
    except yaml.YAMLError as error:
        raise QuizError(path, None, f"YAML: {error}") from error
    if root is None:
        raise QuizError(path, None, "the file is empty")
    return _Reader(path).quiz(root)


def _compose(text: str) -> yaml.Node | None:
    loader = _NoAliasLoader(text)  # the reader checks every character here, so this can raise too
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


MAX_NESTING = 32
"""A quiz is nested four levels deep; the composer recurses per level, so deep nesting is refused early."""


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (``*name``), which can expand a small file enormously, and nesting
    deeper than ``MAX_NESTING``, which would exhaust Python's recursion limit in the composer."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._refuse("anchors and aliases (&name / *name) are not allowed in quiz files")
        if self.depth >= MAX_NESTING:
            self._refuse(f"nested more than {MAX_NESTING} levels deep; a quiz needs four")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _refuse(self, problem: str) -> NoReturn:
        raise yaml.composer.ComposerError(None, None, problem, self.peek_event().start_mark)


def _describe(error: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """Line and message for a YAML error. The line is where the parser gave up; when the cause started
    earlier (an unclosed quote is only noticed at the end of the file), the message says where."""
    mark = error.problem_mark or error.context_mark
    last_line = max(1, len(text.splitlines()))  # "end of stream" is past the last line: point at the last
    line = min(mark.line + 1, last_line) if mark else None
    problem = f"YAML: {error.problem}"
    if error.context and error.context_mark and error.context_mark.line + 1 != line:
        problem += f" ({error.context} that starts on line {error.context_mark.line + 1})"
    return line, problem


class _Reader:
    """Turns the node tree into a Quiz, failing at the first problem with the line of the offending node."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path is not None else None

    def fail(self, node: yaml.Node, problem: str) -> NoReturn:
        raise QuizError(self.path, node.start_mark.line + 1, problem)

    # -- typed accessors --------------------------------------------------------------------------

    def mapping(
        self, node: yaml.Node, what: str, allowed: set[str], required: set[str]
    ) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping of key: value")
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key not in allowed:
                self.fail(key_node, f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")
            if key in result:
                self.fail(key_node, f"key {key!r} appears twice in {what}")
            result[key] = value_node
        missing = sorted(required - result.keys())
        if missing:
            self.fail(node, f"{what} is missing {', '.join(repr(m) for m in missing)}")
        return result

    def sequence(self, node: yaml.Node, what: str, *, min_items: int = 1) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what} must be a list (lines starting with '- ')")
        if len(node.value) < min_items:
            self.fail(node, f"{what} needs at least {min_items} item{'s' if min_items > 1 else ''}")
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str:
        """Any non-empty scalar, as written: ``text: yes`` means the word yes, not True."""
        if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG or not node.value.strip():
            self.fail(node, f"{what} must be non-empty text")
        return node.value

    def ident(self, node: yaml.Node, what: str) -> str:
        value = self.text(node, what)
        if not ID_PATTERN.fullmatch(value):
            self.fail(node, f"{what} {value!r} must be 1-64 letters, digits, '_', '.' or '-'")
        return value

    def boolean(self, node: yaml.Node, what: str) -> bool:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL_TAG:
            self.fail(node, f"{what} must be true or false")
        return node.value.lower() in ("true", "yes", "on")

    def number(self, node: yaml.Node, what: str) -> Fraction:
        """Numbers are read from the text as written, with the learners' parser, so ``0.1`` stays exact."""
        try:
            return parse_number(self.text(node, what))
        except ValueError as error:
            self.fail(node, f"{what}: {error}")

    # -- the schema -------------------------------------------------------------------------------

    def quiz(self, root: yaml.Node) -> Quiz:
        top = self.mapping(root, "the quiz", _QUIZ_KEYS, {"id", "title", "mode", "questions"})
        quiz_id = self.ident(top["id"], "quiz id")
        title = self.text(top["title"], "title")
        mode = self.text(top["mode"], "mode")
        if mode not in MODES:
            self.fail(top["mode"], f"mode {mode!r} is not one of {', '.join(MODES)}")
        key_included = self.boolean(top["key_included"], "key_included") if "key_included" in top else True
        if mode == "practice" and not key_included:
            self.fail(
                top["key_included"], "a practice quiz gives feedback at once, so it must include its key"
            )
        shuffle = self.boolean(top["shuffle"], "shuffle") if "shuffle" in top else False
        first_line: dict[str, int] = {}
        questions = []
        for node in self.sequence(top["questions"], "questions"):
            question = self.question(node, shuffle, key_included)
            if question.id in first_line:
                self.fail(
                    node,
                    f"duplicate question id {question.id!r} (first used on line {first_line[question.id]})",
                )
            first_line[question.id] = question.line
            questions.append(question)
        return Quiz(
            id=quiz_id,
            title=title,
            mode=mode,  # type: ignore[arg-type]  # checked against MODES above
            questions=tuple(questions),
            description=self.text(top["description"], "description") if "description" in top else None,
            key_included=key_included,
            path=self.path,
        )

    def question(self, node: yaml.Node, default_shuffle: bool, key_included: bool) -> Question:
        # Read id and type first: every later message names the question, and the allowed keys depend on type.
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, "a question must be a mapping of key: value")
        by_key = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        if "id" not in by_key:
            self.fail(node, "a question is missing 'id'")
        qid = self.ident(by_key["id"], "question id")
        if "type" not in by_key:
            self.fail(node, f"question {qid!r} is missing 'type' (use {', '.join(QUESTION_TYPES)})")
        qtype = self.text(by_key["type"], f"type of question {qid!r}")
        if qtype not in QUESTION_TYPES:
            self.fail(
                by_key["type"],
                f"question {qid!r} has unknown type {qtype!r} (use {', '.join(QUESTION_TYPES)})",
            )
        what = f"question {qid!r}"
        fields = self.mapping(node, what, _COMMON_KEYS | _TYPE_KEYS[qtype], {"id", "type", "prompt"})
        leaked = sorted(_KEY_FIELDS & fields.keys()) if not key_included else []
        if leaked:
            self.fail(fields[leaked[0]], f"{what} has {leaked[0]!r} but this file says key_included: false")
        points = self.number(fields["points"], f"points of {what}") if "points" in fields else Fraction(1)
        if not 0 < points <= 1000:
            self.fail(fields["points"], f"points of {what} must be above 0 and at most 1000")
        common = {
            "id": qid,
            "type": qtype,
            "prompt": self.text(fields["prompt"], f"prompt of {what}"),
            "points": float(points),
            "line": node.start_mark.line + 1,
            "hint": self.text(fields["hint"], f"hint of {what}") if "hint" in fields else None,
            "explanation": self.text(fields["explanation"], f"explanation of {what}")
            if "explanation" in fields
            else None,
        }
        if qtype in ("single", "multi"):
            return self.choice_question(node, fields, common, default_shuffle, key_included)
        if qtype == "numeric":
            return self.numeric_question(node, fields, common, key_included)
        return self.text_question(node, fields, common, key_included)

    def choice_question(
        self, node: yaml.Node, fields: dict[str, yaml.Node], common: dict, shuffle: bool, key_included: bool
    ) -> Question:
        what = f"question {common['id']!r}"
        if "choices" not in fields:
            self.fail(node, f"{what} is missing 'choices'")
        choices: list[Choice] = []
        first_line: dict[str, int] = {}
        for choice_node in self.sequence(fields["choices"], f"choices of {what}", min_items=2):
            c = self.mapping(choice_node, f"a choice of {what}", _CHOICE_KEYS, {"id", "text"})
            leaked = sorted(_KEY_FIELDS & c.keys()) if not key_included else []
            if leaked:
                self.fail(
                    c[leaked[0]],
                    f"a choice of {what} has {leaked[0]!r} but this file says key_included: false",
                )
            choice = Choice(
                id=self.ident(c["id"], f"choice id in {what}"),
                text=self.text(c["text"], f"choice text in {what}"),
                correct=(self.boolean(c["correct"], "correct") if "correct" in c else False)
                if key_included
                else None,
                feedback=self.text(c["feedback"], "feedback") if "feedback" in c else None,
            )
            if choice.id in first_line:  # a dict, not a scan of the list: 12,000 choices stay fast
                first = first_line[choice.id]
                self.fail(c["id"], f"duplicate choice id {choice.id!r} in {what} (first on line {first})")
            first_line[choice.id] = c["id"].start_mark.line + 1
            choices.append(choice)
        n_correct = sum(1 for c in choices if c.correct)
        if key_included and n_correct == 0:
            self.fail(fields["choices"], f"{what} has no correct choice (mark one with 'correct: true')")
        if key_included and common["type"] == "single" and n_correct > 1:
            self.fail(
                fields["choices"],
                f"{what} is type single but has {n_correct} correct choices (use type: multi for several)",
            )
        return Question(
            **common,
            choices=tuple(choices),
            shuffle=self.boolean(fields["shuffle"], "shuffle") if "shuffle" in fields else shuffle,
            partial_credit=self.boolean(fields["partial_credit"], "partial_credit")
            if "partial_credit" in fields
            else True,
        )

    def numeric_question(
        self, node: yaml.Node, fields: dict[str, yaml.Node], common: dict, key_included: bool
    ) -> Question:
        what = f"question {common['id']!r}"
        unit = self.text(fields["unit"], f"unit of {what}") if "unit" in fields else None
        if not key_included:
            return Question(**common, unit=unit)
        if "answer" not in fields:
            self.fail(node, f"{what} is missing 'answer'")
        answer = self.number(fields["answer"], f"answer of {what}")
        tolerance = (
            self.tolerance(fields["tolerance"], what, answer) if "tolerance" in fields else Tolerance()
        )
        mistakes = []
        for value, feedback in self.mistake_nodes(fields, what):
            wrong = self.number(value, f"a wrong answer of {what}")
            if tolerance.accepts(wrong, answer):
                self.fail(value, f"wrong answer {value.value!r} of {what} would be accepted as correct")
            mistakes.append(KnownMistake(value.value, feedback))
        return Question(
            **common, answer=fields["answer"].value, tolerance=tolerance, mistakes=tuple(mistakes), unit=unit
        )

    def tolerance(self, node: yaml.Node, what: str, answer: Fraction) -> Tolerance:
        t = self.mapping(node, f"tolerance of {what}", {"absolute", "relative"}, set())
        if len(t) != 1:
            self.fail(node, f"tolerance of {what} needs exactly one of 'absolute' or 'relative'")
        kind, value_node = next(iter(t.items()))
        amount = self.number(value_node, f"{kind} tolerance of {what}")
        if amount < 0:
            self.fail(value_node, f"{kind} tolerance of {what} cannot be negative")
        if kind == "relative" and not amount < 1:
            self.fail(
                value_node, f"relative tolerance of {what} is a fraction (0.01 = 1%), so it must be below 1"
            )
        if kind == "relative" and answer == 0:
            self.fail(
                value_node, f"relative tolerance around an answer of 0 accepts only 0; use absolute in {what}"
            )
        return Tolerance(kind, amount)  # type: ignore[arg-type]  # kind is one of the two allowed keys

    def mistake_nodes(self, fields: dict[str, yaml.Node], what: str) -> list[tuple[yaml.ScalarNode, str]]:
        """``wrong_answers: [{value: ..., feedback: ...}]``: expected mistakes with their own feedback."""
        if "wrong_answers" not in fields:
            return []
        pairs = []
        for item in self.sequence(fields["wrong_answers"], f"wrong_answers of {what}"):
            m = self.mapping(item, f"a wrong answer of {what}", {"value", "feedback"}, {"value", "feedback"})
            pairs.append((m["value"], self.text(m["feedback"], f"feedback of a wrong answer of {what}")))
        return pairs

    def text_question(
        self, node: yaml.Node, fields: dict[str, yaml.Node], common: dict, key_included: bool
    ) -> Question:
        what = f"question {common['id']!r}"
        if not key_included:
            return Question(**common)
        if "answer" not in fields:
            self.fail(node, f"{what} is missing 'answer'")
        answer = self.text(fields["answer"], f"answer of {what}")
        accept = [
            self.text(n, f"an accepted answer of {what}")
            for n in (self.sequence(fields["accept"], f"accept of {what}") if "accept" in fields else [])
        ]
        accepted = {normalize_text(a) for a in (answer, *accept)}
        if "" in accepted:
            self.fail(fields["answer"], f"an accepted answer of {what} is only punctuation or spaces")
        mistakes = []
        for value, feedback in self.mistake_nodes(fields, what):
            text = self.text(value, f"a wrong answer of {what}")
            if normalize_text(text) in accepted:
                self.fail(value, f"wrong answer {text!r} of {what} is also an accepted answer")
            mistakes.append(KnownMistake(text, feedback))
        return Question(**common, answer=answer, accept=tuple(accept), mistakes=tuple(mistakes))
