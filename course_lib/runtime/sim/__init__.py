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
* No prefill: a request whose last turn is the assistant's gets a 400 "This model does not support
  assistant message prefill. The conversation must end with a user message." for every model from
  Claude 4.6 on, the course's default included; only the 4.5 ids in the SDK's list
  (:data:`~.rules.PREFILL_MODELS`) still continue a final assistant turn (without trailing
  whitespace). An empty message is a 400 anywhere except as that optional final assistant turn.
* Thinking (:mod:`.thinking`): ``{"type": "adaptive"}`` or ``{"type": "enabled", "budget_tokens": N}``
  (N at least 1024 and below ``max_tokens``) puts a signed ``thinking`` block before the text; its
  tokens count in ``output_tokens`` and against ``max_tokens``. With ``thinking`` omitted, Mythos
  Preview, Mythos 5 and Fable 5 think adaptively and every other model, the default included, does
  not (:data:`~.thinking.ADAPTIVE_WHEN_OMITTED`). Thinking blocks sent back in history are accepted
  if they carry their ``signature``.
* Server-side context management (beta, :mod:`.context_management`), with the SDK's beta shapes:
  ``clear_tool_uses_20250919`` replaces old tool results once its trigger is reached and reports
  ``context_management.applied_edits``; ``compact_20260112`` replaces the turns before the last
  user turn with a ``compaction`` block written by :func:`summarize`, and a compaction block sent
  back stands for everything before it. Each edit needs its ``anthropic-beta`` header.
* It does not stream: ``"stream": true`` is a 400 that says so, rather than a reply in a shape a
  streaming client cannot read. A body that is not a JSON object is a 400, so the served
  simulator (``course-kit serve``, :mod:`course_lib.runtime.serve`) answers any bytes with the
  API's error shape.
* Faults on a schedule (:class:`Faults`): 529 overloaded, 429 rate limited, or a dropped
  connection on chosen attempt numbers. Error responses carry a short ``retry-after-ms`` so the
  SDK's real retry loop runs in milliseconds (the real API's waits are longer).
"""

from __future__ import annotations

from ...defaults import DEFAULT_CONTEXT_WINDOW
from .answers import best_matches, is_summary_request
from .rules import RequestRejected, check_request
from .summaries import summarize
from .transport import (
    CACHE_TTL_SECONDS,
    LOOKBACK_BLOCKS,
    MIN_CACHEABLE_TOKENS,
    Faults,
    SimulatedClaude,
    SimulatedDisconnect,
)

__all__ = [
    "CACHE_TTL_SECONDS", "DEFAULT_CONTEXT_WINDOW", "Faults", "LOOKBACK_BLOCKS", "MIN_CACHEABLE_TOKENS",
    "RequestRejected", "SimulatedClaude", "SimulatedDisconnect", "best_matches", "check_request",
    "is_summary_request", "summarize",
]
