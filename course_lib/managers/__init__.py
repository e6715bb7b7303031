"""Conversation managers: keep every message, send a chosen view of them.

Introduced in notebook 02_history_strategies (full history, sliding window); the token window belongs to
03_token_budgets and overflow recovery to 04_counting_and_overflow; summaries, pinned facts and saving to
06_production_manager. One concept per module:

* :mod:`.errors`: what can go wrong, and reading the API's overflow messages;
* :mod:`.transcript`: every message with its tokens, and where exchanges start;
* :mod:`.requests`: one validated, logged request, and the retry after an overflow;
* :mod:`.base`: the full-history manager, with the view, its preview and its explanation;
* :mod:`.windows`: windows by message count and by tokens;
* :mod:`.summarizing`: summaries in the messages or in the system prompt;
* :mod:`.state`: saving and restoring, with every field checked.
"""

from __future__ import annotations

from ..summaries import SUMMARIZER_SYSTEM, SUMMARY_ACK
from .base import DEFAULT_SYSTEM_PROMPT, EMPTY_REPLY, PINNED_HEADER, ConversationManager, ViewRow
from .errors import (
    ContextOverflowError,
    ConversationError,
    Overflow,
    StateError,
    StreamInterruptedError,
    describe_api_error,
    parse_overflow,
)
from .requests import OVERFLOW_MARGIN
from .state import MANAGER_KINDS, MANAGER_STATE_VERSION, manager_from_state
from .summarizing import LongConversationManager, SmartConversationManager
from .transcript import Entry, TokenCounter
from .windows import SlidingWindowManager, TokenWindowManager

__all__ = [
    "DEFAULT_SYSTEM_PROMPT", "EMPTY_REPLY", "MANAGER_KINDS", "MANAGER_STATE_VERSION", "OVERFLOW_MARGIN",
    "PINNED_HEADER", "SUMMARIZER_SYSTEM", "SUMMARY_ACK", "ContextOverflowError", "ConversationError",
    "ConversationManager", "Entry", "LongConversationManager", "Overflow", "SlidingWindowManager",
    "SmartConversationManager", "StateError", "StreamInterruptedError", "TokenCounter", "TokenWindowManager", "ViewRow",
    "describe_api_error", "manager_from_state", "parse_overflow",
]
