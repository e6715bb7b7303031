"""The token estimator counts in one regex pass exactly what the per-piece rule of course_lib.tokens says."""

from __future__ import annotations

import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.tokens import estimate_tokens

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
