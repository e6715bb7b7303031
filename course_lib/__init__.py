"""course_lib: the small library behind the Conversation Management notebooks.

Every public name says which notebook introduces it, so you can go from code to lesson and back.
"""

__version__ = "0.1.0"

from .budget import BudgetError, TokenBudget, system_prompt_cost  # noqa: E402
from .charts import Prices, budget_bar, caching_costs, importance_bars, kept_messages, request_cost, tokens_per_turn  # noqa: E402,E501
from .client import DEFAULT_MODEL, banner, client_info, make_client  # noqa: E402
from .managers import (  # noqa: E402
    ContextOverflowError,
    ConversationError,
    ConversationManager,
    LongConversationManager,
    SlidingWindowManager,
    SmartConversationManager,
    StateError,
    TokenWindowManager,
    manager_from_state,
    parse_overflow,
)
from .messages import InvalidHistoryError, ensure_valid, validate_messages  # noqa: E402
from .pruning import Pipeline, PruningPlan, default_pipeline, plan, prune, score_message  # noqa: E402
from .sim import Faults, SimulatedClaude  # noqa: E402
from .storage import (  # noqa: E402
    ConversationStore,
    CorruptSessionError,
    InvalidIdError,
    JsonStore,
    SessionInfo,
    SessionNotFoundError,
    SqliteStore,
    StoreError,
)
from .tokens import count_tokens, estimate_message_tokens, estimate_request_tokens, estimate_tokens  # noqa: E402
from .widgets import ChatPanel, TokenBudgetExplorer, WindowExplorer  # noqa: E402

__all__ = [
    "BudgetError", "ChatPanel", "ContextOverflowError", "ConversationError", "ConversationManager",
    "ConversationStore", "CorruptSessionError", "DEFAULT_MODEL", "Faults", "InvalidHistoryError", "InvalidIdError",
    "JsonStore", "LongConversationManager", "Pipeline", "Prices", "PruningPlan", "SessionInfo",
    "SessionNotFoundError", "SimulatedClaude", "SlidingWindowManager", "SmartConversationManager", "SqliteStore",
    "StateError", "StoreError", "TokenBudget", "TokenBudgetExplorer", "TokenWindowManager", "WindowExplorer",
    "__version__", "banner", "budget_bar", "caching_costs", "client_info", "count_tokens", "default_pipeline",
    "ensure_valid", "estimate_message_tokens", "estimate_request_tokens", "estimate_tokens", "importance_bars",
    "kept_messages", "make_client", "manager_from_state", "parse_overflow", "plan", "prune", "request_cost",
    "score_message", "system_prompt_cost", "tokens_per_turn", "validate_messages",
]
