"""Windows: send only the newest part of the conversation, counted in messages or in tokens.

Introduced in notebook 02_history_strategies (:class:`SlidingWindowManager`) and 03_token_budgets
(:class:`TokenWindowManager`). Both cut only where an exchange starts.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

import anthropic

from ._inputs import positive_int
from .base import ConversationManager
from .state import restorable

__all__ = ["SlidingWindowManager", "TokenWindowManager"]


@restorable
class SlidingWindowManager(ConversationManager):
    """Send only the last ``window_size`` messages (cut at whole exchanges).

    Introduced in notebook 02_history_strategies. Cheap and bounded, but early facts fall out of
    the window for good, and since the window's start moves every turn, prompt caching cannot
    reuse the previous request's prefix. The view begins at the oldest exchange start within the
    last ``window_size`` messages, so it never opens with an assistant message nor separates a
    ``tool_use`` from its ``tool_result``. If the newest exchange alone is longer than
    ``window_size`` (a tool loop with many rounds), it is kept whole: the window is then larger
    than asked, because the current question cannot be answered from half an exchange.
    """

    CONFIG = (*ConversationManager.CONFIG, "window_size")

    def __init__(self, client: anthropic.Anthropic | None = None, *, window_size: int = 10, **kwargs: Any):
        self.window_size = positive_int("window_size", window_size)
        super().__init__(client, **kwargs)

    def _strategy_start(self) -> int:
        if not self._starts:
            return 0
        i = bisect_left(self._starts, len(self.transcript) - self.window_size)
        return self._starts[min(i, len(self._starts) - 1)]

    def _window_edge(self) -> int:
        return len(self.transcript) - self.window_size

    def _kept_reason(self, index: int) -> str:
        if index >= self._window_edge():
            return f"within the last {self.window_size} messages"
        return "part of the newest exchange, which is kept whole even when longer than the window"

    def _left_out_reason(self, index: int) -> tuple[str, str]:
        if index >= self._window_edge():
            return "dropped", ("inside the last messages, but its exchange starts earlier: windows cut only where "
                               "an exchange starts")
        return "dropped", f"older than the last {self.window_size} messages"


@restorable
class TokenWindowManager(ConversationManager):
    """Send the newest exchanges that fit ``history_budget`` tokens: slide on tokens, not messages.

    Introduced in notebook 03_token_budgets. A message-count window breaks the moment one tool
    result is 30,000 tokens; a token window keeps 50 short turns or 2 huge ones. The newest
    exchange (the current question, with any tool rounds) is always sent and is not charged to
    the budget: it is the "current message" of the budget formula, as the pinned facts are part
    of the fixed overhead. Older exchanges are added newest first while they fit. Tokens are the
    manager's ``token_counter`` (the estimator unless you pass another).

    Cost: token counts are cached per message and summed with prefix sums, and exchange starts
    are kept up to date on append, so preparing a turn walks only the exchanges it keeps (plus
    one) however long the transcript is.
    """

    CONFIG = (*ConversationManager.CONFIG, "history_budget")

    def __init__(self, client: anthropic.Anthropic | None = None, *, history_budget: int = 50_000, **kwargs: Any):
        self.history_budget = positive_int("history_budget", history_budget)
        super().__init__(client, **kwargs)

    def history_tokens(self) -> int:
        """Tokens of the view's history part: everything sent before the newest exchange.

        Introduced in notebook 03_token_budgets.
        """
        if not self._starts:
            return 0
        return self._tokens_between(self._view_start(), self._starts[-1])

    def _strategy_start(self) -> int:
        starts = self._starts
        if not starts:
            return 0
        j, used = len(starts) - 1, 0
        while j > 0 and starts[j - 1] >= self.overflow_floor:
            cost = self._tokens_between(starts[j - 1], starts[j])
            if used + cost > self.history_budget:
                break
            used += cost
            j -= 1
        return starts[j]

    def _exchange_of(self, index: int) -> tuple[int, int]:
        """(start, end) of the exchange that holds ``transcript[index]``."""
        i = bisect_right(self._starts, index) - 1
        end = self._starts[i + 1] if i + 1 < len(self._starts) else len(self.transcript)
        return self._starts[i], end

    def _kept_reason(self, index: int) -> str:
        start, _ = self._exchange_of(index)
        if start == self._starts[-1]:
            return f"newest exchange: always sent, not charged to the {self.history_budget:,}-token budget"
        used = self._tokens_between(start, self._starts[-1])
        return f"exchange fits: {used:,} of {self.history_budget:,} history tokens used"

    def _left_out_reason(self, index: int) -> tuple[str, str]:
        start, end = self._exchange_of(index)
        if end != self._strategy_start():
            return "dropped", "older than the newest exchanges that fit the budget"
        cost, used = self._tokens_between(start, end), self.history_tokens()
        return "dropped", (f"this exchange ({cost:,} tokens) would bring history to {used + cost:,}, over the "
                           f"{self.history_budget:,}-token budget")
