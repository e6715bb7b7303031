"""Messages, content blocks, and the rules a history must keep.

Introduced in notebook 01_stateless_reality; the rules are the subject of 05_pruning.

The kit's rule for every history it sends: it starts with a user message, roles strictly
alternate, no message is empty, and every assistant ``tool_use`` is answered by a ``tool_result``
in the very next (user) message. Why keep a rule stricter than the API? The API today combines
consecutive same-role turns instead of rejecting them, and a leading assistant turn is not
reliably rejected either; but a history that breaks alternation after pruning is almost always a
bug (half an exchange was dropped), and the model was trained on alternating turns. Two rules the
API enforces with a 400: the ``tool_use`` / ``tool_result`` pairing, and, for current models, that
a request ends with a user turn (assistant prefill is gone). A stored transcript may end with the
assistant's reply, so the second is checked only for requests (``request=True``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["PREFILL_REJECTED", "InvalidHistoryError", "Message", "Problem", "blocks", "ensure_valid", "is_empty",
           "reply_text", "tool_result_ids", "tool_use_ids", "validate_messages"]

Message = dict[str, Any]
"""A message as the Messages API takes it: ``{"role": ..., "content": str | list[block]}``."""

PREFILL_REJECTED = ("This model does not support assistant message prefill. The conversation must end with a "
                    "user message.")
"""The API's own words (HTTP 400) for a request whose last message is an assistant turn."""


class InvalidHistoryError(ValueError):
    """A history broke the kit's rules; ``problems`` lists every one, not only the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the message history has {len(self.problems)} problem(s):\n{lines}")


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (message index), which rule (code), and a sentence for people."""

    index: int
    code: str
    detail: str

    def __str__(self) -> str:
        return f"messages[{self.index}] {self.code}: {self.detail}"


def blocks(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A message's content as a list of blocks (a string is one text block)."""
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content or [])


def reply_text(message: Any) -> str:
    """The text of a reply, joined from its ``text`` blocks by type: never ``content[0]``.

    Introduced in notebook 01_stateless_reality. A reply may open with a thinking block or hold
    ``tool_use`` blocks, so the first block is not always the text. Takes an SDK ``Message`` (blocks
    are objects) or a message dict (blocks are dicts, or a plain string).
    """
    content = message.get("content") if isinstance(message, Mapping) else message.content
    if isinstance(content, str):
        return content
    texts = [_field(block, "text") for block in content or () if _field(block, "type") == "text"]
    return "\n".join(str(text or "") for text in texts)


def _field(block: Any, name: str) -> Any:
    """A block's field, whether the block is a dict (stored) or an SDK object (fresh from the API)."""
    return block.get(name) if isinstance(block, Mapping) else getattr(block, name, None)


def tool_use_ids(message: Mapping[str, Any]) -> list[str]:
    return [b["id"] for b in blocks(message) if b.get("type") == "tool_use"]


def tool_result_ids(message: Mapping[str, Any]) -> list[str]:
    return [b["tool_use_id"] for b in blocks(message) if b.get("type") == "tool_result"]


def is_empty(message: Mapping[str, Any]) -> bool:
    """True when a message carries nothing: empty string, no blocks, or only blank text."""
    found = blocks(message)
    if not found:
        return True
    return all(b.get("type") == "text" and not str(b.get("text", "")).strip() for b in found)


def validate_messages(messages: Sequence[Mapping[str, Any]], *, request: bool = False) -> list[Problem]:
    """Every way ``messages`` breaks the kit's rules; an empty list means it is valid.

    Introduced in notebook 01_stateless_reality. With ``request=True`` the list is checked as the
    ``messages`` of a request, which must also end with a user turn: current models reject an
    assistant turn at the end (prefill) with a 400. A stored transcript normally ends with the
    assistant's reply, so that rule is checked only when asked.
    """
    if not messages:
        return [Problem(0, "empty_history", "there are no messages; a request needs at least one")]
    problems: list[Problem] = []
    for i, message in enumerate(messages):
        role = message.get("role")
        if role not in ("user", "assistant"):
            problems.append(Problem(i, "bad_role", f"role is {role!r}; it must be 'user' or 'assistant'"))
            continue
        if i == 0 and role != "user":
            problems.append(Problem(i, "leading_assistant", "the history must start with a user message"))
        if i > 0 and messages[i - 1].get("role") == role:
            problems.append(Problem(i, "same_role_run", f"two {role} messages in a row; roles must alternate"))
        if is_empty(message):
            problems.append(Problem(i, "empty_content", "the message has no content"))
        problems.extend(_pairing_problems(messages, i))
    if request and messages[-1].get("role") == "assistant":
        problems.append(Problem(len(messages) - 1, "ends_with_assistant", PREFILL_REJECTED))
    return problems


def _pairing_problems(messages: Sequence[Mapping[str, Any]], i: int) -> list[Problem]:
    """tool_use blocks must be answered in the next message; tool_results must answer the previous."""
    found: list[Problem] = []
    uses = tool_use_ids(messages[i])
    if uses:
        answered = set(tool_result_ids(messages[i + 1])) if i + 1 < len(messages) else set()
        missing = [u for u in uses if u not in answered]
        if missing and i + 1 < len(messages):
            found.append(Problem(i, "tool_use_unanswered",
                                 f"tool_use {', '.join(missing)} has no tool_result in the next message"))
    results = tool_result_ids(messages[i])
    if results:
        asked = set(tool_use_ids(messages[i - 1])) if i > 0 else set()
        orphans = [r for r in results if r not in asked]
        if orphans:
            found.append(Problem(i, "tool_result_orphan",
                                 f"tool_result for {', '.join(orphans)} has no tool_use in the previous message"))
    return found


def ensure_valid(messages: Sequence[Mapping[str, Any]], *, request: bool = False) -> None:
    """Raise :class:`InvalidHistoryError` listing every problem, or return quietly (see :func:`validate_messages`)."""
    problems = validate_messages(messages, request=request)
    if problems:
        raise InvalidHistoryError(problems)


_MOVED = {"exchange_starts": "exchanges", "starts_exchange": "exchanges", "strip_summary_label": "summaries"}


def __getattr__(name: str) -> Any:
    """Old import paths keep working: exchanges and summary labels now have modules of their own."""
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f".{_MOVED[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
