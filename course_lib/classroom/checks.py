"""Exercise checks: run the learner's function on fixed inputs and say what is wrong, with a hint.

Introduced in notebook 01_stateless_reality; most exercises live in 07_hands_on_lab.

Each ``check_*`` function takes the learner's function, runs it on small fixed cases, and returns a
:class:`CheckResult` that prints as a short report: which case failed, what came back, what was
expected, and a hint. It never raises for a wrong answer (a learner's exception is reported as a
failure too), so a notebook cell that runs a check always finishes. Given an exercise stub that is
not written yet (it raises ``NotImplementedError``), a check says "not done yet", what to write and a
hint. Stubs carry :func:`exercise`, so the cells after an unwritten exercise still run: they borrow
the reference solution and say so.
"""

from __future__ import annotations

import functools
import inspect
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..messages import exchange_starts, validate_messages
from ..tokens import estimate_message_tokens
from .reference import REFERENCES

__all__ = ["CheckResult", "exercise", "own", "run_cases", "check_build_request", "check_sliding_window",
           "check_history_room", "check_token_window", "check_drop_filler", "check_safe_session_path"]


@dataclass
class CheckResult:
    """The outcome of one exercise check."""

    exercise: str
    passed: bool
    cases_run: int
    problems: list[str] = field(default_factory=list)
    hint: str = ""
    task: str = ""
    not_started: bool = False

    def __str__(self) -> str:
        if self.not_started:
            lines = [f"⏳ {self.exercise}: not done yet."]
            lines += [f"   Write: {self.task}"] if self.task else []
            return "\n".join(lines + [f"   Hint: {self.hint}"])
        if self.passed:
            return f"✅ {self.exercise}: all {self.cases_run} cases pass."
        lines = [f"❌ {self.exercise}: {len(self.problems)} problem(s)"]
        lines += [f"   - {p}" for p in self.problems[:5]]
        if self.hint:
            lines.append(f"   Hint: {self.hint}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __bool__(self) -> bool:
        return self.passed


Case = tuple[str, tuple[Any, ...], Callable[[Any], str | None]]
"""(description, arguments, judge): the judge returns None when the result is right, else a sentence."""


def run_cases(exercise: str, fn: Callable[..., Any], cases: Sequence[Case], hint: str,
              task: str | None = None) -> CheckResult:
    """Judge ``fn`` on each case; an unwritten stub gets "not done yet", its task (default: its docstring), a hint."""
    fn = own(fn)  # check the learner's own code, never the reference a stub borrows
    problems, unwritten = [], 0
    for description, args, judge in cases:
        try:
            verdict = judge(fn(*args))
        except NotImplementedError:
            unwritten += 1
            verdict = "not written yet (it raises NotImplementedError)"
        except Exception as error:  # the learner's bug is the report, not a crash
            where = traceback.extract_tb(error.__traceback__)[-1]
            verdict = f"raised {type(error).__name__}: {error} (line {where.lineno})"
        if verdict:
            problems.append(f"{description}: {verdict}")
    task = (task or inspect.getdoc(fn) or "").split("\n\n")[0].replace("\n", " ")
    return CheckResult(exercise, not problems, len(cases), problems, "" if not problems else hint, task,
                       not_started=unwritten == len(cases))


def own(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The learner's own function, never the reference an unwritten stub borrows: pass this to a check's cases.

    Introduced in notebook 07_hands_on_lab.
    """
    return inspect.unwrap(fn)


def exercise(stub: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an exercise stub: until it is written, later cells borrow the reference solution and say so.

    Introduced in notebook 01_stateless_reality.
    """
    reference = REFERENCES.get(stub.__name__)

    @functools.wraps(stub)
    def attempt(*args: Any, **kwargs: Any) -> Any:
        try:
            return stub(*args, **kwargs)
        except NotImplementedError:
            if reference is None:
                raise
            if stub.__name__ not in _BORROWED:  # say it once, not on every call
                _BORROWED.add(stub.__name__)
                print(f"⏳ {stub.__name__} is not written yet: the cells below borrow the reference solution.")
            return reference(*args, **kwargs)
    return attempt


_BORROWED: set[str] = set()


def _msg(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "content": text}


def _tool_pair(n: int, size: int = 5) -> list[dict[str, Any]]:
    use = {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{n}", "name": "grep", "input": {"q": n}}]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{n}", "content": "hit " * size}]}
    return [use, result]


