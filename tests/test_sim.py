"""The simulated Claude: real SDK objects and exceptions, the API's rules, faults on a schedule."""

import re
import time

import anthropic
import pytest

from course_lib import DEFAULT_MODEL, Faults, client_info, estimate_request_tokens, make_client
from course_lib.runtime.sim import MIN_CACHEABLE_TOKENS, summarize

ACCOUNT = "My account number is ACC-88412 and I prefer email."


def ask(client, messages, **kwargs):
    kwargs.setdefault("max_tokens", 300)
    return client.messages.create(model=DEFAULT_MODEL, messages=messages, **kwargs)


@pytest.fixture
def client():
    return make_client("simulated")


def test_returns_real_message_objects(client):
    reply = ask(client, [{"role": "user", "content": "Hello there."}])
    assert isinstance(reply, anthropic.types.Message)
    assert reply.role == "assistant" and reply.stop_reason == "end_turn"
    assert reply.id.startswith("msg_sim_")


def test_answers_from_earlier_messages_and_forgets_what_was_removed(client):
    history = [{"role": "user", "content": ACCOUNT}, {"role": "assistant", "content": "Noted."},
               {"role": "user", "content": "What is my account number?"}]
    assert "ACC-88412" in ask(client, history).content[0].text
    forgotten = ask(client, history[2:]).content[0].text
    assert "don't have that information" in forgotten
    assert "ACC-88412" not in forgotten


def test_answers_from_the_system_prompt(client):
    reply = ask(client, [{"role": "user", "content": "What is the refund window?"}],
                system="You are a support agent. The refund window is 30 days from delivery.")
    assert "30 days" in reply.content[0].text


def test_python_question_gets_a_marked_answer_from_pythons_own_docs(client):
    text = ask(client, [{"role": "user", "content": "What is a Python list?"}]).content[0].text
    assert text.startswith('(simulated answer, from Python\'s help("SEQUENCES"))')
    assert "Lists are mutable sequences" in text


def test_is_deterministic():
    first = ask(make_client("simulated"), [{"role": "user", "content": ACCOUNT}])
    second = ask(make_client("simulated"), [{"role": "user", "content": ACCOUNT}])
    assert first.model_dump() == second.model_dump()


def test_usage_counts_everything_sent(client):
    messages = [{"role": "user", "content": ACCOUNT}]
    system = "You are terse."
    tools = [{"name": "lookup_order", "description": "Find an order", "input_schema": {"type": "object"}}]
    reply = ask(client, messages, system=system, tools=tools)
    assert reply.usage.input_tokens == estimate_request_tokens(messages, system, tools)
    assert reply.usage.input_tokens > estimate_request_tokens(messages)
    assert reply.usage.output_tokens > 0
    assert reply.usage.cache_read_input_tokens == 0 and reply.usage.cache_creation_input_tokens == 0


def test_count_tokens_matches_create(client):
    messages = [{"role": "user", "content": ACCOUNT}]
    counted = client.messages.count_tokens(model=DEFAULT_MODEL, messages=messages, system="Be brief.")
    created = ask(client, messages, system="Be brief.")
    assert counted.input_tokens == created.usage.input_tokens


def test_summary_keeps_the_gist_and_blurs_specifics(client):
    material = ("Summarize the conversation below.\nuser: My account number is ACC-88412.\n"
                "user: The slow query on the orders table takes 4.2 seconds.\nassistant: Add an index on the orders "
                "table for the customer column.")
    text = ask(client, [{"role": "user", "content": material}]).content[0].text
    assert text.startswith("Summary of the earlier conversation:")
    assert "orders table" in text
    assert "ACC-88412" not in text and "4.2" not in text
    assert "[an id]" in text and "[a number]" in text


def test_summary_is_bounded():
    long_material = " ".join(f"Topic {i} is about caching layer number {i}." for i in range(400))
    assert len(re.findall(r"[.!?]", summarize(long_material))) <= 8


def parse_overflow(message):
    match = re.search(r"prompt is too long: (\d+) tokens > (\d+) maximum", message)
    return tuple(int(n) for n in match.groups())


def test_overflow_is_a_bad_request_whose_message_parses_back():
    client = make_client("simulated", context_window=1_000)
    with pytest.raises(anthropic.BadRequestError) as caught:
        ask(client, [{"role": "user", "content": "word " * 1_200}], max_tokens=10)
    error = caught.value
    assert error.status_code == 400 and error.body["error"]["type"] == "invalid_request_error"
    sent, limit = parse_overflow(error.body["error"]["message"])
    assert limit == 1_000 and sent == estimate_request_tokens([{"role": "user", "content": "word " * 1_200}])
    assert client_info(client).simulator.attempts == 1  # the SDK never retries a 400


def test_input_plus_max_tokens_over_the_window_uses_the_other_wording():
    client = make_client("simulated", context_window=1_000)
    with pytest.raises(anthropic.BadRequestError) as caught:
        ask(client, [{"role": "user", "content": "word " * 500}], max_tokens=800)
    match = re.search(r"input length and `max_tokens` exceed context limit: (\d+) \+ (\d+) > (\d+)",
                      caught.value.body["error"]["message"])
    assert match and match.group(2) == "800" and match.group(3) == "1000"


TOOL_USE = {"role": "assistant", "content": [
    {"type": "text", "text": "Checking."},
    {"type": "tool_use", "id": "toolu_1", "name": "lookup_order", "input": {"order": "889"}}]}


def test_tool_use_without_its_result_is_rejected(client):
    messages = [{"role": "user", "content": "Where is order 889?"}, TOOL_USE,
                {"role": "user", "content": "Any news?"}]
    with pytest.raises(anthropic.BadRequestError, match="`tool_use` ids were found without `tool_result`"):
        ask(client, messages)


