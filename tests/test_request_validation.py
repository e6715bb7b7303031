"""Request validation in the API's words, stop_sequences, request ids and the other HTTP methods.

Every malformed request is a 400 ``invalid_request_error`` naming its field (never a 500, which SDKs
retry), in process and over `course-kit serve`, through raw HTTP, the real SDK and curl.
"""

import json
import shutil
import subprocess
import urllib.error
import urllib.request

import anthropic
import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib import DEFAULT_MODEL, client_info, make_client
from course_lib.runtime.sim import SimulatedClaude

HELLO = [{"role": "user", "content": "What is a Python list?"}]
VALID = {"model": DEFAULT_MODEL, "max_tokens": 300, "messages": HELLO}
TOOL = {"name": "get_weather", "description": "Get the weather in a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
OLD_VERSION = {"anthropic-version": "2023-06-01"}


def http(url: str, body: bytes | None, method: str = "POST", headers: dict[str, str] | None = None):
    """(status, headers, parsed body) of one raw HTTP exchange."""
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, head, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, raw = error.code, error.headers, error.read()
    return status, head, json.loads(raw) if raw else None


@pytest.fixture(params=["in process", "served"])
def send(request, server):
    """send(body, path=..., method=..., headers=...) -> (status, headers, body), in process or over HTTP."""
    if request.param == "served":
        return lambda body, path="/v1/messages", method="POST", headers=None: http(
            server.url + path, json.dumps(body).encode(), method, headers)
    raw = httpx2.Client(transport=httpx2.MockTransport(SimulatedClaude()), base_url="http://simulated")

    def in_process(body, path="/v1/messages", method="POST", headers=None):
        response = raw.request(method, path, json=body, headers=headers or {})
        return response.status_code, response.headers, response.json()
    return in_process


def rejected(result) -> str:
    status, _, body = result
    assert status == 400 and body["type"] == "error" and body["error"]["type"] == "invalid_request_error", body
    return body["error"]["message"]


# -- required fields, types and ranges ------------------------------------------------------------

@pytest.mark.parametrize("field", ["model", "max_tokens", "messages"])
def test_each_required_field_missing_is_named(send, field):
    body = {k: v for k, v in VALID.items() if k != field}
    assert rejected(send(body)) == f"{field}: Field required"


def test_count_tokens_needs_no_max_tokens_but_a_model(send):
    status, _, counted = send({"model": DEFAULT_MODEL, "messages": HELLO}, "/v1/messages/count_tokens")
    assert status == 200 and counted["input_tokens"] > 0
    assert rejected(send({"messages": HELLO}, "/v1/messages/count_tokens")) == "model: Field required"


BAD_FIELDS = [
    ({"max_tokens": "300"}, "max_tokens: Input should be a valid integer"),
    ({"max_tokens": True}, "max_tokens: Input should be a valid integer"),
    ({"max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
    ({"model": 7}, "model: Input should be a valid string"),
    ({"messages": "hi"}, "messages: Input should be a valid list"),
    ({"messages": [{"role": "user"}]}, "messages.0.content: Field required"),
    ({"messages": [{"role": "user", "content": [{"type": "txt", "text": "hi"}]}]},
     "messages.0.content.0.type: Input tag 'txt' found using 'type' does not match any of the expected tags"),
    ({"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"},
                                                {"type": "tool_result", "tool_use_id": "t", "content": 5}]}]},
     "messages.0.content.1.tool_result.content: Input should be a valid string or a list of blocks"),
    ({"stop_sequences": "END"}, "stop_sequences: Input should be a valid list"),
    ({"stop_sequences": [7]}, "stop_sequences.0: Input should be a valid string"),
    ({"stop_sequences": ["END", "\n"]}, "stop_sequences: each stop sequence must contain non-whitespace"),
    ({"system": 5}, "system: Input should be a valid string or a list of text blocks"),
    ({"system": [{"type": "text"}]}, "system.0.text: Field required"),
    ({"tools": [{**TOOL, "name": "get weather"}]},
     "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"),
    ({"tools": [{"name": "get_weather"}]}, "tools.0.custom.input_schema: Field required"),
    ({"tools": [TOOL, TOOL]}, "tools: Tool names must be unique."),
    ({"tools": [{**TOOL, "input_schema": {"type": "object", "properties": {"city": {"type": "town"}}}}]},
     "tools.0.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12"),
    ({"tools": [TOOL], "tool_choice": {"type": "required"}},  # OpenAI's spelling
     "tool_choice: Input tag 'required' found using 'type' does not match any of the expected tags"),
    ({"tools": [TOOL], "tool_choice": {"type": "tool", "name": "get_time"}},
     "tool_choice.tool.name: tool `get_time` is not among the tools provided"),
    ({"tool_choice": {"type": "any"}}, "tool_choice: tool_choice type `any` requires `tools` to be provided"),
    ({"tools": [TOOL], "tool_choice": {"type": "any"}, "thinking": {"type": "adaptive"}},
     "Thinking may not be enabled when tool_choice forces tool use."),
    ({"max_token": 300}, "max_token: Extra inputs are not permitted"),
]


