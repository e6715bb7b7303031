"""The conversation managers against the simulated Claude: what they send, and what they never lose."""

import importlib.util
import json
import sys
from pathlib import Path

import anthropic
import pytest

from course_lib import DEFAULT_MODEL, Faults, InvalidHistoryError, client_info, make_client, validate_messages
from course_lib.managers import (
    PINNED_HEADER,
    SUMMARIZER_SYSTEM,
    ContextOverflowError,
    ConversationError,
    ConversationManager,
    Entry,
    LongConversationManager,
    Overflow,
    SlidingWindowManager,
    SmartConversationManager,
    StateError,
    TokenWindowManager,
    manager_from_state,
    parse_overflow,
)
from course_lib.messages import exchange_starts
from course_lib.storage import CorruptSessionError
from course_lib.tokens import estimate_message_tokens, estimate_request_tokens, estimate_tokens

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["What is a Python list?", "How do I sort a list?", "What about list comprehensions?",
             "How do dictionaries differ from lists?", "What are sets?", "When should I use tuples?"]
TOOLS = [{"name": "search_docs", "description": "Search the product documentation.",
          "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
USAGE_KEYS = {"turn", "kind", "input_tokens", "output_tokens", "cache_creation_input_tokens",
              "cache_read_input_tokens", "messages_sent"}


def sim(client):
    return client_info(client).simulator


def words(n, word="word"):
    return " ".join([word] * n)


def turn_requests(client):
    return [r for r in sim(client).requests if r.get("system") != SUMMARIZER_SYSTEM]


def summary_requests(client):
    return [r for r in sim(client).requests if r.get("system") == SUMMARIZER_SYSTEM]


def chat(manager, questions=QUESTIONS):
    return [manager.send(q) for q in questions]


def tool_turn(manager, question="Please use search_docs to find the refund window.",
              result="The refund window is 30 days from delivery."):
    manager.send(question)
    (call,) = manager.pending_tool_calls()
    return manager.send([{"type": "tool_result", "tool_use_id": call["id"], "content": result}])


def first_text(message):
    content = message["content"]
    return content if isinstance(content, str) else content[0].get("text", "")


# -- full history ---------------------------------------------------------------------------------

def test_full_history_sends_exactly_get_messages_plus_the_new_message():
    client = make_client("simulated")
    manager = ConversationManager(client, system_prompt="Answer in 1 sentence.")
    for question in QUESTIONS[:3]:
        expected = [*manager.get_messages(), {"role": "user", "content": question}]
        manager.send(question)
        sent = sim(client).requests[-1]
        assert sent["messages"] == expected
        assert sent["system"] == "Answer in 1 sentence." and sent["model"] == DEFAULT_MODEL
    assert len(manager.transcript) == 6 and manager.get_messages() == [e.message for e in manager.transcript]


def test_defaults_use_make_client_and_the_one_default_model():
    manager = ConversationManager()
    assert client_info(manager.client).mode == "simulated"  # tests run without a key
    manager.send("Hello there.")
    assert sim(manager.client).requests[-1]["model"] == DEFAULT_MODEL == manager.model
    for path in (ROOT / "course_lib").rglob("*.py"):  # the simulator's tables of model families may name others
        if path.name != "defaults.py":
            assert DEFAULT_MODEL not in path.read_text(), f"{path}: the default model id is named once, in defaults.py"


def test_token_usage_comes_from_the_responses():
    client = make_client("simulated")
    manager = ConversationManager(client)
    chat(manager, QUESTIONS[:3])
    sent = [estimate_request_tokens(r["messages"], r.get("system")) for r in sim(client).requests]
    usage = manager.get_token_usage()
    assert usage["total_input_tokens"] == sum(sent) and usage["requests"] == 3
    assert usage["total_output_tokens"] == sum(row["output_tokens"] for row in manager.usage_log) > 0
    assert usage["message_count"] == 6 and usage["messages_sent_last"] == 5
    assert usage["cache_creation_input_tokens"] == usage["cache_read_input_tokens"] == 0
    assert all(set(row) == USAGE_KEYS and row["kind"] == "turn" for row in manager.usage_log)
    assert [row["turn"] for row in manager.usage_log] == [1, 2, 3]


def test_get_messages_returns_copies():
    manager = ConversationManager(make_client("simulated"))
    manager.send("Hello there.")
    manager.get_messages()[0]["content"] = "edited"
    assert manager.transcript[0].message["content"] == "Hello there."


def test_transcript_entries_carry_time_tokens_and_flags():
    manager = ConversationManager(make_client("simulated"))
    manager.send("Hello there.")
    entry = manager.transcript[0]
    assert isinstance(entry, Entry) and entry.timestamp > 0 and entry.importance is None and not entry.pinned
    assert entry.tokens == estimate_message_tokens(entry.message)


# -- failures leave no trace ------------------------------------------------------------------------

def test_connection_failure_removes_the_phantom_message_and_chains_the_cause():
    client = make_client("simulated", faults=Faults({1: "connection", 2: "connection", 3: "connection"}))
    manager = ConversationManager(client)
    with pytest.raises(ConversationError, match="could not be reached") as caught:
        manager.send("Hello there.")
    assert isinstance(caught.value.__cause__, anthropic.APIConnectionError)
    assert sim(client).attempts == 3  # the SDK's own retries ran out first; the manager adds none
    assert manager.transcript == [] and manager.usage_log == [] and manager.turns == 0
    reply = manager.send("Hello there.")  # attempt 4: the conversation goes on
    assert sim(client).attempts == 4 and reply.strip()
    assert [e.message["role"] for e in manager.transcript] == ["user", "assistant"]


def test_overload_mid_conversation_keeps_the_history_valid():
    client = make_client("simulated", faults={2: "overloaded", 3: "overloaded", 4: "overloaded"})
    manager = SlidingWindowManager(client, window_size=4)
    manager.send("Hello there.")
    with pytest.raises(ConversationError, match="overloaded") as caught:
        manager.send("What is a Python list?")
    assert isinstance(caught.value.__cause__, anthropic.OverloadedError)
    assert len(manager.transcript) == 2 and validate_messages(manager.get_messages()) == []
    manager.send("What is a Python list?")
    assert [e.message["role"] for e in manager.transcript] == ["user", "assistant"] * 2


def test_a_400_from_the_api_removes_the_message():
    client = make_client("simulated")
    manager = ConversationManager(client)
    manager.send("Hello there.")
    with pytest.raises(ConversationError, match="400") as caught:
        manager.send([{"type": "made_up_block", "text": "hi"}])  # passes the kit's rules, not the API's
    assert isinstance(caught.value.__cause__, anthropic.BadRequestError)
    assert len(manager.transcript) == 2 and sim(client).attempts == 2


def test_text_while_a_tool_call_is_pending_is_refused_before_any_request():
    client = make_client("simulated")
    manager = ConversationManager(client, tools=TOOLS)
    manager.send("Please use search_docs to find the refund window.")
    assert manager.last_stop_reason == "tool_use" and manager.pending_tool_calls()
    # the API itself rejects this history with a 400 ...
    history = [*manager.get_messages(), {"role": "user", "content": "Never mind."}]
    with pytest.raises(anthropic.BadRequestError, match="tool_result"):
        manager.client.messages.create(model=DEFAULT_MODEL, max_tokens=100, messages=history, tools=TOOLS)
    attempts = sim(client).attempts
    # ... so the manager refuses it first, and adds nothing
    with pytest.raises(InvalidHistoryError, match="tool_use_unanswered"):
        manager.send("Never mind.")
    assert sim(client).attempts == attempts and len(manager.transcript) == 2


@pytest.mark.parametrize("make", [lambda c: SlidingWindowManager(c, window_size=1, tools=TOOLS),
                                  lambda c: TokenWindowManager(c, history_budget=1, tools=TOOLS)])
def test_a_pending_tool_call_is_checked_even_when_the_view_would_leave_it_out(make):
    client = make_client("simulated")
    manager = make(client)
    manager.send("Please use search_docs to find the refund window.")
    with pytest.raises(InvalidHistoryError, match="tool_use_unanswered"):
        manager.send("Never mind.")  # the view alone ([this message]) would look fine
    assert sim(client).attempts == 1 and len(manager.transcript) == 2


def test_an_orphan_tool_result_is_refused_before_any_request():
    client = make_client("simulated")
    manager = ConversationManager(client)
    manager.send("Hello there.")
    with pytest.raises(InvalidHistoryError, match="tool_result_orphan"):
        manager.send([{"type": "tool_result", "tool_use_id": "toolu_nowhere", "content": "42"}])
    assert sim(client).attempts == 1 and len(manager.transcript) == 2


def test_keyboard_interrupt_during_a_request_leaves_no_trace(monkeypatch):
    manager = ConversationManager(make_client("simulated"))
    manager.send("Hello there.")

    def interrupted(**_):
        raise KeyboardInterrupt

    monkeypatch.setattr(manager.client.messages, "create", interrupted)
    with pytest.raises(KeyboardInterrupt):
        manager.send("What is a Python list?")
    assert len(manager.transcript) == 2 and manager.turns == 1


@pytest.mark.parametrize("content", ["", "   ", [], [{"text": "no type"}], 42])
def test_bad_content_is_refused_without_a_request(content):
    client = make_client("simulated")
    manager = ConversationManager(client)
    with pytest.raises((TypeError, ValueError)):
        manager.send(content)
    assert manager.transcript == [] and sim(client).attempts == 0


# -- tools ------------------------------------------------------------------------------------------

def test_tool_round_trip_keeps_the_tool_use_and_returns_text():
    client = make_client("simulated")
    manager = ConversationManager(client, tools=TOOLS)
    reply = manager.send("Please use search_docs to find the refund window.")
    assert reply == "Let me look that up with search_docs."
    (call,) = manager.pending_tool_calls()
    assert call["name"] == "search_docs" and sim(client).requests[-1]["tools"] == TOOLS
    answer = manager.send([{"type": "tool_result", "tool_use_id": call["id"],
                            "content": "The refund window is 30 days from delivery."}])
    assert "30 days" in answer and manager.pending_tool_calls() == []
    assert [e.message["role"] for e in manager.transcript] == ["user", "assistant", "user", "assistant"]
    assert validate_messages([e.message for e in manager.transcript]) == []


# -- sliding window ---------------------------------------------------------------------------------

@pytest.mark.parametrize("window_size", [1, 2, 3, 4, 5])
def test_sliding_window_never_starts_with_assistant_nor_splits_tool_pairs(window_size):
    client = make_client("simulated")
    manager = SlidingWindowManager(client, window_size=window_size, tools=TOOLS)
    for question in QUESTIONS[:2]:
        manager.send(question)
    tool_turn(manager)
    for question in QUESTIONS[2:4]:
        manager.send(question)
    for request in sim(client).requests:
        messages = request["messages"]
        assert validate_messages(messages) == [], messages
        assert len(messages) <= window_size or exchange_starts(messages) == [0], messages
    assert len(manager.transcript) == 12  # the transcript keeps everything the window dropped


def test_sliding_window_sends_the_last_n_messages():
    client = make_client("simulated")
    manager = SlidingWindowManager(client, window_size=4)
    chat(manager)
    sent = sim(client).requests[-1]["messages"]
    transcript = [e.message for e in manager.transcript]
    assert sent == transcript[-4:-1]  # 4 would start with an assistant message, so 3 are sent
    assert manager.get_messages() == transcript[-4:]
    assert manager.get_token_usage()["messages_sent_last"] == 3


def test_an_exchange_longer_than_the_window_is_kept_whole():
    client = make_client("simulated")
    manager = SlidingWindowManager(client, window_size=2, tools=TOOLS)
    manager.send("Hello there.")
    tool_turn(manager)
    last = sim(client).requests[-1]["messages"]
    assert len(last) == 3 and last[0]["content"].startswith("Please use search_docs")
    assert manager.pending_tool_calls() == []


# -- token window -----------------------------------------------------------------------------------

def build(manager, sizes):
    """Record exchanges of user/assistant messages with the given word counts, without the API."""
    for user_words, assistant_words in sizes:
        manager.add_message({"role": "user", "content": words(user_words, "ask")})
        manager.add_message({"role": "assistant", "content": words(assistant_words, "answer")})


def oracle_start(messages, budget):
    """Where a token window over ``messages`` should start, computed the slow, obvious way."""
    starts = exchange_starts(messages)
    kept = starts[-1]
    used = 0
    for start, end in reversed(list(zip(starts, starts[1:], strict=False))):
        cost = sum(estimate_message_tokens(m) for m in messages[start:end])
        if used + cost > budget:
            break
        used, kept = used + cost, start
    return kept


@pytest.mark.parametrize("budget", [1, 40, 100, 250, 10_000])
def test_token_window_keeps_only_the_newest_exchanges_that_fit(budget):
    manager = TokenWindowManager(make_client("simulated"), history_budget=budget)
    build(manager, [(30, 10), (5, 5), (200, 3), (8, 8), (12, 40), (3, 3)])
    messages = [e.message for e in manager.transcript]
    start = oracle_start(messages, budget)
    assert manager.get_messages() == messages[start:]
    assert manager.history_tokens() <= budget
    if start > 0:  # the next older exchange would not have fitted
        previous = max(s for s in exchange_starts(messages) if s < start)
        extra = sum(estimate_message_tokens(m) for m in messages[previous:start])
        assert manager.history_tokens() + extra > budget


def test_token_window_sends_within_budget_and_drops_a_huge_tool_result_whole():
    client = make_client("simulated")
    manager = TokenWindowManager(client, history_budget=300, tools=TOOLS)  # a Python answer fits, 400 words do not
    manager.send("Hello there.")
    tool_turn(manager, result=words(400, "log"))
    manager.send("What is a Python list?")
    sent = sim(client).requests[-1]["messages"]
    # the tool exchange did not fit, so it went whole; the view is a contiguous run of the newest
    # exchanges, so the small exchange before it went too (skipping over one would leave a gap)
    assert sent == [{"role": "user", "content": "What is a Python list?"}]
    manager.send("What are sets?")
    assert [m["content"] for m in sim(client).requests[-1]["messages"]][0] == "What is a Python list?"


def test_token_window_never_recounts_the_history(monkeypatch):
    import course_lib.managers.transcript as transcript

    calls = []

    def counting(message):
        calls.append(message)
        return estimate_message_tokens(message)

    manager = TokenWindowManager(make_client("simulated"), history_budget=500, token_counter=counting)
    build(manager, [(10, 10)] * 200)
    assert len(calls) == 400  # each message counted once, when added, by the injected counter
    calls.clear()
    monkeypatch.setattr(transcript, "starts_exchange", lambda m: calls.append(m) or True)
    manager.get_messages()
    assert calls == []  # token counts and exchange starts were cached when the messages were added


# -- pinned facts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda c: ConversationManager(c), lambda c: SlidingWindowManager(c, window_size=2),
    lambda c: TokenWindowManager(c, history_budget=30),
    lambda c: SmartConversationManager(c, token_threshold=60, recent_turns_to_keep=1),
    lambda c: LongConversationManager(c, token_threshold=60, recent_turns_to_keep=1)])