def test_tool_result_without_its_use_is_rejected(client):
    messages = [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "x"}]}]
    with pytest.raises(anthropic.BadRequestError, match="unexpected `tool_use_id`"):
        ask(client, messages)


def test_paired_tool_call_is_answered_from_the_result(client):
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                           "content": "Order 889 shipped on May 2 via UPS."}]}
    reply = ask(client, [{"role": "user", "content": "Where is order 889?"}, TOOL_USE, result])
    assert "shipped" in reply.content[0].text


def test_named_tool_is_called(client):
    tools = [{"name": "lookup_order", "description": "Find an order", "input_schema": {"type": "object"}}]
    reply = ask(client, [{"role": "user", "content": "Please lookup_order for 889"}], tools=tools)
    assert reply.stop_reason == "tool_use" and reply.content[-1].name == "lookup_order"


def test_consecutive_same_role_messages_are_combined_not_rejected(client):
    question = {"role": "user", "content": "What is my account number?"}
    merged = ask(client, [{"role": "user", "content": ACCOUNT}, question])
    assert "ACC-88412" in merged.content[0].text  # the first message is context, as one combined turn


@pytest.mark.parametrize("messages, fragment", [
    ([], "at least one message"),
    ([{"role": "user", "content": [{"type": "bogus"}]}], "does not match any of the expected tags"),
    ([{"role": "user", "content": [{"type": "text"}]}], "Field required"),
    ([{"role": "system", "content": "hi"}], "should be 'user' or 'assistant'"),
])
def test_malformed_requests_are_400(client, messages, fragment):
    with pytest.raises(anthropic.BadRequestError, match=fragment):
        ask(client, messages)


def test_max_tokens_cuts_the_reply(client):
    reply = ask(client, [{"role": "user", "content": "How do I sort a list?"}], max_tokens=5)  # a docs paragraph
    assert reply.stop_reason == "max_tokens" and reply.usage.output_tokens <= 5


def test_prompt_cache_writes_then_reads():
    client = make_client("simulated")
    system = [{"type": "text", "text": "Policy sentence number one. " * 400, "cache_control": {"type": "ephemeral"}}]
    first = ask(client, [{"role": "user", "content": "hi"}], system=system)
    second = ask(client, [{"role": "user", "content": "hello again"}], system=system)
    assert first.usage.cache_creation_input_tokens >= MIN_CACHEABLE_TOKENS and first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0


def test_short_prefixes_are_not_cached(client):
    system = [{"type": "text", "text": "Short.", "cache_control": {"type": "ephemeral"}}]
    reply = ask(client, [{"role": "user", "content": "hi"}], system=system)
    assert reply.usage.cache_creation_input_tokens == 0


@pytest.mark.parametrize("kind, error", [("overloaded", anthropic.OverloadedError),
                                          ("rate_limit", anthropic.RateLimitError),
                                          ("connection", anthropic.APIConnectionError)])
def test_faults_are_retried_by_the_sdk_then_raised(kind, error):
    recovering = make_client("simulated", faults={1: kind, 2: kind})
    started = time.perf_counter()
    assert ask(recovering, [{"role": "user", "content": "hello"}]).content
    assert client_info(recovering).simulator.attempts == 3
    failing = make_client("simulated", faults={1: kind, 2: kind, 3: kind})
    with pytest.raises(error):
        ask(failing, [{"role": "user", "content": "hello"}])
    assert client_info(failing).simulator.attempts == 3  # one try plus the SDK's two retries
    assert time.perf_counter() - started < 5


def test_overloaded_is_caught_before_internal_server_error():
    client = make_client("simulated", faults={1: "overloaded"}, max_retries=0)
    with pytest.raises(anthropic.InternalServerError) as caught:
        ask(client, [{"role": "user", "content": "hello"}])
    assert isinstance(caught.value, anthropic.OverloadedError) and caught.value.status_code == 529


def test_fault_schedule_is_validated():
    with pytest.raises(ValueError, match="choose one of"):
        Faults({1: "meteor"})
    with pytest.raises(ValueError, match="start at 1"):
        Faults({0: "overloaded"})


def test_cache_hit_found_at_an_earlier_block_boundary():
    """Full history marks only its newest block each turn; the previous turn's prefix is still read."""
    client = make_client("simulated")
    system = "Policy sentence number one. " * 400
    history = [{"role": "user", "content": "first question"}]
    def mark_last(messages):
        *rest, last = messages
        return [*rest, {"role": last["role"], "content": [
            {"type": "text", "text": last["content"], "cache_control": {"type": "ephemeral"}}]}]
    first = ask(client, mark_last(history), system=system)
    history += [{"role": "assistant", "content": first.content[0].text}, {"role": "user", "content": "second"}]
    second = ask(client, mark_last(history), system=system)
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens > 0
    assert 0 < second.usage.cache_creation_input_tokens < first.usage.cache_creation_input_tokens


def test_its_own_echoes_are_not_quoted_twice(client):
    history = [{"role": "user", "content": "Hi, I'm Dana. My account number is ACC-88412."}]
    echo = ask(client, history).content[0].text
    history += [{"role": "assistant", "content": echo}, {"role": "user", "content": "What is my account number?"}]
    answer = ask(client, history).content[0].text
    history += [{"role": "assistant", "content": answer}, {"role": "user", "content": "What is my account number?"}]
    again = ask(client, history).content[0].text
    assert answer.count("ACC-88412") == 1 and again.count("ACC-88412") == 1
    assert '""' not in again and "From what you sent me: \"From" not in again
