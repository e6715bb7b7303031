"""Server-side context management (beta), emulated with the shapes the installed SDK defines.

Introduced in notebook 08_beyond_the_module. Sent through ``client.beta.messages.create(...,
betas=[...], context_management={"edits": [...]})``. Two edits are emulated:

* ``clear_tool_uses_20250919`` (beta ``context-management-2025-06-27``): once the input reaches its
  ``trigger`` (default 100,000 input tokens), the oldest tool results are replaced by a placeholder,
  keeping the last ``keep`` tool uses (default 3) and any tool in ``exclude_tools``;
  ``clear_tool_inputs`` also empties their inputs; ``clear_at_least`` skips an edit that would clear
  fewer tokens. The response's ``context_management.applied_edits`` reports what was cleared.
* ``compact_20260112`` (beta ``compact-2026-01-12``): once the input reaches its ``trigger``
  (default 150,000 input tokens), everything before the last user turn is replaced by a summary
  written by :func:`course_lib.runtime.sim.summaries.summarize`. The reply starts with a
  ``compaction`` block; sent back in an assistant turn, it stands for every block before it.
  ``pause_after_compaction`` returns the block alone with ``stop_reason: "compaction"``. As the API
  does, the summarizing call's own tokens are not in the top-level usage but in ``usage.iterations``
  (a ``compaction`` entry, then the ``message`` entry), so its cost can be compared honestly.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...tokens import content_text, estimate_tokens
from .rules import RequestRejected, blocks_of, merge_same_roles, request_segments, request_tokens
from .summaries import summarize

__all__ = ["BETA_FOR_EDIT", "CLEARED_PLACEHOLDER", "ManagedContext", "expand_compaction", "manage_context"]

BETA_FOR_EDIT = {"clear_tool_uses_20250919": "context-management-2025-06-27", "compact_20260112": "compact-2026-01-12"}
CLEARED_PLACEHOLDER = "[tool result cleared by context management]"
DEFAULT_TRIGGER = {"clear_tool_uses_20250919": 100_000, "compact_20260112": 150_000}
DEFAULT_KEEP = 3


@dataclass
class ManagedContext:
    """The messages the model reads after the edits, and what the response reports about them."""

    messages: list[dict[str, Any]]
    original_input_tokens: int
    applied_edits: list[dict[str, Any]] = field(default_factory=list)
    compaction: dict[str, Any] | None = None
    compaction_usage: dict[str, Any] | None = None  # the summarizing call's own tokens, reported in usage.iterations
    pause_after_compaction: bool = False


def expand_compaction(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A compaction block sent back stands for everything before it: drop that, read its summary as context."""
    for i in range(len(messages) - 1, -1, -1):
        blocks = blocks_of(messages[i])
        marks = [j for j, b in enumerate(blocks) if b.get("type") == "compaction"]
        if not marks:
            continue
        summary = blocks[marks[-1]].get("content")
        rest = blocks[marks[-1] + 1:]
        head = [{"role": "user", "content": [{"type": "text", "text": summary}]}] if summary else []
        tail = [{"role": messages[i]["role"], "content": rest}] if rest else []
        return merge_same_roles(head + tail + messages[i + 1:])
    return messages


def edits_of(body: Mapping[str, Any], betas: set[str]) -> list[dict[str, Any]]:
    """The requested edits, checked: known types, each with its beta header."""
    config = body.get("context_management")
    if config is None:
        return []
    edits = config.get("edits") if isinstance(config, Mapping) else None
    if not isinstance(edits, list):
        raise RequestRejected("context_management.edits: Input should be a valid list")
    for i, edit in enumerate(edits):
        kind = edit.get("type") if isinstance(edit, Mapping) else None
        if kind not in BETA_FOR_EDIT:
            raise RequestRejected(f"context_management.edits.{i}.type: Input tag {kind!r} does not match any of the "
                                  f"expected tags: {', '.join(repr(k) for k in BETA_FOR_EDIT)}")
        if BETA_FOR_EDIT[kind] not in betas:
            raise RequestRejected(f"context_management.edits.{i}: {kind} requires the "
                                  f"`anthropic-beta: {BETA_FOR_EDIT[kind]}` header")
    return [dict(edit) for edit in edits]


