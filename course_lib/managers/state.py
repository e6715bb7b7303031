"""Saving and restoring managers: their state as JSON data, checked field by field on the way back in.

Introduced in notebook 06_production_manager. A saved state is untrusted input (a learner may edit
the file, a disk may corrupt it), so :meth:`Persistent.from_state` checks every field's type and
range and raises :class:`~course_lib.managers.errors.StateError` naming the first bad one, instead
of a manager that fails three turns later. ``save(path)`` writes atomically; the stores of
:mod:`course_lib.storage` wrap the same state in an envelope with a session id.
"""

from __future__ import annotations

import copy
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import anthropic

from ..messages import validate_messages
from ..storage.serialize import read_state_file, write_state_file
from ..usage import USAGE_FIELDS
from .errors import StateError
from .transcript import Entry, TokenCounter

__all__ = ["MANAGER_KINDS", "MANAGER_STATE_VERSION", "Persistent", "manager_from_state", "restorable"]

MANAGER_STATE_VERSION = 1
"""Version of a manager's :meth:`~Persistent.to_state` (not the stores' envelope version); bump it
when the state's shape changes."""

MANAGER_KINDS: dict[str, type] = {}
"""Every class :func:`manager_from_state` can rebuild, by the ``kind`` a state records."""

_Kind = TypeVar("_Kind", bound=type)


def restorable(cls: _Kind) -> _Kind:
    """Class decorator: let :func:`manager_from_state` rebuild this manager class by its name."""
    MANAGER_KINDS[cls.__name__] = cls
    return cls


