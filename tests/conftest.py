"""Unit tests never touch the network or the learner's key: each test starts offline."""

import pytest


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("COURSE_CLIENT_MODE", raising=False)
    monkeypatch.delenv("COURSE_RECORD_VIA", raising=False)