def test_pinned_facts_open_every_request_and_never_reach_the_summarizer(make):
    client = make_client("simulated")
    manager = make(client)
    manager.pin("Account number: ACC-88412.")
    chat(manager)
    manager.pin("Preferred contact: email.")
    manager.send("What is my account number?")
    for request in turn_requests(client):
        block = request["messages"][0]["content"][0]
        assert block["text"].startswith(PINNED_HEADER) and "- Account number: ACC-88412." in block["text"]
    assert "Preferred contact: email." in turn_requests(client)[-1]["messages"][0]["content"][0]["text"]
    assert "ACC-88412" in manager.transcript[-1].message["content"]  # the fact survives every strategy
    for request in summary_requests(client):
        assert "ACC-88412" not in json.dumps(request) and "Preferred contact" not in json.dumps(request)
    assert all(e.message["content"] != manager.pinned_block() for e in manager.transcript)


def test_pin_rejects_empty_and_keeps_one_copy():
    manager = ConversationManager(make_client("simulated"), pinned_facts=["Plan: gold."])
    manager.pin("Plan:   gold.")
    assert manager.pinned_facts == ["Plan: gold."]
    with pytest.raises(ValueError, match="pinned fact"):
        manager.pin("  ")


# -- summaries --------------------------------------------------------------------------------------