def _conversation(turns: int) -> list[dict[str, Any]]:
    history: list[dict[str, Any]] = []
    for t in range(turns):
        history += [_msg("user", f"question {t}"), _msg("assistant", f"answer {t}")]
    return history


TOOL_HISTORY = [_msg("user", "find the bug"), *_tool_pair(1, 40), _msg("assistant", "Found it in db.py."),
                _msg("user", "and the test?"), *_tool_pair(2, 40), _msg("assistant", "test_db.py fails."),
                _msg("user", "fix it")]


def _equals(expected: Any) -> Callable[[Any], str | None]:
    return lambda got: None if got == expected else f"returned {got!r}, expected {expected!r}"


def check_build_request(fn: Callable[[list[dict], str], list[dict]]) -> CheckResult:
    """Exercise (01): ``fn(history, new_text)`` returns the messages to send for the next turn."""
    history = _conversation(2)
    def judge(got: Any) -> str | None:
        if history != _conversation(2):
            return "it changed the history passed in; build a new list instead"
        if got != _conversation(2) + [_msg("user", "and now?")]:
            return "the request must replay the whole history, then add the new user message at the end"
        return None
    return run_cases("build_request", fn, [
        ("two earlier turns", (history, "and now?"), judge),
        ("first turn", ([], "hello"), _equals([_msg("user", "hello")])),
    ], "The API keeps nothing between calls: every request is history + [{'role': 'user', 'content': text}].")


def _window_judge(history: list[dict], fits: Callable[[list[dict]], bool], limit: str) -> Callable[[Any], str | None]:
    """Judge a window: a valid suffix of ``history`` that ``fits``, and no longer than needed to be valid."""
    def judge(got: Any) -> str | None:
        if not isinstance(got, list) or not got:
            return f"returned {type(got).__name__} {got!r}; expected a non-empty list of messages"
        if got != history[len(history) - len(got):]:
            return "the result must be the newest messages, in order, unchanged (a suffix of the history)"
        if problems := validate_messages(got):
            return f"the window is not a valid history: {problems[0]}"
        if not fits(got) and len(got) != _last_exchange_len(history):
            return f"kept {len(got)} messages, more than {limit} allows"
        longer = [history[len(history) - k:] for k in range(len(got) + 1, len(history) + 1)]
        if any(fits(w) and not validate_messages(w) for w in longer):
            return f"a longer valid window still fits {limit}; keep as much as it allows"
        return None
    return judge


def _count_judge(history: list[dict], n: int) -> Callable[[Any], str | None]:
    return _window_judge(history, lambda w: len(w) <= n, f"a window of {n}")


def _token_judge(history: list[dict], budget: int) -> Callable[[Any], str | None]:
    return _window_judge(history, lambda w: sum(estimate_message_tokens(m) for m in w) <= budget,
                         f"a budget of {budget} tokens")


def _last_exchange_len(history: list[dict]) -> int:
    return len(history) - exchange_starts(history)[-1]


def check_sliding_window(fn: Callable[[list[dict], int], list[dict]]) -> CheckResult:
    """Exercise (02/07): ``fn(messages, window_size)`` keeps the newest messages, validly."""
    plain = _conversation(4) + [_msg("user", "latest")]
    return run_cases("sliding_window", fn, [
        ("9 plain messages, window 4", (plain, 4), _count_judge(plain, 4)),
        ("9 plain messages, window 3", (plain, 3), _count_judge(plain, 3)),
        ("window larger than history", (plain, 50), _equals(plain)),
        ("history with tool calls, window 4", (TOOL_HISTORY, 4), _count_judge(TOOL_HISTORY, 4)),
        ("history with tool calls, window 6", (TOOL_HISTORY, 6), _count_judge(TOOL_HISTORY, 6)),
    ], "Slice the newest N, then move the start forward until it is a user message that is not a tool_result "
       "(course_lib.messages.exchange_starts lists the safe cut points).")


def check_history_room(fn: Callable[[int, int, int, int], int]) -> CheckResult:
    """Exercise (03): ``fn(context_window, system, current_message, max_tokens)`` -> tokens left for history."""
    return run_cases("history_room", fn, [
        ("the module's numbers, before history", (200_000, 1_500, 800, 4_096), _equals(193_604)),
        ("a tiny window", (8_000, 2_000, 1_000, 4_096), _equals(904)),
        ("over budget", (4_096, 1_000, 500, 4_096), _equals(-1_500)),
    ], "available_for_history = context_window - system - current_message - max_tokens; max_tokens is reserved "
       "for the reply even if it is never used, and a negative result means the request cannot fit.")


