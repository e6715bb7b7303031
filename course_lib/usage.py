"""Usage and price: what a request read and wrote, and what it cost.

Introduced in notebook 02_history_strategies (``request_cost``, prompt caching's economics);
08_beyond_the_module compares cached and uncached runs.

Every function reads a usage the way the API reports it: an SDK ``Usage`` object, or a dict such
as a row of a manager's ``usage_log``. With prompt caching the API splits the prompt into three
numbers (uncached input, cache writes, cache reads), billed at different prices, so both the
token total and the dollar cost must add all three.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_PRICES", "USAGE_FIELDS", "Prices", "cumulative_costs", "prompt_tokens", "request_cost", "turn_of",
           "usage_number", "usage_row", "usage_rows", "without_caching"]

USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
"""The four token counts of an API usage, in the order a ``usage_log`` row lists them."""


@dataclass(frozen=True)
class Prices:
    """Dollars per million tokens, and the prompt-caching multipliers on the input price.

    Introduced in notebook 02_history_strategies.
    The defaults are the list price of the course's model (Claude Sonnet 5.5: $2 per million
    input tokens, $10 per million output tokens) with 5-minute cache writes at 1.25x and cache
    reads at 0.1x the input price. Prices change: check the current pricing page before quoting a
    number, and pass your own ``Prices`` to every function here.
    """

    input_per_mtok: float = 2.0
    output_per_mtok: float = 10.0
    cache_write_multiplier: float = 1.25
    cache_read_multiplier: float = 0.1

    def __post_init__(self) -> None:
        for name in ("input_per_mtok", "output_per_mtok", "cache_write_multiplier", "cache_read_multiplier"):
            if getattr(self, name) < 0:
                raise ValueError(f"Prices.{name} is {getattr(self, name)}; a price cannot be negative")


DEFAULT_PRICES = Prices()


def usage_number(usage: Any, key: str) -> int:
    """One count from a dict row or an SDK ``Usage`` object; missing or None counts as 0.

    Introduced in notebook 02_history_strategies.
    """
    value = usage.get(key) if isinstance(usage, Mapping) else getattr(usage, key, None)
    return int(value or 0)


def usage_row(turn: int, kind: str, usage: Any, messages_sent: int) -> dict[str, Any]:
    """One ``usage_log`` row: which turn, what kind of request, its four counts, and how many messages it sent.

    Introduced in notebook 02_history_strategies. ``kind`` is ``"turn"``, ``"retry"`` (the one retry
    after an overflow) or ``"summary"``.
    """
    return {"turn": turn, "kind": kind, **{key: usage_number(usage, key) for key in USAGE_FIELDS},
            "messages_sent": messages_sent}


def usage_rows(run: Any) -> list[Any]:
    """A manager's ``usage_log``, or a list of usage rows / SDK Usage objects, as a list.

    Introduced in notebook 02_history_strategies.
    """
    log = getattr(run, "usage_log", None)
    return list(log) if log is not None else list(run)


def prompt_tokens(usage: Any) -> int:
    """Every input token of one request: uncached input plus cache writes plus cache reads.

    Introduced in notebook 02_history_strategies.
    Why the sum: with prompt caching the API reports ``input_tokens`` as only the *uncached* part,
    so a cached full history would look tiny. The prompt the model read is the sum of all three.
    """
    return (usage_number(usage, "input_tokens") + usage_number(usage, "cache_creation_input_tokens")
            + usage_number(usage, "cache_read_input_tokens"))


def request_cost(usage: Any, prices: Prices = DEFAULT_PRICES) -> float:
    """Dollars one request cost, from its usage (an SDK ``Usage``, or a dict / ``usage_log`` row).

    Introduced in notebook 02_history_strategies.
    input x price + cache writes x price x 1.25 + cache reads x price x 0.1 + output x output price.
    """
    per_input = prices.input_per_mtok / 1_000_000
    return (usage_number(usage, "input_tokens") * per_input
            + usage_number(usage, "cache_creation_input_tokens") * per_input * prices.cache_write_multiplier
            + usage_number(usage, "cache_read_input_tokens") * per_input * prices.cache_read_multiplier
            + usage_number(usage, "output_tokens") * prices.output_per_mtok / 1_000_000)


def without_caching(usage: Any) -> dict[str, int]:
    """The same request as if it had no ``cache_control``: every prompt token billed as plain input.

    Introduced in notebook 08_beyond_the_module.
    """
    return {"input_tokens": prompt_tokens(usage), "output_tokens": usage_number(usage, "output_tokens"),
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def turn_of(row: Any, position: int) -> int:
    """The turn a usage row belongs to: its ``turn`` field, else its position (1-based)."""
    turn = row.get("turn") if isinstance(row, Mapping) else None
    return int(turn) if turn is not None else position + 1


def cumulative_costs(run: Any, prices: Prices = DEFAULT_PRICES, *,
                     cached: bool = True) -> tuple[list[int], list[float]]:
    """(turns, cumulative dollars after each turn) for a manager or a list of usage rows.

    Introduced in notebook 02_history_strategies.
    Every request of a turn counts (a summarization call is billed like any other). With
    ``cached=False`` the cache tokens are re-billed as plain input: what the same run would have
    cost without prompt caching.
    """
    per_turn: dict[int, float] = {}
    for i, row in enumerate(usage_rows(run)):
        usage = row if cached else without_caching(row)
        turn = turn_of(row, i)
        per_turn[turn] = per_turn.get(turn, 0.0) + request_cost(usage, prices)
    turns, totals, total = sorted(per_turn), [], 0.0
    for turn in turns:
        total += per_turn[turn]
        totals.append(total)
    return turns, totals
