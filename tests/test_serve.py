"""`course-kit serve`: the simulator as a local Messages API, used by the real SDK, live mode and a notebook."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import anthropic
import httpx2
import nbformat
import pytest
from nbclient import NotebookClient

from course_lib import DEFAULT_MODEL, ConversationManager, banner, client_info, make_client
from course_lib.runtime.serve import start_server
from course_lib.runtime.sim.rules import NO_PREFILL

ROOT = Path(__file__).resolve().parents[1]
DUMMY_KEY = "sk-ant-" + "api03-DUMMY-serve-key-never-logged-0123456789"  # split: no key-shaped literal
QUESTION = [{"role": "user", "content": "My order number is QX-55810."}, {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": "What is my order number?"}]
TURNS = ["My order number is QX-55810, placed on 3 March.", "What is a Python list?", "What is my order number?"]


@pytest.fixture
def server():
    running = start_server()
    yield running
    running.shutdown()
    running.server_close()


def sdk(server) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key="dummy", max_retries=0)


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_real_sdk_talks_to_it(server):
    client = sdk(server)
    reply = client.messages.create(model=DEFAULT_MODEL, max_tokens=200, messages=QUESTION)
    in_process = make_client("simulated").messages.create(model=DEFAULT_MODEL, max_tokens=200, messages=QUESTION)
    assert isinstance(reply, anthropic.types.Message)
    assert reply.model_dump() == in_process.model_dump()  # the same simulator, only over HTTP
    counted = client.messages.count_tokens(model=DEFAULT_MODEL, messages=QUESTION)
    assert counted.input_tokens == reply.usage.input_tokens


def test_api_errors_come_back_as_sdk_exceptions(server):
    with pytest.raises(anthropic.BadRequestError) as caught:
        sdk(server).messages.create(model=DEFAULT_MODEL, max_tokens=50,
                                    messages=[*QUESTION, {"role": "assistant", "content": "It is"}])
    assert caught.value.body["type"] == "error" and NO_PREFILL in caught.value.body["error"]["message"]


def test_raw_http_gets_the_api_error_shapes(server):
    status, body = post(f"{server.url}/v1/messages", b"{not json")
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    status, body = post(f"{server.url}/v1/messages", b"[1, 2]")
    assert status == 400 and "JSON object" in body["error"]["message"]
    status, body = post(f"{server.url}/v1/complete", b"{}")
    assert status == 404 and body == {"type": "error", "error": {"type": "not_found_error", "message": "Not Found"},
                                      "request_id": body["request_id"]}
    assert body["request_id"].startswith("req_sim_")  # unique per response (was a fixed "req_simulated")


def test_concurrent_clients_share_one_simulator_safely(server):
    from concurrent.futures import ThreadPoolExecutor
    client = sdk(server)

    def ask(n):
        question = [{"role": "user", "content": f"Note {n}: the code is {n * 7}."},
                    {"role": "assistant", "content": "Ok."}, {"role": "user", "content": "What is the code?"}]
        return client.messages.create(model=DEFAULT_MODEL, max_tokens=80, messages=question).usage.input_tokens
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(ask, range(24)))
    assert len(counts) == 24 and server.simulator.attempts == 24 and all(counts)


def test_a_bad_content_length_is_a_400_not_a_dropped_connection(server):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    connection.putrequest("POST", "/v1/messages")
    connection.putheader("content-length", "lots")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 400 and json.loads(response.read())["error"]["type"] == "invalid_request_error"
    connection.close()


def test_beta_context_management_goes_through_the_server(server):
    messages = [{"role": "user", "content": "Look it up with lookup."},
                {"role": "assistant",
                 "content": [{"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                              "content": "Result text. " * 50}]},
                {"role": "assistant", "content": "Done."}, {"role": "user", "content": "Thanks, what next?"}]
    edit = {"type": "clear_tool_uses_20250919", "trigger": {"type": "input_tokens", "value": 10},
            "keep": {"type": "tool_uses", "value": 0}}
    reply = sdk(server).beta.messages.create(model=DEFAULT_MODEL, max_tokens=100, messages=messages,
                                             betas=["context-management-2025-06-27"],
                                             context_management={"edits": [edit]})
    assert reply.context_management.applied_edits[0].cleared_tool_uses == 1


def test_live_mode_end_to_end_through_a_manager(server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "dummy")
    monkeypatch.delenv("COURSE_CLIENT_MODE", raising=False)
    client = make_client()
    assert client_info(client).mode == "live" and str(client.base_url).startswith(server.url)
    assert server.url in banner(client) and "billed" not in banner(client)
    manager, offline = ConversationManager(client), ConversationManager(make_client("simulated"))
    answers = [manager.send(turn) for turn in TURNS]
    assert answers == [offline.send(turn) for turn in TURNS] and all(answers)
    assert len(manager.usage_log) == 3 and manager.usage_log[-1]["input_tokens"] > 0


def test_the_cli_prints_its_url_and_never_logs_the_key(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "course_lib.runtime.cli", "serve", "--port", "0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        client = anthropic.Anthropic(base_url=url, api_key=DUMMY_KEY, max_retries=0)
        assert client.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=QUESTION).content
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert "POST /v1/messages 200" in err
    assert DUMMY_KEY not in line + out + err and "x-api-key" not in err.lower()


def test_stream_delay_spaces_the_events_of_a_served_stream(monkeypatch):
    from course_lib.runtime import cli, sse

    started = {}

    class Stub:  # the real server would run forever: keep what the CLI built, then stop like Ctrl-C
        def __init__(self, port, simulator):
            started.update(port=port, simulator=simulator)
            self.url = "http://127.0.0.1:0"

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            pass

    monkeypatch.setattr("course_lib.runtime.serve.SimulatorServer", Stub)
    assert cli.main(["serve", "--stream-delay", "0.25"]) == 0
    simulator = started["simulator"]
    assert simulator.stream_delay == 0.25
    pauses = []
    monkeypatch.setattr(sse.time, "sleep", pauses.append)
    response = simulator(httpx2.Request("POST", "http://127.0.0.1/v1/messages", json={
        "model": DEFAULT_MODEL, "max_tokens": 100, "stream": True, "messages": QUESTION}))
    events = list(response.iter_bytes())
    assert len(events) > 3 and pauses == [0.25] * (len(events) - 1)  # between events, never before the first


def test_a_notebook_runs_in_live_mode_against_the_server(server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "dummy")
    monkeypatch.setenv("COURSE_CLIENT_MODE", "live")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    path = ROOT / "notebooks" / "01_stateless_reality.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # raises on any cell error
    banners = [o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("mode: live" in text for text in banners)
