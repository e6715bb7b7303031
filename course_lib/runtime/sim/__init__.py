"""A simulated Claude behind the real SDK, so the course runs offline, free and deterministic.

Introduced in notebook 00_start_here. ``make_client("simulated")`` plugs :class:`SimulatedClaude`
into ``anthropic.Anthropic`` as an ``httpx2.MockTransport``: your code calls the real SDK, gets
real ``anthropic.types.Message`` objects and real SDK exceptions; only the far end is fake.

What it does, and the rules it follows (every one is deterministic):

* Remembers what the user said (:mod:`.memory`), per request: the system prompt (pinned facts
  included), user messages, summaries and tool results are split into clauses, in order; assistant
  turns are never read, so the simulator never quotes itself. A later correction replaces the
  earlier value: "X not Y" rewrites every earlier clause saying Y; "make that 22k", "it's 8 of us
  now", "scratch that, ...", "sorry typo earlier, the order number is actually KX-4417-B" replace
  the earlier value of the same kind (:mod:`.values`: time, amount, name or code) in the latest
  clause about the same thing; so do "they moved me to thursday", "my mistake, it starts at 9.15".
  The answer then gives the new value and never the old one.
* Tells questions from statements by form (:mod:`.questions`), not only by "?": "whats our spending
  limit" asks; "when i was in lisbon i lost my passport" tells. A statement gets a short
  acknowledgement ("Got it.", "Got it, I've updated that." after a correction).
* Answers from meaning (:mod:`.matching`). Each remembered clause scores how much of the question's
  meaning-bearing words it covers: a shared stem fully, a word close in meaning partly, by the
  cosine of their WordLlama embeddings (:mod:`course_lib.embeddings`, offline: "boss" finds
  "manager", "staff" finds "employee"); a quarter of the score is the whole question's similarity to
  the whole clause. The question's type is a cue: "who" wants a name, "when" a time, "how many" an
  amount, "how much ... cost" money, "where" a place, "which number" a code, and the clause must
  hold such a value that the question does not already contain. A possessed word belongs to its
  owner ("my flight" is not answered by "my sister's flight"), a modifier the context never uses
  still counts ("email password" is not answered by "the wifi password"), members of a closed
  class never stand for one another (sister/brother, Monday/Tuesday), and a phrase is about its last
  noun ("which race" is not answered by "my running watch", "who's the cat's vet" not by "the cat
  sitter is Jo"). The best clause at or above
  :data:`.matching.STRONG_MATCH` is said back as a sentence in the second person ("my manager is Dev
  Okafor" -> "Your manager is Dev Okafor."); the later of two equal clauses wins. Below it, a
  question about the conversation gets "I don't have that information in this conversation."
  When the best clause holds a value a summary blurred ("My account number is [an id]") and no other
  clause holds the exact one (a pinned fact does), the reply says what the summary says and that
  the value was not kept.
* Python questions (:mod:`.python_docs`): only a question that names something of Python's (a list,
  a dict, a function, ...) and is not about the conversation or a person in it (no "my", "again",
  "who", "Priya's") is answered from the documentation that ships with the interpreter, what
  ``help()`` shows (``pydoc_data.topics``, builtin docstrings), the passage
  picked deterministically and its source named: ``(simulated answer, from Python's
  help("SEQUENCES")) Lists are mutable sequences, ...``. The system prompt's length instruction
  is followed ("Answer in 1 sentence." gives one sentence, "be brief" one); otherwise a paragraph
  or two. Every reply is cut at ``max_tokens`` with ``stop_reason: "max_tokens"``. Any other
  general question gets a short refusal marked ``(simulated answer)``.
* Recaps. "What did we discuss?" lists what any summary in the request says, then the topics of
  the user's questions since ("How do I sort a list?" -> "sort a list").
* Summaries (:mod:`.summaries`). A request whose last user message asks to summarize gets a
  bounded summary by a documented lossy rule: the topics of the user's questions are kept; of the
  statements, what is decided, preferred or repeated is kept first (at most
  :data:`.summaries.SUMMARY_MAX_SENTENCES` sentences); a number, id, email or name said only once on the
  user's side is blurred ("[a number]", "[an id]"), one said twice or kept by the previous summary
  survives; a reply that only says back a line of the user's (or of the previous summary) is left
  out. So a fact planted once is lost unless it is pinned.
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
* Streaming (:mod:`.streaming`): with ``"stream": true`` the finished reply is played as the API's
  server-sent events (``message_start``, each block's start, deltas and stop, ``ping``,
  ``message_delta``, ``message_stop``), so ``messages.stream()`` and ``create(stream=True)`` work
  and rebuild the same message. A body that is not a JSON object is a 400, so the served
  simulator (``course-kit serve``, :mod:`course_lib.runtime.serve`) answers any bytes with the
  API's error shape.
* Faults on a schedule (:class:`Faults`): 529 overloaded, 429 rate limited, a dropped
  connection, or a stream that fails halfway (an ``error`` event, or a drop) on chosen attempt
  numbers. Error responses carry a short ``retry-after-ms`` so the SDK's real retry loop runs in
  milliseconds (the real API's waits are longer).
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
