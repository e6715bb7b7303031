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
    assert not result and "not done yet" in str(result)
    crashed = checks.check_sliding_window(lambda messages, n: messages[n]["nope"])
    assert not crashed and "raised" in str(crashed)


def test_drop_filler_check_rejects_a_per_message_filter():
    """Dropping single filler messages breaks alternation or loses a fact carried by the reply."""
    from course_lib.pruning import score_message
    per_message = checks.check_drop_filler(lambda ms: [m for m in ms if "filler" not in score_message(m).tags])
    assert not per_message


def test_an_unwritten_stub_is_not_done_yet_with_its_task_and_a_hint():
    @checks.exercise
    def sliding_window(messages, window_size):
        """Return the newest messages, starting at a safe cut point."""
        raise NotImplementedError("write sliding_window")
    result = checks.check_sliding_window(sliding_window)
    assert not result and result.not_started
    text = str(result)
    assert "not done yet" in text and "Write: Return the newest messages" in text and "Hint:" in text
    assert "❌" not in text


def test_a_half_written_solution_is_judged_not_called_unstarted():
    def half(messages, window_size):
        if window_size > 10:
            raise NotImplementedError
        return messages[-window_size:]
    result = checks.check_sliding_window(half)
    assert not result and not result.not_started and "❌" in str(result)


def test_an_unwritten_exercise_borrows_the_reference_for_later_cells(capsys):
    @checks.exercise
    def history_room(context_window, system, current_message, max_tokens):
        raise NotImplementedError
    assert history_room(200_000, 1_500, 800, 4_096) == 193_604
    assert history_room(8_000, 2_000, 1_000, 4_096) == 904
    assert capsys.readouterr().out.count("not written yet") == 1  # said once, not on every call
    assert not checks.check_history_room(history_room).passed  # the check still judges the stub itself


def test_a_written_exercise_is_used_as_written():
    @checks.exercise
    def history_room(context_window, system, current_message, max_tokens):
        return -1
    assert history_room(200_000, 1_500, 800, 4_096) == -1


def test_every_reference_solution_passes_its_check():
    from course_lib.classroom.reference import REFERENCES
    for name in ("build_request", "sliding_window", "history_room", "token_window", "drop_filler",
                 "safe_session_path"):
        assert getattr(checks, f"check_{name}")(REFERENCES[name]), name


def test_reference_importance_and_turn_tokens_do_what_the_lab_asks():
    from types import SimpleNamespace

    from course_lib.classroom.reference import REFERENCES
    importance = REFERENCES["importance"]
    assert importance({"role": "user", "content": "thanks!"}) < 0
    assert importance({"role": "user", "content": "The router light blinks."}) == 0
    assert importance({"role": "user", "content": "My account number is ACC-88412."}) >= 3
    assert importance({"role": "user", "content": "Let's go with a technician visit."}) >= 3
    row = {"input_tokens": 20, "cache_creation_input_tokens": 5, "cache_read_input_tokens": 150}
    log = [{"kind": "turn", **row}, {"kind": "summary", **row}]
    assert REFERENCES["turn_tokens"](SimpleNamespace(usage_log=log)) == [175]


def test_a_check_that_passes_the_exercise_as_an_argument_sees_the_stub_not_the_reference():
    @checks.exercise
    def importance(message):
        raise NotImplementedError
    result = checks.run_cases("importance", lambda score: score({"role": "user", "content": "hi"}),
                              [("one message", (checks.own(importance),), lambda got: None)], "a hint",
                              task="A score per message.")
    assert result.not_started and "Hint: a hint" in str(result) and "Write: A score per message." in str(result)


def test_every_check_judges_an_unwritten_stub_as_not_done():
    def stub(*args):
        raise NotImplementedError
    for name in ("build_request", "sliding_window", "history_room", "token_window", "drop_filler",
                 "safe_session_path"):
        stub.__name__ = name
        result = getattr(checks, f"check_{name}")(checks.exercise(stub))
        assert result.not_started and "Hint:" in str(result), name
