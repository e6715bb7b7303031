"""Properties every manager keeps over random conversations with tool calls and long tool results.

Each example plays a random script (statements, questions, tool calls whose results run up to a
few thousand tokens, some answered with a ``[tool_result, text]`` turn, facts pinned along the
way) against a small simulated context window, and checks every request the manager made and its
state after each send: valid as a request (tool pairs kept, ending with a user turn) and fitting.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib import client_info, make_client, validate_messages
from course_lib.managers import (
    PINNED_HEADER,
    SUMMARIZER_SYSTEM,
    ContextOverflowError,
    ConversationManager,
    LongConversationManager,
    Overflow,
    SlidingWindowManager,
    SmartConversationManager,
    TokenWindowManager,
    manager_from_state,
    parse_overflow,
)
from course_lib.messages import exchange_starts
from course_lib.tokens import estimate_message_tokens, estimate_request_tokens, estimate_tokens

WINDOW = 1500
MAX_TOKENS = 100
HISTORY_BUDGET = 300
TOOLS = [{"name": "search_docs", "description": "Search the docs.",
          "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
SMART = {"token_threshold": 400, "recent_turns_to_keep": 1, "summary_max_tokens": 60, "summary_input_budget": 400}
MAKERS = {
    "full": lambda c: ConversationManager(c, max_tokens=MAX_TOKENS, tools=TOOLS),
    "window": lambda c: SlidingWindowManager(c, window_size=3, max_tokens=MAX_TOKENS, tools=TOOLS),
    "token": lambda c: TokenWindowManager(c, history_budget=HISTORY_BUDGET, max_tokens=MAX_TOKENS, tools=TOOLS),
    "smart": lambda c: SmartConversationManager(c, max_tokens=MAX_TOKENS, tools=TOOLS, **SMART),
    "long": lambda c: LongConversationManager(c, max_tokens=MAX_TOKENS, tools=TOOLS, **SMART),
}
PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VOCAB = ("billing invoice refund account service deploy region customer ticket python list order night "
         "weekly report dashboard").split()
sentence = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=14).map(lambda ws: " ".join(ws).capitalize())
step = st.one_of(
    sentence.map(lambda s: ("say", s + ".")),
    sentence.map(lambda s: ("ask", f"What about the {s.lower()}?")),
    st.tuples(st.just("tool"), st.integers(0, 1600)),  # words in the tool result: up to past the window
    # a user turn [tool_result, text]: valid for the API, and it continues the exchange (issue 14)
    st.tuples(st.just("tool+text"), st.integers(0, 400)),
    st.integers(0, 99).map(lambda k: ("pin", k)),
)
conversations = st.lists(step, min_size=1, max_size=10)


def is_summary(request):
    return request.get("system") == SUMMARIZER_SYSTEM


def has_lead(messages):
    return "Summary of our earlier conversation" in json.dumps(messages[0])


def request_size(request):
    return estimate_request_tokens(request["messages"], request.get("system"), request.get("tools"))


class Checker:
    """Plays a script and checks every send; a failed check names the step."""

    def __init__(self, kind):
        self.kind = kind
        self.client = make_client("simulated", context_window=WINDOW)
        self.sim = client_info(self.client).simulator
        self.manager = MAKERS[kind](self.client)
        self.successes = 0

    def send(self, content):
        manager = self.manager
        before, seen = list(manager.transcript), len(self.sim.requests)
        facts = list(manager.pinned_facts)
        try:
            manager.send(content)
            ok = True
        except ContextOverflowError:
            ok = False
        # the transcript never loses a message, and grows by a whole turn or not at all
        assert manager.transcript[:len(before)] == before
        assert len(manager.transcript) == len(before) + (2 if ok else 0)
        self.successes += ok
        new = self.sim.requests[seen:]
        turns = [r for r in new if not is_summary(r)]
        summaries = [r for r in new if is_summary(r)]
        assert 1 <= len(turns) <= 2 and len(summaries) <= (1 if ok else 0)
        for request in new:
            assert validate_messages(request["messages"], request=True) == []
        for request in turns:
            self.check_pins(request, facts)
        for request in summaries:
            assert "ZX-" not in json.dumps(request), "a pinned fact reached the summarizer"
        final = turns[-1]
        fits = request_size(final) + MAX_TOKENS <= WINDOW
        if ok:
            assert fits and all(request_size(r) + MAX_TOKENS > WINDOW for r in turns[:-1])
            if self.kind == "token":
                self.check_history_budget(final, facts)
        else:  # it only gives up when nothing but the current exchange (and pins, summary) was left
            rest = final["messages"][2:] if has_lead(final["messages"]) else final["messages"]
            assert not fits and exchange_starts(rest) == [0]
        return ok

    def check_pins(self, request, facts):
        first = request["messages"][0]["content"]
        if not facts:
            assert PINNED_HEADER not in json.dumps(request)
            return
        text = first[0]["text"]
        assert text.startswith(PINNED_HEADER) and all(f"- {fact}" in text for fact in facts)

    def check_history_budget(self, request, facts):
        messages = request["messages"]
        newest = exchange_starts(messages)[-1]
        history = sum(estimate_message_tokens(m) for m in messages[:newest])
        if facts and newest > 0:
            history -= estimate_tokens(self.manager.pinned_block())
        assert history <= HISTORY_BUDGET

    def answer_tool_call(self, words, remark=None):
        if not self.send("Please use search_docs to find the weekly report."):
            return
        (call,) = self.manager.pending_tool_calls()
        result = " ".join(["row"] * words) or "No rows."
        extra = [{"type": "text", "text": remark}] if remark else []
        if not self.send([{"type": "tool_result", "tool_use_id": call["id"], "content": result}, *extra]):
            assert self.send([{"type": "tool_result", "tool_use_id": call["id"],
                               "content": "The result was too long to include."}, *extra])

    def play(self, script):
        for action, value in script:
            if action == "pin":
                self.manager.pin(f"Fact {value}: the code is ZX-{value}.")
            elif action in ("tool", "tool+text"):
                self.answer_tool_call(value, remark="Also, keep it short." if action == "tool+text" else None)
            else:
                self.send(value)
        if isinstance(self.manager, SmartConversationManager):
            assert estimate_tokens(self.manager.get_summary()) <= self.manager.summary_max_tokens
        state = self.manager.to_state()
        assert manager_from_state(json.loads(json.dumps(state)), client=self.client).to_state() == state
        assert len(self.manager.transcript) == 2 * self.successes


@pytest.mark.parametrize("kind", sorted(MAKERS))
@PROPERTY_SETTINGS
@given(script=conversations)
def test_every_request_is_valid_fits_and_loses_nothing(kind, script):
    Checker(kind).play(script)


# -- pure properties, no API --------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(sizes=st.lists(st.tuples(st.integers(1, 300), st.integers(1, 300)), min_size=1, max_size=25),
       budget=st.integers(1, 2000))
def test_token_window_matches_the_obvious_walk(sizes, budget):
    manager = TokenWindowManager(make_client("simulated"), history_budget=budget)
    for user_words, assistant_words in sizes:
        manager.add_message({"role": "user", "content": " ".join(["ask"] * user_words)})
        manager.add_message({"role": "assistant", "content": " ".join(["answer"] * assistant_words)})
    messages = [e.message for e in manager.transcript]
    starts = exchange_starts(messages)
    kept, used = starts[-1], 0
    for start, end in reversed(list(zip(starts, starts[1:], strict=False))):
        cost = sum(estimate_message_tokens(m) for m in messages[start:end])
        if used + cost > budget:
            break
        kept, used = start, used + cost
    assert manager.get_messages() == messages[kept:]
    assert manager.history_tokens() == used <= budget


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 10**7), k=st.integers(0, 10**6), m=st.integers(1, 10**7))
def test_parse_overflow_reads_both_wordings(n, k, m):
    assert parse_overflow(f"prompt is too long: {n} tokens > {m} maximum") == Overflow(n, m)
    wording = (f"input length and `max_tokens` exceed context limit: {n} + {k} > {m}, decrease input length "
               "or `max_tokens` and try again")
    assert parse_overflow(wording) == Overflow(n, m, k)
