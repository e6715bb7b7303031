"""A simulated Claude behind the real SDK, so the course runs offline, free and deterministic.

Introduced in notebook 00_start_here. ``make_client("simulated")`` plugs :class:`SimulatedClaude`
into ``anthropic.Anthropic`` as an ``httpx2.MockTransport``: your code calls the real SDK, gets
real ``anthropic.types.Message`` objects and real SDK exceptions; only the far end is fake.

What it does, and the rules it follows (every one is deterministic):

* It answers only from what it was sent. A question is answered by quoting the sentence(s) of the
  request (system prompt, summaries, pinned facts, earlier messages) that share most of the
  question's content words. A question about the conversation ("what is *my* account number?")
  with no such sentence gets "I don't have that information". A general question ("What is a
  Python list?") gets a short answer marked ``(simulated answer)``, never a refusal.
* Summaries. A request whose last user message asks to summarize gets a bounded summary: the
  most representative sentences of the material, at most :data:`SUMMARY_MAX_SENTENCES` of them,
  with every number, id and mid-sentence name blurred ("[a number]", "[an id]", "[a name]").
  Real summaries keep the gist and lose *some* specifics; this one loses all of them, so the
  value of pinned facts is visible every time.
* Usage. ``input_tokens`` comes from :mod:`course_lib.tokens` over everything sent (system,
  messages, tools); ``output_tokens`` from the reply. With ``cache_control`` it reports cache
  writes and reads like the API: the prefix up to a breakpoint is written once (if it is at least
  :data:`MIN_CACHEABLE_TOKENS` long) and read on later requests that repeat it within 5 minutes; a
  request finds a cached prefix at its breakpoints or up to 20 blocks before them.
* API rules, with the API's wording: an empty ``messages`` list, a malformed block, or a
  ``tool_use`` not answered by a ``tool_result`` in the next message is a 400; consecutive
  same-role messages are combined, as the current API does; input over the context window, or
  input plus ``max_tokens`` over it, is a 400 ``invalid_request_error`` that the SDK raises as
  ``anthropic.BadRequestError``.
* Faults on a schedule (:class:`Faults`): 529 overloaded, 429 rate limited, or a dropped
  connection on chosen attempt numbers. Error responses carry a short ``retry-after-ms`` so the
  SDK's real retry loop runs in milliseconds (the real API's waits are longer).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from .tokens import MESSAGE_OVERHEAD, content_text, estimate_tokens, system_text

DEFAULT_CONTEXT_WINDOW = 200_000
MIN_CACHEABLE_TOKENS = 1024
CACHE_TTL_SECONDS = 300
LOOKBACK_BLOCKS = 20
SUMMARY_MAX_SENTENCES = 6
RETRY_AFTER_MS = "20"

BLOCK_TYPES = {"text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"}
STOPWORDS = frozenset(
    """a an the is are was were be been am do does did i me my mine you your yours we our us it its
    what which who whom whose when where why how that this these those of to in on for with at by
    from about as and or but if then so than too very can could would should will shall may might
    must have has had not no yes please tell know remember again any some there here just also
    okay ok hi hello thanks thank one like get got say said""".split()
)
PERSONAL_WORDS = frozenset("my mine our we us earlier before previous previously said told".split())
GENERAL_ANSWERS = {  # most specific topics first: "sort a list" is about sorting, not lists
    "comprehension": "A list comprehension builds a list in one expression: [x * 2 for x in xs if x > 0].",
    "sort": "Use sorted(items) for a new sorted list, or items.sort() to sort a list in place.",
    "dictionary": "A dict maps keys to values and looks them up by key; a list is indexed by position.",
    "tuple": "A tuple is an immutable sequence; use it for fixed records and as dictionary keys.",
    "set": "A set is an unordered collection of unique items, good for membership tests.",
    "inheritance": "Inheritance lets a class reuse and extend another class's attributes and methods.",
    "class": "A class bundles data and the methods that act on it; instances are made by calling it.",
    "function": "A function is a named, reusable block of code defined with def.",
    "loop": "A for loop runs its body once per item of an iterable; while repeats until a test fails.",
    "variable": "A variable is a name bound to a value, created by assignment: x = 42.",
    "list": "A Python list is an ordered, mutable sequence, written with square brackets: [1, 2, 3].",
}


class SimulatedDisconnect(httpx2.ConnectError):
    """Raised by the transport to act out a dropped connection."""


@dataclass
class Faults:
    """Which HTTP attempts fail, and how. Attempts count from 1 and include the SDK's retries.

    ``Faults({3: "overloaded", 4: "overloaded"})`` makes the 3rd and 4th attempts answer 529;
    kinds are ``"overloaded"`` (529), ``"rate_limit"`` (429) and ``"connection"`` (no answer).
    """

    schedule: dict[int, str] = field(default_factory=dict)

    KINDS = ("overloaded", "rate_limit", "connection")

    def __post_init__(self) -> None:
        for attempt, kind in self.schedule.items():
            if kind not in self.KINDS:
                raise ValueError(f"fault for attempt {attempt} is {kind!r}; choose one of {self.KINDS}")
            if not isinstance(attempt, int) or attempt < 1:
                raise ValueError(f"fault attempt numbers start at 1; got {attempt!r}")


def api_error(status: int, kind: str, message: str, headers: Mapping[str, str] | None = None) -> httpx2.Response:
    """An error response shaped like the API's: ``{"type": "error", "error": {...}}``."""
    body = {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_simulated"}
    return httpx2.Response(status, json=body, headers=dict(headers or {}))


class RequestRejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SimulatedClaude:
    """The transport handler: give it to ``httpx2.MockTransport``. One instance per client."""

    def __init__(self, context_window: int = DEFAULT_CONTEXT_WINDOW, faults: Faults | Mapping[int, str] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.context_window = context_window
        self.faults = faults if isinstance(faults, Faults) else Faults(dict(faults or {}))
        self.attempts = 0
        self.requests: list[dict[str, Any]] = []
        self._cache: dict[str, float] = {}
        self._clock = clock

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if request.method != "POST" or path not in ("/v1/messages", "/v1/messages/count_tokens"):
            return api_error(404, "not_found_error", f"the simulator does not serve {request.method} {path}")
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
            body = json.loads(request.content or b"{}")
            self.requests.append(body)
            messages = check_request(body)
            if path.endswith("count_tokens"):
                return httpx2.Response(200, json={"input_tokens": request_tokens(request_segments(body, messages))})
            return httpx2.Response(200, json=self.create_message(body, messages))
        except RequestRejected as rejected:
            return api_error(400, "invalid_request_error", rejected.message)

    # -- the Messages endpoint ----------------------------------------------------------------

    def create_message(self, body: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
        segments = request_segments(body, messages)
        input_tokens = request_tokens(segments)
        max_tokens = int(body.get("max_tokens", 0))
        if input_tokens > self.context_window:
            raise RequestRejected(f"prompt is too long: {input_tokens} tokens > {self.context_window} maximum")
        if input_tokens + max_tokens > self.context_window:
            raise RequestRejected(
                f"input length and `max_tokens` exceed context limit: {input_tokens} + {max_tokens} > "
                f"{self.context_window}, decrease input length or `max_tokens` and try again")
        content, stop_reason = respond(body, messages)
        content, stop_reason, output_tokens = fit_output(content, stop_reason, max_tokens)
        cache_read, cache_write = self.cache_usage(body, segments)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]
        return {
            "id": f"msg_sim_{digest}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", ""),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens - cache_read - cache_write,
                "output_tokens": output_tokens,
                "cache_creation_input_tokens": cache_write,
                "cache_read_input_tokens": cache_read,
            },
        }

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
        return read_upto, written


