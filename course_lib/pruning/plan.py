"""The pipeline and its dry run: what would be dropped to fit a budget, why, and the tokens saved.

Introduced in notebook 05_pruning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..budget import TokenBudget
from ..messages import InvalidHistoryError, Message, validate_messages
from .dedup import Deduplicate
from .exchanges import Exchange, TokenCounter, live, live_tokens, split_exchanges
from .facts import preview
from .scoring import MessageScore
from .strategies import ImportanceScoring, RoleBasedRetention, Strategy
from .summarize import SummarizeAndReplace

__all__ = ["Row", "PruningPlan", "Pipeline", "default_pipeline", "budget_limit", "plan", "prune"]


@dataclass(frozen=True)
class Row:
    """One message in a plan: where it was, what it costs, and what happens to it.

    Introduced in notebook 05_pruning. ``index`` is the position in the input, ``None`` for an
    added summary message; ``score`` keeps its reasons, so a table can say why, not only what.
    """

    index: int | None
    role: str
    tokens: int
    score: MessageScore
    status: str
    """"kept", "pinned", "dropped", "summarized" (replaced by the summary) or "added" (a summary message)."""
    strategy: str
    reason: str
    text: str

    @property
    def kept(self) -> bool:
        return self.status in ("kept", "pinned", "added")


@dataclass(frozen=True)
class PruningPlan:
    """The outcome of a dry run: what would be dropped, why, and the tokens saved.

    Introduced in notebook 05_pruning. Print it for a table; :meth:`apply` gives the pruned list.
    The rows are written when first read, so ``prune()``, which only needs the result, never pays
    for a 10,000-row table.
    """

    budget: int
    tokens_before: int
    tokens_after: int
    result: tuple[Message, ...] = field(repr=False)
    added: tuple[Message, ...] = field(default=(), repr=False)
    """The summary messages the plan would add (empty unless summarize-and-replace ran)."""
    ledger: tuple[Exchange, ...] = field(default=(), repr=False)
    """Every exchange, kept or not, with what happened to it: what :attr:`rows` is written from."""

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        """One row per message, input order, with the summary messages where they would go."""
        return tuple(row for exchange in self.ledger for row in _rows(exchange))

    @property
    def tokens_saved(self) -> int:
        return self.tokens_before - self.tokens_after

    @property
    def fits(self) -> bool:
        return self.tokens_after <= self.budget

    @property
    def dropped(self) -> list[int]:
        """Input positions of the messages that would be dropped."""
        return [r.index for r in self.rows if not r.kept and r.index is not None]

    @property
    def kept(self) -> list[int]:
        """Input positions of the messages that would stay (map them back to transcript entries)."""
        return [r.index for r in self.rows if r.kept and r.index is not None]

    def apply(self) -> list[Message]:
        """The pruned messages: a new list; kept messages are the same dicts as the input's."""
        return list(self.result)

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per *input* message (``index`` 0, 1, ...), ready for ``course_lib.classroom.charts`` or a DataFrame.

        Added summary messages have no input index, so they are left out here (see :attr:`added`).
        """
        return [{"index": r.index, "role": r.role, "tokens": r.tokens, "score": r.score.value,
                 "reasons": list(r.score.reasons), "pinned": r.status == "pinned", "status": r.status,
                 "kept": r.kept, "strategy": r.strategy, "reason": r.reason, "text": r.text}
                for r in self.rows if r.index is not None]

    def table(self) -> str:
        """A fixed-width table for ``print``: one line per message, then the reason it stays or goes."""
        verdict = "fits" if self.fits else "DOES NOT FIT (these strategies found nothing more they may drop)"
        lines = [f"{self.tokens_before:,} -> {self.tokens_after:,} tokens (saved {self.tokens_saved:,}); "
                 f"budget {self.budget:,}: {verdict}",
                 f"{'#':>4}  {'role':<9}  {'tokens':>6}  {'score':>5}  {'status':<10}  {'text':<30}  reason"]
        previous = None
        for r in self.rows:
            index = "new" if r.index is None else str(r.index)
            reason = '" (same as above)' if r.reason and (r.status, r.reason) == previous else r.reason
            previous = (r.status, r.reason)
            lines.append(f"{index:>4}  {r.role:<9}  {r.tokens:>6,}  {r.score.value:>5g}  {r.status:<10}  "
                         f"{r.text:<30}  {reason}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


class Pipeline:
    """Strategies run in order, each only while the conversation still does not fit.

    Introduced in notebook 05_pruning. Order is policy: put the cheap, safe drops (duplicates,
    filler) first and the blunt ones (FIFO) last.
    """

    def __init__(self, strategies: Sequence[Strategy]) -> None:
        self.strategies = list(strategies)

    def __repr__(self) -> str:
        return f"Pipeline([{', '.join(s.name for s in self.strategies)}])"

    def plan(self, messages: Sequence[Any], budget: int | TokenBudget, *,
             token_counter: TokenCounter | None = None) -> PruningPlan:
        """The dry run of :func:`plan` with these strategies."""
        limit = budget_limit(budget)
        ledger = split_exchanges(messages, token_counter)
        before = live_tokens(ledger)
        for strategy in self.strategies:
            if live_tokens(ledger) <= limit:
                break
            ledger = strategy.run(ledger, limit)
        return _make_plan(messages, ledger, limit, before)


def default_pipeline(summarize: Callable[[str], str] | None = None) -> Pipeline:
    """Duplicates, then greetings and thanks, then (with a summarizer) old exchanges, then what holds no key facts.

    Introduced in notebook 05_pruning. The last resort ranks every droppable exchange by score per
    token, so the result fits whenever the protected exchanges alone fit, and what goes last is
    what is worth most for its size.
    """
    middle: list[Strategy] = [SummarizeAndReplace(summarize)] if summarize else []
    return Pipeline([Deduplicate(), ImportanceScoring(threshold=0), *middle, RoleBasedRetention(),
                     ImportanceScoring(per_token=True)])


def budget_limit(budget: int | TokenBudget) -> int:
    """The token limit for the messages passed to :func:`plan`.

    Introduced in notebook 05_pruning. A :class:`TokenBudget` means its ``available_for_history``:
    pass the history, the budget has already set the current message aside. To prune a list that
    already ends with the current message, pass ``budget.available_for_history +
    budget.current_message_tokens`` instead.
    """
    if isinstance(budget, TokenBudget):
        return budget.available_for_history
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise TypeError(f"budget must be a token count (int) or a TokenBudget, got {budget!r}")
    return budget


def plan(messages: Sequence[Any], budget: int | TokenBudget,
         pipeline: Pipeline | Strategy | Sequence[Strategy] | None = None, *,
         token_counter: TokenCounter | None = None) -> PruningPlan:
    """A dry run: what ``pipeline`` would drop to fit ``messages`` into ``budget``, and why.

    Introduced in notebook 05_pruning. ``messages`` are message dicts or transcript entries
    (``.message``, ``.pinned``, ``.importance``); nothing is changed. ``pipeline`` defaults to
    :func:`default_pipeline` (one instance, kept between calls); a single strategy or a list of
    them also works. ``token_counter`` (message -> tokens) replaces the estimator, e.g. with exact
    counts in live mode.
    """
    return _as_pipeline(pipeline).plan(messages, budget, token_counter=token_counter)


def prune(messages: Sequence[Any], budget: int | TokenBudget,
          pipeline: Pipeline | Strategy | Sequence[Strategy] | None = None, *,
          token_counter: TokenCounter | None = None) -> list[Message]:
    """The pruned messages: ``plan(messages, budget, pipeline).apply()``. Introduced in notebook 05_pruning."""
    return plan(messages, budget, pipeline, token_counter=token_counter).apply()


_DEFAULT_PIPELINE = default_pipeline()
"""What :func:`plan` and :func:`prune` use when given no pipeline: one instance, kept, as a manager
keeps its own, so a history that only grew since the last call is indexed for near-duplicates only
where it grew. Plans are the same as a new pipeline's (the index checks it was given an extension)."""


