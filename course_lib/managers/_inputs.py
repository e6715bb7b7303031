"""Checks on what a learner passes to a manager: clear errors at the call, not a 400 later."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["is_number", "json_copy", "positive_int", "tool_list", "user_content"]


def positive_int(name: str, value: Any) -> int:
    """``value`` if it is a positive int; a ValueError that names ``name`` otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, not {value!r}")
    return value


def is_number(value: Any) -> bool:
    """True for a finite int or float (a bool is not a number here)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def json_copy(value: Any, name: str) -> Any:
    """A deep copy that is guaranteed to be JSON data, so saving can never fail later."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be JSON data (str, list, dict, numbers): {error}") from error


def tool_list(tools: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Tool definitions as JSON data, or ``None``: each must be a dict with a ``name``."""
    if tools is None:
        return None
    if isinstance(tools, str | bytes | Mapping) or not all(isinstance(t, Mapping) and t.get("name") for t in tools):
        raise ValueError("tools must be a list of tool definitions, each a dict with a 'name'")
    return json_copy(list(tools), "tools") or None


def user_content(content: Any) -> str | list[dict[str, Any]]:
    """Check what the caller sends: non-blank text, or a non-empty list of blocks with a ``type``.

    Block types are not checked against a fixed list: the API adds new ones, and it is the
    authority on them (an unknown type comes back as a 400, reported as a ConversationError).
    """
    if isinstance(content, str):
        if not content.strip():
            raise ValueError("send() needs some text; the message is empty")
        return content
    if not isinstance(content, Sequence) or isinstance(content, bytes) or not content:
        raise TypeError(f"send() takes a string or a non-empty list of content blocks, not {content!r:.60}")
    for i, block in enumerate(content):
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            raise TypeError(f"content block {i} must be a dict with a 'type', not {block!r:.60}")
    return json_copy(list(content), "content")
