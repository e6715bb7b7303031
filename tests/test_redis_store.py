"""RedisStore against a real redis-server: the same interface and guarantees as the other stores.

The server is Debian's ``redis-server``, started by a fixture on 127.0.0.1, a free port and a temporary
folder, persisting nothing; without the binary (or the ``redis`` package) every test here is skipped.
The interface tests of tests/test_storage.py are imported and run here against this module's ``store``.
"""

from __future__ import annotations

import itertools
import json
import sys

import pytest
from test_storage import (  # the shared interface tests run again here, against a RedisStore
    Clock,
    assert_every_method_refuses,
    chat,
    race_two_processes,
    test_a_key_pasted_into_the_conversation_is_redacted_on_save,  # noqa: F401
    test_a_session_deleted_after_loading_is_a_conflict_not_a_silent_recreate,  # noqa: F401
    test_a_state_that_is_not_json_safe_writes_nothing,  # noqa: F401
    test_both_stores_implement_the_protocol,  # noqa: F401
    test_each_save_counts_a_revision_and_a_stale_manager_gets_a_conflict,  # noqa: F401
    test_list_newest_first_filter_by_user_latest_and_delete,  # noqa: F401
    test_round_trip_gives_the_same_state_and_a_working_manager,  # noqa: F401
    test_the_live_key_is_scrubbed_from_values_without_corrupting_the_data,  # noqa: F401
    )

from course_lib.storage import (
    ConflictError,
    CorruptSessionError,
    SessionNotFoundError,
    StoreError,
    serialize,
)
from course_lib.storage.redis_server import LocalRedis, redis_server_binary

redis = pytest.importorskip("redis", reason="the redis client is not installed: .venv/bin/pip install redis")
if redis_server_binary() is None:
    pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)", allow_module_level=True)

from course_lib.storage import RedisStore  # noqa: E402  (after the skips: it needs the package)

NAMESPACES = itertools.count()


@pytest.fixture(scope="module")
def server():
    with LocalRedis() as running:
        yield running


@pytest.fixture
def store(server) -> RedisStore:
    """A fresh namespace per test, so tests share one server but never each other's keys."""
    return RedisStore(server.url, namespace=f"test{next(NAMESPACES)}", clock=Clock())


def everything_stored(store: RedisStore) -> dict[bytes, object]:
    """Every key of the store's namespace with its value, to compare before and after."""
    values = {}
    for key in store.redis.scan_iter(f"{store.namespace}:*"):
        kind = store.redis.type(key)
        values[key] = store.redis.hgetall(key) if kind == b"hash" else sorted(store.redis.smembers(key))
    return values


def test_bad_ids_are_refused_and_nothing_is_written(store):
    manager = chat("Hello there.")
    for bad in ("../escape", "a\x00b", "", "x" * 129, "caf\u00e9", "a:b"):
        assert_every_method_refuses(store, bad, manager)
    assert everything_stored(store) == {}


def test_a_pasted_key_is_nowhere_in_redis(store):
    key = "sk-ant-" + "api03-PASTED-by-mistake-0123456789"
    store.save("leak", chat(f"My key is {key}."), user_id="alice")
    assert key.encode() not in repr(everything_stored(store)).encode()


def test_a_corrupt_entry_names_the_server_and_session_and_is_left_unchanged(store):
    store.save("victim", chat("Hi."), user_id="alice")
    key = f"{store.namespace}:session:victim"
    store.redis.hset(key, "envelope", '{"schema_version": 2, "sess')
    before = everything_stored(store)
    with pytest.raises(CorruptSessionError) as caught:
        store.load("victim")
    assert "redis 127.0.0.1" in str(caught.value) and "'victim'" in str(caught.value)
    assert "truncated" in str(caught.value) and everything_stored(store) == before
    store.redis.hset(key, "revision", "many")
    with pytest.raises(CorruptSessionError, match="not a count"):
        store.save("victim", chat("Hi."))
    assert everything_stored(store) != before and store.redis.hget(key, "revision") == b"many"


def test_a_newer_schema_version_says_upgrade(store):
    store.save("s", chat("Hi."))
    key = f"{store.namespace}:session:s"
    envelope = json.loads(store.redis.hget(key, "envelope"))
    store.redis.hset(key, "envelope", json.dumps({**envelope, "schema_version": 99}))
    with pytest.raises(CorruptSessionError, match="upgrade course_lib"):
        store.load("s")


def test_size_limits_hold_on_load_and_on_save(store, monkeypatch):
    store.save("big", chat("Hi."))
    monkeypatch.setattr(serialize, "MAX_LOAD_BYTES", 100)
    with pytest.raises(CorruptSessionError, match="over the 100 byte limit"):
        store.load("big")
    with pytest.raises(StoreError, match="over the 100 byte limit"):
        store.save("bigger", chat("Hi."))
    assert not store.redis.exists(f"{store.namespace}:session:bigger")


def test_changing_the_user_moves_the_session_between_user_indexes(store):
    store.save("s", chat("Hi."), user_id="alice")
    store.save("s", store.load("s"), user_id="bob")
    assert store.list_sessions("alice") == [] and [r.session_id for r in store.list_sessions("bob")] == ["s"]
    assert store.delete("s") and store.list_sessions() == [] and everything_stored(store) == {}


def test_damaged_listing_fields_are_listed_with_a_problem_not_hidden(store):
    store.save("s", chat("Hi."), user_id="alice")
    store.redis.hset(f"{store.namespace}:session:s", "updated_at", "yesterday")
    rows = store.list_sessions()
    assert [(r.session_id, r.problem is not None) for r in rows] == [("s", True)]
    assert store.latest_for("alice") is None


def test_a_server_that_is_not_running_is_a_clear_store_error(server):
    with pytest.raises(StoreError) as caught:
        RedisStore("redis://127.0.0.1:1/0", timeout=2)
    assert "127.0.0.1:1" in str(caught.value) and "redis-server --port 6379" in str(caught.value)


def test_a_password_in_the_url_never_appears_in_messages(server):
    store = RedisStore(server.url.replace("redis://", "redis://:hunter2-secret@"))
    assert "hunter2" not in repr(store) and "hunter2" not in store.key
    with pytest.raises(StoreError) as caught:
        RedisStore("redis://:hunter2-secret@127.0.0.1:1/0", timeout=2)
    assert "hunter2" not in str(caught.value)


def test_without_the_redis_package_the_error_says_how_to_install_it(server, monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)  # what `import redis` sees when it is not installed
    with pytest.raises(StoreError, match=r"pip install 'course-lib\[redis\]'"):
        RedisStore(server.url)


def test_two_processes_saving_one_session_exactly_one_wins_and_nothing_is_lost(server, tmp_path):
    store = RedisStore(server.url)
    store.delete("shared")
    race_two_processes(store, "redis", server.url, tmp_path)


def test_a_write_between_watch_and_exec_is_a_conflict(store, monkeypatch):
    """The WATCH path: another writer changes the key after our revision check, before EXEC."""
    store.save("s", chat("Hi."))
    mine = store.load("s")
    real_multi = redis.client.Pipeline.multi

    def someone_writes_first(pipe):
        store.redis.hset(f"{store.namespace}:session:s", "revision", 7)  # another app server's save
        real_multi(pipe)
    monkeypatch.setattr(redis.client.Pipeline, "multi", someone_writes_first)
    with pytest.raises(ConflictError, match="now at 7"):
        store.save("s", mine)


def test_missing_sessions(store):
    with pytest.raises(SessionNotFoundError, match="'nobody'"):
        store.load("nobody")
    assert store.delete("nobody") is False and store.latest_for("alice") is None
