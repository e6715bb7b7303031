"""validate_messages reports every problem; the token estimator is stable and monotone."""

import pytest

from course_lib import InvalidHistoryError, ensure_valid, estimate_message_tokens, estimate_tokens, validate_messages
from course_lib.messages import exchange_starts

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
