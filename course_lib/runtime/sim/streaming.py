"""A finished simulated reply played as the Messages API's streaming events.

Introduced in notebook 06_production_manager (a reply streamed, and a stream broken halfway);
served over HTTP by ``course-kit serve`` (08_beyond_the_module). The simulator writes its whole reply first, then
plays it the way the API streams one (``"stream": true``), so ``client.messages.stream(...)``,
``create(stream=True)`` and other libraries' streaming read it unchanged, and the message they
put back together has the content, stop reason and usage ``create()`` returns:

1. ``message_start``: the message with empty ``content``, no stop reason, and its input usage
   (``output_tokens`` is a placeholder, as in the API);
2. per content block, in order: ``content_block_start`` (the block, empty), ``content_block_delta``
   events, ``content_block_stop``. Text comes as ``text_delta`` chunks of a few words; a
   ``tool_use`` input as ``input_json_delta`` pieces of its JSON (``partial_json``), which parse only
   once joined; ``thinking`` as ``thinking_delta`` chunks, then one ``signature_delta``;
   a compaction block (beta) as one ``compaction_delta``; any other block arrives whole;
3. a ``ping`` after the first block opens (the API sends them to keep the connection alive);
4. ``message_delta`` with ``stop_reason``, ``stop_sequence`` and the final ``usage.output_tokens``
   (counts there are cumulative totals), then ``message_stop``.

Two faults act out what a client must survive (:class:`~course_lib.runtime.sim.Faults`): with
``stream_error`` an ``error`` event (``overloaded_error``) replaces the rest of the stream halfway
through the text, after a ``200`` has been sent, so the SDK raises ``APIStatusError`` (status 200)
and does not retry; with ``stream_disconnect`` the connection drops at the same point.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx2

from ..sse import stream_response

__all__ = ["STREAM_FAULTS", "WORDS_PER_CHUNK", "cut_halfway", "reply_events", "streamed_reply"]

WORDS_PER_CHUNK = 3
JSON_CHUNK_CHARS = 12
STREAM_FAULTS = ("stream_error", "stream_disconnect")
OVERLOADED_EVENT = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def text_chunks(text: str, words: int = WORDS_PER_CHUNK) -> list[str]:
    """``text`` in pieces of a few words each; joined, they give back ``text`` exactly."""
    pieces = re.findall(r"\s*\S+\s*", text) or ([text] if text else [])
    return ["".join(pieces[i:i + words]) for i in range(0, len(pieces), words)]


def json_chunks(value: Any, size: int = JSON_CHUNK_CHARS) -> list[str]:
    """A tool input's JSON in fixed-size pieces: none of them parses alone, all of them joined do."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return [text[i:i + size] for i in range(0, len(text), size)]


def block_events(index: int, block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``content_block_start``, its deltas and ``content_block_stop`` for one finished block."""
    kind = block.get("type")
    if kind == "text":
        start, deltas = {**block, "text": ""}, [{"type": "text_delta", "text": t} for t in text_chunks(block["text"])]
    elif kind in ("tool_use", "server_tool_use"):
        start = {**block, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": j} for j in json_chunks(block.get("input", {}))]
    elif kind == "thinking":
        start = {"type": "thinking", "thinking": "", "signature": ""}  # as the API opens one: both empty
        deltas = [{"type": "thinking_delta", "thinking": t} for t in text_chunks(block["thinking"])]
        deltas.append({"type": "signature_delta", "signature": block.get("signature", "")})
    elif kind == "compaction":
        start = {k: v for k, v in block.items() if k not in ("content", "encrypted_content")}
        deltas = [{"type": "compaction_delta", **{k: block[k] for k in ("content", "encrypted_content")
                                                  if k in block}}]
    else:  # blocks the simulator does not stream piece by piece arrive whole
        start, deltas = block, []
    yield {"type": "content_block_start", "index": index, "content_block": start}
    for delta in deltas:
        yield {"type": "content_block_delta", "index": index, "delta": delta}
    yield {"type": "content_block_stop", "index": index}


def reply_events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event of ``message`` streamed, in the API's order (see the module's docstring)."""
    usage = message["usage"]
    opened = {**message, "content": [], "stop_reason": None, "stop_sequence": None,
              "usage": {k: v for k, v in usage.items() if k != "iterations"} | {"output_tokens": 1}}
    opened.pop("context_management", None)  # known when the reply ends: it comes with message_delta
    events: list[dict[str, Any]] = [{"type": "message_start", "message": opened}]
    for index, block in enumerate(message["content"]):
        events.extend(block_events(index, block))
        if index == 0:  # right after the first content_block_start, where the API's examples show it
            events.insert(2, {"type": "ping"})
    if not message["content"]:
        events.append({"type": "ping"})
    stop = {"stop_reason": message["stop_reason"], "stop_sequence": message.get("stop_sequence")}
    delta: dict[str, Any] = {"type": "message_delta", "delta": stop, "usage": {"output_tokens": usage["output_tokens"]}}
    if "iterations" in usage:
        delta["usage"]["iterations"] = usage["iterations"]
    if "context_management" in message:
        delta["context_management"] = message["context_management"]
    return [*events, delta, {"type": "message_stop"}]


def cut_halfway(events: list[dict[str, Any]]) -> int:
    """Where a faulty stream stops: after half of the text deltas (of all deltas if there is no text)."""
    deltas = [i for i, e in enumerate(events) if e["type"] == "content_block_delta"]
    text = [i for i in deltas if events[i]["delta"]["type"] == "text_delta"] or deltas
    return text[(len(text) - 1) // 2] + 1 if text else 1


def streamed_reply(message: dict[str, Any], fault: str | None = None, delay: float = 0.0) -> httpx2.Response:
    """The 200 event-stream response for a finished ``message``, cut halfway by a stream fault if one is due."""
    events = reply_events(message)
    if fault == "stream_error":
        return stream_response([*events[:cut_halfway(events)], OVERLOADED_EVENT], delay=delay)
    if fault == "stream_disconnect":
        return stream_response(events[:cut_halfway(events)], delay=delay, dropped=True)
    return stream_response(events, delay=delay)
