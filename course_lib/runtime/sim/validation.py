"""Request validation in the API's words: required fields, types and ranges, each a 400 naming its path.

Introduced in notebook 00_start_here (the simulator answers like the API, errors included). Every
check raises :class:`~.rules.RequestRejected`, which the transport turns into a 400
``invalid_request_error`` that the SDK raises as ``anthropic.BadRequestError`` and never retries,
whether the request comes from the SDK, LangChain or curl. A wrongly typed field is never a crash
(a 500 ``api_error``, which SDKs retry).

Wording: where the real API's message is known from public reports it is used as is ("max_tokens:
Field required", "stop_sequences: each stop sequence must contain non-whitespace", "temperature:
range: 0..1", "tools.0.custom.name: String should match pattern ...", "x: Extra inputs are not
permitted", "`temperature` is deprecated for this model.", "Thinking may not be enabled when
tool_choice forces tool use."). The rest follows the same pydantic-style pattern ("<path>: Input
should be a valid integer") and is marked below as the simulator's own wording.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .rules import PREFILL_MODELS, RequestRejected

__all__ = ["SAMPLING_MODELS", "SAMPLING_REMOVED_VERSION", "check_fields", "check_stop_sequences",
           "check_tool_choice", "check_tools"]

SAMPLING_MODELS = PREFILL_MODELS | {"claude-opus-4-6", "claude-sonnet-4-6"}
"""Models in the installed SDK's list that still take ``temperature``, ``top_p`` and ``top_k``: Claude
Opus 4.7 and every model after it reject them ("`temperature` is deprecated for this model.")."""

SAMPLING_REMOVED_VERSION = "2026-10-21"
"""The ``anthropic-version`` that removed the sampling parameters for every model (the installed SDK
sends it); only ``2023-06-01`` requests to :data:`SAMPLING_MODELS` may still set them."""

SAMPLING = ("temperature", "top_p", "top_k")
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
TOOL_CHOICES = ("auto", "any", "tool", "none")
CREATE_ONLY = ("max_tokens", "stop_sequences", "stream", "metadata", *SAMPLING)


def check_fields(body: Mapping[str, Any], counting: bool = False, version: str = "") -> None:
    """Reject what the API's request schema rejects, before any rule about the conversation runs.

    ``counting`` is ``POST /v1/messages/count_tokens`` (no ``max_tokens``); ``version`` is the
    request's ``anthropic-version`` header.
    """
    check_known_fields(body, counting)
    check_thread(body.get("thread"))
    for name in ("model", "messages") if counting else ("model", "max_tokens", "messages"):
        if name not in body:
            raise RequestRejected(f"{name}: Field required")
    if not isinstance(body["model"], str) or not body["model"]:
        raise RequestRejected("model: Input should be a valid string")  # the simulator's wording
    if not counting:
        check_integer("max_tokens", body["max_tokens"], minimum=1)
    check_messages_shape(body["messages"])
    check_system(body.get("system"))
    check_sampling(body, version)
    if "stop_sequences" in body:
        check_stop_sequences(body["stop_sequences"])
    if "stream" in body and not isinstance(body["stream"], bool):
        raise RequestRejected("stream: Input should be a valid boolean")
    if "metadata" in body and not isinstance(body["metadata"], Mapping):
        raise RequestRejected("metadata: Input should be a valid dictionary")
    tools = body.get("tools")
    check_tools(tools)
    check_tool_choice(body.get("tool_choice"), tools or [])
    forced = isinstance(body.get("tool_choice"), Mapping) and body["tool_choice"].get("type") in ("any", "tool")
    thinking = body.get("thinking")
    if forced and isinstance(thinking, Mapping) and thinking.get("type") in ("enabled", "adaptive"):
        raise RequestRejected("Thinking may not be enabled when tool_choice forces tool use.")


THREAD_NOT_FOUND = ("No usable Thread state was found for `previous_message_id`. Replay the full conversation "
                    "with `thread: {\"type\": \"create\"}` to start a new Thread.")
"""The SDK's own description of the error (``anthropic.types.ThreadNotFoundError``)."""


