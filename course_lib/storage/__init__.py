"""Conversations that survive restarts: JSON files, SQLite and Redis stores with one interface.

Introduced in notebook 06_production_manager. The modules, in reading order:

* :mod:`.errors` and :mod:`.ids`: what can go wrong, and the id allow-list;
* :mod:`.base`: the interface, the listing row, and the revision each loaded manager carries;
* :mod:`.serialize`: state to text and back (key scrubbing, size limit, untrusted reads);
* :mod:`.envelope`: what a store saves around a state (ids, time, revision, schema version);
* :mod:`.json_store`, :mod:`.sqlite_store`, :mod:`.redis_store`: the three stores.

Every store refuses unsafe ids, writes atomically, scrubs keys, checks what it reads, and refuses
to save over a revision other than the one loaded (:class:`ConflictError`).
"""

from __future__ import annotations

from typing import Any

from .base import ConversationStore, SessionInfo, loaded_revision
from .envelope import MIGRATIONS, SCHEMA_VERSION
from .errors import ConflictError, CorruptSessionError, InvalidIdError, SessionNotFoundError, StoreError
from .ids import ID_PATTERN, MAX_ID_LENGTH, check_id
from .serialize import MAX_LOAD_BYTES, dump_state, load_state_text, read_state_file, write_state_file

__all__ = ["ID_PATTERN", "MAX_ID_LENGTH", "MAX_LOAD_BYTES", "MIGRATIONS", "SCHEMA_VERSION", "ConflictError",
           "ConversationStore", "CorruptSessionError", "InvalidIdError", "JsonStore", "RedisStore",
           "SessionInfo", "SessionNotFoundError", "SqliteStore", "StoreError", "check_id", "dump_state",
           "load_state_text", "loaded_revision", "read_state_file", "write_state_file"]

_STORES = {"JsonStore": "json_store", "SqliteStore": "sqlite_store", "RedisStore": "redis_store"}


def __getattr__(name: str) -> Any:
    """Import a store's module on first use, so importing this package (for serialize) loads no sqlite3."""
    if name not in _STORES:
        raise AttributeError(f"module 'course_lib.storage' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_STORES[name]}", __name__), name)
    globals()[name] = value
    return value