class Persistent:
    """``to_state`` / ``from_state`` / ``save`` / ``load`` for every manager.

    Introduced in notebook 06_production_manager. Subclasses add their own fields through
    :meth:`_extra_state`, :meth:`_extra_state_fields` and :meth:`_restore_extra`.
    """

    CONFIG: ClassVar[tuple[str, ...]] = ()

    def to_state(self) -> dict[str, Any]:
        """Everything needed to continue the conversation later, as JSON-safe data (no client).

        Introduced in notebook 06_production_manager.
        """
        return {"schema_version": MANAGER_STATE_VERSION, "kind": type(self).__name__,
                "config": copy.deepcopy({name: getattr(self, name) for name in self.CONFIG}),
                "pinned_facts": list(self.pinned_facts),
                "transcript": [asdict(entry) for entry in self.transcript],
                "usage_log": [dict(row) for row in self.usage_log],
                "turns": self.turns, "overflow_floor": self.overflow_floor, **self._extra_state()}

    @classmethod
    def from_state(cls, state: Mapping[str, Any], client: anthropic.Anthropic | None = None, *,
                   token_counter: TokenCounter | None = None) -> Any:
        """A manager continuing from ``state``; a wrong shape raises :class:`StateError` naming the field.

        Introduced in notebook 06_production_manager. With ``token_counter`` the messages are
        re-counted with it; without, the saved counts (the estimator's) are kept.
        """
        state = _check_envelope(state)
        if state["kind"] != cls.__name__:
            raise StateError(f"state['kind'] is {state['kind']!r}, not {cls.__name__!r}; "
                             "use manager_from_state() to load any kind")
        _check_keys(state, {"schema_version", "kind", "config", "pinned_facts", "transcript", "usage_log",
                            "turns", "overflow_floor", *cls._extra_state_fields()}, "state")
        config = expect_type(state["config"], dict, "state['config']")
        _check_keys(config, set(cls.CONFIG), "state['config']")
        facts = expect_type(state["pinned_facts"], list, "state['pinned_facts']")
        for i, fact in enumerate(facts):
            expect_type(fact, str, f"state['pinned_facts'][{i}]")
        try:
            manager = cls(client, **config, pinned_facts=facts, token_counter=token_counter)
        except (TypeError, ValueError) as error:
            raise StateError(f"state['config'] is unusable: {error}") from error
        for i, raw in enumerate(expect_type(state["transcript"], list, "state['transcript']")):
            entry = _entry_from_state(raw, f"state['transcript'][{i}]")
            if token_counter is not None:
                entry.tokens = token_counter(entry.message)
            manager._append_entry(entry)
        problems = validate_messages([e.message for e in manager.transcript]) if manager.transcript else []
        if problems:
            raise StateError(f"state['transcript'] is not a valid conversation: {problems[0]}")
        manager.usage_log = [_usage_row(row, f"state['usage_log'][{i}]")
                             for i, row in enumerate(expect_type(state["usage_log"], list, "state['usage_log']"))]
        manager.turns = expect_count(state["turns"], "state['turns']")
        manager.overflow_floor = exchange_index(manager, state["overflow_floor"], "state['overflow_floor']")
        manager._restore_extra(state)
        return manager

    def save(self, path: str | Path) -> None:
        """Write the state as JSON through the stores' one persistence path (keys scrubbed, size-limited, atomic).

        Introduced in notebook 06_production_manager. A crash mid-save leaves the old file intact.
        """
        write_state_file(path, self.to_state())

    @classmethod
    def load(cls, path: str | Path, client: anthropic.Anthropic | None = None) -> Any:
        """Read a file written by :meth:`save`; ``ConversationManager.load`` accepts every kind.

        Introduced in notebook 06_production_manager. The file is untrusted input: a broken one raises
        :class:`~course_lib.storage.CorruptSessionError`, a wrong shape :class:`StateError`.
        """
        manager = manager_from_state(read_state_file(path), client=client)
        if not isinstance(manager, cls):
            raise StateError(f"{path} holds a {type(manager).__name__}, not a {cls.__name__}")
        return manager

    def _extra_state(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _extra_state_fields(cls) -> set[str]:
        return set()

    def _restore_extra(self, state: Mapping[str, Any]) -> None:
        """Restore the fields of :meth:`_extra_state`, validating them."""


def manager_from_state(state: Mapping[str, Any], client: anthropic.Anthropic | None = None, *,
                       token_counter: Callable[[Mapping[str, Any]], int] | None = None) -> Any:
    """Rebuild whichever manager ``state`` describes (its ``"kind"``), checking shape and version.

    Introduced in notebook 06_production_manager. Raises :class:`StateError` naming the field.
    """
    state = _check_envelope(state)
    if state["kind"] not in MANAGER_KINDS:
        raise StateError(f"state['kind'] is {state['kind']!r}; expected one of {', '.join(MANAGER_KINDS)}")
    return MANAGER_KINDS[state["kind"]].from_state(state, client=client, token_counter=token_counter)


def exchange_index(manager: Any, value: Any, where: str) -> int:
    """Validate a saved transcript index that must be 0 or the start of an exchange."""
    index = expect_count(value, where)
    i = bisect_left(manager._starts, index)
    if index and (i == len(manager._starts) or manager._starts[i] != index):
        raise StateError(f"{where} is {index}, which is not the start of an exchange in the transcript")
    return index


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join("null" if k is type(None) else k.__name__ for k in kinds)


def expect_type(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value`` if it has the type ``kind`` (a bool is never taken for an int); a StateError naming ``where``."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise StateError(f"{where} should be {_type_name(kind)}, found {type(value).__name__} {value!r:.60}")
    return value


def expect_count(value: Any, where: str) -> int:
    """``value`` if it is an int of 0 or more; a StateError naming ``where``."""
    if expect_type(value, int, where) < 0:
        raise StateError(f"{where} should be 0 or more, found {value}")
    return value


def _check_keys(data: Mapping[str, Any], expected: set[str], where: str) -> None:
    missing, unknown = expected - set(data), set(data) - expected
    if missing:
        raise StateError(f"{where} is missing {', '.join(repr(k) for k in sorted(missing))}")
    if unknown:
        raise StateError(f"{where} has unknown field(s) {', '.join(repr(k) for k in sorted(unknown))}")


def _check_envelope(state: Any) -> Mapping[str, Any]:
    expect_type(state, dict, "state")
    version = state.get("schema_version")
    if version != MANAGER_STATE_VERSION or isinstance(version, bool):
        raise StateError(f"state['schema_version'] is {version!r}; this course_lib reads version "
                         f"{MANAGER_STATE_VERSION}")
    expect_type(state.get("kind"), str, "state['kind']")
    return state


def _entry_from_state(raw: Any, where: str) -> Entry:
    _check_keys(expect_type(raw, dict, where), {"message", "timestamp", "tokens", "importance", "pinned"}, where)
    message = expect_type(raw["message"], dict, f"{where}['message']")
    _check_keys(message, {"role", "content"}, f"{where}['message']")
    if message["role"] not in ("user", "assistant"):
        raise StateError(f"{where}['message']['role'] is {message['role']!r}; it must be 'user' or 'assistant'")
    content = expect_type(message["content"], (str, list), f"{where}['message']['content']")
    if isinstance(content, list):
        for j, block in enumerate(content):
            where_block = f"{where}['message']['content'][{j}]"
            expect_type(expect_type(block, dict, where_block).get("type"), str, f"{where_block}['type']")
    timestamp = expect_type(raw["timestamp"], (int, float), f"{where}['timestamp']")
    importance = expect_type(raw["importance"], (int, float, type(None)), f"{where}['importance']")
    return Entry(copy.deepcopy(message), timestamp, expect_count(raw["tokens"], f"{where}['tokens']"),
                 importance, expect_type(raw["pinned"], bool, f"{where}['pinned']"))


_USAGE_COUNTS = ("turn", *USAGE_FIELDS, "messages_sent")


def _usage_row(raw: Any, where: str) -> dict[str, Any]:
    _check_keys(expect_type(raw, dict, where), {"kind", *_USAGE_COUNTS}, where)
    if raw["kind"] not in ("turn", "summary", "retry"):
        raise StateError(f"{where}['kind'] is {raw['kind']!r}; expected 'turn', 'summary' or 'retry'")
    for name in _USAGE_COUNTS:
        expect_count(raw[name], f"{where}[{name!r}]")
    return dict(raw)


def summary_row_from_state(raw: Any, where: str) -> dict[str, Any]:
    """One checked row of a summarizing manager's ``summary_history``."""
    fields = {"start", "end", "summary_tokens", "input_tokens", "output_tokens", "timestamp", "chained"}
    _check_keys(expect_type(raw, dict, where), fields, where)
    for name in ("start", "end", "summary_tokens", "input_tokens", "output_tokens"):
        expect_count(raw[name], f"{where}[{name!r}]")
    if raw["start"] >= raw["end"]:
        raise StateError(f"{where} covers an empty range: start {raw['start']} is not before end {raw['end']}")
    expect_type(raw["timestamp"], (int, float), f"{where}['timestamp']")
    expect_type(raw["chained"], bool, f"{where}['chained']")
    return dict(raw)