# -- request checks, with the API's wording ------------------------------------------------------

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
            if not content.strip() and i < len(messages) - 1:
                raise RequestRejected("messages: all messages must have non-empty content except for the "
                                      "optional final assistant message")
            continue
        if not isinstance(content, list) or not content:
            raise RequestRejected(f"messages.{i}.content: Input should be a valid string or a non-empty list")
        for j, block in enumerate(content):
            check_block(block, f"messages.{i}.content.{j}")
    merged = merge_same_roles(messages)
    check_tool_pairs(merged)
    return merged


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


def blocks_of(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    content = message["content"]
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


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


def fit_output(content: list[dict[str, Any]], stop_reason: str, max_tokens: int):
    """Cut a text reply at ``max_tokens`` the way the API does (stop_reason ``max_tokens``)."""
    text_blocks = [b for b in content if b["type"] == "text"]
    tokens = sum(estimate_tokens(b["text"]) for b in text_blocks)
    tokens += sum(estimate_tokens(json.dumps(b["input"])) + 3 for b in content if b["type"] == "tool_use")
    if tokens <= max_tokens or not text_blocks:
        return content, stop_reason, tokens
    words, kept = text_blocks[0]["text"].split(), []
    for word in words:
        if estimate_tokens(" ".join([*kept, word])) > max_tokens:
            break
        kept.append(word)
    text = " ".join(kept) or words[0][:4]
    return [{"type": "text", "text": text}], "max_tokens", estimate_tokens(text)


# -- composing replies -------------------------------------------------------------------------

def respond(body: Mapping[str, Any], messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """The reply's content blocks and stop reason."""
    last = messages[-1]
    results = [b for b in blocks_of(last) if b.get("type") == "tool_result"]
    texts = [b for b in blocks_of(last) if b.get("type") == "text"]
    question = content_text(texts[-1:]).strip()  # earlier blocks of a combined turn are context
    if last["role"] == "user" and results:
        return [{"type": "text", "text": answer_from_tool(messages, results)}], "end_turn"
    if last["role"] == "user" and is_summary_request(question):
        material = [question.split("\n", 1)[1] if "\n" in question else ""]
        material += [content_text(m["content"]) for m in messages[:-1]]
        return [{"type": "text", "text": summarize("\n".join(material))}], "end_turn"
    tool = wanted_tool(body.get("tools") or [], question)
    if tool is not None and last["role"] == "user":
        digest = hashlib.sha256(question.encode()).hexdigest()[:16]
        call = {"type": "tool_use", "id": f"toolu_sim_{digest}", "name": tool, "input": {"query": question}}
        return [{"type": "text", "text": f"Let me look that up with {tool}."}, call], "tool_use"
    earlier = [content_text(m["content"]) for m in messages[:-1]] + [content_text(texts[:-1])]
    context = system_text(body.get("system")) + "\n" + "\n".join(earlier)
    return [{"type": "text", "text": reply_to(question, context)}], "end_turn"


def is_summary_request(text: str) -> bool:
    first_line = text.split("\n", 1)[0].lower()
    return "summarize" in first_line or "summarise" in first_line or "summary of" in first_line


def wanted_tool(tools: list[Mapping[str, Any]], question: str) -> str | None:
    """The first tool the user names (by name, or with spaces for underscores)."""
    lowered = question.lower()
    for tool in tools:
        name = str(tool.get("name", ""))
        if name and (name.lower() in lowered or name.lower().replace("_", " ") in lowered):
            return name
    return None


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if len(p.strip()) > 2]


def stem(word: str) -> str:
    word = word.lower().strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]*|\d[\w-]*", text)} - STOPWORDS


