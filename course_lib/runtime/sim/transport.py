"""The simulated Claude as an httpx2 transport handler: routing, faults, usage and prompt caching."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from ...defaults import DEFAULT_CONTEXT_WINDOW
from ...tokens import content_text
from .answers import fit_output, respond
from .context_management import ManagedContext, manage_context
from .rules import RequestRejected, check_request, prefix_keys, request_segments, request_tokens
from .stopping import stop_at_sequence
from .streaming import STREAM_FAULTS, streamed_reply
from .thinking import thinking_block, thinking_config
from .validation import check_fields

MIN_CACHEABLE_TOKENS = 1024
CACHE_TTL_SECONDS = 300
LOOKBACK_BLOCKS = 20
RETRY_AFTER_MS = "20"
CACHE_SWEEP_SIZE = 10_000


class SimulatedDisconnect(httpx2.ConnectError):
    """Raised by the transport to act out a dropped connection."""


@dataclass
class Faults:
    """Which HTTP attempts fail, and how. Attempts count from 1 and include the SDK's retries.

    ``Faults({3: "overloaded", 4: "overloaded"})`` makes the 3rd and 4th attempts answer 529;
    kinds are ``"overloaded"`` (529), ``"rate_limit"`` (429) and ``"connection"`` (no answer).
    Two fail a streamed reply halfway through its text (:mod:`.streaming`): ``"stream_error"`` (an
    ``overloaded_error`` event after the 200) and ``"stream_disconnect"`` (the connection drops).
    A request that is not streamed can only fail whole: for it they act as ``"overloaded"`` and
    ``"connection"``.
    """

    schedule: dict[int, str] = field(default_factory=dict)

    KINDS = ("overloaded", "rate_limit", "connection", *STREAM_FAULTS)

    def __post_init__(self) -> None:
        for attempt, kind in self.schedule.items():
            if kind not in self.KINDS:
                raise ValueError(f"fault for attempt {attempt} is {kind!r}; choose one of {self.KINDS}")
            if not isinstance(attempt, int) or attempt < 1:
                raise ValueError(f"fault attempt numbers start at 1; got {attempt!r}")


def api_error(status: int, kind: str, message: str, headers: Mapping[str, str] | None = None,
              details: Mapping[str, Any] | None = None) -> httpx2.Response:
    """An error response shaped like the API's: ``{"type": "error", "error": {...}, "request_id": ...}``,
    with the same id in the ``request-id`` header, where the SDK reads it (``error.request_id``)."""
    request_id = new_request_id()
    error = {"type": kind, "message": message, **({"details": dict(details)} if details else {})}
    body = {"type": "error", "error": error, "request_id": request_id}
    return httpx2.Response(status, json=body, headers={**(headers or {}), "request-id": request_id})


_REQUEST_NUMBERS = itertools.count(1)


def identified(response: httpx2.Response) -> httpx2.Response:
    """The response with its own ``request-id`` header, as every API response has (``reply._request_id``)."""
    response.headers["request-id"] = new_request_id()
    return response


def new_request_id() -> str:
    """A request id unique within this process, so a learner can tell one failure's report from
    another's (the API's are random: ``req_011C...``; these count, which keeps runs reproducible)."""
    return f"req_sim_{next(_REQUEST_NUMBERS):016d}"


def read_body(content: bytes) -> dict[str, Any]:
    """The request's JSON object; anything else is the API's 400, not a crash (the server gets any bytes)."""
    try:
        body = json.loads(content or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise RequestRejected("There was an issue with your request body: it is not valid JSON") from None
    if not isinstance(body, dict):
        raise RequestRejected("The request body must be a JSON object")
    return body


def betas_of(request: httpx2.Request) -> set[str]:
    """The beta names the request opted into (the SDK joins them with commas in one header)."""
    return {b.strip() for b in request.headers.get("anthropic-beta", "").split(",") if b.strip()}


class SimulatedClaude:
    """The transport handler: give it to ``httpx2.MockTransport``. One instance per client."""

    def __init__(self, context_window: int = DEFAULT_CONTEXT_WINDOW, faults: Faults | Mapping[int, str] | None = None,
                 clock: Callable[[], float] = time.monotonic, stream_delay: float = 0.0):
        self.context_window = context_window
        self.stream_delay = stream_delay  # seconds between streamed events (0: as fast as the client reads)
        self.faults = faults if isinstance(faults, Faults) else Faults(dict(faults or {}))
        self.attempts = 0
        self.requests: list[dict[str, Any]] = []
        self._cache: dict[str, float] = {}
        self._clock = clock

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path not in ("/v1/messages", "/v1/messages/count_tokens"):
            return api_error(404, "not_found_error", "Not Found")  # the API's words for an unknown path
        if request.method != "POST":  # the API documents no 405 type; "other 4XX" are invalid_request_error
            return api_error(405, "invalid_request_error", f"Method Not Allowed: {path} accepts POST only",
                             {"allow": "POST"})
        self.attempts += 1
        fault = self.faults.schedule.get(self.attempts)
        if fault == "connection":
            raise SimulatedDisconnect(f"simulated connection failure on attempt {self.attempts}", request=request)
        if fault == "overloaded":
            return api_error(529, "overloaded_error", "Overloaded", {"retry-after-ms": RETRY_AFTER_MS})
        if fault == "rate_limit":
            return api_error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute "
                             "rate limit (simulated)", {"retry-after-ms": RETRY_AFTER_MS})
        try:
            body = read_body(request.content)
            self.requests.append(body)
            if fault in STREAM_FAULTS and not (body.get("stream") and path == "/v1/messages"):
                return self.whole_failure(fault, request)
            check_fields(body, path.endswith("count_tokens"), request.headers.get("anthropic-version", ""))
            managed = manage_context(body, check_request(body), betas_of(request))
            if path.endswith("count_tokens"):
                return identified(httpx2.Response(200, json=self.count_tokens(body, managed)))
            if body.get("stream"):
                return identified(streamed_reply(self.create_message(body, managed), fault, self.stream_delay))
            return identified(httpx2.Response(200, json=self.create_message(body, managed)))
        except RequestRejected as rejected:
            return api_error(rejected.status, rejected.kind, rejected.message, details=rejected.details)

    def whole_failure(self, fault: str, request: httpx2.Request) -> httpx2.Response:
        """A stream fault met by a request that is not streamed: it fails whole (529, or no answer)."""
        if fault == "stream_disconnect":
            raise SimulatedDisconnect(f"simulated connection failure on attempt {self.attempts}", request=request)
        return api_error(529, "overloaded_error", "Overloaded", {"retry-after-ms": RETRY_AFTER_MS})

    # -- the Messages endpoint ----------------------------------------------------------------

    def count_tokens(self, body: dict[str, Any], managed: ManagedContext) -> dict[str, Any]:
        counted: dict[str, Any] = {"input_tokens": request_tokens(request_segments(body, managed.messages))}
        if "context_management" in body:
            counted["context_management"] = {"original_input_tokens": managed.original_input_tokens}
        return counted

    def create_message(self, body: dict[str, Any], managed: ManagedContext) -> dict[str, Any]:
        messages = managed.messages
        segments = request_segments(body, messages)
        input_tokens = request_tokens(segments)
        max_tokens = int(body.get("max_tokens", 0))
        if input_tokens > self.context_window:
            raise RequestRejected(f"prompt is too long: {input_tokens} tokens > {self.context_window} maximum")
        if input_tokens + max_tokens > self.context_window:
            raise RequestRejected(
                f"input length and `max_tokens` exceed context limit: {input_tokens} + {max_tokens} > "
                f"{self.context_window}, decrease input length or `max_tokens` and try again")
        content, stop_reason, output_tokens = self.reply(body, managed, max_tokens)
        content, stop_reason, output_tokens, stop_sequence = stop_at_sequence(
            content, stop_reason, output_tokens, body.get("stop_sequences"))
        cache_read, cache_write = self.cache_usage(body, segments)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]
        message = {
            "id": f"msg_sim_{digest}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", ""),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": stop_sequence,
            "usage": {
                "input_tokens": input_tokens - cache_read - cache_write,
                "output_tokens": output_tokens,
                "cache_creation_input_tokens": cache_write,
                "cache_read_input_tokens": cache_read,
            },
        }
        if "context_management" in body:
            message["context_management"] = {"applied_edits": managed.applied_edits}
        if managed.compaction_usage:  # the API reports the summarizing call apart from the answer's usage
            message["usage"]["iterations"] = [managed.compaction_usage, {"type": "message", **message["usage"]}]
        return message

    def reply(self, body: dict[str, Any], managed: ManagedContext, max_tokens: int):
        """(content, stop_reason, output_tokens): compaction, then thinking, then the answer, within max_tokens."""
        config = thinking_config(body)
        head = [managed.compaction] if managed.compaction else []
        if managed.pause_after_compaction:
            return head, "compaction", 0
        thought_tokens = 0
        if config is not None:
            question = content_text(managed.messages[-1]["content"])
            thought, thought_tokens = thinking_block(config, question, len(managed.messages) - 1, max_tokens)
            head.append(thought)
        if thought_tokens >= max_tokens:
            return head, "max_tokens", thought_tokens  # thinking spent the whole budget: no text at all
        content, stop_reason = respond(body, managed.messages)
        content, stop_reason, output_tokens = fit_output(content, stop_reason, max_tokens - thought_tokens)
        return head + content, stop_reason, thought_tokens + output_tokens

    def cache_usage(self, body: dict[str, Any], segments: list[tuple[str, int, bool]]) -> tuple[int, int]:
        """(tokens read from cache, tokens written to cache) for this request's breakpoints."""
        breakpoints = [i for i, (_, _, marked) in enumerate(segments) if marked]
        if body.get("cache_control") and segments:
            breakpoints.append(len(segments) - 1)
        if not breakpoints:
            return 0, 0
        now = self._clock()
        read_upto = 0
        prefix_tokens = [0]
        for _, tokens, _ in segments:
            prefix_tokens.append(prefix_tokens[-1] + tokens)
        keys = prefix_keys(body.get("model", ""), segments)
        # Like the API, look for a cached prefix at each breakpoint and up to LOOKBACK_BLOCKS blocks before it.
        candidates = {c for b in breakpoints for c in range(max(0, b - LOOKBACK_BLOCKS), b + 1)}
        for c in sorted(candidates, reverse=True):
            if self._cache.get(keys[c], -math.inf) > now:
                read_upto = prefix_tokens[c + 1]
                break
        last = max(breakpoints)
        written = 0
        if prefix_tokens[last + 1] >= MIN_CACHEABLE_TOKENS:
            written = max(0, prefix_tokens[last + 1] - read_upto)
        for b in breakpoints:
            if prefix_tokens[b + 1] >= MIN_CACHEABLE_TOKENS:
                self._cache[keys[b]] = now + CACHE_TTL_SECONDS
        if len(self._cache) > CACHE_SWEEP_SIZE:  # a long-running server must not keep expired entries forever
            self._cache = {key: expiry for key, expiry in self._cache.items() if expiry > now}
        return read_upto, written
