"""Streaming over HTTP: `course-kit serve` as the clients learners bring see it.

The SDK (sync and async), curl and a raw socket run everywhere. LangChain's ChatAnthropic and LiteLLM
are not dependencies of the kit: their tests skip unless they are installed, as in the benchmarks'
environment (``pip install -r benchmarks/requirements.txt``), where they run.
"""

import json
import os
import shutil
import socket
import subprocess
import threading

import anthropic
import httpx2
import pytest
from fresh_loop import run_fresh

from course_lib import DEFAULT_MODEL, make_client
from course_lib.runtime.serve import start_server
from course_lib.runtime.sim import SimulatedClaude
from course_lib.runtime.sse import parse_events

QUESTION = [{"role": "user", "content": "The venue for the book club is the Harbour Library."},
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": "How does a for loop work in Python?"}]
TOOLS = [{"name": "book_room", "description": "Book a meeting room",
          "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
NOT_HERE = "is not installed: it is not a kit dependency"
WAIT = 10  # seconds a test waits for the server before it calls the wait a failure


def served(simulator=None):
    server = start_server(simulator=simulator)
    return server


@pytest.fixture
def server():
    running = served()
    yield running
    running.shutdown()
    running.server_close()


def in_process_reply(**extra) -> anthropic.types.Message:
    return make_client("simulated").messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=QUESTION, **extra)


def same_reply(streamed, created) -> None:
    assert [b.model_dump() for b in streamed.content] == [b.model_dump() for b in created.content]
    assert (streamed.stop_reason, streamed.usage.model_dump()) == (created.stop_reason, created.usage.model_dump())


def sdk(server) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key="dummy", max_retries=0)


# -- the real SDK over HTTP --------------------------------------------------------------------------

def test_messages_stream_over_http_rebuilds_the_in_process_reply(server):
    created = in_process_reply()
    with sdk(server).messages.stream(model=DEFAULT_MODEL, max_tokens=400, messages=QUESTION) as stream:
        chunks = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(chunks) > 5 and "".join(chunks) == created.content[0].text
    same_reply(final, created)


def test_create_stream_true_over_http_gives_the_events_in_order(server):
    events = list(sdk(server).messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=QUESTION, stream=True))
    kinds = [e.type for e in events]
    assert kinds[:2] == ["message_start", "content_block_start"] and kinds[-3:] == [
        "content_block_stop", "message_delta", "message_stop"]
    assert "".join(e.delta.text for e in events if e.type == "content_block_delta") == in_process_reply().content[
        0].text


def test_a_streamed_tool_call_over_http_has_the_same_input(server):
    messages = [{"role": "user", "content": "Please book_room for the Harbour Library meeting."}]
    created = make_client("simulated").messages.create(model=DEFAULT_MODEL, max_tokens=300, messages=messages,
                                                       tools=TOOLS)
    with sdk(server).messages.stream(model=DEFAULT_MODEL, max_tokens=300, messages=messages, tools=TOOLS) as stream:
        same_reply(stream.get_final_message(), created)
    assert created.stop_reason == "tool_use"


def test_the_async_sdk_streams_over_http(server):
    async def run():
        client = anthropic.AsyncAnthropic(base_url=server.url, api_key="dummy", max_retries=0)
        async with client.messages.stream(model=DEFAULT_MODEL, max_tokens=400, messages=QUESTION) as stream:
            text = "".join([chunk async for chunk in stream.text_stream])
            return text, await stream.get_final_message()

    text, final = run_fresh(run())
    created = in_process_reply()
    assert text == created.content[0].text
    same_reply(final, created)


@pytest.mark.parametrize(("fault", "error"), [("stream_error", anthropic.APIStatusError),
                                               ("stream_disconnect", anthropic.APIConnectionError)])
def test_stream_faults_over_http_are_the_sdk_s_exceptions_after_part_of_the_text(fault, error):
    faulty = served(SimulatedClaude(faults={1: fault}))
    received = []
    try:
        client = sdk(faulty)
        with pytest.raises(error) as caught, client.messages.stream(model=DEFAULT_MODEL, max_tokens=400,
                                                                      messages=QUESTION) as stream:
            received.extend(stream.text_stream)
        assert received and in_process_reply().content[0].text.startswith("".join(received))
        if fault == "stream_error":
            assert caught.value.body["error"]["type"] == "overloaded_error"
        else:
            assert "incomplete chunked read" in str(caught.value)
        # the server is fine afterwards: the next request streams in full
        assert client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=QUESTION).content
    finally:
        faulty.shutdown()
        faulty.server_close()


def test_a_refused_streamed_request_gets_json_not_a_stream(server):
    response = httpx2.post(f"{server.url}/v1/messages", json={"model": DEFAULT_MODEL, "max_tokens": 50, "stream": True,
                                                               "messages": [*QUESTION, {"role": "assistant",
                                                                                        "content": "So"}]})
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    assert response.json()["error"]["type"] == "invalid_request_error"


# -- events leave the server one at a time -------------------------------------------------------------

class GatedClaude(SimulatedClaude):
    """Holds every streamed reply after its first event until the test opens the gate.

    If the server buffered a stream, a client could not see the first event before the gate
    opens, and the tests below would time out instead of passing.
    """

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.finished = threading.Event()

    def __call__(self, request):
        response = super().__call__(request)
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            return response
        return httpx2.Response(200, headers=response.headers, stream=self.held(list(response.stream)))

    def held(self, events):
        gate, finished = self.gate, self.finished

        class Held(httpx2.SyncByteStream):
            def __iter__(self):
                yield events[0]
                gate.wait(WAIT)
                yield from events[1:]
                finished.set()

        return Held()