def smart(client, **kwargs):
    kwargs.setdefault("token_threshold", 150)
    kwargs.setdefault("recent_turns_to_keep", 2)
    return SmartConversationManager(client, **kwargs)


def test_summarizes_only_after_the_threshold_is_crossed():
    client = make_client("simulated")
    manager = smart(client)
    chat(manager)
    turns = [row for row in manager.usage_log if row["kind"] == "turn"]
    # the first turn over the threshold that has turns older than the 2 recent ones to fold in
    first_crossing = next(row["turn"] for row in turns if row["input_tokens"] > 150 and row["turn"] > 2)
    summaries = [row for row in manager.usage_log if row["kind"] == "summary"]
    assert first_crossing > 1 and summaries and summaries[0]["turn"] == first_crossing
    assert all(row["input_tokens"] > 150 for row in turns if row["turn"] in {s["turn"] for s in summaries})


def test_summary_request_makes_the_simulator_summarize_and_renders_tools_as_text():
    client = make_client("simulated")
    manager = smart(client, token_threshold=10_000, recent_turns_to_keep=1, tools=TOOLS)
    manager.send("My name is Dana and I work on the billing service.")
    tool_turn(manager)
    manager.send("What is a Python list?")
    assert manager.summarize()
    (request,) = summary_requests(client)
    assert "tools" not in request and request["max_tokens"] == manager.summary_max_tokens
    (message,) = request["messages"]
    first, *material = message["content"].split("\n")
    assert "Summarize" in first
    assert material[0] == "user: My name is Dana and I work on the billing service."
    assert all(line.startswith(("user: ", "assistant: ")) for line in material)
    assert any("[called tool search_docs with" in line for line in material)
    assert any(line.startswith("user: [tool result: The refund window is 30 days") for line in material)
    assert manager.summary_history[0]["start"] == 0 and manager.summary_history[0]["end"] == 6
    assert manager.get_summary() and "[a name]" in manager.get_summary()  # the simulator blurs specifics


