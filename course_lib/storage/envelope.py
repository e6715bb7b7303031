"""The envelope a store saves around a manager's state: id, user, time, counts, revision, version.

Introduced in notebook 06_production_manager. Every store saves the same envelope::

    {"schema_version": 2, "session_id": "...", "user_id": "..." | null,
     "updated_at": "2025-01-01T12:00:00.000000+00:00", "message_count": 12, "tokens": 840,
     "state": manager.to_state(), "revision": 3}

Two versions, two owners: the envelope's ``schema_version`` is this module's (it changes when the
envelope changes, with a step in :data:`MIGRATIONS`); ``state["schema_version"]`` is the
manager's, checked by :func:`course_lib.managers.manager_from_state`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .. import managers
from .base import SessionInfo
from .errors import CorruptSessionError, InvalidIdError
from .ids import check_id, show
from .serialize import dump_state, json_object

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "envelope_text", "parse_envelope", "rebuild_manager", "session_info"]

SCHEMA_VERSION = 2
"""Version of the envelope written by this kit. Bump it only together with a step in MIGRATIONS."""


def _v1_to_v2(envelope: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added the revision counter; a version-1 session has never been revised."""
    return {**envelope, "schema_version": 2, "revision": 0}


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    # version N -> function turning an N envelope into an N+1 envelope, applied in memory on load.
    1: _v1_to_v2,
}


def envelope_text(session_id: str, manager: managers.ConversationManager, user_id: str | None,
                  now: dt.datetime, revision: int) -> tuple[str, SessionInfo]:
    """Serialize everything *before* touching storage, so a bad state writes nothing.

    Introduced in notebook 06_production_manager.
    """
    transcript = manager.transcript
    info = SessionInfo(session_id, user_id, now.astimezone(dt.timezone.utc), len(transcript),
                       sum(entry.tokens for entry in transcript), revision=revision)
    envelope = {"schema_version": SCHEMA_VERSION, "session_id": session_id, "user_id": user_id,
                "updated_at": info.updated_at.isoformat(timespec="microseconds"),
                "message_count": info.message_count, "tokens": info.tokens, "state": manager.to_state(),
                "revision": revision}  # new in version 2; last, so the fields above keep their version-1 layout
    return dump_state(envelope, f"session {session_id!r}"), info


def parse_envelope(raw: bytes, where: str, session_id: str) -> dict[str, Any]:
    """Check an envelope read from storage and bring it to the current version; never trusts it.

    Introduced in notebook 06_production_manager.
    """
    data = _migrate(json_object(raw, where), where)
    expected = {"session_id": str, "updated_at": str, "message_count": int, "tokens": int, "state": dict,
                "revision": int}
    for key, kind in expected.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            found = "missing" if key not in data else f"a {type(data[key]).__name__}"
            raise CorruptSessionError(where, f"field {key!r} should be a {kind.__name__}, found {found}")
    if data["session_id"] != session_id:
        raise CorruptSessionError(where, f"says it is session {show(data['session_id'])}, not {session_id!r} "
                                  "(copied or renamed by hand?)")
    if data["revision"] < 0:
        raise CorruptSessionError(where, f"revision {data['revision']} is negative")
    if data.get("user_id") is not None:
        try:
            check_id(data["user_id"], "user id")
        except InvalidIdError as error:
            raise CorruptSessionError(where, str(error)) from error
    try:
        zone = dt.datetime.fromisoformat(data["updated_at"]).tzinfo
    except (ValueError, OverflowError):
        zone = None
    if zone is None:
        raise CorruptSessionError(where, f"updated_at {show(data['updated_at'])} is not an ISO time with a zone")
    return data


def session_info(data: dict[str, Any]) -> SessionInfo:
    """The listing row of a checked envelope.

    Introduced in notebook 06_production_manager.
    """
    return SessionInfo(data["session_id"], data.get("user_id"), dt.datetime.fromisoformat(data["updated_at"]),
                       data["message_count"], data["tokens"], revision=data["revision"])


def rebuild_manager(data: dict[str, Any], where: str, client: Any) -> managers.ConversationManager:
    """The manager a checked envelope holds; any problem in its state is one CorruptSessionError.

    Introduced in notebook 06_production_manager.
    """
    try:
        return managers.manager_from_state(data["state"], client=client)
    except managers.StateError as error:
        raise CorruptSessionError(where, f"the saved manager state is unusable: {error}") from error
    except (LookupError, TypeError, ValueError, AttributeError) as error:
        # manager_from_state promises StateError, but the file is untrusted: whatever a hand-edited
        # state trips over is still reported as one clear error about this file (the cause is chained).
        raise CorruptSessionError(where, f"the saved manager state is unusable ({type(error).__name__}: "
                                  f"{show(str(error), 120)})") from error


def _migrate(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Step an old envelope up to :data:`SCHEMA_VERSION` in memory; refuse newer or unknown ones."""
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CorruptSessionError(where, f"has no usable schema_version (found {show(version)}); "
                                  "it was not written by a course_lib store")
    if version > SCHEMA_VERSION:
        raise CorruptSessionError(where, f"has schema_version {version}, newer than the {SCHEMA_VERSION} this "
                                  "course_lib reads; upgrade course_lib to load it")
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise CorruptSessionError(where, f"has schema_version {version} and there is no migration from it "
                                      f"to {SCHEMA_VERSION}")
        data = step(data)
        version = data["schema_version"]
    return data
