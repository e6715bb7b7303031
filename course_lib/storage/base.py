"""What every store offers, what it lists, and how a manager remembers the revision it was loaded at.

Introduced in notebook 06_production_manager.

Optimistic concurrency, in one paragraph: every saved session carries a revision, 1 on the first
save and one more on each save after. ``load`` notes on the side which revision it handed out
with that manager object; ``save`` writes only if the stored revision is still that one, and
otherwise raises :class:`~course_lib.storage.errors.ConflictError` and writes nothing. Two app
servers that both loaded revision 4 can both try to save: the first writes revision 5, the second
is told to reload. Nothing is locked while a person types; the check happens at save time only.

The note lives here, in a weak map keyed by the manager object, rather than on the manager: a
manager knows nothing about storage, and the note disappears with the manager. A manager that
never loaded a session (revision 0) may create it, but not overwrite it.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..managers import ConversationManager

__all__ = ["ConversationStore", "SessionInfo", "loaded_revision", "newest_first", "remember_revision", "utc_now"]

_REVISIONS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], int]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class SessionInfo:
    """One row of :meth:`ConversationStore.list_sessions`: enough to pick a session to resume.

    Introduced in notebook 06_production_manager. ``message_count`` and ``tokens`` describe the
    manager's full transcript at save time (tokens are the kit's estimate); ``revision`` counts the
    saves. ``problem`` is set, and the other fields are placeholders, for a stored session whose
    envelope cannot be read: it is listed so that nothing is silently hidden, but never picked by
    :meth:`latest_for`. Listing does not rebuild managers, so a bad manager state inside a good
    envelope shows only on load.
    """

    session_id: str
    user_id: str | None
    updated_at: dt.datetime
    message_count: int
    tokens: int
    problem: str | None = None
    revision: int = 0


@runtime_checkable
class ConversationStore(Protocol):
    """What every store offers; notebooks and tests use the stores interchangeably.

    Introduced in notebook 06_production_manager.
    """

    def save(self, session_id: str, manager: ConversationManager, user_id: str | None = None) -> SessionInfo: ...

    def load(self, session_id: str, client: Any = None) -> ConversationManager: ...

    def list_sessions(self, user_id: str | None = None) -> list[SessionInfo]: ...

    def latest_for(self, user_id: str) -> SessionInfo | None: ...

    def delete(self, session_id: str) -> bool: ...


def remember_revision(manager: Any, store_key: str, session_id: str, revision: int) -> None:
    """Note that ``manager`` now matches ``revision`` of ``session_id`` in the store named ``store_key``.

    Introduced in notebook 06_production_manager.
    """
    _REVISIONS.setdefault(manager, {})[(store_key, session_id)] = revision


def loaded_revision(manager: Any, store_key: str, session_id: str) -> int:
    """The revision ``manager`` was last loaded at or saved as, in that store; 0 if never.

    Introduced in notebook 06_production_manager.
    """
    return _REVISIONS.get(manager, {}).get((store_key, session_id), 0)


def utc_now() -> dt.datetime:
    """The default clock of the stores.

    Introduced in notebook 06_production_manager.
    """
    return dt.datetime.now(dt.timezone.utc)


def newest_first(rows: list[SessionInfo]) -> list[SessionInfo]:
    """Rows sorted the way every store lists them: newest save first, ties by id.

    Introduced in notebook 06_production_manager.
    """
    return sorted(rows, key=lambda row: (row.updated_at, row.session_id), reverse=True)
