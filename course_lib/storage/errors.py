"""What can go wrong in a conversation store, as one family of exceptions.

Introduced in notebook 06_production_manager. Catch :class:`StoreError` to handle every store
problem; the subclasses say what happened and what to do about it.
"""

from __future__ import annotations

__all__ = ["ConflictError", "CorruptSessionError", "InvalidIdError", "SessionNotFoundError", "StoreError"]


class StoreError(Exception):
    """Something went wrong in a conversation store; the subclasses say what.

    Introduced in notebook 06_production_manager. Catch this one to handle every store problem.
    """


class InvalidIdError(StoreError, ValueError):
    """A session or user id broke the id rules; the message names the id and the rule.

    Introduced in notebook 06_production_manager.
    """


class CorruptSessionError(StoreError, ValueError):
    """A saved session could not be loaded: truncated, corrupt, too big, wrong shape or version.

    Introduced in notebook 06_production_manager. ``where`` names the file (or database row) and
    ``problem`` says what is wrong. The stored data was not changed, so it can be inspected.
    """

    def __init__(self, where: str, problem: str):
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem} (the stored data was left unchanged)")


class SessionNotFoundError(StoreError, LookupError):
    """No session is saved under that id.

    Introduced in notebook 06_production_manager.
    """


class ConflictError(StoreError):
    """Someone else saved this session after you loaded it; saving now would erase their work.

    Introduced in notebook 06_production_manager. ``expected`` is the revision your manager was
    loaded at (0: it never loaded this session) and ``found`` the revision stored now (0: none).
    Nothing was written. Resolve it by loading the session again and re-applying your change, or
    by saving your version under a new session id.
    """

    def __init__(self, session_id: str, where: str, expected: int, found: int):
        self.session_id, self.where, self.expected, self.found = session_id, where, expected, found
        if expected == 0:
            story = f"already exists (revision {found}) and this manager did not load it"
        elif found == 0:
            story = f"was deleted after this manager loaded revision {expected}"
        else:
            story = f"was saved by someone else: this manager loaded revision {expected}, it is now at {found}"
        super().__init__(f"session {session_id!r} in {where} {story}. Nothing was written. To resolve: "
                         f"load {session_id!r} again, re-apply your change and save; or save your version "
                         "under a new session id.")