OWN_PREFIXES = ("From what you sent me:", "Noted:", "(simulated answer)")


def unquoted(sentence: str) -> str:
    """A sentence without the simulator's own framing, so its echoes count as what they quote."""
    for prefix in OWN_PREFIXES:
        if sentence.startswith(prefix):
            sentence = sentence[len(prefix):]
    return sentence.strip().strip('"').strip()


def best_matches(question: str, context: str, limit: int = 2) -> list[str]:
    """Distinct context sentences that cover enough of the question's content words, best first."""
    wanted = content_words(question)
    if not wanted:
        return []
    needed = max(1, math.ceil(len(wanted) * 2 / 3))
    scored: dict[str, tuple[int, int]] = {}
    for order, sentence in enumerate(sentences(context)):
        sentence = unquoted(sentence)
        if not sentence or sentence.endswith("?") or sentence in scored:
            continue  # a question is not an answer; an echo of a sentence is that sentence
        shared = len(wanted & content_words(sentence))
        if shared >= needed:
            scored[sentence] = (-shared, -order)
    return sorted(scored, key=scored.__getitem__)[:limit]


RECAP = re.compile(r"\b(what did we (discuss|talk about|cover)|where were we|what have we (discussed|covered))\b")


def reply_to(question: str, context: str) -> str:
    lowered = question.lower()
    if RECAP.search(lowered):
        return recap(context)
    if not question.rstrip().endswith("?") and not lowered.startswith(("what", "who", "which", "when")):
        return acknowledge(question)
    found = best_matches(question, context)
    if found:
        return "From what you sent me: " + " ".join(f'"{s}"' for s in found)
    words = set(re.findall(r"[a-z]+", lowered))
    if words & PERSONAL_WORDS:
        return "I don't have that information in this conversation."
    return general_answer(question)


