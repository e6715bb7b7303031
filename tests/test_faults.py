"""Faults during a conversation, end to end: the real SDK, the simulator's fault schedule, both stores.

After every fault the transcript and the context view must agree, the view must pass
validate_messages, and a save then load (JSON and SQLite) must give back the same state.
"""

from __future__ import annotations

import anthropic
import pytest

from course_lib import Faults, client_info, make_client, validate_messages
from course_lib.managers import (
    SUMMARIZER_SYSTEM,
    ContextOverflowError,
    ConversationError,
    ConversationManager,
    LongConversationManager,
    SmartConversationManager,
    TokenWindowManager,
)
from course_lib.storage import JsonStore, SqliteStore

FACTS = ["My order number is 889.", "I live in Lisbon.", "My cat is called Miso.", "I prefer email to phone.",
         "The parcel weighed four kilos.", "Delivery was due on Monday."]


def assert_consistent(manager: ConversationManager) -> None:
    """The view is the transcript's newest messages (after any summary pair), and both are valid."""
    messages = [entry.message for entry in manager.transcript]
    assert validate_messages(messages) == []
    view = manager.get_messages()
    assert validate_messages(view) == []
    lead = 2 if getattr(manager, "summary", None) and not isinstance(manager, LongConversationManager) else 0
    tail = view[lead:]
    assert tail and tail == messages[len(messages) - len(tail):], "the view holds a message the transcript lacks"


def assert_round_trips(manager: ConversationManager, tmp_path) -> None:
    for store in (JsonStore(tmp_path / "conversations"), SqliteStore(tmp_path / "conversations.db")):
        store.save("after-fault", manager, user_id="learner")
        loaded = store.load("after-fault", client=make_client("simulated"))
        assert loaded.to_state() == manager.to_state()
        assert loaded.get_messages() == manager.get_messages() and loaded.get_system() == manager.get_system()
        assert store.latest_for("learner").message_count == len(manager.transcript)


def simulator(manager: ConversationManager):
    return client_info(manager.client).simulator


@pytest.mark.parametrize("fault", ["overloaded", "rate_limit"])
def test_a_529_or_429_that_the_sdk_retries_lets_the_conversation_go_on(fault, tmp_path):
    manager = ConversationManager(make_client("simulated", faults=Faults({3: fault, 4: fault})))
    manager.send(FACTS[0])
    manager.send(FACTS[1])
    reply = manager.send("What is my order number?")  # attempts 3 and 4 fail, the SDK's 2nd retry succeeds
    assert "889" in reply
    sim = simulator(manager)
    assert sim.attempts == 5 and len(sim.requests) == 3
    assert len(manager.transcript) == 6 and len(manager.usage_log) == 3
    assert_consistent(manager)
    assert_round_trips(manager, tmp_path)


def test_a_connection_error_that_outlasts_the_retries_adds_nothing(tmp_path):
    manager = ConversationManager(make_client("simulated", faults=Faults({3: "connection", 4: "connection",
                                                                          5: "connection"})))
    manager.send(FACTS[0])
    manager.send(FACTS[1])
    before = manager.to_state()
    with pytest.raises(ConversationError, match="could not be reached") as caught:
        manager.send("What is my order number?")
    assert not isinstance(caught.value, ContextOverflowError)
    assert isinstance(caught.value.__cause__, anthropic.APIConnectionError)
    assert manager.to_state() == before, "a failed send left a phantom message or a usage row"
    assert simulator(manager).attempts == 5
    assert_consistent(manager)
    assert_round_trips(manager, tmp_path)
    assert "889" in manager.send("What is my order number?")  # the same question again, now it gets through
    assert_consistent(manager)


def summary_attempts(kind: type[SmartConversationManager], settings: dict) -> list[int]:
    """Attempt numbers of the summary requests in a fault-free run of the same conversation."""
    twin = kind(make_client("simulated"), **settings)
    for fact in FACTS:
        twin.send(fact)
    return [i + 1 for i, body in enumerate(simulator(twin).requests) if body.get("system") == SUMMARIZER_SYSTEM]


@pytest.mark.parametrize("kind", [SmartConversationManager, LongConversationManager])
def test_a_failed_summary_keeps_every_message_and_the_conversation_goes_on(kind, tmp_path):
    settings = {"token_threshold": 40, "recent_turns_to_keep": 2}
    first = summary_attempts(kind, settings)[0]
    failing = Faults({first: "overloaded", first + 1: "overloaded", first + 2: "overloaded"})
    manager = kind(make_client("simulated", faults=failing), **settings)
    sent = 0
    with pytest.warns(RuntimeWarning, match="summarization failed"):
        while simulator(manager).attempts < first + 2:
            manager.send(FACTS[sent])
            sent += 1
    assert manager.summary is None and "overloaded" in manager.last_summary_error
    assert manager.get_messages() == [entry.message for entry in manager.transcript], "a message was lost"
    assert_consistent(manager)
    assert_round_trips(manager, tmp_path)
    manager.send(FACTS[sent])  # the next turn over the threshold summarizes after all
    assert manager.summary and manager.last_summary_error is None
    assert len(manager.get_messages()) < len(manager.transcript)
    assert_consistent(manager)
    assert_round_trips(manager, tmp_path)


def test_an_overflow_that_pruning_cannot_fix_raises_and_changes_nothing(tmp_path):
    manager = ConversationManager(make_client("simulated", context_window=400), max_tokens=100)
    manager.send(FACTS[0])
    manager.send(FACTS[1])
    before = manager.to_state()
    huge = "Please keep this long note about the delivery in mind. " * 80
    with pytest.raises(ContextOverflowError) as caught:
        manager.send(huge)
    assert caught.value.overflow is not None and caught.value.overflow.limit == 400
    assert isinstance(caught.value.__cause__, anthropic.BadRequestError)
    assert manager.to_state() == before and manager.overflow_floor == 0
    assert_consistent(manager)
    assert_round_trips(manager, tmp_path)
    assert "889" in manager.send("What is my order number?")


def test_a_first_message_too_big_for_the_window_is_refused_with_nothing_to_prune(tmp_path):
    manager = SmartConversationManager(make_client("simulated", context_window=400), max_tokens=100)
    with pytest.raises(ContextOverflowError, match="nothing is left to prune"):
        manager.send("Please keep this long note about the delivery in mind. " * 80)
    assert manager.transcript == [] and manager.get_messages() == [] and manager.usage_log == []
    store = JsonStore(tmp_path)
    store.save("empty", manager)
    assert store.load("empty").to_state() == manager.to_state()


def test_an_overflow_that_pruning_fixes_keeps_the_transcript_and_survives_a_restart(tmp_path):
    manager = TokenWindowManager(make_client("simulated", context_window=500), max_tokens=100, history_budget=10_000)
    for fact in FACTS:  # the user's words alone overflow the window: the replies are short
        manager.send(fact + " " + "It was a long and detailed story about the delivery. " * 8)
    assert manager.overflow_floor > 0 and len(manager.transcript) == 2 * len(FACTS)
    assert [row["kind"] for row in manager.usage_log].count("retry") >= 1
    assert_consistent(manager)
    assert_round_trips(manager, tmp_path)