BODY = json.dumps({"model": DEFAULT_MODEL, "max_tokens": 300, "stream": True,
                   "messages": [{"role": "user", "content": "What is a Python list?"}]})


@pytest.fixture
def gated():
    simulator = GatedClaude()
    running = served(simulator)
    yield running, simulator
    simulator.gate.set()
    running.shutdown()
    running.server_close()


def read_until(raw: socket.socket, received: bytes, done) -> bytes:
    while not done(received):
        data = raw.recv(65536)  # times out after WAIT seconds: the server held back what it had
        assert data, f"the server closed the connection after {received!r:.300}"
        received += data
    return received


def test_the_first_event_reaches_a_raw_socket_before_the_last_is_written(gated):
    server, simulator = gated
    with socket.create_connection(server.server_address, timeout=WAIT) as raw:
        raw.sendall((f"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
                     f"content-length: {len(BODY)}\r\n\r\n{BODY}").encode())
        received = read_until(raw, b"", lambda got: b"event: message_start" in got and got.endswith(b"\n\n\r\n"))
        head = received.split(b"\r\n\r\n")[0].decode().lower()
        assert "transfer-encoding: chunked" in head and "content-type: text/event-stream" in head
        assert not simulator.finished.is_set() and b"message_stop" not in received  # only the first event so far
        simulator.gate.set()
        received = read_until(raw, received, lambda got: got.endswith(b"\r\n0\r\n\r\n"))  # the last chunk
    assert simulator.finished.is_set() and b"event: message_stop" in received


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed (apt-get install curl)")
def test_curl_no_buffer_sees_events_as_they_come(gated):
    server, simulator = gated
    curl = subprocess.Popen(["curl", "-sN", f"{server.url}/v1/messages", "-H", "content-type: application/json",
                             "-H", "anthropic-version: 2023-06-01", "-H", "x-api-key: dummy", "-d", BODY],
                            stdout=subprocess.PIPE, text=True)
    try:
        first = curl.stdout.readline()
        assert first == "event: message_start\n"
        assert curl.poll() is None and not simulator.finished.is_set()  # curl printed it while the rest waits
        simulator.gate.set()
        rest, _ = curl.communicate(timeout=WAIT)
    finally:
        curl.kill()
    events = parse_events((first + rest).encode())
    assert [e["type"] for e in events][-1] == "message_stop" and curl.returncode == 0
    assert "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta") == make_client(
        "simulated").messages.create(model=DEFAULT_MODEL, max_tokens=300, messages=[
            {"role": "user", "content": "What is a Python list?"}]).content[0].text


# -- LangChain and LiteLLM, where they are installed -----------------------------------------------------

def chat_anthropic(server):
    langchain_anthropic = pytest.importorskip(
        "langchain_anthropic", reason=f"langchain-anthropic {NOT_HERE} (pip install -r benchmarks/requirements.txt)")
    return langchain_anthropic.ChatAnthropic(model=DEFAULT_MODEL, base_url=server.url, api_key="dummy",
                                             max_retries=0, max_tokens=400)


def langchain_messages():
    return [(m["role"] if m["role"] == "user" else "ai", m["content"]) for m in QUESTION]


def test_langchain_invoke_and_stream_get_the_same_text(server):
    llm = chat_anthropic(server)
    expected = in_process_reply().content[0].text
    assert llm.invoke(langchain_messages()).content == expected
    chunks = [chunk.content for chunk in llm.stream(langchain_messages())]
    assert len([c for c in chunks if c]) > 5 and "".join(c for c in chunks if isinstance(c, str)) == expected


def test_langchain_astream_gets_the_same_text(server):
    llm = chat_anthropic(server)

    async def run():
        return [chunk async for chunk in llm.astream(langchain_messages())]

    chunks = run_fresh(run())
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk  # LangChain's own way of joining streamed chunks, usage included
    assert total.content == in_process_reply().content[0].text
    assert total.usage_metadata["output_tokens"] == in_process_reply().usage.output_tokens


def litellm_module():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM would fetch its price list at import
    return pytest.importorskip("litellm", reason=f"litellm {NOT_HERE} (pip install -r benchmarks/requirements.txt)")


def test_litellm_streaming_gets_the_same_text(server):
    litellm = litellm_module()
    response = litellm.completion(model=f"anthropic/{DEFAULT_MODEL}", messages=QUESTION, api_base=server.url,
                                  api_key="dummy", max_tokens=400, stream=True)
    chunks = [chunk.choices[0].delta.content or "" for chunk in response]
    assert len([c for c in chunks if c]) > 5 and "".join(chunks) == in_process_reply().content[0].text


def test_litellm_async_streaming_gets_the_same_text(server):
    litellm = litellm_module()

    async def run():
        response = await litellm.acompletion(model=f"anthropic/{DEFAULT_MODEL}", messages=QUESTION,
                                             api_base=server.url, api_key="dummy", max_tokens=400, stream=True)
        return [chunk.choices[0].delta.content or "" async for chunk in response]

    assert "".join(run_fresh(run())) == in_process_reply().content[0].text