def manage_context(body: Mapping[str, Any], messages: list[dict[str, Any]], betas: set[str]) -> ManagedContext:
    """Apply the request's context-management edits, in order, to the messages the model will read."""
    edits = edits_of(body, betas)
    messages = expand_compaction(messages)
    managed = ManagedContext(messages, tokens_of(body, messages))
    for edit in edits:
        if edit["type"] == "clear_tool_uses_20250919":
            clear_tool_uses(body, managed, edit)
        else:
            compact(body, managed, edit)
    return managed


def tokens_of(body: Mapping[str, Any], messages: list[dict[str, Any]]) -> int:
    return request_tokens(request_segments(body, messages))


def trigger_of(edit: Mapping[str, Any]) -> tuple[str, int]:
    trigger = edit.get("trigger") or {"type": "input_tokens", "value": DEFAULT_TRIGGER[edit["type"]]}
    return trigger.get("type", "input_tokens"), int(trigger["value"])


def tool_uses(messages: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Every (message index, tool_use block) in order."""
    return [(i, b) for i, m in enumerate(messages) for b in blocks_of(m) if b.get("type") == "tool_use"]


def clear_tool_uses(body: Mapping[str, Any], managed: ManagedContext, edit: Mapping[str, Any]) -> None:
    """Replace the oldest tool results with a placeholder, keeping the newest ``keep`` tool uses."""
    kind, value = trigger_of(edit)
    uses = tool_uses(managed.messages)
    before = tokens_of(body, managed.messages)
    if (before if kind == "input_tokens" else len(uses)) < value:
        return
    keep = int((edit.get("keep") or {}).get("value", DEFAULT_KEEP))
    excluded = set(edit.get("exclude_tools") or [])
    doomed = {b["id"]: b["name"] for _, b in uses[:max(0, len(uses) - keep)] if b["name"] not in excluded}
    if not doomed:
        return
    inputs = edit.get("clear_tool_inputs") or False
    edited = [clear_blocks(m, doomed, inputs) for m in managed.messages]
    cleared = before - tokens_of(body, edited)
    at_least = edit.get("clear_at_least")
    if at_least and cleared < int(at_least["value"]):
        return
    managed.messages = edited
    managed.applied_edits.append({"type": "clear_tool_uses_20250919", "cleared_tool_uses": len(doomed),
                                  "cleared_input_tokens": cleared})


def clear_blocks(message: dict[str, Any], doomed: dict[str, str], inputs: bool | list[str]) -> dict[str, Any]:
    """One message with the doomed tools' results (and, if asked, inputs) emptied."""
    blocks = []
    for block in copy.deepcopy(blocks_of(message)):
        if block.get("type") == "tool_result" and block.get("tool_use_id") in doomed:
            block["content"] = CLEARED_PLACEHOLDER
        if block.get("type") == "tool_use" and block["id"] in doomed and (
                inputs is True or (isinstance(inputs, list) and block["name"] in inputs)):
            block["input"] = {}
        blocks.append(block)
    return {"role": message["role"], "content": blocks}


def compact(body: Mapping[str, Any], managed: ManagedContext, edit: Mapping[str, Any]) -> None:
    """Summarize everything before the last user turn into a compaction block, once the trigger is reached."""
    _, value = trigger_of(edit)
    messages = managed.messages
    before = tokens_of(body, messages)
    if len(messages) < 2 or before < value:
        return
    # ``instructions`` are accepted but not followed: the simulated summarizer has one documented rule.
    summary = summarize("\n".join(f"{m['role']}: {content_text(m['content'])}" for m in messages[:-1]))
    managed.compaction = {"type": "compaction", "content": summary}
    managed.compaction_usage = {"type": "compaction", "input_tokens": before, "output_tokens": estimate_tokens(summary),
                                "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    managed.pause_after_compaction = bool(edit.get("pause_after_compaction"))
    managed.messages = merge_same_roles([{"role": "user", "content": [{"type": "text", "text": summary}]},
                                         messages[-1]])