@pytest.mark.parametrize("patch, message", BAD_FIELDS, ids=[m.split(":")[0] for _, m in BAD_FIELDS])
def test_a_bad_field_is_a_400_naming_it(send, patch, message):
    assert rejected(send({**VALID, **patch})).startswith(message)


def test_sampling_parameters_follow_the_version_and_the_model(send):
    # The installed SDK sends anthropic-version 2026-10-21, which has no sampling parameters at all.
    assert rejected(send({**VALID, "temperature": 0.5}, headers={"anthropic-version": "2026-10-21"})) == \
        "temperature: Extra inputs are not permitted"
    # On 2023-06-01, Claude Opus 4.7 and later (the course's default model included) reject them too ...
    assert rejected(send({**VALID, "temperature": 0.5}, headers=OLD_VERSION)) == \
        "`temperature` is deprecated for this model."
    # ... and a 4.6 model takes them, within their ranges.
    old = {**VALID, "model": "claude-sonnet-4-6"}
    assert send({**old, "temperature": 0.5, "top_k": 5}, headers=OLD_VERSION)[0] == 200
    assert rejected(send({**old, "temperature": 1.5}, headers=OLD_VERSION)) == "temperature: range: 0..1"
    assert rejected(send({**old, "top_p": -0.1}, headers=OLD_VERSION)) == "top_p: range: 0..1"
    assert rejected(send({**old, "temperature": "hot"}, headers=OLD_VERSION)) == \
        "temperature: Input should be a valid number"
    assert rejected(send({**old, "top_k": -1}, headers=OLD_VERSION)) == \
        "top_k: Input should be greater than or equal to 0"


SCALARS = st.none() | st.booleans() | st.integers(-3, 70_000) | st.floats(allow_nan=False, allow_infinity=False) | \
    st.text(max_size=8)
JSON = st.recursive(SCALARS,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["type", "text", "role", "content", "name", "id", "input", "source",
                                         "tool_use_id", "input_schema", "budget_tokens", "x"]), inner, max_size=4),
                    max_leaves=12)
FIELDS = ["model", "max_tokens", "messages", "system", "stop_sequences", "tools", "tool_choice", "metadata",
          "thinking", "temperature", "top_p", "top_k", "cache_control", "context_management"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FIELDS), JSON, min_size=1, max_size=3))
def test_no_request_shape_is_ever_a_server_error(patch):
    """Any JSON in any field is answered (200) or refused (4xx); a 500 would make the SDK retry it."""
    response = SimulatedClaude()(httpx2.Request("POST", "http://simulated/v1/messages",
                                                json={**VALID, **patch}, headers=OLD_VERSION))
    assert response.status_code in (200, 400), response.json()


# -- what the SDK does with them ---------------------------------------------------------------------

def test_the_sdk_raises_bad_request_and_never_retries_it(server):
    in_process = make_client("simulated")
    served = anthropic.Anthropic(base_url=server.url, api_key="dummy", max_retries=2)
    for client, simulator in ((in_process, client_info(in_process).simulator), (served, server.simulator)):
        before = simulator.attempts
        with pytest.raises(anthropic.BadRequestError) as caught:
            client.messages.create(model=DEFAULT_MODEL, max_tokens=300, messages=HELLO, system=5)
        assert caught.value.status_code == 400
        assert caught.value.body["error"]["message"].startswith("system: Input should be a valid string")
        assert caught.value.request_id == caught.value.body["request_id"]
        assert simulator.attempts == before + 1  # one attempt: the SDK does not retry a 400


def test_every_error_has_its_own_request_id_in_body_and_header(send):
    ids = []
    for body in ({"messages": HELLO}, {**VALID, "max_tokens": 0}, {**VALID, "max_tokens": 0}):
        status, headers, error = send(body)
        assert status == 400 and headers["request-id"] == error["request_id"]
        ids.append(error["request_id"])
    assert len(set(ids)) == 3 and all(i.startswith("req_sim_") for i in ids)


