"""make_client: mode choice, the one default model, replay and record, and no secret ever written."""

import json
import subprocess
import sys
import warnings

import anthropic
import pytest

from course_lib import DEFAULT_MODEL, banner, client_info, make_client
from course_lib.runtime.cassettes import MissingRecording
from course_lib.runtime.client import ClientConfigError, check_model, resolve_mode

FAKE_KEY = "sk-ant-" + "api03-FAKE-test-key-not-real-0123456789abcdef"  # split: no key-shaped literal in the repo
HELLO = [{"role": "user", "content": "My order number is 889. Where is it?"}]


@pytest.fixture(autouse=True)
def no_mode_env(monkeypatch):
    monkeypatch.delenv("COURSE_CLIENT_MODE", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("COURSE_MODEL", raising=False)


def test_course_model_overrides_the_default_without_editing_code(monkeypatch):
    assert client_info(make_client("simulated")).model == DEFAULT_MODEL
    monkeypatch.setenv("COURSE_MODEL", "claude-haiku-5-5")
    for mode in ("simulated", "live"):
        monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
        client = make_client(mode)
        assert client_info(client).model == "claude-haiku-5-5"
        assert "model: claude-haiku-5-5" in banner(client)


@pytest.mark.parametrize("model, fragment", [
    ("claude-sonnet-3-7-typo", "not a model id the installed anthropic SDK"),
    ("claude-mythos-preview", "was retired on June 30th, 2026"),
])
def test_retired_or_unknown_model_is_a_clear_error_naming_course_model(monkeypatch, model, fragment):
    monkeypatch.setenv("COURSE_MODEL", model)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    for mode in ("live", "simulated"):
        with pytest.raises(ClientConfigError, match=fragment) as caught:
            make_client(mode)
        assert "COURSE_MODEL" in str(caught.value) and DEFAULT_MODEL in str(caught.value)


def test_deprecated_model_warns_with_its_end_of_life_and_retires_on_that_date():
    import datetime as dt
    with pytest.warns(DeprecationWarning, match="COURSE_MODEL='claude-opus-4-5'.*January 22nd, 2027"):
        check_model("claude-opus-4-5", today=dt.date(2026, 12, 1))
    with pytest.raises(ClientConfigError, match="retired"):
        check_model("claude-opus-4-5", today=dt.date(2027, 1, 22))
    assert check_model(DEFAULT_MODEL) == DEFAULT_MODEL


def test_runtime_code_reads_replies_by_block_type_never_by_position():
    from pathlib import Path
    runtime = Path(__file__).resolve().parents[1] / "course_lib" / "runtime"
    offenders = [str(p) for p in runtime.rglob("*.py") if "content[0]" in p.read_text()]
    assert offenders == []


def test_auto_mode_is_simulated_without_a_key():
    assert resolve_mode() == "simulated"
    assert client_info(make_client()).mode == "simulated"


def test_auto_mode_is_live_only_when_a_key_is_set(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    client = make_client()
    assert client_info(client).mode == "live"
    assert client.base_url.host == "api.anthropic.com"


def test_env_var_overrides_auto_choice(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("COURSE_CLIENT_MODE", "simulated")
    assert client_info(make_client()).mode == "simulated"


def test_live_without_key_is_a_clear_error():
    with pytest.raises(ClientConfigError, match="ANTHROPIC_API_KEY"):
        make_client("live")


def test_unknown_mode_is_refused():
    with pytest.raises(ClientConfigError, match="unknown client mode"):
        make_client("psychic")


def test_banner_names_mode_model_and_version_but_never_the_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    line = banner(make_client("live"))
    assert "mode: live" in line and DEFAULT_MODEL in line and "course_lib" in line
    assert FAKE_KEY not in line and "sk-ant" not in line


def test_default_model_is_current_in_the_installed_sdk():
    from anthropic.resources.messages.messages import DEPRECATED_MODELS
    from anthropic.types.model_param import ModelParam
    assert DEFAULT_MODEL in ModelParam.__args__[0].__args__
    assert DEFAULT_MODEL not in DEPRECATED_MODELS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_client("simulated").messages.create(model=DEFAULT_MODEL, max_tokens=20, messages=HELLO)


def test_replay_hit(tmp_path):
    recorder = make_client("record", via="simulated", cassette="demo", cassette_dir=tmp_path)
    recorded = recorder.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=HELLO)
    replayer = make_client("replay", cassette="demo", cassette_dir=tmp_path)
    replayed = replayer.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=HELLO)
    assert replayed.model_dump() == recorded.model_dump()
    assert client_info(replayer).cassette.sources == {"simulated"}


def test_replay_miss_names_the_request_and_how_to_record(tmp_path):
    make_client("record", via="simulated", cassette="demo", cassette_dir=tmp_path).messages.create(
        model=DEFAULT_MODEL, max_tokens=50, messages=HELLO)
    replayer = make_client("replay", cassette="demo", cassette_dir=tmp_path, max_retries=0)
    other = [{"role": "user", "content": "Something never recorded"}]
    with pytest.raises(MissingRecording) as caught:
        replayer.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=other)
    assert "Something never recorded" in str(caught.value) and "course-kit record" in str(caught.value)


