"""Streaming in process: the simulator plays a finished reply as the API's events, and the SDK, the
manager and the chat panel read it as they would read the real API's stream."""

import json

import anthropic
import pytest
from fresh_loop import run_fresh

from course_lib import DEFAULT_MODEL, ConversationManager, client_info, make_client
from course_lib.classroom.chat_panel import ChatPanel
from course_lib.managers import ConversationError, StreamInterruptedError
from course_lib.runtime.client import make_async_client
from course_lib.runtime.sim.streaming import reply_events, text_chunks
from course_lib.runtime.sse import encode_event, parse_events

FACT = {"role": "user", "content": "Our team offsite is in Lisbon on 14 May, budget 3,200 euros."}
NOTED = {"role": "assistant", "content": "Noted."}
LONG_QUESTION = {"role": "user", "content": "How do dictionaries work in Python?"}
HISTORY = [FACT, NOTED, LONG_QUESTION]
TOOLS = [{"name": "find_flights", "description": "Search flights",
          "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
TOOL_QUESTION = {"role": "user", "content": "Use find_flights to look up trains or flights to Lisbon for 14 May."}


def ask(client, messages=HISTORY, **extra):
    return {"model": DEFAULT_MODEL, "max_tokens": 400, "messages": messages, **extra}


def same_reply(streamed: anthropic.types.Message, created: anthropic.types.Message) -> None:
    """What a streamed reply must rebuild: the content, the stop, the usage (ids differ per request, as in the API)."""
    assert [b.model_dump() for b in streamed.content] == [b.model_dump() for b in created.content]
    assert (streamed.stop_reason, streamed.stop_sequence) == (created.stop_reason, created.stop_sequence)
    assert streamed.usage.model_dump() == created.usage.model_dump()
    assert (streamed.role, streamed.model, streamed.type) == (created.role, created.model, created.type)


# -- the SDK, sync ----------------------------------------------------------------------------------

def test_text_stream_arrives_in_several_chunks_that_join_to_the_created_text():
    client = make_client("simulated")
    created = client.messages.create(**ask(client))
    with client.messages.stream(**ask(client)) as stream:
        chunks = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(chunks) > 5 and all(chunks)
    assert "".join(chunks) == created.content[0].text
    same_reply(final, created)


def test_create_stream_true_gives_the_documented_event_order():
    client = make_client("simulated")
    events = list(client.messages.create(**ask(client), stream=True))
    kinds = [e.type for e in events]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds[1] == "content_block_start" and kinds[-3] == "content_block_stop"
    assert set(kinds[2:-3]) == {"content_block_delta"}
    start = events[0].message
    assert start.content == [] and start.stop_reason is None and start.usage.input_tokens > 0
    created = client.messages.create(**ask(client))
    assert events[-2].delta.stop_reason == created.stop_reason
    assert events[-2].usage.output_tokens == created.usage.output_tokens  # the cumulative total


def test_the_wire_carries_a_ping_and_each_event_is_named_after_its_type():
    created = make_client("simulated").messages.create(**ask(None))
    events = reply_events(created.model_dump(mode="json", exclude_none=True))
    assert [e["type"] for e in events[:3]] == ["message_start", "content_block_start", "ping"]
    raw = b"".join(encode_event(e) for e in events)
    assert raw.count(b"event: ping\n") == 1
    for record in raw.decode().split("\n\n")[:-1]:
        name, data = record.split("\n")
        assert name == f"event: {json.loads(data.removeprefix('data: '))['type']}"
    assert parse_events(raw) == events


def test_text_chunks_keep_every_character():
    for text in ["", "one", "  leading and trailing  ", "a\n\nb  c\td e f g h", "ünïcode – dash"]:
        assert "".join(text_chunks(text)) == text


def test_tool_use_input_streams_as_partial_json_that_parses_to_the_same_input():
    client = make_client("simulated")
    request = ask(client, [TOOL_QUESTION], tools=TOOLS)
    created = client.messages.create(**request)
    assert created.stop_reason == "tool_use"
    events = list(client.messages.create(**request, stream=True))
    pieces = [e.delta.partial_json for e in events if e.type == "content_block_delta"
              and e.delta.type == "input_json_delta"]
    assert len(pieces) > 1
    with pytest.raises(ValueError):
        json.loads(pieces[0])  # a piece alone is not JSON: a client must join them first
    call = next(b for b in created.content if b.type == "tool_use")
    assert json.loads("".join(pieces)) == call.input
    opened = next(e for e in events if e.type == "content_block_start" and e.content_block.type == "tool_use")
    assert opened.content_block.input == {} and opened.content_block.id == call.id
    with client.messages.stream(**request) as stream:
        same_reply(stream.get_final_message(), created)


def test_thinking_streams_as_thinking_deltas_then_one_signature():
    client = make_client("simulated")
    request = ask(client, thinking={"type": "enabled", "budget_tokens": 1024}, max_tokens=1600)
    created = client.messages.create(**request)
    assert created.content[0].type == "thinking"
    events = list(client.messages.create(**request, stream=True))
    deltas = [e.delta for e in events if e.type == "content_block_delta" and e.index == 0]
    assert [d.type for d in deltas][-1] == "signature_delta" and len(deltas) > 2
    assert {d.type for d in deltas[:-1]} == {"thinking_delta"}
    assert "".join(d.thinking for d in deltas[:-1]) == created.content[0].thinking
    assert deltas[-1].signature == created.content[0].signature
    opened = next(e for e in events if e.type == "content_block_start")
    assert (opened.content_block.thinking, opened.content_block.signature) == ("", "")
    with client.messages.stream(**request) as stream:
        same_reply(stream.get_final_message(), created)


def test_a_refused_streamed_request_is_the_usual_400_before_any_event():
    client = make_client("simulated")
    prefilled = ask(client, [*HISTORY, {"role": "assistant", "content": "Well"}])
    with pytest.raises(anthropic.BadRequestError, match="prefill"), client.messages.stream(**prefilled):
        pass


# -- faults halfway ----------------------------------------------------------------------------------

def test_stream_error_fault_is_an_overloaded_error_event_after_part_of_the_text():
    client = make_client("simulated", faults={1: "stream_error"})
    full = make_client("simulated").messages.create(**ask(None)).content[0].text
    received = []
    with pytest.raises(anthropic.APIStatusError) as caught, client.messages.stream(**ask(client)) as stream:
        received.extend(stream.text_stream)
    error = caught.value
    assert not isinstance(error, anthropic.OverloadedError)  # the 200 was already sent: its status is 200
    assert error.status_code == 200 and error.body["error"]["type"] == "overloaded_error"
    partial = "".join(received)
    assert partial and full.startswith(partial) and len(partial) < len(full)
    assert client_info(client).simulator.attempts == 1  # the SDK did not retry it


def test_stream_disconnect_fault_is_a_connection_error_after_part_of_the_text():
    client = make_client("simulated", faults={1: "stream_disconnect"})
    received = []
    broken = pytest.raises(anthropic.APIConnectionError, match="peer closed connection")
    with broken, client.messages.stream(**ask(client)) as stream:
        received.extend(stream.text_stream)
    assert received


def test_stream_faults_on_an_unstreamed_request_fail_it_whole():
    overloaded = make_client("simulated", faults={1: "stream_error"}, max_retries=0)
    with pytest.raises(anthropic.OverloadedError):
        overloaded.messages.create(**ask(None))
    dropped = make_client("simulated", faults={1: "stream_disconnect"}, max_retries=0)
    with pytest.raises(anthropic.APIConnectionError):
        dropped.messages.create(**ask(None))


# -- the SDK, async ----------------------------------------------------------------------------------

def test_the_async_client_streams_the_same_reply():
    created = make_client("simulated").messages.create(**ask(None))

    async def run():
        client = make_async_client("simulated")
        async with client.messages.stream(**ask(client)) as stream:
            chunks = [text async for text in stream.text_stream]
            final = await stream.get_final_message()
        events = [e.type async for e in await client.messages.create(**ask(client), stream=True)]
        return chunks, final, events

    chunks, final, events = run_fresh(run())
    assert len(chunks) > 5 and "".join(chunks) == created.content[0].text
    same_reply(final, created)
    assert events[0] == "message_start" and events[-1] == "message_stop"


def test_the_async_client_sees_a_stream_error_too():
    async def run():
        client = make_async_client("simulated", faults={1: "stream_error"})
        async with client.messages.stream(**ask(client)) as stream:
            async for _ in stream.text_stream:
                pass

    with pytest.raises(anthropic.APIStatusError, match="Overloaded"):
        run_fresh(run())


def test_make_async_client_refuses_record_mode():
    from course_lib.runtime.client import ClientConfigError
    with pytest.raises(ClientConfigError, match="record mode needs make_client"):
        make_async_client("record", cassette="x")


# -- the manager -------------------------------------------------------------------------------------

def test_manager_stream_yields_the_reply_and_keeps_it_only_at_the_end():
    manager = ConversationManager(make_client("simulated"))
    twin = ConversationManager(make_client("simulated"))
    manager.send(FACT["content"])
    twin.send(FACT["content"])
    chunks = manager.stream(LONG_QUESTION["content"])
    assert len(manager.transcript) == 2  # nothing is sent before you iterate
    first = next(chunks)
    assert first and manager.transcript[-1].message["role"] == "user"  # the reply is not kept while it streams
    rest = list(chunks)
    expected = twin.send(LONG_QUESTION["content"])
    assert first + "".join(rest) == expected
    assert [e.message for e in manager.transcript] == [e.message for e in twin.transcript]
    assert manager.usage_log == twin.usage_log


def test_manager_stream_returns_the_reply_text_like_send():
    manager = ConversationManager(make_client("simulated"))
    chunks = manager.stream("What is a Python tuple?")
    while True:
        try:
            next(chunks)
        except StopIteration as done:
            assert done.value == manager.transcript[-1].message["content"]
            break


@pytest.mark.parametrize("fault", ["stream_error", "stream_disconnect"])
def test_a_stream_broken_halfway_leaves_the_history_as_it_was(fault):
    manager = ConversationManager(make_client("simulated", faults={2: fault}))
    manager.send(FACT["content"])
    before = [e.message for e in manager.transcript]
    received = []
    with pytest.raises(StreamInterruptedError) as caught:
        for chunk in manager.stream(LONG_QUESTION["content"]):
            received.append(chunk)
    error = caught.value
    assert isinstance(error, ConversationError) and isinstance(error.__cause__, anthropic.APIError)
    assert error.partial_text == "".join(received) and received
    assert f"after {len(error.partial_text)} characters" in str(error) and "not kept" in str(error)
    assert [e.message for e in manager.transcript] == before and manager.turns == 1
    assert len(manager.usage_log) == 1  # the broken reply is not logged as a turn
    # nothing lost, nothing dangling: the same question goes through on the next try
    reply = "".join(manager.stream(LONG_QUESTION["content"]))
    assert reply and [e.message["role"] for e in manager.transcript] == ["user", "assistant"] * 2


def test_stopping_early_is_a_turn_not_taken():
    manager = ConversationManager(make_client("simulated"))
    for _ in manager.stream(LONG_QUESTION["content"]):
        break
    assert manager.transcript == [] and manager.turns == 0


def test_an_error_answered_before_the_stream_is_a_conversation_error_and_adds_nothing():
    manager = ConversationManager(make_client("simulated", faults={1: "overloaded", 2: "overloaded", 3: "overloaded"}))
    with pytest.raises(ConversationError, match="overloaded") as caught:
        list(manager.stream("Hello?"))
    assert not isinstance(caught.value, StreamInterruptedError)
    assert manager.transcript == []


def test_a_streamed_overflow_is_pruned_and_retried_once_like_send():
    client = make_client("simulated", context_window=2_000)
    manager = ConversationManager(client, max_tokens=200)
    for n in range(12):
        manager.add_message({"role": "user", "content": f"Note {n}: " + "filler words here " * 60})
        manager.add_message({"role": "assistant", "content": "Noted."})
    reply = "".join(manager.stream("What is a Python set?"))
    assert reply and [row["kind"] for row in manager.usage_log] == ["retry"]
    assert manager.overflow_floor > 0 and manager.transcript[-1].message["role"] == "assistant"


# -- the chat panel ----------------------------------------------------------------------------------

class Recorder:
    """Every value the panel's transcript widget was given, in order."""

    def __init__(self, panel):
        self.values = []
        panel.transcript.observe(lambda change: self.values.append(change["new"]), names="value")


def test_chat_panel_draws_the_reply_as_it_streams_and_keeps_the_log_accessible():
    manager = ConversationManager(make_client("simulated"))
    panel = ChatPanel(manager)
    seen = Recorder(panel)
    panel.draft.value = LONG_QUESTION["content"]
    panel.send_button.click()
    streaming = [v for v in seen.values if "streaming, not kept until complete" in v]
    assert len(streaming) > 5  # one redraw per chunk
    assert all('role="log"' in v and 'aria-label="Conversation so far"' in v and 'tabindex="0"' in v
               for v in seen.values)
    assert all('aria-busy="true"' in v for v in streaming) and 'aria-busy' not in seen.values[-1]
    lengths = [len(v) for v in streaming]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]  # the reply grows chunk by chunk
    assert len(manager.transcript) == 2 and "streaming" not in panel.transcript.value


def test_chat_panel_keeps_a_broken_reply_in_view_marked_not_kept():
    manager = ConversationManager(make_client("simulated", faults={1: "stream_error"}))
    panel = ChatPanel(manager)
    panel.draft.value = LONG_QUESTION["content"]
    panel.send_button.click()
    assert "StreamInterruptedError" in panel.status.value and "not kept" in panel.status.value
    assert panel.draft.value == LONG_QUESTION["content"]
    assert manager.transcript == []
    shown = panel.transcript.value  # what the learner read stays in view, marked as not kept
    assert "interrupted: not kept" in shown and "aria-busy" not in shown and 'role="log"' in shown
    assert "(simulated answer, from Python" in shown  # the start of the reply that broke off
    panel.send_button.click()  # the retry goes through, and the marked partial reply is gone
    assert len(manager.transcript) == 2 and "interrupted" not in panel.transcript.value
