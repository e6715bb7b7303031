"""The API's request rules, in the API's own wording: what a request must look like to be answered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ...messages import blocks as blocks_of  # the kit's one content-block helper
from ...tokens import MESSAGE_OVERHEAD, content_text, estimate_tokens

BLOCK_TYPES = {"text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking", "compaction"}

PREFILL_MODELS = frozenset({
    "claude-haiku-4-5", "claude-haiku-4-5-20251001", "claude-opus-4-5", "claude-opus-4-5-20251101",
    "claude-sonnet-4-5", "claude-sonnet-4-5-20250929",
})
"""The model ids in the installed SDK's list that still accept a final assistant turn (prefill).

Prefill was removed from Claude 4.6 on, so only the 4.5 generation is here; every other id, the
course's default included, gets :data:`NO_PREFILL`.
"""

NO_PREFILL = ("This model does not support assistant message prefill. The conversation must end with a "
              "user message.")


class RequestRejected(Exception):
    """A request the API refuses: a 400 ``invalid_request_error`` unless ``status`` and ``kind`` say
    otherwise; ``details`` is the error's machine-readable part (``{"error_code": ...}``)."""

    def __init__(self, message: str, status: int = 400, kind: str = "invalid_request_error",
                 details: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.message, self.status, self.kind, self.details = message, status, kind, details


def check_request(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Reject what the API rejects; return the messages as the API reads them (same roles combined)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestRejected("messages: at least one message is required")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise RequestRejected(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = message.get("content")
        if isinstance(content, str):
            final_assistant = i == len(messages) - 1 and message["role"] == "assistant"
            if not content.strip() and not final_assistant:
                raise RequestRejected("messages: all messages must have non-empty content except for the "
                                      "optional final assistant message")
            continue
        if not isinstance(content, list) or not content:
            raise RequestRejected(f"messages.{i}.content: Input should be a valid string or a non-empty list")
        for j, block in enumerate(content):
            check_block(block, f"messages.{i}.content.{j}")
    merged = merge_same_roles(messages)
    check_final_turn(str(body.get("model", "")), merged)
    check_tool_pairs(merged)
    return merged


def check_final_turn(model: str, messages: list[dict[str, Any]]) -> None:
    """A conversation ends with a user turn; only pre-4.6 models may continue a final assistant turn."""
    if messages[-1]["role"] != "assistant":
        return
    if model not in PREFILL_MODELS:
        raise RequestRejected(NO_PREFILL)
    if content_text(messages[-1]["content"]) != content_text(messages[-1]["content"]).rstrip():
        raise RequestRejected("messages: final assistant content cannot end with trailing whitespace")


def check_block(block: Any, where: str) -> None:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind not in BLOCK_TYPES:
        raise RequestRejected(f"{where}.type: Input tag {kind!r} found using 'type' does not match any of the "
                              f"expected tags: {', '.join(sorted(BLOCK_TYPES))}")
    if kind == "text" and not isinstance(block.get("text"), str):
        raise RequestRejected(f"{where}.text: Field required")
    if kind == "text" and not block["text"].strip():
        raise RequestRejected(f"{where}.text: text content blocks must be non-empty")
    if kind == "tool_use" and not (isinstance(block.get("id"), str) and isinstance(block.get("name"), str)):
        raise RequestRejected(f"{where}: tool_use blocks need a string `id` and `name`")
    if kind == "tool_result" and not isinstance(block.get("tool_use_id"), str):
        raise RequestRejected(f"{where}.tool_use_id: Field required")
    if kind == "thinking" and not (isinstance(block.get("thinking"), str) and isinstance(block.get("signature"), str)):
        raise RequestRejected(f"{where}: thinking blocks need the `thinking` text and the `signature` they came with")


def check_tool_pairs(messages: list[dict[str, Any]]) -> None:
    for i, message in enumerate(messages):
        uses = [b["id"] for b in blocks_of(message) if b.get("type") == "tool_use"]
        if uses and i + 1 < len(messages):
            answered = {b["tool_use_id"] for b in blocks_of(messages[i + 1]) if b.get("type") == "tool_result"}
            missing = [u for u in uses if u not in answered]
            if missing:
                raise RequestRejected(
                    f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                    f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message.")
        asked = {b["id"] for b in blocks_of(messages[i - 1]) if b.get("type") == "tool_use"} if i else set()
        for j, block in enumerate(blocks_of(message)):
            if block.get("type") == "tool_result" and block["tool_use_id"] not in asked:
                raise RequestRejected(
                    f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block['tool_use_id']}. Each `tool_result` block must have a corresponding `tool_use` "
                    "block in the previous message.")


def merge_same_roles(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Combine consecutive same-role messages into one turn, as the current API does."""
    merged: list[dict[str, Any]] = []
    for message in messages:
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {"role": message["role"], "content": blocks_of(merged[-1]) + blocks_of(message)}
        else:
            merged.append(dict(message))
    return merged


# -- token accounting ----------------------------------------------------------------------------

def request_segments(body: Mapping[str, Any], messages: list[dict[str, Any]]) -> list[tuple[str, int, bool]]:
    """The request as cacheable pieces in API order (tools, system, messages): (text, tokens, marked)."""
    segments: list[tuple[str, int, bool]] = []
    for tool in body.get("tools") or []:
        text = json.dumps(tool, sort_keys=True)
        segments.append((text, estimate_tokens(text), bool(tool.get("cache_control"))))
    system = body.get("system")
    if isinstance(system, str) and system:
        segments.append((system, estimate_tokens(system), False))
    elif isinstance(system, list):
        for block in system:
            text = str(block.get("text", ""))
            segments.append((text, estimate_tokens(text), bool(block.get("cache_control"))))
    for message in messages:
        for k, block in enumerate(blocks_of(message)):
            text = content_text([block])
            overhead = MESSAGE_OVERHEAD if k == 0 else 0
            segments.append((f"{message['role']}:{text}", estimate_tokens(text) + overhead,
                             bool(block.get("cache_control"))))
    return segments


def request_tokens(segments: list[tuple[str, int, bool]]) -> int:
    return sum(tokens for _, tokens, _ in segments)


def prefix_keys(model: str, segments: list[tuple[str, int, bool]]) -> list[str]:
    """keys[i] identifies the prefix segments[:i + 1]; one running hash, so all keys cost one pass."""
    digest, keys = hashlib.sha256(model.encode()), []
    for text, _, _ in segments:
        digest.update(b"\x00" + text.encode())
        keys.append(digest.copy().hexdigest())
    return keys