def recap(context: str) -> str:
    topics = [s for s in sentences(context) if not s.startswith(("From what you sent me", "Noted", "(simulated"))]
    if not topics:
        return "I don't have any earlier conversation in what you sent me."
    shown = "; ".join(t.rstrip(".?!") for t in topics[:5])
    return f"From what you sent me, we covered: {shown}."


def acknowledge(statement: str) -> str:
    words = statement.split()
    gist = " ".join(words[:25]) + (" ..." if len(words) > 25 else "")
    return f"Noted: {gist}"


def general_answer(question: str) -> str:
    words = {stem(w) for w in re.findall(r"[A-Za-z]+", question)}
    for topic, answer in GENERAL_ANSWERS.items():
        if topic in words:
            return f"(simulated answer) {answer}"
    topic = " ".join(sorted(content_words(question))[:4]) or "that"
    return f"(simulated answer) The offline simulator has no general knowledge of {topic}; it only quotes " \
           "what the conversation contains."


def answer_from_tool(messages: list[dict[str, Any]], results: list[dict[str, Any]]) -> str:
    """Answer the question that triggered the tool call from the tool's output."""
    output = content_text(results)
    asked = next((content_text(m["content"]) for m in reversed(messages[:-1])
                  if m["role"] == "user" and not any(b.get("type") == "tool_result" for b in blocks_of(m))), "")
    found = best_matches(asked, output, limit=1)
    return f"The tool returned: {found[0] if found else sentences(output)[0] if sentences(output) else 'nothing'}"


NUMBER = re.compile(r"\b\d[\d,.:/]*\b")
IDENT = re.compile(r"[#@]?\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]+\b|#\d+")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")


def blur(sentence: str) -> str:
    """Lose the specifics a summary tends to lose: emails, ids, numbers, names."""
    sentence = EMAIL.sub("[an email]", sentence)
    sentence = IDENT.sub("[an id]", sentence)
    sentence = NUMBER.sub("[a number]", sentence)
    return NAME.sub("[a name]", sentence)


def summarize(material: str) -> str:
    """A bounded, deterministic summary: the most central sentences, specifics blurred."""
    candidates = [s for s in sentences(re.sub(r"^(user|assistant):\s*", "", material, flags=re.M))
                  if not s.endswith("?") and not s.startswith(("Noted:", "(simulated", "From what you sent"))]
    if not candidates:
        return "Summary: nothing of substance was discussed."
    frequency: dict[str, int] = {}
    for s in candidates:
        for w in content_words(s):
            frequency[w] = frequency.get(w, 0) + 1
    def centrality(item: tuple[int, str]) -> tuple[float, int]:
        order, s = item
        words = content_words(s)
        return (-sum(frequency[w] for w in words) / (1 + len(words)) ** 0.5, order)
    chosen = sorted(sorted(enumerate(candidates), key=centrality)[:SUMMARY_MAX_SENTENCES])
    unique = list(dict.fromkeys(blur(s) for _, s in chosen))
    return "Summary of the earlier conversation: " + " ".join(unique)
