"""Session and user ids: an allow-list, so an id can never be a path, a device or a trick.

Introduced in notebook 06_production_manager.
"""

from __future__ import annotations

import re

from .errors import InvalidIdError

__all__ = ["ID_PATTERN", "MAX_ID_LENGTH", "check_id", "show"]

MAX_ID_LENGTH = 128
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})


def show(value: object, limit: int = 60) -> str:
    """A repr short enough for an error message (ids can be megabytes of attacker input)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_id(value: object, what: str = "session id") -> str:
    """Return ``value`` if it is a safe id, else raise :class:`InvalidIdError` naming the rule.

    Introduced in notebook 06_production_manager. An allow-list, not a block-list: letters,
    digits, ``.``, ``_`` and ``-``, starting with a letter or digit, at most 128 characters, no
    ``..``. That rules out separators, absolute paths, NUL and control characters, hidden files
    and Windows device names at once, and means the same ids work in every store.
    """
    shown = show(value)
    if not isinstance(value, str):
        raise InvalidIdError(f"{what} {shown} must be a string, not {type(value).__name__}")
    if not value:
        raise InvalidIdError(f"{what} is empty; give a name such as 'alice-2025-01-01'")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidIdError(f"{what} {shown} is {len(value)} characters; the limit is {MAX_ID_LENGTH}")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidIdError(f"{what} {shown} contains a NUL or control character")
    if "/" in value or "\\" in value or (len(value) > 1 and value[1] == ":"):
        raise InvalidIdError(f"{what} {shown} contains a path separator or drive; ids are names, not paths")
    if ".." in value:
        raise InvalidIdError(f"{what} {shown} contains '..'")
    if not ID_PATTERN.fullmatch(value):
        raise InvalidIdError(f"{what} {shown} may use only letters, digits, '.', '_' and '-', "
                             "and must start with a letter or digit")
    if value.split(".")[0].lower() in WINDOWS_RESERVED:
        raise InvalidIdError(f"{what} {shown} is a reserved device name on Windows")
    return value