def check_thread(thread: Any) -> None:
    """Message threads (beta): the simulator keeps no thread, as a server may lose one, so a request that
    continues a thread gets the API's 404 ``thread_not_found``; the SDK then replays the whole
    conversation with ``thread: {"type": "create"}``, which is answered like any request. So the SDK's
    tool runner, which threads by default, works offline and sends what it would after a lost thread."""
    if isinstance(thread, Mapping) and thread.get("type") == "continue":
        raise RequestRejected(THREAD_NOT_FOUND, 404, "not_found_error", {"error_code": "thread_not_found"})


@lru_cache(maxsize=2)
def known_fields(counting: bool) -> frozenset[str]:
    """The top-level fields the installed SDK's (beta) request types define, plus ``stream``."""
    if counting:
        from anthropic.types.beta import message_count_tokens_params as params

        hints = typing.get_type_hints(params.MessageCountTokensParams)
    else:
        from anthropic.types.beta import message_create_params as params

        hints = typing.get_type_hints(params.MessageCreateParamsBase)
    return frozenset(hints) - {"betas"} | {"stream"} | (set() if counting else set(SAMPLING))


def check_known_fields(body: Mapping[str, Any], counting: bool) -> None:
    """A misspelt field ("max_token") is the API's 400, not silently ignored."""
    allowed = known_fields(counting)
    for name in body:
        if name not in allowed:
            raise RequestRejected(f"{name}: Extra inputs are not permitted")


def check_integer(path: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):  # True is an int in Python, not in JSON
        raise RequestRejected(f"{path}: Input should be a valid integer")
    if value < minimum:  # the simulator's wording (pydantic's, as for the API's other field errors)
        raise RequestRejected(f"{path}: Input should be greater than or equal to {minimum}")


