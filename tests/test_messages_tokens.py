"""validate_messages reports every problem; the token estimator is stable and monotone."""

from types import SimpleNamespace

import pytest

from course_lib import (
    DEFAULT_MODEL,
    InvalidHistoryError,
    client_info,
    ensure_valid,
    estimate_message_tokens,
    estimate_request_tokens,
    estimate_tokens,
    make_client,
    validate_messages,
)
from course_lib.exchanges import exchange_spans, exchange_starts, starts_exchange
from course_lib.messages import reply_text
from course_lib.tokens import api_token_counter

USE = {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "grep", "input": {"q": "x"}}]}
RESULT = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "3 matches"}]}


def codes(messages):
    return [(p.index, p.code) for p in validate_messages(messages)]


def test_valid_history_has_no_problems():
    history = [{"role": "user", "content": "find x"}, USE, RESULT, {"role": "assistant", "content": "Found it."}]
    assert validate_messages(history) == []


def test_every_problem_is_reported_not_only_the_first():
    history = [{"role": "assistant", "content": "hi"}, {"role": "assistant", "content": ""},
               {"role": "user", "content": "q"}, USE, {"role": "user", "content": "no result here"}, RESULT]
    found = codes(history)
    assert (0, "leading_assistant") in found
    assert (1, "same_role_run") in found and (1, "empty_content") in found
    assert (3, "tool_use_unanswered") in found
    assert (5, "tool_result_orphan") in found and (5, "same_role_run") in found


def test_empty_history_and_bad_role():
    assert codes([]) == [(0, "empty_history")]
    assert codes([{"role": "system", "content": "x"}]) == [(0, "bad_role")]


def test_ensure_valid_raises_with_all_problems_listed():
    with pytest.raises(InvalidHistoryError) as caught:
        ensure_valid([{"role": "assistant", "content": ""}])
    assert len(caught.value.problems) == 2 and "leading_assistant" in str(caught.value)


def test_exchange_starts_never_split_tool_pairs():
    history = [{"role": "user", "content": "a"}, USE, RESULT, {"role": "assistant", "content": "b"},
               {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]
    assert exchange_starts(history) == [0, 4]
    for start in exchange_starts(history):
        assert validate_messages(history[start:]) == []


def test_a_tool_result_with_text_continues_the_exchange():
    # [tool_result, text] is valid for the API; it answers the tool call, so it is no cut point (issue 14)
    mixed = {"role": "user", "content": [*RESULT["content"], {"type": "text", "text": "And keep it short."}]}
    history = [{"role": "user", "content": "a"}, USE, mixed, {"role": "assistant", "content": "b"},
               {"role": "user", "content": "c"}]
    assert validate_messages(history) == []
    assert not starts_exchange(mixed) and exchange_starts(history) == [0, 4]
    assert exchange_spans(history) == [(0, 4), (4, 5)]
    for start in exchange_starts(history):
        assert validate_messages(history[start:], request=True) == []


def test_old_import_paths_still_work():
    import course_lib.messages as messages
    from course_lib import exchanges, summaries

    assert messages.exchange_starts is exchanges.exchange_starts
    assert messages.starts_exchange is exchanges.starts_exchange
    assert messages.strip_summary_label is summaries.strip_summary_label


def test_a_request_ending_with_an_assistant_turn_is_reported_in_the_apis_words():
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    assert validate_messages(history) == []  # a transcript may end with the reply
    (problem,) = validate_messages(history, request=True)  # a request may not: prefill is gone
    assert (problem.index, problem.code) == (1, "ends_with_assistant")
    assert problem.detail == ("This model does not support assistant message prefill. The conversation must end "
                              "with a user message.")
    with pytest.raises(InvalidHistoryError, match="must end with a user message"):
        ensure_valid(history, request=True)
    assert validate_messages([*history, {"role": "user", "content": "More?"}], request=True) == []


def test_reply_text_reads_text_blocks_by_type_never_the_first_block():
    reply = {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm", "signature": "s"},
                                              {"type": "text", "text": "Paris."},
                                              {"type": "tool_use", "id": "t", "name": "map", "input": {}},
                                              {"type": "text", "text": "Checking the map."}]}
    assert reply_text(reply) == "Paris.\nChecking the map."
    assert reply_text({"role": "assistant", "content": "plain"}) == "plain"
    sdk = SimpleNamespace(content=[SimpleNamespace(type="thinking", thinking="hmm"), SimpleNamespace(type="text",
                                                                                                     text="Hi.")])
    assert reply_text(sdk) == "Hi."


def test_api_token_counter_asks_count_tokens_once_per_text():
    client = make_client("simulated")
    counter = api_token_counter(client, DEFAULT_MODEL)
    sim = client_info(client).simulator
    message = {"role": "assistant", "content": "The parcel is at the depot."}
    assert counter(message) == estimate_message_tokens(message)  # the simulator counts with the estimator
    assert counter(dict(message)) == counter(message) and len(sim.requests) == 1  # cached
    assert sim.requests[0]["messages"] == [{"role": "user", "content": "The parcel is at the depot."}]


def test_estimate_request_tokens_takes_a_token_counter():
    messages = [{"role": "user", "content": "a b c"}, {"role": "assistant", "content": "d"}]
    assert estimate_request_tokens(messages, "sys", token_counter=lambda m: 100) == 200 + estimate_tokens("sys")
    assert estimate_request_tokens(messages) == sum(estimate_message_tokens(m) for m in messages)


def test_estimator_is_monotone_and_counts_numbers_and_punctuation():
    assert estimate_tokens("") == 0
    assert estimate_tokens("hello") == 1
    assert estimate_tokens("hello world") < estimate_tokens("hello world, again!")
    assert estimate_tokens("1234567") == 3
    short, long = "The cat sat.", "The cat sat on the mat near the door."
    assert estimate_tokens(short) < estimate_tokens(long)


@pytest.mark.parametrize("text, low, high", [
    ("The quick brown fox jumps over the lazy dog.", 9, 13),  # ~10 real tokens in English BPE tokenizers
    ("Conversation management keeps context within budget.", 6, 12),
])
def test_estimator_is_in_a_plausible_range_for_english(text, low, high):
    assert low <= estimate_tokens(text) <= high


def test_message_tokens_include_framing_and_blocks():
    plain = estimate_message_tokens({"role": "user", "content": "hello"})
    assert plain == estimate_tokens("hello") + 4
    assert estimate_message_tokens(USE) > 4 and estimate_message_tokens(RESULT) > 4


def test_atomic_write_keeps_the_usual_file_mode(tmp_path):
    import os
    import stat

    from course_lib.files import atomic_write_text
    target = tmp_path / "saved.json"
    atomic_write_text(target, "{}")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o640)
    atomic_write_text(target, "{\"again\": true}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and "again" in target.read_text()