# -- other methods and paths ----------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_other_methods_get_the_apis_json_error_not_html(server, method):
    status, headers, body = http(f"{server.url}/v1/messages", b"{}" if method != "GET" else None, method)
    assert status == 405 and headers["content-type"] == "application/json" and headers["allow"] == "POST"
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert body["request_id"] == headers["request-id"]


def test_an_unknown_path_is_the_apis_404(server):
    for method in ("GET", "POST"):
        status, headers, body = http(f"{server.url}/v1/complete", b"{}" if method == "POST" else None, method)
        assert status == 404 and body["error"] == {"type": "not_found_error", "message": "Not Found"}
    status, headers, body = http(f"{server.url}/v1/messages", None, "HEAD")
    assert status == 405 and body is None and int(headers["content-length"]) > 0  # the headers, without the body


def test_curl_gets_the_error_envelope(server):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    done = subprocess.run(["curl", "-s", "-i", f"{server.url}/v1/messages", "-H", "content-type: application/json",
                           "-d", json.dumps({"model": DEFAULT_MODEL, "messages": HELLO})],
                          capture_output=True, text=True, timeout=30, check=True)
    head, _, payload = done.stdout.partition("\n\n")  # text mode reads the CRLFs as newlines
    assert head.startswith("HTTP/1.1 400") and "request-id: req_sim_" in head.lower()
    assert json.loads(payload)["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}


# -- stop_sequences ------------------------------------------------------------------------------------

@pytest.fixture(params=["in process", "served"])
def client(request, server):
    if request.param == "in process":
        return make_client("simulated")
    return anthropic.Anthropic(base_url=server.url, api_key="dummy", max_retries=0)


def test_the_reply_stops_before_a_stop_sequence_taken_from_it(client):
    full = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=HELLO)
    text = full.content[0].text
    sequence = text.split()[len(text.split()) // 2]  # a word from the middle of the known reply
    stopped = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=HELLO,
                                     stop_sequences=["<never written>", sequence])
    assert stopped.stop_reason == "stop_sequence" and stopped.stop_sequence == sequence
    assert stopped.content[0].text == text[:text.index(sequence)]
    assert 0 < stopped.usage.output_tokens < full.usage.output_tokens
    unmatched = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=HELLO,
                                       stop_sequences=["<never written>"])
    assert unmatched.stop_reason == "end_turn" and unmatched.stop_sequence is None
    assert unmatched.content[0].text == text


def test_max_tokens_reached_first_wins_over_a_later_stop_sequence(client):
    full = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=HELLO).content[0].text
    last_word = full.split()[-1]
    cut = client.messages.create(model=DEFAULT_MODEL, max_tokens=8, messages=HELLO, stop_sequences=[last_word])
    assert cut.stop_reason == "max_tokens" and cut.stop_sequence is None


def test_a_stop_sequence_before_a_tool_call_leaves_the_call_unwritten(client):
    tools = [{"name": "get_weather", "description": "Get the weather in a city",
              "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
    question = [{"role": "user", "content": "What's the weather in Oslo?"}]
    calling = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=question, tools=tools)
    assert calling.stop_reason == "tool_use"
    preface = calling.content[0].text
    stopped = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=question, tools=tools,
                                     stop_sequences=[preface.split()[2]])
    assert stopped.stop_reason == "stop_sequence" and [b.type for b in stopped.content] == ["text"]


def test_a_streamed_reply_stops_at_the_sequence_too(client):
    text = client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=HELLO).content[0].text
    sequence = text.split()[len(text.split()) // 2]
    with client.messages.stream(model=DEFAULT_MODEL, max_tokens=400, messages=HELLO,
                                stop_sequences=[sequence]) as stream:
        streamed = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert streamed == text[:text.index(sequence)]
    assert final.stop_reason == "stop_sequence" and final.stop_sequence == sequence


def test_every_reply_has_its_own_request_id_too(client):
    first = client.messages.with_raw_response.create(model=DEFAULT_MODEL, max_tokens=100, messages=HELLO)
    second = client.messages.create(model=DEFAULT_MODEL, max_tokens=100, messages=HELLO)
    assert first.headers["request-id"].startswith("req_sim_")
    assert second._request_id.startswith("req_sim_") and second._request_id != first.headers["request-id"]