def check_token_window(fn: Callable[[list[dict], int], list[dict]]) -> CheckResult:
    """Exercise (03): ``fn(messages, budget)`` keeps the newest whole exchanges that fit ``budget`` tokens."""
    plain = _conversation(6) + [_msg("user", "latest")]
    return run_cases("token_window", fn, [
        ("short chat, roomy budget", (plain, 1_000), _equals(plain)),
        ("short chat, 40 tokens", (plain, 40), _token_judge(plain, 40)),
        ("big tool results, 120 tokens", (TOOL_HISTORY, 120), _token_judge(TOOL_HISTORY, 120)),
    ], "Walk from the newest message backwards adding estimate_message_tokens(m); stop before the budget is "
       "exceeded, then move the cut forward to an exchange start.")


def check_drop_filler(fn: Callable[[list[dict]], list[dict]]) -> CheckResult:
    """Exercise (05/07): ``fn(messages)`` drops greeting/thanks exchanges, keeps facts, stays valid."""
    history = [_msg("user", "hi!"), _msg("assistant", "Hello! How can I help?"),
               _msg("user", "My account is ACC-88412."), _msg("assistant", "Thanks, found your account."),
               _msg("user", "thanks!"), _msg("assistant", "You're welcome!"),
               _msg("user", "Cancel order #889 please.")]
    def judge_for(facts: list[str], filler: list[str]) -> Callable[[Any], str | None]:
        def judge(got: Any) -> str | None:
            if not isinstance(got, list) or validate_messages(got):
                return "the result is not a valid history (drop whole user+assistant exchanges)"
            texts = [m["content"] for m in got]
            lost = [f for f in facts if f not in texts]
            if lost:
                return f"it dropped a message with a fact: {lost[0]!r}"
            if any(f in texts for f in filler):
                return "greeting/thanks exchanges that carry no fact are still there"
            return None
        return judge
    reply_with_fact = [_msg("user", "hi!"), _msg("assistant", "Hello! How can I help?"),
                       _msg("user", "Is my refund done?"), _msg("assistant", "Checking."),
                       _msg("user", "thanks!"), _msg("assistant", "You're welcome! Refund REF-7781 is approved."),
                       _msg("user", "Great, when will it arrive?")]
    return run_cases("drop_filler", fn, [
        ("support chat", (history,), judge_for(["My account is ACC-88412.", "Cancel order #889 please."],
                                               ["hi!", "thanks!"])),
        ("a thank-you whose reply carries a fact", (reply_with_fact,),
         judge_for(["You're welcome! Refund REF-7781 is approved.", "Great, when will it arrive?"], ["hi!"])),
    ], "Group messages into exchanges (a user message and the reply after it) and drop an exchange only if "
       "every message in it is filler; never drop the last exchange.")


def check_safe_session_path(fn: Callable[[Path, str], Path]) -> CheckResult:
    """Exercise (06): ``fn(directory, session_id)`` returns a path inside ``directory`` or raises ValueError."""
    base = Path("/srv/conversations")
    def refused(got: Any) -> str | None:
        return None if got is _REFUSED else f"returned {got!r}; this id must be refused with ValueError"
    def judge_bad(session_id: str) -> Case:
        return (f"id {session_id!r}", (base, session_id), refused)
    cases: list[Case] = [("id 'alice-2026'", (base, "alice-2026"), _equals(base / "alice-2026.json"))]
    cases += [judge_bad(s) for s in ("../etc/passwd", "/etc/passwd", "a/b", "", "x\x00y", "..", "a" * 300)]
    return run_cases("safe_session_path", _refusing(own(fn)), cases,
                     "Allow-list the characters (letters, digits, '-', '_', '.') and a length, refuse '..', then "
                     "check the resolved path is inside the directory.")


def _refusing(fn: Callable[[Path, str], Path]) -> Callable[[Path, str], Any]:
    """Turn a ValueError for a bad id into a 'refused' marker the judges understand."""
    def wrapped(directory: Path, session_id: str) -> Any:
        try:
            return fn(directory, session_id)
        except ValueError:
            return _REFUSED
    return wrapped


class _Refused:
    def __repr__(self) -> str:
        return "<refused>"


_REFUSED = _Refused()
