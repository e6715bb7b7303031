"""The token estimator counts in one regex pass exactly what the per-piece rule of course_lib.tokens says."""

from __future__ import annotations

import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.tokens import MANY_MIN, estimate_tokens, estimate_tokens_many

_RULE_PIECES = re.compile(r"[A-Za-z]+|[0-9]+|[^\sA-Za-z0-9]")


def rule(text: str) -> int:
    """The module docstring's rule, piece by piece: a word one token per 6 letters, a number one per 3 digits."""
    total = 0
    for piece in _RULE_PIECES.findall(text):
        if piece[0].isascii() and piece[0].isalpha():
            total += math.ceil(len(piece) / 6)
        elif piece[0] in "0123456789":
            total += math.ceil(len(piece) / 3)
        else:
            total += 1
    return total


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZbcdefgh0123456789 \n.,-$'\u00e9\u0660\u00b2\u2019"), max_size=80))
def test_estimate_matches_the_rule_piece_by_piece(text: str) -> None:
    assert estimate_tokens(text) == rule(text)


def test_long_runs_are_cut_at_six_letters_and_three_digits() -> None:
    assert estimate_tokens("a" * 6) == 1
    assert estimate_tokens("a" * 7) == 2
    assert estimate_tokens("abcdefghijklm1234567") == 3 + 3
    assert estimate_tokens("\u0660\u0661") == 2  # non-ASCII digits are marks of their own, one token each


_ASCII = st.characters(min_codepoint=0, max_codepoint=127)  # letters, digits, marks, all whitespace and controls
_RUNS = st.sampled_from(["a" * 13, "Z" * 6, "7" * 10, "123", "\x1c\x1f", " \t\n\r\x0b\x0c", "--", "e\u0301"])
_TEXT = st.one_of(
    st.text(_ASCII, max_size=60),
    st.lists(st.one_of(_RUNS, st.text(_ASCII, max_size=3)), max_size=8).map("".join),  # long runs, joined
    st.text(max_size=20),  # any Unicode: counted by the regex
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(_TEXT, max_size=MANY_MIN), st.lists(_TEXT, min_size=MANY_MIN, max_size=3 * MANY_MIN)))
def test_many_counts_each_text_as_the_regex_does(texts: list[str]) -> None:
    assert estimate_tokens_many(texts) == [estimate_tokens(t) for t in texts]


def test_many_edge_cases() -> None:
    many = MANY_MIN + 1  # enough texts that numpy counts them
    assert estimate_tokens_many([]) == []
    assert estimate_tokens_many([""]) == [0]
    assert estimate_tokens_many(["   "]) == [0]
    assert estimate_tokens_many([""] * many) == [0] * many
    assert estimate_tokens_many([" \t\x1c\x1f\n"] * many) == [0] * many
    # The separator must not merge runs: "abc" then "def" is two texts of one token, not one of "abcdef".
    assert estimate_tokens_many(["abc", "def"] * many) == [1, 1] * many
    assert estimate_tokens_many(["12", "3"] * many) == [1, 1] * many


def test_many_keeps_order_across_ascii_and_other_text() -> None:
    texts = ["caf\u00e9 au lait", "hello, world", "\u0660\u0661", "", "abcdefg 1234", "\u2019quoted\u2019"] * MANY_MIN
    assert estimate_tokens_many(texts) == [estimate_tokens(t) for t in texts]
    assert estimate_tokens_many(texts)[:6] == [4, 3, 2, 0, 4, 3]


def test_many_spans_several_chunks() -> None:
    texts = [f"message {i}: order QX-{i} costs ${i % 97}.{i % 10}0" for i in range(1_300)]
    assert estimate_tokens_many(texts) == [estimate_tokens(t) for t in texts]