def test_summary_enters_as_a_pair_and_recent_turns_stay_verbatim():
    client = make_client("simulated")
    manager = smart(client, token_threshold=10_000, recent_turns_to_keep=2)
    chat(manager)
    assert manager.summarize()
    view = manager.get_messages()
    transcript = [e.message for e in manager.transcript]
    assert view[0]["role"] == "user" and manager.get_summary() in view[0]["content"]
    assert view[1]["role"] == "assistant" and view[2:] == transcript[-4:]
    assert manager.summary_history[0]["end"] == len(transcript) - 4
    assert validate_messages(view) == []


def test_summaries_chain_instead_of_concatenating():
    client = make_client("simulated")
    manager = smart(client, token_threshold=10_000, recent_turns_to_keep=1)
    chat(manager, ["My name is Dana and I work on the billing service.", *QUESTIONS[:2]])
    assert manager.summarize()
    first = manager.get_summary()
    chat(manager, ["The billing service sends invoices every night.", *QUESTIONS[3:]])
    assert manager.summarize()
    second_request = summary_requests(client)[-1]["messages"][0]["content"].split("\n")
    assert second_request[1] == first  # the previous summary is the material's first line ...
    assert all(line.startswith(("user: ", "assistant: ")) for line in second_request[2:])
    assert not any("My name is" in line for line in second_request[2:])  # ... not the messages it covered
    (one, two) = manager.summary_history
    assert (one["start"], one["end"], two["start"], two["end"]) == (0, 4, 4, 12)
    assert two["chained"] and not one["chained"]
    assert "work on the billing service" in manager.get_summary() and "invoices" in manager.get_summary()


