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

from ...defaults import DEFAULT_CONTEXT_WINDOW
from .answers import is_summary_request
from .matching import best_matches
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