def _as_pipeline(pipeline: Pipeline | Strategy | Sequence[Strategy] | None) -> Pipeline:
    if pipeline is None:
        return _DEFAULT_PIPELINE
    if isinstance(pipeline, Pipeline):
        return pipeline
    if isinstance(pipeline, Sequence):
        return Pipeline(pipeline)
    return Pipeline([pipeline])


def _make_plan(items: Sequence[Any], ledger: list[Exchange], limit: int, before: int) -> PruningPlan:
    kept = live(ledger)
    result = tuple(m for e in kept for m in e.messages)
    added = tuple(m for e in kept for m, i in zip(e.messages, e.indices, strict=True) if i is None)
    problems = validate_messages(result)
    if problems and items and not validate_messages([getattr(item, "message", item) for item in items]):
        raise InvalidHistoryError(problems)  # a strategy that broke a valid history is a bug: fail loudly here
    return PruningPlan(limit, before, sum(e.total_tokens for e in kept), result, added, tuple(ledger))


def _rows(exchange: Exchange) -> list[Row]:
    """The plan's rows for one exchange: each message's status and the reason for it."""
    rows = []
    for message, index, tokens, score, pinned in zip(exchange.messages, exchange.indices, exchange.tokens,
                                                     exchange.scores, exchange.pinned, strict=True):
        strategy, reason = exchange.dropped or ("", exchange.protected)
        if exchange.dropped:
            status = "summarized" if exchange.summarized else "dropped"
            reason = f"{strategy}: {reason}"  # a strategy's reason is written here, when a row is first read
        elif index is None:
            status = "added"
            reason = "the summary" if message["role"] == "user" else "acknowledges the summary"
        else:
            status = "pinned" if pinned else "kept"
        rows.append(Row(index, message["role"], tokens, score, status, strategy, reason, preview(message)))
    return rows
