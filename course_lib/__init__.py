"""course_lib: the small library behind the Conversation Management notebooks.

Three rooms (see docs/ARCHITECTURE.md):

* lesson code, what the notebooks teach: ``messages``, ``tokens``, ``budget``, ``managers``,
  ``pruning``, ``summaries``, ``usage``, ``storage``;
* ``runtime``: who answers (``make_client``, the simulated Claude, cassettes, the ``course-kit`` CLI);
* ``classroom``: widgets, charts and exercise checks; ``quiz`` is the quiz engine.

Every public name says which notebook introduces it, so you can go from code to lesson and back.
This face imports nothing until a name is used (PEP 562), so ``import course_lib.messages`` stays
light: no plotly, ipywidgets, sqlite3 or nbformat.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__  # noqa: F401  (listed in __all__ below)

# Public name -> the module that defines it, one per line so the table reads (and merges) easily.
_EXPORTS: dict[str, str] = {
    "BudgetError": "budget",
    "ChatPanel": "classroom.widgets",
    "ConflictError": "storage",
    "ContextOverflowError": "managers",
    "ConversationError": "managers",
    "ConversationManager": "managers",
    "ConversationStore": "storage",
    "CorruptSessionError": "storage",
    "DEFAULT_CONTEXT_WINDOW": "defaults",
    "DEFAULT_MODEL": "defaults",
    "Faults": "runtime.sim",
    "InvalidHistoryError": "messages",
    "InvalidIdError": "storage",
    "JsonStore": "storage",
    "LongConversationManager": "managers",
    "Pipeline": "pruning",
    "Prices": "usage",
    "PruningPlan": "pruning",
    "RedisStore": "storage",
    "SessionInfo": "storage",
    "SessionNotFoundError": "storage",
    "SimulatedClaude": "runtime.sim",
    "SlidingWindowManager": "managers",
    "SmartConversationManager": "managers",
    "SqliteStore": "storage",
    "StateError": "managers",
    "StoreError": "storage",
    "TokenBudget": "budget",
    "TokenBudgetExplorer": "classroom.widgets",
    "TokenWindowManager": "managers",
    "WindowExplorer": "classroom.widgets",
    "api_token_counter": "tokens",
    "banner": "runtime.client",
    "budget_bar": "classroom.charts",
    "caching_costs": "classroom.charts",
    "client_info": "runtime.client",
    "count_tokens": "tokens",
    "course_model": "runtime.client",
    "default_pipeline": "pruning",
    "ensure_valid": "messages",
    "estimate_message_tokens": "tokens",
    "estimate_request_tokens": "tokens",
    "estimate_tokens": "tokens",
    "exchange_starts": "exchanges",
    "importance_bars": "classroom.charts",
    "kept_messages": "classroom.charts",
    "make_client": "runtime.client",
    "manager_from_state": "managers",
    "parse_overflow": "managers",
    "plan": "pruning",
    "prune": "pruning",
    "reply_text": "messages",
    "request_cost": "usage",
    "score_message": "pruning",
    "system_prompt_cost": "budget",
    "tokens_per_turn": "classroom.charts",
    "validate_messages": "messages",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` the first time a notebook asks for it."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'course_lib' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # cache: later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