def test_replay_reproduces_recorded_errors_and_retries(tmp_path):
    recorder = make_client("record", via="simulated", faults={1: "overloaded"}, cassette="f", cassette_dir=tmp_path)
    recorder.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=HELLO)
    replayer = make_client("replay", cassette="f", cassette_dir=tmp_path)
    assert replayer.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=HELLO).content
    overflow = make_client("record", via="simulated", context_window=50, cassette="o", cassette_dir=tmp_path)
    with pytest.raises(anthropic.BadRequestError):
        overflow.messages.create(model=DEFAULT_MODEL, max_tokens=40, messages=HELLO)
    with pytest.raises(anthropic.BadRequestError, match="exceed context limit"):
        make_client("replay", cassette="o", cassette_dir=tmp_path).messages.create(
            model=DEFAULT_MODEL, max_tokens=40, messages=HELLO)


def test_record_writes_no_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    recorder = make_client("record", via="simulated", cassette="secret", cassette_dir=tmp_path)
    leaky = [{"role": "user", "content": f"my key is {FAKE_KEY} ok?"}]
    recorder.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=leaky)
    text = (tmp_path / "secret.json").read_text()
    assert FAKE_KEY not in text and "sk-ant-" not in text
    assert "authorization" not in text.lower() and "x-api-key" not in text.lower()
    data = json.loads(text)
    exchange = next(iter(data["exchanges"].values()))
    assert exchange["source"] == "simulated" and exchange["sdk_version"] == anthropic.__version__


def test_replay_and_record_need_a_cassette_name():
    with pytest.raises(ClientConfigError, match="cassette"):
        make_client("replay")


def test_offline_import_and_create_from_the_command_line():
    script = ("from course_lib import make_client, DEFAULT_MODEL; import anthropic; c = make_client(); "
              "m = c.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=[{'role': 'user', "
              "'content': 'What is my name?'}]); assert isinstance(m, anthropic.types.Message); "
              "print(m.content[0].text)")
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "don't have that information" in out.stdout


def test_two_clients_recording_one_cassette_keep_every_exchange(tmp_path):
    def ask(client, text):
        client.messages.create(model=DEFAULT_MODEL, max_tokens=50, messages=[{"role": "user", "content": text}])
    first = make_client("record", via="simulated", cassette="shared", cassette_dir=tmp_path)
    ask(first, "one")
    second = make_client("record", via="simulated", cassette="shared", context_window=5_000, cassette_dir=tmp_path)
    ask(second, "two")
    ask(first, "three")
    replayer = make_client("replay", cassette="shared", cassette_dir=tmp_path)
    for text in ("one", "two", "three"):
        ask(replayer, text)
    assert len(json.loads((tmp_path / "shared.json").read_text())["exchanges"]) == 3