def test_summary_size_is_bounded():
    client = make_client("simulated")
    manager = smart(client, token_threshold=10_000, recent_turns_to_keep=1, summary_max_tokens=12)
    chat(manager, ["My name is Dana and I work on the billing service in the north office.",
                   "The billing service runs nightly invoices for enterprise customers across regions.",
                   "Our deploys happen on Tuesdays after the change advisory board approves them.", "Thanks."])
    assert manager.summarize()
    assert summary_requests(client)[-1]["max_tokens"] == 12
    assert estimate_tokens(manager.get_summary()) <= 12
    assert manager.summary_history[0]["summary_tokens"] <= 12


def test_chained_summaries_stay_bounded():
    client = make_client("simulated")
    manager = smart(client, token_threshold=10_000, recent_turns_to_keep=1, summary_max_tokens=40)
    facts = ["Dana works on the billing service.", "The billing service sends invoices nightly.",
             "Invoices go to enterprise customers in each region.", "Each region has its own billing team.",
             "The billing team reviews failed invoices every morning.", "Failed invoices are retried twice."]
    for fact in facts:
        manager.send(fact)
        manager.send("Thanks.")
        assert manager.summarize()
        assert estimate_tokens(manager.get_summary()) <= 40
    assert len(manager.summary_history) == len(facts)


def test_a_summary_longer_than_asked_is_cut(monkeypatch):
    client = make_client("simulated")
    manager = smart(client, token_threshold=10_000, recent_turns_to_keep=1, summary_max_tokens=20)
    chat(manager, QUESTIONS[:3])
    real_create = manager.client.messages.create

    def wordy(**request):  # a real tokenizer can disagree with the kit's estimate
        response = real_create(**request)
        if request.get("system") == SUMMARIZER_SYSTEM:
            response.content[0].text = words(200, "detail")
        return response

    monkeypatch.setattr(manager.client.messages, "create", wordy)
    assert manager.summarize()
    assert estimate_tokens(manager.get_summary()) <= 20 and manager.get_summary().endswith("\u2026")


def test_summary_material_is_bounded_by_the_input_budget():
    client = make_client("simulated")
    manager = smart(client, token_threshold=10_000, recent_turns_to_keep=1, summary_input_budget=100)
    manager.send(words(600, "log"))
    chat(manager, QUESTIONS[:3])
    assert manager.summarize()
    request = summary_requests(client)[-1]
    assert estimate_request_tokens(request["messages"], request["system"]) < 200
    assert manager.summary_history[0]["end"] == 2  # only the first (huge) exchange fitted this time
    assert manager.summarize() and manager.summary_history[-1]["start"] == 2


def test_failed_summary_keeps_everything_and_a_later_turn_summarizes():
    # every turn crosses the threshold; turn 2's summary request is attempts 3-5, all overloaded
    client = make_client("simulated", faults={3: "overloaded", 4: "overloaded", 5: "overloaded"})
    manager = SmartConversationManager(client, token_threshold=1, recent_turns_to_keep=1)
    manager.send(QUESTIONS[0])
    with pytest.warns(RuntimeWarning, match="summarization failed"):
        reply = manager.send(QUESTIONS[1])
    assert reply.startswith("(simulated answer")  # the conversation went on
    assert manager.summary is None and manager.summary_history == [] and "overloaded" in manager.last_summary_error
    assert manager.get_messages() == [e.message for e in manager.transcript]  # nothing dropped
    manager.send(QUESTIONS[2])
    assert manager.last_summary_error is None
    assert [(h["start"], h["end"]) for h in manager.summary_history] == [(0, 4)]  # the kept messages too


def test_long_manager_folds_the_summary_into_the_system_prompt():
    client = make_client("simulated")
    manager = LongConversationManager(client, system_prompt="Answer in 1 sentence.", token_threshold=10_000,
                                      recent_turns_to_keep=1)
    chat(manager, ["My name is Dana and I work on the billing service.", *QUESTIONS[:2]])
    assert manager.summarize()
    chat(manager, QUESTIONS[2:4])
    assert manager.summarize()
    manager.send(QUESTIONS[4])
    system = turn_requests(client)[-1]["system"]
    assert system.startswith("Answer in 1 sentence.") and system.count("Answer in 1 sentence.") == 1
    assert system.endswith(manager.get_summary()) and manager.system_prompt == "Answer in 1 sentence."
    assert all(manager.get_summary() not in json.dumps(m) for m in turn_requests(client)[-1]["messages"])
    assert turn_requests(client)[-1]["messages"][0]["content"] == QUESTIONS[3]


# -- overflow ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "expected"), [
    ("prompt is too long: 219898 tokens > 200000 maximum", Overflow(219898, 200000)),
    ("input length and `max_tokens` exceed context limit: 205000 + 32000 > 200000, decrease input length or "
     "`max_tokens` and try again", Overflow(205000, 200000, 32000)),
    ("Error code: 400 - {'message': 'prompt is too long: 12 tokens > 10 maximum'}", Overflow(12, 10)),
    ("messages.1: `tool_use` ids were found without `tool_result` blocks", None),
    ("", None)])
def test_parse_overflow(message, expected):
    assert parse_overflow(message) == expected


