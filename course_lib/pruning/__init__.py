"""Pruning: making a conversation fit a token budget without breaking it.

Introduced in notebook 05_pruning.

Three ideas carry the whole package:

* **The unit is an exchange, never a message.** An exchange is a user question and everything
  that answers it (assistant replies and tool_use / tool_result rounds); see
  :func:`course_lib.messages.exchange_starts`. Dropping whole exchanges cannot leave a leading
  assistant message, break alternation, or orphan a tool result, so a valid history stays valid.
* **Some exchanges are never dropped**: the last one (the question being answered now) and any
  that holds a pinned message. The pipeline skips them whatever a strategy proposes.
* **A strategy only ranks; the pipeline decides how much.** Each strategy says which exchanges
  it would drop first, and why. :class:`Pipeline` drops them in that order and stops as soon as
  the conversation fits, then moves to the next strategy only if it still does not fit.

:func:`plan` is a dry run: it returns a :class:`PruningPlan` saying what would go, why, and the
tokens saved, and changes nothing. :func:`prune` is ``plan(...).apply()``. Summarize-and-replace
calls the summarizer you pass in while planning (one API call in live mode), so the plan can show
the summary before you use it.

The modules, in reading order: ``scoring`` (what a message is worth), ``facts`` (each message
worked out once and remembered), ``exchanges``, ``strategies``, ``shingles`` (runs of words as
numbers), ``minhash`` and ``dedup``, ``summarize``, ``plan``. Re-planning a 10,000-message
history costs a dictionary lookup per message, a sort, and MinHash signatures for the new
exchanges: O(n log n), not the O(n^2) of comparing every pair, even when every message follows one
template.
"""

from __future__ import annotations

from ..summaries import SUMMARY_ACK, SUMMARY_INSTRUCTION, SUMMARY_MARKER
from .dedup import Deduplicate, jaccard
from .exchanges import Exchange, TokenCounter, split_exchanges
from .plan import Pipeline, PruningPlan, Row, budget_limit, default_pipeline, plan, prune
from .scoring import MessageScore, score_message
from .strategies import FIFO, ImportanceScoring, RankingStrategy, RoleBasedRetention, Strategy
from .summarize import SummarizeAndReplace, client_summarizer

__all__ = [
    "FIFO", "SUMMARY_ACK", "SUMMARY_INSTRUCTION", "SUMMARY_MARKER", "Deduplicate", "Exchange", "ImportanceScoring",
    "MessageScore", "Pipeline", "PruningPlan", "RankingStrategy", "RoleBasedRetention", "Row", "Strategy",
    "SummarizeAndReplace", "TokenCounter", "budget_limit", "client_summarizer", "default_pipeline", "jaccard",
    "plan", "prune", "score_message", "split_exchanges",
]
