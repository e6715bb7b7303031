"""Exercise checks pass reference solutions and catch the typical wrong ones, with a hint."""

import re
from pathlib import Path

from course_lib.classroom import checks
from course_lib.messages import exchange_starts
from course_lib.tokens import estimate_message_tokens


def good_window(messages, n):
    starts = [s for s in exchange_starts(messages) if s >= len(messages) - n]
    return messages[starts[0]:] if starts else messages[exchange_starts(messages)[-1]:]


def naive_window(messages, n):  # the syllabus version: last N, drop a leading assistant
    window = messages[-n:]
    return window[1:] if window[0]["role"] == "assistant" else window


def good_token_window(messages, budget):
    kept, used = len(messages), 0
    for i in range(len(messages) - 1, -1, -1):
        used += estimate_message_tokens(messages[i])
        if used > budget:
            break
        kept = i
    starts = [s for s in exchange_starts(messages) if s >= kept]
    return messages[starts[0]:] if starts else messages[exchange_starts(messages)[-1]:]


def good_safe_path(directory, session_id):
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", session_id) or ".." in session_id:
        raise ValueError(f"bad session id {session_id!r}")
    return Path(directory) / f"{session_id}.json"


def test_reference_solutions_pass():
    assert checks.check_build_request(lambda history, text: [*history, {"role": "user", "content": text}])
    assert checks.check_sliding_window(good_window)
    assert checks.check_history_room(lambda w, s, c, m: w - s - c - m)
    assert checks.check_token_window(good_token_window)
    assert checks.check_safe_session_path(good_safe_path)
    filler = {"hi!", "thanks!", "Hello! How can I help?", "You're welcome!"}
    def drop_filler(messages):  # drop an exchange only when every message in it is filler
        starts = exchange_starts(messages) + [len(messages)]
        kept = []
        for a, b in zip(starts, starts[1:], strict=False):
            if any(m["content"] not in filler for m in messages[a:b]) or b == len(messages):
                kept += messages[a:b]
        return kept
    assert checks.check_drop_filler(drop_filler)


def test_wrong_solutions_fail_with_a_reason_and_a_hint():
    naive = checks.check_sliding_window(naive_window)
    assert not naive and "tool" in str(naive).lower() or "valid" in str(naive)
    assert "Hint:" in str(naive)
    mutating = checks.check_build_request(lambda history, text: history.append({"role": "user", "content": text})
                                          or history)
    assert not mutating and "changed the history" in str(mutating)
    off_by_history = checks.check_history_room(lambda w, s, c, m: w - s - c)
    assert not off_by_history and "expected 193604" in str(off_by_history)
    trusting = checks.check_safe_session_path(lambda d, s: Path(d) / f"{s}.json")
    assert not trusting and "'../etc/passwd'" in str(trusting)


def test_a_crashing_or_unwritten_solution_is_reported_not_raised():
    def unwritten(messages, n):
        raise NotImplementedError
    result = checks.check_sliding_window(unwritten)
    assert not result and "not written yet" in str(result)
    crashed = checks.check_sliding_window(lambda messages, n: messages[n]["nope"])
    assert not crashed and "raised" in str(crashed)


def test_drop_filler_check_rejects_a_per_message_filter():
    """Dropping single filler messages breaks alternation or loses a fact carried by the reply."""
    from course_lib.pruning import score_message
    per_message = checks.check_drop_filler(lambda ms: [m for m in ms if "filler" not in score_message(m).tags])
    assert not per_message