def fill_until_retry(manager, limit=30):
    for n in range(limit):
        before = sim(manager.client).attempts
        manager.send(words(40, f"topic{n}x"))
        if manager.usage_log[-1]["kind"] == "retry":
            return sim(manager.client).attempts - before
    raise AssertionError("the context window never overflowed")


@pytest.mark.parametrize("make", [
    lambda c: ConversationManager(c, max_tokens=50), lambda c: SlidingWindowManager(c, window_size=40, max_tokens=50),
    lambda c: SmartConversationManager(c, token_threshold=100_000, max_tokens=50)])
def test_overflow_prunes_the_view_and_retries_exactly_once(make):
    client = make_client("simulated", context_window=400)
    manager = make(client)
    manager.pin("Ticket T-1 is open.")
    attempts = fill_until_retry(manager)
    assert attempts == 2
    failed, retried = sim(client).requests[-2:]
    assert estimate_request_tokens(failed["messages"], failed["system"]) + 50 > 400
    assert estimate_request_tokens(retried["messages"], retried["system"]) + 50 <= 400
    assert "Ticket T-1 is open." in retried["messages"][0]["content"][0]["text"]  # never pruned
    assert retried["messages"][-1] == failed["messages"][-1]  # nor the current message
    assert len(manager.transcript) == 2 * manager.turns  # nothing left the transcript
    floor = manager.overflow_floor
    assert floor > 0 and list(manager.dropped_for_overflow) == list(range(floor))
    manager.send("One more short message.")
    assert sim(client).attempts == sum(1 for _ in sim(client).requests)  # no new overflow
    assert len(sim(client).requests[-1]["messages"]) < len(manager.transcript)  # the smaller view was kept


def test_overflow_on_the_max_tokens_wording_is_recovered_too():
    client = make_client("simulated", context_window=400)
    manager = ConversationManager(client, max_tokens=150)
    fill_until_retry(manager)
    failed = sim(client).requests[-2]
    assert estimate_request_tokens(failed["messages"], failed["system"]) <= 400  # so the 400 named max_tokens
    assert manager.usage_log[-1]["kind"] == "retry" and manager.overflow_floor > 0


def test_second_overflow_raises_and_changes_nothing():
    client = make_client("simulated", context_window=400)
    manager = ConversationManager(client, max_tokens=50)
    chat(manager, ["Hello there.", "Nice weather today."])
    before = [e.message for e in manager.transcript]
    attempts = sim(client).attempts
    with pytest.raises(ContextOverflowError, match="still does not fit") as caught:
        manager.send(words(380))
    assert sim(client).attempts - attempts == 2  # the first try and exactly one retry
    assert isinstance(caught.value.__cause__, anthropic.BadRequestError) and caught.value.overflow.limit == 400
    assert [e.message for e in manager.transcript] == before and manager.overflow_floor == 0
    assert manager.send("Still here?")


def test_overflow_with_nothing_to_prune_does_not_retry():
    client = make_client("simulated", context_window=400)
    manager = SmartConversationManager(client, max_tokens=50)
    with pytest.raises(ContextOverflowError, match="nothing is left to prune"):
        manager.send(words(500))
    assert sim(client).attempts == 1 and manager.transcript == []


# -- saving and loading -----------------------------------------------------------------------------

MANAGERS = [
    lambda c: ConversationManager(c, system_prompt="Be brief.", tools=TOOLS),
    lambda c: SlidingWindowManager(c, window_size=3, tools=TOOLS),
    lambda c: TokenWindowManager(c, history_budget=80, tools=TOOLS),
    lambda c: SmartConversationManager(c, token_threshold=120, recent_turns_to_keep=1, tools=TOOLS,
                                       summarizer_model=DEFAULT_MODEL),
    lambda c: LongConversationManager(c, token_threshold=120, recent_turns_to_keep=1, tools=TOOLS),
]


@pytest.mark.parametrize("make", MANAGERS)
def test_save_and_load_round_trip(make, tmp_path):
    client = make_client("simulated")
    manager = make(client)
    manager.pin("Account ACC-88412.")
    chat(manager, QUESTIONS[:3])
    tool_turn(manager)
    chat(manager, QUESTIONS[3:])
    path = tmp_path / "conversation.json"
    manager.save(path)
    loaded = ConversationManager.load(path, client=make_client("simulated"))
    assert type(loaded) is type(manager) and loaded.to_state() == manager.to_state()
    assert json.loads(path.read_text()) == manager.to_state()
    assert loaded.get_messages() == manager.get_messages() and loaded.get_system() == manager.get_system()
    assert loaded.send("What did we discuss?") == manager.send("What did we discuss?")
    assert manager_from_state(manager.to_state(), client=client).to_state() == manager.to_state()


def test_load_checks_the_kind_and_defaults_the_client(tmp_path):
    manager = SmartConversationManager(make_client("simulated"))
    manager.send("Hello there.")
    manager.save(tmp_path / "smart.json")
    assert isinstance(SmartConversationManager.load(tmp_path / "smart.json"), SmartConversationManager)
    with pytest.raises(StateError, match="holds a SmartConversationManager, not a SlidingWindowManager"):
        SlidingWindowManager.load(tmp_path / "smart.json")
    (tmp_path / "broken.json").write_text('{"schema_version": 1,')
    with pytest.raises(CorruptSessionError, match="broken.json: is not valid JSON.*truncated"):
        ConversationManager.load(tmp_path / "broken.json")


