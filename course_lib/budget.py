"""Token budgets: how the context window is shared out before a request is sent.

Introduced in notebook 03_token_budgets.

Four consumers share one context window: the system prompt, the conversation history, the
current user message, and the room reserved for the reply (``max_tokens``). The history is the
only one a manager can shrink, so it gets what the other three leave::

    available_for_history = context_window - system_tokens - current_message_tokens - max_tokens

Why ``max_tokens`` is subtracted although the model may write less: the API checks
``input + max_tokens <= context_window`` before the model writes anything, so the reservation
costs room whether it is used or not.

Why :attr:`TokenBudget.available_for_history` may be negative instead of raising: a slider in
a notebook should be able to *show* an impossible budget (in red) while the learner moves it.
The strict path is :meth:`TokenBudget.check`, which raises :class:`BudgetError` with the sum
written out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from .defaults import DEFAULT_CONTEXT_WINDOW
from .tokens import MESSAGE_OVERHEAD, estimate_message_tokens, system_text

BANDS = ("system", "history", "current_message", "response")
"""The four consumers of a context window, in the order the allocation lists them."""

DEFAULT_ALLOCATION: Mapping[str, float] = {"system": 20, "history": 50, "current_message": 20, "response": 10}
"""A common starting split of a 200K window (percent). Introduced in notebook 03_token_budgets."""


class BudgetError(ValueError):
    """A token budget that cannot work: bad inputs, bad percentages, or a request that does not fit.

    Introduced in notebook 03_token_budgets. The message always names the numbers involved,
    because "budget exceeded" alone tells the learner nothing about which part to shrink.
    """


@dataclass(frozen=True)
class TokenBudget:
    """The token arithmetic of one request. Introduced in notebook 03_token_budgets.

    All four inputs are whole, non-negative token counts (a negative count is always a bug, so
    the constructor rejects it). The *result* may be negative: see :attr:`available_for_history`.
    """

    context_window: int
    system_tokens: int
    current_message_tokens: int
    max_tokens: int

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise BudgetError(f"{f.name} must be a whole number of tokens, got {value!r}")
            if value < 0:
                raise BudgetError(f"{f.name} is {value:,}; a token count cannot be negative")
        if self.context_window == 0:
            raise BudgetError("context_window is 0; a model needs a context window of at least 1 token")

    @classmethod
    def for_request(cls, *, current_message: str | Mapping[str, Any], max_tokens: int,
                    system: str | Sequence[Mapping[str, Any]] | None = None,
                    context_window: int = DEFAULT_CONTEXT_WINDOW,
                    token_counter: Callable[[Mapping[str, Any]], int] = estimate_message_tokens) -> TokenBudget:
        """A budget measured from a real request, with the kit's estimator or your ``token_counter``.

        Introduced in notebook 04_counting_and_overflow. Counting *before* sending is the point: the
        API's own count arrives only after you have paid for the request. ``token_counter`` counts
        a message (for example :func:`course_lib.tokens.api_token_counter`); the system prompt is
        counted with it as the text of one message, less the estimator's framing.
        """
        if isinstance(current_message, str):
            current_message = {"role": "user", "content": current_message}
        text = system_text(system)
        system_tokens = max(0, token_counter({"role": "user", "content": text}) - MESSAGE_OVERHEAD) if text else 0
        return cls(context_window, system_tokens, token_counter(current_message), max_tokens)

    @property
    def available_for_history(self) -> int:
        """Tokens left for history: the module's formula. Negative means the request cannot fit."""
        return self.context_window - self.system_tokens - self.current_message_tokens - self.max_tokens

    @property
    def fits(self) -> bool:
        """True when system prompt, current message and reply reservation fit with no history at all."""
        return self.available_for_history >= 0

    def room_after(self, history_tokens: int) -> int:
        """Tokens still free once ``history_tokens`` of history are sent (negative: over by that much).

        Introduced in notebook 03_token_budgets; it answers "how much more history fits?".
        """
        _check_count("history_tokens", history_tokens)
        return self.available_for_history - history_tokens

    def check(self, history_tokens: int = 0) -> int:
        """Return :meth:`room_after`, or raise :class:`BudgetError` explaining what does not fit.

        Introduced in notebook 03_token_budgets. Use it right before sending; use the plain
        properties in widgets, which must not raise while a learner drags a slider.
        """
        room = self.room_after(history_tokens)
        if room >= 0:
            return room
        fixed = (f"context_window {self.context_window:,} - system {self.system_tokens:,} - current message "
                 f"{self.current_message_tokens:,} - max_tokens {self.max_tokens:,} = "
                 f"{self.available_for_history:,} tokens for history")
        if self.available_for_history < 0:
            raise BudgetError(f"the request cannot fit even with no history: {fixed}. Shorten the system prompt "
                              f"or the current message, or lower max_tokens, by at least {-room:,} tokens.")
        raise BudgetError(f"the history is {history_tokens:,} tokens but only {self.available_for_history:,} are "
                          f"available ({fixed}); prune at least {-room:,} tokens of history.")

    def allocate(self, percentages: Mapping[str, float] | Sequence[float] = DEFAULT_ALLOCATION) -> dict[str, int]:
        """Split the context window into the four bands by percentage: band -> tokens.

        Introduced in notebook 03_token_budgets. Percentages are given for ``BANDS`` (as a mapping
        or a 4-item sequence in that order), each 0 or more, adding up to 100. Amounts are rounded
        down, and the few tokens lost to rounding go to history, so the bands add up to the window.
        """
        shares = validate_allocation(percentages)
        amounts = {band: int(self.context_window * shares[band] // 100) for band in BANDS}
        amounts["history"] += self.context_window - sum(amounts.values())
        return amounts

    def explain(self, history_tokens: int | None = None) -> str:
        """The calculation written out, one line per step, for printing in a notebook.

        Introduced in notebook 03_token_budgets. With ``history_tokens`` it continues to the room
        left for *more* history (the knowledge check's question).
        """
        width = len(f"{max(self.context_window, abs(self.available_for_history), history_tokens or 0):,}")
        lines = [
            f"  context window          {self.context_window:>{width},}",
            f"- system prompt           {self.system_tokens:>{width},}",
            f"- current message         {self.current_message_tokens:>{width},}",
            f"- max_tokens (reply)      {self.max_tokens:>{width},}",
            f"= available for history   {self.available_for_history:>{width},}",
        ]
        if history_tokens is not None:
            lines += [f"- history so far          {history_tokens:>{width},}",
                      f"= room for more history   {self.room_after(history_tokens):>{width},}"]
        last = self.available_for_history if history_tokens is None else self.room_after(history_tokens)
        if last < 0:
            lines.append(f"Over budget by {-last:,} tokens: this request would be rejected.")
        return "\n".join(lines)

    def to_rows(self) -> list[dict[str, Any]]:
        """The four consumers and what is left, as rows for a stacked bar chart.

        Introduced in notebook 03_token_budgets. The history row may be negative.
        """
        return [{"part": "system prompt", "tokens": self.system_tokens},
                {"part": "current message", "tokens": self.current_message_tokens},
                {"part": "max_tokens (reply)", "tokens": self.max_tokens},
                {"part": "available for history", "tokens": self.available_for_history}]


def validate_allocation(percentages: Mapping[str, float] | Sequence[float]) -> dict[str, float]:
    """Check a percentage split and return it as band -> percent.

    Introduced in notebook 03_token_budgets. Raises :class:`BudgetError` naming the bad value.
    """
    if isinstance(percentages, Mapping):
        unknown = sorted(set(percentages) - set(BANDS))
        missing = [band for band in BANDS if band not in percentages]
        if unknown or missing:
            raise BudgetError(f"percentages need exactly the bands {', '.join(BANDS)}; "
                              f"unknown: {unknown or 'none'}, missing: {missing or 'none'}")
        shares = {band: percentages[band] for band in BANDS}
    else:
        values = list(percentages)
        if len(values) != len(BANDS):
            raise BudgetError(f"expected {len(BANDS)} percentages ({', '.join(BANDS)}), got {len(values)}: {values}")
        shares = dict(zip(BANDS, values, strict=True))
    for band, share in shares.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)):
            raise BudgetError(f"the percentage for {band} must be a number, got {share!r}")
        if share < 0:
            raise BudgetError(f"the percentage for {band} is {share:g}; each band needs 0% or more")
    total = sum(shares.values())
    if abs(total - 100) > 1e-9:
        sums = " + ".join(f"{share:g}" for share in shares.values())
        raise BudgetError(f"percentages must add up to 100, got {sums} = {total:g}")
    return shares


def system_prompt_cost(system_tokens: int, turns: int) -> list[int]:
    """Cumulative input tokens a system prompt costs over ``turns`` requests (it is resent every turn).

    Introduced in notebook 04_counting_and_overflow: 2,000 tokens x 50 turns = 100,000 tokens billed.
    """
    _check_count("system_tokens", system_tokens)
    _check_count("turns", turns)
    return [system_tokens * turn for turn in range(1, turns + 1)]


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BudgetError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise BudgetError(f"{name} is {value:,}; it cannot be negative")
