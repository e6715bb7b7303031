"""Keeping API keys out of everything the kit writes: saved conversations, cassettes, reports.

Introduced in notebook 06_production_manager. A saved conversation is exactly the kind of file
people commit and share, and learners do paste keys into chats. Redaction works on the data, not
on its serialized text: replacing a substring inside JSON text can cut an escape sequence in half
or, for a short secret, rewrite a field name, and corrupt the file. Walking the object and
rewriting only string values cannot.
"""

from __future__ import annotations

import os
import re
from typing import Any

__all__ = ["KEY_PATTERN", "REDACTED", "scrub_text", "scrub_value"]

KEY_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9_-]+")
"""The shape of an Anthropic API key (``sk-ant-api03-...``, ``sk-ant-admin01-...``)."""

REDACTED = "[redacted-key]"

MIN_SECRET_LENGTH = 16
"""The live key's value is replaced only if at least this long: a short value is not a real key,
and replacing every 'test' in a conversation would damage it for nothing."""


def scrub_text(text: str) -> str:
    """``text`` with every key-shaped substring, and the live key's value, replaced by ``[redacted-key]``.

    Introduced in notebook 06_production_manager.
    """
    text = KEY_PATTERN.sub(REDACTED, text)
    secret = os.environ.get("ANTHROPIC_API_KEY", "")
    return text.replace(secret, REDACTED) if len(secret) >= MIN_SECRET_LENGTH else text


def scrub_value(value: Any) -> Any:
    """A copy of JSON-like ``value`` with :func:`scrub_text` applied to every string value in it.

    Introduced in notebook 06_production_manager. Dict keys lose only key-shaped text; numbers,
    booleans and None pass through; tuples become lists, as JSON would make them anyway.
    """
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):  # field names only by key shape: a live key's value may equal a field name
        return {KEY_PATTERN.sub(REDACTED, k) if isinstance(k, str) else k: scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(item) for item in value]
    return value
