"""Fixtures for the quiz engine tests (helpers live in quiz_helpers.py)."""

from __future__ import annotations

import pytest
from quiz_helpers import SAMPLE

from course_lib.quiz import Quiz, load_quiz


@pytest.fixture(autouse=True)
def no_hub_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose the student themselves; a JUPYTERHUB_USER in the environment would override them."""
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)


@pytest.fixture
def sample() -> Quiz:
    return load_quiz(SAMPLE)