def test_save_to_a_path_scrubs_a_pasted_key_like_the_stores_do(tmp_path):
    """manager.save(path) goes through the stores' persistence path: a key pasted into the chat is never written."""
    pasted = "sk-ant-api03-" + "Q" * 40
    manager = ConversationManager(make_client("simulated"), system_prompt="Support assistant.")
    manager.send(f"Here is my key {pasted}, what is a Python list?")
    manager.save(tmp_path / "chat.json")
    saved = (tmp_path / "chat.json").read_text()
    assert pasted not in saved and "[redacted-key]" in saved
    assert ConversationManager.load(tmp_path / "chat.json").turns == 1


def saved_state():
    manager = SmartConversationManager(make_client("simulated"), token_threshold=10_000, recent_turns_to_keep=1)
    chat(manager, QUESTIONS[:3])
    manager.summarize()
    return manager.to_state()


def _set(path, value):
    def change(state):
        *parents, last = path
        for key in parents:
            state = state[key]
        state[last] = value
    return change


def _drop(key):
    return lambda state: state.pop(key)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda s: s.clear(), r"state\['schema_version'\] is None"),
    (_set(["schema_version"], 2), "version 1"),
    (_set(["kind"], "MagicManager"), "MagicManager"),
    (_drop("transcript"), "missing 'transcript'"),
    (_set(["surprise"], 1), "unknown field.*'surprise'"),
    (_set(["config", "window_size"], 3), r"state\['config'\] has unknown field.*'window_size'"),
    (_set(["config", "recent_turns_to_keep"], 0), "recent_turns_to_keep must be a positive int"),
    (_set(["config", "max_tokens"], "many"), "max_tokens"),
    (_set(["transcript", 0, "message", "role"], "system"), r"state\['transcript'\]\[0\]\['message'\]\['role'\]"),
    (_set(["transcript", 1, "tokens"], -1), r"state\['transcript'\]\[1\]\['tokens'\] should be 0 or more"),
    (_set(["transcript", 1, "pinned"], "yes"), r"\['pinned'\] should be bool"),
    (_set(["transcript", 1, "message", "content"], None), r"\['content'\] should be str or list"),
    (_set(["transcript", 1, "message", "role"], "user"), "same_role_run"),
    (_set(["transcript", 2], "hello"), r"state\['transcript'\]\[2\] should be dict"),
    (_set(["usage_log", 0, "kind"], "bonus"), r"state\['usage_log'\]\[0\]\['kind'\]"),
    (_set(["overflow_floor"], 1), "not the start of an exchange"),
    (_set(["summarized_upto"], 99), r"state\['summarized_upto'\] is 99"),
    (_set(["summary"], None), "disagree"),
    (_set(["summary_history", 0, "end"], 0), "empty range"),
    (_set(["pinned_facts"], "one fact"), r"state\['pinned_facts'\] should be list"),
    (_set(["turns"], True), r"state\['turns'\] should be int"),
])
def test_wrong_shape_state_raises_state_error_naming_the_problem(change, expected):
    state = saved_state()
    manager_from_state(json.loads(json.dumps(state)))  # the unchanged state loads
    change(state)
    with pytest.raises(StateError, match=expected):
        manager_from_state(state)


def test_from_state_refuses_a_different_kind():
    with pytest.raises(StateError, match="not 'TokenWindowManager'"):
        TokenWindowManager.from_state(saved_state())


def test_add_message_imports_messages_but_only_valid_continuations():
    manager = ConversationManager(make_client("simulated"))
    entry = manager.add_message({"role": "user", "content": "Imported question."}, importance=0.9, pinned=True,
                                timestamp=1.5)
    assert (entry.importance, entry.pinned, entry.timestamp) == (0.9, True, 1.5)
    with pytest.raises(InvalidHistoryError, match=r"messages\[1\] same_role_run"):
        manager.add_message({"role": "user", "content": "Again?"})
    with pytest.raises(InvalidHistoryError, match="leading_assistant"):
        ConversationManager(make_client("simulated")).record({"role": "assistant", "content": "Hi"})  # old name
    assert len(manager.transcript) == 1
    assert ConversationManager.record is ConversationManager.add_message


# -- the syllabus lab -------------------------------------------------------------------------------

def test_syllabus_lab_prints_the_comparison_table(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("syllabus_lab", ROOT / "scripts" / "syllabus_lab.py")
    lab = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "syllabus_lab", lab)
    spec.loader.exec_module(lab)
    rows = lab.main([])
    out = capsys.readouterr().out
    assert [row.label for row in rows] == ["full history", "window of 4", "smart (threshold 500)"]
    totals = {row.label: row.total for row in rows}
    assert totals["full history"] >= max(totals.values()) and totals["full history"] > totals["window of 4"]
    assert all(len(row.per_turn) == 6 for row in rows)
    for row in rows:
        assert row.label in out and f"{row.total:,}" in out
    assert "What did we discuss?" in out


