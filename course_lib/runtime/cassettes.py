"""Recording and replaying API exchanges, so notebook tests are exact and need no network.

Introduced in notebook 00_start_here.

A cassette is one JSON file (``cassettes/<name>.json``) holding exchanges keyed by a hash of the
normalized request: endpoint, model, system, messages, max_tokens, tools (and the few other
fields that change an answer). Each exchange says where it came from (``"live"`` for the real
API, ``"simulated"`` for the offline simulator), when, and with which SDK version. Requests and
responses are stored as JSON bodies only: no HTTP headers, so no key or auth header can ever be
written, and any text that looks like an Anthropic key is scrubbed before writing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import httpx2

from ..files import atomic_write_text

FORMAT = 1
KEYED_FIELDS = ("model", "system", "messages", "max_tokens", "tools", "tool_choice", "cache_control",
                "temperature", "stop_sequences")
KEY_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9_-]+")


class MissingRecording(anthropic.AnthropicError):
    """Replay mode met a request that no cassette holds.

    It subclasses the SDK's base error so the SDK passes it through unwrapped and never retries it.
    """


def request_key(path: str, body: dict[str, Any]) -> str:
    normalized = {"endpoint": path, **{k: body[k] for k in KEYED_FIELDS if k in body}}
    text = json.dumps(normalized, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def scrub(text: str) -> str:
    """Remove anything shaped like an API key, and the live key's value if one is set."""
    text = KEY_PATTERN.sub("[redacted-key]", text)
    secret = os.environ.get("ANTHROPIC_API_KEY")
    return text.replace(secret, "[redacted-key]") if secret and len(secret) >= 8 else text


def describe(body: dict[str, Any]) -> str:
    """A short human description of a request, for error messages."""
    messages = body.get("messages") or [{}]
    last = messages[-1].get("content", "")
    last = last if isinstance(last, str) else json.dumps(last)[:120]
    return f"model={body.get('model')!r}, {len(messages)} message(s), last: {last[:80]!r}"


class Cassette:
    """One cassette file: load, look up, append, save atomically."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.exchanges: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"{self.path}: cassette format {data.get('format')!r}; expected {FORMAT}")
            self.exchanges = data["exchanges"]
        self._cursor: dict[str, int] = {}

    @property
    def sources(self) -> set[str]:
        return {e["source"] for e in self.exchanges.values()}

    def next_response(self, key: str) -> dict[str, Any] | None:
        """Responses for one key replay in recorded order; the last one repeats after that."""
        exchange = self.exchanges.get(key)
        if exchange is None:
            return None
        position = self._cursor.get(key, 0)
        self._cursor[key] = position + 1
        responses = exchange["responses"]
        return responses[min(position, len(responses) - 1)]

    def append(self, key: str, path: str, body: dict[str, Any], response: dict[str, Any], source: str) -> None:
        exchange = self.exchanges.setdefault(key, {
            "request": {"endpoint": path, **{k: body[k] for k in KEYED_FIELDS if k in body}},
            "responses": [], "source": source, "recorded": dt.date.today().isoformat(),
            "sdk_version": anthropic.__version__,
        })
        exchange["responses"].append(response)
        self.save()

    def save(self) -> None:
        data = {"format": FORMAT, "note": "Recorded exchanges; each says whether it came from the real API "
                "('live') or the offline simulator ('simulated').", "exchanges": self.exchanges}
        text = scrub(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)) + "\n"
        atomic_write_text(self.path, text)


_OPEN: dict[Path, Cassette] = {}


def open_cassette(path: str | os.PathLike[str]) -> Cassette:
    """The one in-memory cassette for ``path`` in this process.

    Two clients recording to the same file must append to the same exchanges, or the second
    save would overwrite the first client's recordings; replaying clients share cursors the same way.
    """
    key = Path(path).resolve()
    if key not in _OPEN:
        _OPEN[key] = Cassette(key)
    return _OPEN[key]


def replay_handler(cassette: Cassette) -> Callable[[httpx2.Request], httpx2.Response]:
    """A transport handler that answers only from ``cassette``."""
    def handle(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        recorded = cassette.next_response(request_key(request.url.path, body))
        if recorded is None:
            raise MissingRecording(
                f"no recording in {cassette.path} for {request.url.path} ({describe(body)}). "
                "The notebook or the simulator changed since it was recorded; re-record with "
                "`course-kit record` (add --live to record from the real API).")
        if recorded.get("error") == "connection":
            raise httpx2.ConnectError("replayed connection failure", request=request)
        return httpx2.Response(recorded["status"], json=recorded["body"], headers=recorded.get("headers", {}))
    return handle


def recording_handler(cassette: Cassette, forward: Callable[[httpx2.Request], httpx2.Response],
                      source: str) -> Callable[[httpx2.Request], httpx2.Response]:
    """A transport handler that forwards each request and appends the exchange to ``cassette``."""
    def handle(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        key = request_key(request.url.path, body)
        try:
            response = forward(request)
        except httpx2.ConnectError:
            cassette.append(key, request.url.path, body, {"error": "connection"}, source)
            raise
        response.read()
        recorded: dict[str, Any] = {"status": response.status_code, "body": response.json()}
        if "retry-after-ms" in response.headers:
            recorded["headers"] = {"retry-after-ms": response.headers["retry-after-ms"]}
        cassette.append(key, request.url.path, body, recorded, source)
        return httpx2.Response(response.status_code, json=recorded["body"], headers=recorded.get("headers", {}))
    return handle