def check_number_range(path: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestRejected(f"{path}: Input should be a valid number")
    if not 0 <= value <= 1:
        raise RequestRejected(f"{path}: range: 0..1")


def check_sampling(body: Mapping[str, Any], version: str) -> None:
    """temperature, top_p and top_k: gone from API version 2026-10-21 and from Claude Opus 4.7 on;
    elsewhere temperature and top_p in 0..1, top_k an integer from 0."""
    for name in (n for n in SAMPLING if n in body):
        if version >= SAMPLING_REMOVED_VERSION:  # removed from the request schema (wording inferred)
            raise RequestRejected(f"{name}: Extra inputs are not permitted")
        if body["model"] not in SAMPLING_MODELS:
            raise RequestRejected(f"`{name}` is deprecated for this model.")
        if name == "top_k":
            check_integer(name, body[name], minimum=0)
        else:
            check_number_range(name, body[name])


def check_stop_sequences(value: Any) -> None:
    """A list of strings, each with something other than whitespace in it."""
    if not isinstance(value, list):
        raise RequestRejected("stop_sequences: Input should be a valid list")
    for i, sequence in enumerate(value):
        if not isinstance(sequence, str):
            raise RequestRejected(f"stop_sequences.{i}: Input should be a valid string")
        if not sequence.strip():
            raise RequestRejected("stop_sequences: each stop sequence must contain non-whitespace")


def check_messages_shape(messages: Any) -> None:
    """The list and each message's keys; the conversation's rules are :func:`~.rules.check_request`'s."""
    if not isinstance(messages, list):
        raise RequestRejected("messages: Input should be a valid list")
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise RequestRejected(f"messages.{i}: Input should be a valid dictionary")
        for key in ("role", "content"):
            if key not in message:
                raise RequestRejected(f"messages.{i}.{key}: Field required")
        for j, block in enumerate(message["content"] if isinstance(message["content"], list) else []):
            check_block_fields(block, f"messages.{i}.content.{j}")


def check_block_fields(block: Any, where: str) -> None:
    """Field types inside a block, named by the block's type as the API names them
    ("messages.0.content.1.tool_use.input"); the simulator's wording."""
    if not isinstance(block, Mapping):
        raise RequestRejected(f"{where}: Input should be a valid dictionary")
    kind = block.get("type")
    if kind == "tool_use" and "input" in block and not isinstance(block["input"], Mapping):
        raise RequestRejected(f"{where}.tool_use.input: Input should be a valid dictionary")
    if kind == "tool_result" and "content" in block and not isinstance(block["content"], str | list):
        raise RequestRejected(f"{where}.tool_result.content: Input should be a valid string or a list of blocks")
    if kind == "tool_result" and "is_error" in block and not isinstance(block["is_error"], bool):
        raise RequestRejected(f"{where}.tool_result.is_error: Input should be a valid boolean")
    if kind == "image" and not isinstance(block.get("source"), Mapping):
        raise RequestRejected(f"{where}.image.source: Field required")


def check_system(system: Any) -> None:
    """A string, or a list of text blocks."""
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise RequestRejected("system: Input should be a valid string or a list of text blocks")
    for i, block in enumerate(system):
        if not isinstance(block, Mapping) or block.get("type") != "text":
            raise RequestRejected(f"system.{i}.type: Input should be 'text'")
        if not isinstance(block.get("text"), str):
            raise RequestRejected(f"system.{i}.text: Field required")


def check_tools(tools: Any) -> None:
    """Custom tools need a valid name and an object ``input_schema``; names are unique.

    Server tools (a ``type`` such as ``web_search_20250305``) are passed through unchecked."""
    if tools is None:
        return
    if not isinstance(tools, list):
        raise RequestRejected("tools: Input should be a valid list")
    names: list[str] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise RequestRejected(f"tools.{i}: Input should be a valid dictionary")
        if tool.get("type") not in (None, "custom"):
            continue
        where = f"tools.{i}.custom"
        for key in ("name", "input_schema"):
            if key not in tool:
                raise RequestRejected(f"{where}.{key}: Field required")
        if not isinstance(tool["name"], str) or not TOOL_NAME.match(tool["name"]):
            raise RequestRejected(f"{where}.name: String should match pattern '{TOOL_NAME.pattern}'")
        if "description" in tool and not isinstance(tool["description"], str):
            raise RequestRejected(f"{where}.description: Input should be a valid string")
        schema = tool["input_schema"]
        if not isinstance(schema, Mapping) or schema.get("type") != "object":  # the simulator's wording
            raise RequestRejected(f"{where}.input_schema.type: Input should be 'object'")
        if not is_valid_schema(json.dumps(schema, sort_keys=True)):
            raise RequestRejected(f"{where}.input_schema: {INVALID_SCHEMA}")
        names.append(tool["name"])
    if len(names) != len(set(names)):
        raise RequestRejected("tools: Tool names must be unique.")  # the simulator's wording


INVALID_SCHEMA = ("JSON schema is invalid. It must match JSON Schema draft 2020-12 "
                  "(https://json-schema.org/draft/2020-12). Learn more about tool use at "
                  "https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview.")


@lru_cache(maxsize=1024)
def is_valid_schema(schema_json: str) -> bool:
    """The schema is valid JSON Schema draft 2020-12 (cached: a client sends the same tools every turn)."""
    from jsonschema import Draft202012Validator, SchemaError

    try:
        Draft202012Validator.check_schema(json.loads(schema_json))
    except SchemaError:
        return False
    return True


def check_tool_choice(choice: Any, tools: list[Any]) -> None:
    """``{"type": "auto" | "any" | "tool" | "none"}``; ``tool`` names a tool the request defines."""
    if choice is None:
        return
    if not isinstance(choice, Mapping):
        raise RequestRejected("tool_choice: Input should be a valid dictionary")
    kind = choice.get("type")
    if kind not in TOOL_CHOICES:
        raise RequestRejected(f"tool_choice: Input tag {kind!r} found using 'type' does not match any of the "
                              f"expected tags: {', '.join(repr(c) for c in TOOL_CHOICES)}")
    if "disable_parallel_tool_use" in choice and not isinstance(choice["disable_parallel_tool_use"], bool):
        raise RequestRejected(f"tool_choice.{kind}.disable_parallel_tool_use: Input should be a valid boolean")
    if kind == "tool" and not isinstance(choice.get("name"), str):
        raise RequestRejected("tool_choice.tool.name: Field required")
    names = {t.get("name") for t in tools if isinstance(t, Mapping)}
    if kind in ("any", "tool") and not tools:  # the simulator's wording, from here on
        raise RequestRejected(f"tool_choice: tool_choice type `{kind}` requires `tools` to be provided")
    if kind == "tool" and choice["name"] not in names:
        raise RequestRejected(f"tool_choice.tool.name: tool `{choice['name']}` is not among the tools provided "
                              f"({', '.join(sorted(str(n) for n in names))})")