def test_prompt_caching_reads_the_previous_prefix_on_full_history():
    """With prompt_caching, full history's append-only prefix is read from cache on the next turn."""
    client = make_client("simulated")
    manager = ConversationManager(client, system_prompt="Policy clause. " * 700, prompt_caching=True)
    manager.send("first question about the policy")
    manager.send("second question about the policy")
    first, second = manager.usage_log
    assert first["cache_creation_input_tokens"] > 0 and first["cache_read_input_tokens"] == 0
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert client_info(client).simulator.requests[-1]["cache_control"] == {"type": "ephemeral"}
    plain = ConversationManager(make_client("simulated"), system_prompt="Policy clause. " * 700)
    plain.send("first question about the policy")
    assert plain.usage_log[0]["cache_creation_input_tokens"] == 0
    restored = ConversationManager.from_state(manager.to_state(), client)
    assert restored.prompt_caching is True


# -- injectable token counting, previews, explanations, the prefill rule ------------------------------

def test_token_window_with_a_one_token_counter_keeps_about_ten_messages():
    manager = TokenWindowManager(make_client("simulated"), history_budget=10, token_counter=lambda m: 1)
    build(manager, [(50, 80)] * 30)  # long messages: by the estimator, not even one old exchange would fit
    manager.add_message({"role": "user", "content": "And now?"})
    view = manager.get_messages()
    assert len(view) == 11  # ten messages of history (five exchanges at 1 token each) + the current question
    assert manager.history_tokens() == 10


def test_a_count_tokens_backed_counter_against_the_simulator():
    from course_lib.tokens import api_token_counter

    client = make_client("simulated")
    counter = api_token_counter(client, DEFAULT_MODEL)
    manager = TokenWindowManager(client, history_budget=60, token_counter=counter)
    chat(manager, QUESTIONS[:4])
    counted = [r for r in sim(client).requests if "max_tokens" not in r]  # count_tokens bodies carry no max_tokens
    assert counted, "the counter asked the count_tokens endpoint"
    for entry in manager.transcript:  # the simulator's count of the text as one user turn
        assert entry.tokens == estimate_message_tokens({"role": "user", "content": entry.message["content"]})
    before = len(sim(client).requests)
    assert counter(manager.transcript[0].message) == manager.transcript[0].tokens
    assert len(sim(client).requests) == before  # cached: counting a message again asks nothing
    assert manager.history_tokens() <= 60


def test_preview_of_the_next_request_is_what_send_then_sends_and_changes_nothing():
    client = make_client("simulated")
    manager = SlidingWindowManager(client, window_size=4, pinned_facts=["Order QX-1."])
    chat(manager, QUESTIONS[:3])
    before = manager.to_state()
    preview = manager.get_messages(next_message={"role": "user", "content": QUESTIONS[3]})
    assert manager.to_state() == before  # nothing kept
    assert preview != manager.get_messages() + [{"role": "user", "content": QUESTIONS[3]}]  # the window moved
    manager.send(QUESTIONS[3])
    assert sim(client).requests[-1]["messages"] == preview
    with pytest.raises(InvalidHistoryError, match="same_role_run"):
        manager.get_messages(next_message={"role": "assistant", "content": "Hi"})


def test_explain_view_says_what_each_strategy_keeps_and_why():
    client = make_client("simulated")
    smart = SmartConversationManager(client, token_threshold=10, recent_turns_to_keep=1)
    chat(smart, QUESTIONS[:3])
    rows = smart.explain_view()
    assert [r.index for r in rows] == list(range(len(smart.transcript)))
    folded = [r for r in rows if r.status == "summary"]
    assert folded and all(r.index < smart.summarized_upto for r in folded)
    assert all(r.status == "kept" for r in rows if r.index >= smart.summarized_upto)
    full = ConversationManager(client)
    chat(full, QUESTIONS[:2])
    assert {r.reason for r in full.explain_view()} == {"full history sends every message"}


def test_no_manager_sends_a_request_that_ends_with_an_assistant_turn():
    class Broken(ConversationManager):
        def get_messages(self, next_message=None):
            return super().get_messages(next_message)[:-1]  # a bug: drops the user's message

    client = make_client("simulated")
    manager = Broken(client)
    manager.add_message({"role": "user", "content": "Hi"})
    manager.add_message({"role": "assistant", "content": "Hello"})
    with pytest.raises(InvalidHistoryError, match="does not support assistant message prefill"):
        manager.send("Still there?")
    assert sim(client).requests == [] and len(manager.transcript) == 2


def test_course_model_reaches_the_managers_without_editing_code(monkeypatch):
    """COURSE_MODEL picks the model for make_client *and* for every manager built on it."""
    other = "claude-haiku-5-5"  # a current id other than the default
    monkeypatch.setenv("COURSE_MODEL", other)
    manager = ConversationManager(make_client("simulated"))
    manager.send("Hello there.")
    assert manager.model == other == sim(manager.client).requests[-1]["model"]
