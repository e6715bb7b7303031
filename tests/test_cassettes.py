"""Cassettes: concurrent recorders lose nothing, errors never show a key, broken files are named."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fresh_loop import run_fresh

from course_lib import DEFAULT_MODEL, make_client
from course_lib.runtime.cassettes import Cassette, CassetteError, MissingRecording

ROOT = Path(__file__).resolve().parents[1]
FAKE_KEY = "sk-ant-" + "api03-FAKE-cassette-key-not-real-0123456789"  # split: no key-shaped literal in the repo

RECORDER = """
import sys
from course_lib import DEFAULT_MODEL, make_client
client = make_client("record", via="simulated", cassette="shared", cassette_dir=sys.argv[1])
for n in range(int(sys.argv[3])):
    client.messages.create(model=DEFAULT_MODEL, max_tokens=30,
                           messages=[{"role": "user", "content": f"Writer {sys.argv[2]} says hello number {n}."}])
"""


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    for name in ("COURSE_CLIENT_MODE", "ANTHROPIC_API_KEY", "COURSE_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_three_processes_recording_one_cassette_keep_all_45_exchanges(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [subprocess.Popen([sys.executable, "-c", RECORDER, str(tmp_path), str(w), "15"], env=env,
                                stderr=subprocess.PIPE, text=True) for w in range(3)]
    for writer in writers:
        assert writer.wait(timeout=180) == 0, writer.stderr.read()
    exchanges = json.loads((tmp_path / "shared.json").read_text())["exchanges"]
    assert len(exchanges) == 45
    assert sum(len(e["responses"]) for e in exchanges.values()) == 45
    replayer = make_client("replay", cassette="shared", cassette_dir=tmp_path)
    reply = replayer.messages.create(model=DEFAULT_MODEL, max_tokens=30,
                                     messages=[{"role": "user", "content": "Writer 2 says hello number 14."}])
    assert reply.content


def test_a_save_merges_what_another_writer_saved_meanwhile(tmp_path):
    path = tmp_path / "c.json"
    first, second = Cassette(path), Cassette(path)  # as two processes would: each loaded the file once
    body = {"model": DEFAULT_MODEL, "messages": [{"role": "user", "content": "a"}]}
    first.append("k1", "/v1/messages", body, {"status": 200, "body": {}}, "simulated")
    second.append("k2", "/v1/messages", body, {"status": 200, "body": {}}, "simulated")
    second.append("k1", "/v1/messages", body, {"status": 529, "body": {}}, "simulated")
    stored = json.loads(path.read_text())["exchanges"]
    assert sorted(stored) == ["k1", "k2"] and [r["status"] for r in stored["k1"]["responses"]] == [200, 529]


def test_missing_recording_never_shows_a_pasted_key(tmp_path, monkeypatch):
    make_client("record", via="simulated", cassette="demo", cassette_dir=tmp_path).messages.create(
        model=DEFAULT_MODEL, max_tokens=30, messages=[{"role": "user", "content": "hello"}])
    replayer = make_client("replay", cassette="demo", cassette_dir=tmp_path, max_retries=0)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "plainsecret-value-42")
    for pasted in (FAKE_KEY, "plainsecret-value-42"):
        with pytest.raises(MissingRecording) as caught:
            replayer.messages.create(model=DEFAULT_MODEL, max_tokens=30,
                                     messages=[{"role": "user", "content": f"key {pasted} here"}])
        assert pasted not in str(caught.value) and "[redacted-key]" in str(caught.value)


def test_a_secret_equal_to_a_field_name_cannot_corrupt_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "responses")
    client = make_client("record", via="simulated", cassette="odd", cassette_dir=tmp_path)
    client.messages.create(model=DEFAULT_MODEL, max_tokens=30, messages=[{"role": "user", "content": "hi responses"}])
    exchange = next(iter(Cassette(tmp_path / "odd.json").exchanges.values()))
    assert exchange["responses"] and exchange["request"]["messages"][0]["content"] == "hi [redacted-key]"


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "not a readable cassette"),
    (b"\xff\xfe garbage", "not a readable cassette"),
    (b"[]", "cassette format 'list'"),
    (b'{"format": 99, "exchanges": {}}', "cassette format 99"),
    (b'{"format": 1}', "'exchanges' must be an object"),
    (b'{"format": 1, "exchanges": {"abc": {}}}', "no 'responses' list"),
    (b'{"format": 1, "exchanges": {"abc": {"responses": [{"body": {}}], "source": "live"}}}', "integer 'status'"),
    (b'{"format": 1, "exchanges": {"abc": {"responses": [{"status": 200, "body": {}}]}}}', "no 'source'"),
    (b'{"format": 1, "exchanges": {"abc": {"responses": [{"status": 200, "events": "x"}], "source": "live"}}}',
     "a list of 'events'"),
    (b'{"format": 1, "exchanges": {"abc": {"responses": [{"status": 200, "events": [1]}], "source": "live"}}}',
     "a list of 'events'"),
    (b'{"format": 1, "exchanges": {"abc": {"responses": [{"status": 200, "body": {}, "headers": [1]}], '
     b'"source": "live"}}}', "'headers' is not an object"),
])
def test_broken_cassette_is_a_clear_error_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(CassetteError, match=reason) as caught:
        make_client("replay", cassette="broken", cassette_dir=tmp_path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, ValueError)  # what earlier callers caught for a wrong format


STREAMED = {"model": DEFAULT_MODEL, "max_tokens": 300,
            "messages": [{"role": "user", "content": "Remind me: the spare key is with Mrs Okafor at number 12."},
                         {"role": "assistant", "content": "Noted."},
                         {"role": "user", "content": "How do dictionaries work in Python?"}]}


def streamed(client, **extra):
    with client.messages.stream(**STREAMED, **extra) as stream:
        return list(stream.text_stream), stream.get_final_message()


def test_a_recorded_stream_replays_identically_offline(tmp_path):
    recorder = make_client("record", via="simulated", cassette="streams", cassette_dir=tmp_path)
    chunks, final = streamed(recorder)
    plain = recorder.messages.create(**STREAMED)  # the same request unstreamed is another exchange
    exchanges = json.loads((tmp_path / "streams.json").read_text())["exchanges"]
    assert len(exchanges) == 2 and sorted("stream" in e["request"] for e in exchanges.values()) == [False, True]
    recorded = next(e for e in exchanges.values() if "stream" in e["request"])["responses"][0]
    assert recorded["status"] == 200 and recorded["events"][0]["type"] == "message_start"
    replayer = make_client("replay", cassette="streams", cassette_dir=tmp_path)
    again_chunks, again = streamed(replayer)
    assert again_chunks == chunks and len(chunks) > 5
    assert again.model_dump() == final.model_dump()
    assert replayer.messages.create(**STREAMED).model_dump() == plain.model_dump()
    events = [e.type for e in replayer.messages.create(**STREAMED, stream=True)]
    assert events[0] == "message_start" and events[-1] == "message_stop"


@pytest.mark.parametrize(("fault", "error"), [("stream_error", "APIStatusError"),
                                               ("stream_disconnect", "APIConnectionError")])
def test_a_stream_broken_halfway_replays_broken_at_the_same_place(tmp_path, fault, error):
    import anthropic

    recorder = make_client("record", via="simulated", cassette="broken_stream", cassette_dir=tmp_path,
                           faults={1: fault})
    replayer = make_client("replay", cassette="broken_stream", cassette_dir=tmp_path)
    seen = []
    for client in (recorder, replayer):
        received = []
        with pytest.raises(getattr(anthropic, error)), client.messages.stream(**STREAMED) as stream:
            received.extend(stream.text_stream)
        seen.append(received)
    assert seen[0] and seen[0] == seen[1]


def test_an_async_client_replays_a_recorded_stream(tmp_path):

    from course_lib.runtime.client import make_async_client

    chunks, final = streamed(make_client("record", via="simulated", cassette="s", cassette_dir=tmp_path))

    async def replay():
        client = make_async_client("replay", cassette="s", cassette_dir=tmp_path)
        async with client.messages.stream(**STREAMED) as stream:
            return [text async for text in stream.text_stream], await stream.get_final_message()

    again_chunks, again = run_fresh(replay())
    assert again_chunks == chunks and again.model_dump() == final.model_dump()


def test_a_recording_that_fails_leaves_the_cassette_as_it_was(tmp_path, monkeypatch, capsys):
    """Recording rewrites a cassette as the notebook runs; if the run fails halfway, the old one comes back."""
    import nbformat

    from course_lib.runtime import cli

    (tmp_path / "cassettes").mkdir()
    cassette = tmp_path / "cassettes" / "07_x.json"
    cassette.write_text('{"recorded": "before"}')
    notebook = tmp_path / "07_x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)

    def fails_halfway(_notebook, _path):
        cassette.write_text('{"recorded": "half"')  # what the kernel had written when the run broke
        raise RuntimeError("Kaleido v1 and later requires Chrome to be installed.")

    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "execute", fails_halfway)
    monkeypatch.setenv("COURSE_CLIENT_MODE", "simulated")
    assert cli.record([notebook], live=False) == 1
    assert cassette.read_text() == '{"recorded": "before"}'
    said = capsys.readouterr().err
    assert "recording 07_x.ipynb failed" in said and "requires Chrome" in said
