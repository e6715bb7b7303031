"""The autograded tests of the nbgrader release: each exercise's cases with their expected values inline.

Introduced in docs/CLASSROOM.md (nbgrader); the exercises themselves are in notebooks 01 to 03 and 05 to 07.

:mod:`course_lib.classroom.checks` judges an answer with course_lib's own helpers, so a graded notebook
that used it would lean on library code the learner can import too. These tests are plain asserts on
literal inputs and expected results: the released test cells import nothing from ``course_lib``, and
the grade cannot change if the library is swapped, broken or absent.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GradedTest", "GRADED_TESTS", "HIDDEN_BEGIN", "HIDDEN_END"]

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"


@dataclass(frozen=True)
class GradedTest:
    """One exercise's test cell: fixtures and visible asserts the learner sees, hidden asserts they do not."""

    fixtures: str
    visible: tuple[str, ...]
    hidden: tuple[str, ...]

    @property
    def points(self) -> int:
        """One point per case; nbgrader gives a test cell all its points or none."""
        return len(self.visible) + len(self.hidden)

    def source(self, function: str) -> str:
        """The cell text for the learner's function ``function`` (the name the notebook defines)."""
        guard = (f'assert getattr({function}, "__module__", None) == "__main__", '
                 f'"write {function} in this notebook: an imported function does not count"')
        lines = [f"# Autograded: {function} ({self.points} points)", self.fixtures.strip(), guard,
                 *self.visible, HIDDEN_BEGIN, *self.hidden, HIDDEN_END]
        return "\n".join(lines).replace("FN", function)


_CHAT = '''
def msg(role, text):
    return {"role": role, "content": text}


def conversation(turns):
    return [msg(role, f"{word} {t}") for t in range(turns) for role, word in (("user", "question"),
                                                                               ("assistant", "answer"))]
'''

_TOOLS = _CHAT + '''

def tool_pair(n):
    use = {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{n}", "name": "grep", "input": {"q": n}}]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{n}", "content": "hit " * 40}]}
    return [use, result]


TOOLS = [msg("user", "find the bug"), *tool_pair(1), msg("assistant", "Found it in db.py."),
         msg("user", "and the test?"), *tool_pair(2), msg("assistant", "test_db.py fails."), msg("user", "fix it")]
'''

_FILLER = _CHAT + '''
SUPPORT = [msg("user", "hi!"), msg("assistant", "Hello! How can I help?"),
           msg("user", "My account is ACC-88412."), msg("assistant", "Thanks, found your account."),
           msg("user", "thanks!"), msg("assistant", "You're welcome!"), msg("user", "Cancel order #889 please.")]
REFUND = [msg("user", "hi!"), msg("assistant", "Hello! How can I help?"),
          msg("user", "Is my refund done?"), msg("assistant", "Checking."),
          msg("user", "thanks!"), msg("assistant", "You're welcome! Refund REF-7781 is approved."),
          msg("user", "Great, when will it arrive?")]
'''

_PATHS = '''
from pathlib import Path

BASE = Path("/srv/conversations")


def refused(session_id):
    try:
        FN(BASE, session_id)
    except ValueError:
        return True
    return False
'''

GRADED_TESTS: dict[str, GradedTest] = {
    "check_build_request": GradedTest(_CHAT, (
        'HISTORY = conversation(2)',
        'assert FN(HISTORY, "and now?") == conversation(2) + [msg("user", "and now?")], '
        '"replay the whole history, then add the new user message"',
    ), (
        'assert HISTORY == conversation(2), "build a new list; do not change the history passed in"',
        'assert FN([], "hello") == [msg("user", "hello")], "the first turn is one user message"',
    )),
    "check_sliding_window": GradedTest(_TOOLS + '\nPLAIN = conversation(4) + [msg("user", "latest")]\n', (
        'assert FN(PLAIN, 4) == PLAIN[6:], "window 4 over 9 messages: the newest 3, starting at a user message"',
        'assert FN(PLAIN, 50) == PLAIN, "a window larger than the history keeps it all"',
    ), (
        'assert FN(PLAIN, 3) == PLAIN[6:]',
        'assert FN(TOOLS, 4) == TOOLS[8:], "never start at a tool_result"',
        'assert FN(TOOLS, 6) == TOOLS[4:]',
    )),
    "check_history_room": GradedTest("", (
        'assert FN(200_000, 1_500, 800, 4_096) == 193_604, "window - system - current message - max_tokens"',
    ), (
        'assert FN(8_000, 2_000, 1_000, 4_096) == 904',
        'assert FN(4_096, 1_000, 500, 4_096) == -1_500, "negative means the request cannot fit"',
    )),
    "check_token_window": GradedTest(_TOOLS + '\nPLAIN = conversation(6) + [msg("user", "latest")]\n', (
        'assert FN(PLAIN, 1_000) == PLAIN, "everything fits a roomy budget"',
    ), (
        'assert FN(PLAIN, 40) == PLAIN[8:]',
        'assert FN(TOOLS, 120) == TOOLS[4:]',
    )),
    "check_drop_filler": GradedTest(_FILLER, (
        'assert FN(SUPPORT) == SUPPORT[2:4] + SUPPORT[6:], "drop the greeting and thanks exchanges only"',
    ), (
        'assert FN(REFUND) == REFUND[2:], "keep a thank-you exchange whose reply carries a fact"',
    )),
    "check_safe_session_path": GradedTest(_PATHS, (
        'assert FN(BASE, "alice-2026") == BASE / "alice-2026.json"',
        'assert refused("../etc/passwd"), "refuse ids that climb out of the directory"',
    ), (
        *(f'assert refused({bad!r})' for bad in ("/etc/passwd", "a/b", "", "x\x00y", "..", "a" * 300)),
    )),
}
