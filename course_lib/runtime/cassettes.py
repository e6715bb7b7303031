"""Recording and replaying API exchanges, so notebook tests are exact and need no network.

Introduced in notebook 00_start_here.

A cassette is one JSON file (``cassettes/<name>.json``) holding exchanges keyed by a hash of the
normalized request: endpoint, model, system, messages, max_tokens, tools (and the few other
fields that change an answer, ``stream`` among them). Each exchange says where it came from (``"live"`` for the real
API, ``"simulated"`` for the offline simulator), when, and with which SDK version. Requests and
responses are stored as JSON bodies only: no HTTP headers, so no key or auth header can ever be
written, and any text that looks like an Anthropic key is scrubbed before writing. A streamed reply
is stored as its list of events (``"events"``, and ``"dropped": true`` if the connection was lost
halfway) and replayed as the same event stream, so a notebook that streams replays offline too.

Several processes may record into one cassette at once (parallel notebook runs): each save takes
an exclusive lock on a lock file beside the cassette (:func:`course_lib.files.locked`), re-reads
the file and merges this process's new responses into it before writing it atomically. Nothing
another process recorded is lost. A broken cassette file raises :class:`CassetteError` naming it.
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

from ..files import atomic_write_text, locked
from .sse import is_event_stream, parse_events, stream_response

FORMAT = 1
KEYED_FIELDS = ("model", "system", "messages", "max_tokens", "tools", "tool_choice", "cache_control",
                "temperature", "stop_sequences", "stream")
KEY_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9_-]+")


class CassetteError(anthropic.AnthropicError, ValueError):
    """A cassette file that cannot be read as a cassette; the message names the file and what is wrong.

    It subclasses the SDK's base error so a broken file met during a request is raised as is, never retried.
    """


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


def scrubbed(value: Any) -> Any:
    """``value`` with every string scrubbed: redacting values, not JSON text, so no key can break the syntax."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        # Field names are the kit's own or the request's: only a key-shaped name is redacted, so a
        # secret that happens to equal a field name (e.g. "responses") cannot rename the field.
        return {KEY_PATTERN.sub("[redacted-key]", str(k)): scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrubbed(v) for v in value]
    return value


def describe(body: dict[str, Any]) -> str:
    """A short human description of a request, for error messages; a pasted key never shows."""
    messages = body.get("messages") or [{}]
    last = messages[-1].get("content", "") if isinstance(messages[-1], dict) else messages[-1]
    last = scrub(last if isinstance(last, str) else json.dumps(last))
    return f"model={body.get('model')!r}, {len(messages)} message(s), last: {last[:80]!r}"


def read_cassette(path: Path) -> dict[str, dict[str, Any]]:
    """The exchanges stored in ``path`` (none if it does not exist), checked enough that replay cannot crash."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CassetteError(f"{path}: not a readable cassette ({type(error).__name__}: {error}); "
                            "restore it with git or re-record it with `course-kit record`") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CassetteError(f"{path}: cassette format {found!r}; expected {FORMAT}")
    exchanges = data.get("exchanges")
    if not isinstance(exchanges, dict):
        raise CassetteError(f"{path}: 'exchanges' must be an object of recorded exchanges")
    for key, exchange in exchanges.items():
        problem = exchange_problem(exchange)
        if problem:
            raise CassetteError(f"{path}: exchange {key[:12]!r}: {problem}; re-record with `course-kit record`")
    return exchanges


def exchange_problem(exchange: Any) -> str | None:
    """What is wrong with one stored exchange, or None."""
    responses = exchange.get("responses") if isinstance(exchange, dict) else None
    if not isinstance(responses, list) or not responses:
        return "no 'responses' list"
    for response in responses:
        if not isinstance(response, dict):
            return "a response is not an object"
        answered = isinstance(response.get("body"), dict) or (  # a JSON reply, or a streamed one's events
            isinstance(response.get("events"), list) and all(isinstance(e, dict) for e in response["events"]))
        if response.get("error") != "connection" and not (isinstance(response.get("status"), int) and answered):
            return "a response lacks an integer 'status' and an object 'body' (or, streamed, a list of 'events')"
        if not isinstance(response.get("headers", {}), dict):
            return "a response's 'headers' is not an object"
    if not isinstance(exchange.get("source"), str):
        return "no 'source' saying where it came from"
    return None


class Cassette:
    """One cassette file: load, look up, append, save atomically."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.exchanges: dict[str, dict[str, Any]] = read_cassette(self.path)
        self._cursor: dict[str, int] = {}
        self._unsaved: list[tuple[str, dict[str, Any], dict[str, Any]]] = []  # (key, exchange, response) not on disk

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
        exchange = self.exchanges.setdefault(key, new_exchange(path, body, source))
        exchange["responses"].append(response)
        self._unsaved.append((key, exchange, response))
        self.save()

    def save(self) -> None:
        """Merge this process's new responses into the file as it is on disk now, under the lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with locked(self.path.parent / f".{self.path.name}.lock"):  # a separate file: the cassette is replaced on save
            merged = read_cassette(self.path)
            for key, exchange, response in self._unsaved:
                merged.setdefault(key, {**exchange, "responses": []})["responses"].append(response)
            data = {"format": FORMAT, "note": "Recorded exchanges; each says whether it came from the real API "
                    "('live') or the offline simulator ('simulated').", "exchanges": merged}
            text = json.dumps(scrubbed(data), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
            atomic_write_text(self.path, text)
            self._unsaved.clear()
            self.exchanges = merged


def new_exchange(path: str, body: dict[str, Any], source: str) -> dict[str, Any]:
    """A fresh exchange record: the keyed request fields, where it came from, when, and with which SDK."""
    return {"request": {"endpoint": path, **{k: body[k] for k in KEYED_FIELDS if k in body}},
            "responses": [], "source": source, "recorded": dt.date.today().isoformat(),
            "sdk_version": anthropic.__version__}


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
        if "events" in recorded:
            return stream_response(recorded["events"], dropped=recorded.get("dropped", False))
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
        if is_event_stream(response):
            recorded = read_stream(response)
            cassette.append(key, request.url.path, body, recorded, source)
            return stream_response(recorded["events"], dropped=recorded.get("dropped", False))
        response.read()
        recorded = {"status": response.status_code, "body": response.json()}
        if "retry-after-ms" in response.headers:
            recorded["headers"] = {"retry-after-ms": response.headers["retry-after-ms"]}
        cassette.append(key, request.url.path, body, recorded, source)
        return httpx2.Response(response.status_code, json=recorded["body"], headers=recorded.get("headers", {}))
    return handle


def read_stream(response: httpx2.Response) -> dict[str, Any]:
    """A streamed response as a recording: its events, and whether the connection dropped before the end.

    Read whole before the client sees it (then played back from the recording): recording is for
    maintainers, and a recorded stream must be exactly what replay will give the notebooks.
    """
    raw, dropped = b"", False
    try:
        for chunk in response.iter_bytes():
            raw += chunk
    except httpx2.TransportError:  # the stream was cut: keep what came, and replay the cut too
        dropped = True
    finally:
        response.close()
    recorded: dict[str, Any] = {"status": response.status_code, "events": parse_events(raw)}
    if dropped:
        recorded["dropped"] = True
    return recorded
