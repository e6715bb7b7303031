"""Pruning: making a conversation fit a token budget without breaking it.

Introduced in notebook 04_pruning.

Three ideas carry the whole module:

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
tokens saved (by :func:`course_lib.tokens.estimate_message_tokens`), and changes nothing.
:func:`prune` is ``plan(...).apply()``. Summarize-and-replace calls the summarizer you pass in
while planning (one API call in live mode), so the plan can show the summary before you use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .budget import TokenBudget
from .defaults import DEFAULT_MODEL
from .messages import Message, blocks, ensure_valid, exchange_starts, strip_summary_label, validate_messages
from .tokens import content_text, estimate_message_tokens

SUMMARY_MARKER = "[Summary of the earlier conversation]"
"""First line of the synthetic user message that replaces summarized exchanges."""

SUMMARY_ACK = "Thanks, I will use that summary of our earlier conversation."
SUMMARY_INSTRUCTION = ("Summarize the conversation below. Keep every name, number, id, decision and preference "
                       "exactly as written; leave out greetings and small talk.")


# -- scoring ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Score:
    """How much a message is worth keeping, with the reasons, so a learner can argue with it.

    Introduced in notebook 04_pruning. ``tags`` name what was found (``id``, ``number``,
    ``decision``, ``preference``, ``tool_result``, ``tool_use``, ``summary``, ``filler``);
    :class:`RoleBasedRetention` keeps exchanges by tag. Roughly: below 0 is filler, 0 is ordinary
    talk, 3 and up holds something a later turn may need.
    """

    value: float
    reasons: tuple[str, ...]
    tags: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return f"{self.value:g} ({'; '.join(self.reasons)})"


_IDS = [
    re.compile(r"\b[A-Z]{2,}[-_]?\d{3,}\b"),  # ACC-88412, INV12345
    re.compile(r"#\d+\b"),  # #889
    re.compile(r"\border\s+(?:number\s+|no\.?\s*)?\d+\b", re.I),  # order 889, order number 889
    re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"),  # an email address
]
_NUMBER = re.compile(r"(?<![\w#])\d[\d,.]*")
_DECISION = re.compile(r"\b(?:we(?:'ve| have)? decided|decided to|let'?s go with|let us go with|we'll go with|"
                       r"i'll go with|i'll take|go ahead|confirmed|agreed)\b", re.I)
_PREFERENCE = re.compile(r"\b(?:i prefer|i'd prefer|i would prefer|i'd rather|i would rather|please use|"
                         r"please always|please don't|please do not|always|never|don't ever|call me)\b", re.I)
_FILLER = re.compile(r"\b(?:is there anything else i can help(?: you)? with|how can i help(?: you)?(?: today)?|"
                     r"anything else|you'?re welcome|you are welcome|thank you|thanks|thx|hello|hi|hey|okay|ok|"
                     r"great|cool|perfect|awesome|sounds good|got it|no problem|glad to help|happy to help|"
                     r"have a (?:nice|great|good) day|good (?:morning|afternoon|evening)|bye|goodbye|that helps)\b")
_FILLER_LEFTOVERS = frozenset("so much very again a lot there today all and for everything the".split())


def score_message(message: Mapping[str, Any]) -> Score:
    """Score one message by what it contains, and say why.

    Introduced in notebook 04_pruning. The rules are deliberately plain (regular expressions, no
    model call), so every point can be traced to a phrase in the message: +3 for an id (account,
    order or ticket number, email), +1 for another number, +3 for a decision, +3 for a stated
    preference, +4 for a tool result, +2 for a tool call, +3 for an earlier summary, and -2 for
    a message that is only greetings or thanks.
    """
    found = blocks(message)
    text = content_text(found).replace("\u2019", "'")  # "let’s" as typed on a phone is still a decision
    points: list[tuple[float, str, str]] = []
    if any(b.get("type") == "tool_result" for b in found):
        points.append((4, "tool_result", "holds a tool result (data fetched for this conversation)"))
    names = [str(b.get("name", "")) for b in found if b.get("type") == "tool_use"]
    if names:
        points.append((2, "tool_use", f"calls a tool: {', '.join(names)}"))
    if text.startswith(SUMMARY_MARKER):
        points.append((3, "summary", "is a summary of earlier exchanges"))
    ids = [m.group(0) for pattern in _IDS for m in pattern.finditer(text)]
    if ids:
        points.append((3, "id", f"contains an id: {_listed(ids)}"))
    rest = text
    for found_id in ids:
        rest = rest.replace(found_id, " ")
    numbers = [n.rstrip(",.") for n in _NUMBER.findall(rest)]
    if numbers:
        points.append((1, "number", f"contains a number: {_listed(numbers)}"))
    for pattern, tag, label in ((_DECISION, "decision", "records a decision"),
                                (_PREFERENCE, "preference", "states a preference")):
        hit = pattern.search(text)
        if hit:
            points.append((3, tag, f"{label}: {hit.group(0)!r}"))
    if not points and _is_filler(text):
        short = text.strip() if len(text) <= 40 else text[:37] + "..."
        points.append((-2, "filler", f"only greetings or thanks: {short!r}"))
    if not points:
        return Score(0, ("0 ordinary message: no id, number, decision, preference or tool data",))
    reasons = tuple(f"{value:+g} {reason}" for value, _, reason in points)
    return Score(sum(value for value, _, _ in points), reasons, frozenset(tag for _, tag, _ in points))


def _listed(found: list[str], most: int = 3) -> str:
    unique = list(dict.fromkeys(found))
    more = f" and {len(unique) - most} more" if len(unique) > most else ""
    return ", ".join(unique[:most]) + more


def _is_filler(text: str) -> bool:
    lowered = text.lower()
    if not lowered.strip() or len(lowered.split()) > 12:
        return False
    leftover = re.findall(r"[a-z0-9']+", _FILLER.sub(" ", lowered))
    return all(word in _FILLER_LEFTOVERS for word in leftover)


# -- exchanges -------------------------------------------------------------------------------

@dataclass
class Exchange:
    """A user question and everything that answers it: the unit every strategy keeps or drops.

    Introduced in notebook 04_pruning. ``indices`` are positions in the input (``None`` for a
    synthetic summary message). ``candidates()`` only reads exchanges; ``run()`` marks them dropped.
    """

    messages: list[Message]
    indices: list[int | None]
    tokens: list[int]
    scores: list[Score]
    pinned: list[bool]
    protected: str = ""
    """Why this exchange can never be dropped ("" when it can)."""
    dropped: tuple[str, str] | None = None
    """(strategy, reason) once dropped."""
    summarized: bool = False
    """True when it was dropped because a summary replaced it."""

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)

    @property
    def score(self) -> Score:
        """The exchange is worth its best message: one account number makes the whole pair matter."""
        return max(self.scores, key=lambda s: s.value)

    @property
    def tags(self) -> frozenset[str]:
        return frozenset().union(*(s.tags for s in self.scores))

    @property
    def text(self) -> str:
        return "\n".join(f"{m['role']}: {content_text(m['content'])}" for m in self.messages)

    @property
    def label(self) -> str:
        known = [i for i in self.indices if i is not None]
        if not known:
            return "the summary"
        return f"message {known[0]}" if len(known) == 1 else f"messages {known[0]}-{known[-1]}"


def _unpack(item: Any, position: int) -> tuple[Message, bool, float | None]:
    """A plain message dict, or a transcript entry (anything with ``.message``, ``.pinned``, ``.importance``)."""
    if isinstance(item, Mapping):
        return dict(item) if not isinstance(item, dict) else item, False, None
    if hasattr(item, "message"):
        return item.message, bool(getattr(item, "pinned", False)), getattr(item, "importance", None)
    raise TypeError(f"messages[{position}] is a {type(item).__name__}; expected a message dict or a transcript "
                    "entry with .message")


def _score(message: Message, importance: float | None) -> Score:
    computed = score_message(message)
    if importance is None:
        return computed
    return Score(float(importance), (f"importance {importance:g} set on the transcript entry",), computed.tags)


def split_exchanges(items: Sequence[Any]) -> list[Exchange]:
    """Group messages (or transcript entries) into exchanges, marking the ones that must stay.

    Introduced in notebook 04_pruning.
    """
    unpacked = [_unpack(item, i) for i, item in enumerate(items)]
    messages = [m for m, _, _ in unpacked]
    starts = exchange_starts(messages)
    if messages and (not starts or starts[0] != 0):
        starts = [0, *starts]  # a history that starts oddly still gets its first messages grouped
    exchanges = []
    for n, (start, end) in enumerate(zip(starts, [*starts[1:], len(messages)], strict=True)):
        span = range(start, end)
        pinned = [i for i in span if unpacked[i][1]]
        protected = "the current exchange: never dropped" if n == len(starts) - 1 else ""
        if pinned:
            protected = f"pinned (message {pinned[0]}): never dropped"
        exchanges.append(Exchange(
            messages=[messages[i] for i in span], indices=list(span),
            tokens=[estimate_message_tokens(messages[i]) for i in span],
            scores=[_score(messages[i], unpacked[i][2]) for i in span], pinned=[unpacked[i][1] for i in span],
            protected=protected))
    return exchanges


def _live(ledger: Sequence[Exchange]) -> list[Exchange]:
    return [e for e in ledger if e.dropped is None]


def _live_tokens(ledger: Sequence[Exchange]) -> int:
    return sum(e.total_tokens for e in _live(ledger))


# -- strategies ------------------------------------------------------------------------------

class Strategy(Protocol):
    """Anything a :class:`Pipeline` can run. Introduced in notebook 04_pruning."""

    name: str

    def run(self, ledger: list[Exchange], limit: int) -> list[Exchange]:
        """Drop (or replace) exchanges until ``ledger`` fits in ``limit`` tokens or there is nothing left to do."""
        ...


class RankingStrategy:
    """A strategy that only ranks: subclasses say what to drop first; ``run`` drops until it fits.

    Introduced in notebook 04_pruning. Write your own by overriding :meth:`candidates`.
    """

    name = "ranking"

    def candidates(self, live: Sequence[Exchange]) -> Iterable[tuple[Exchange, str]]:
        """(exchange, reason) pairs in the order to drop them. ``live`` includes protected ones, for comparison."""
        raise NotImplementedError

    def run(self, ledger: list[Exchange], limit: int) -> list[Exchange]:
        for exchange, reason in list(self.candidates(_live(ledger))):
            if _live_tokens(ledger) <= limit:
                break
            if not exchange.protected and exchange.dropped is None:
                exchange.dropped = (self.name, f"{self.name}: {reason}")
        return ledger


class FIFO(RankingStrategy):
    """First in, first out: drop the oldest exchanges first. Introduced in notebook 04_pruning.

    Simple and predictable, and the last resort of :func:`default_pipeline`, but blind: it drops
    the account number from message 1 as readily as a "thanks!".
    """

    name = "FIFO"

    def candidates(self, live: Sequence[Exchange]) -> Iterable[tuple[Exchange, str]]:
        return [(e, "oldest exchange first") for e in live]


class ImportanceScoring(RankingStrategy):
    """Drop the lowest-scoring exchanges first (ties: oldest first). Introduced in notebook 04_pruning.

    With ``threshold`` set, only exchanges scoring below it are candidates, so a pipeline can say
    "drop the filler, then think again" before touching anything that matters. With
    ``per_token=True`` the rank is score per token, so when something of value must go, a
    900-token tool dump goes before a 40-token account number: the least value for the room freed.
    """

    name = "importance"

    def __init__(self, threshold: float | None = None, *, per_token: bool = False) -> None:
        self.threshold = threshold
        self.per_token = per_token

    def candidates(self, live: Sequence[Exchange]) -> Iterable[tuple[Exchange, str]]:
        def rank(e: Exchange) -> float:
            return e.score.value / max(e.total_tokens, 1) if self.per_token else e.score.value

        order = sorted(range(len(live)), key=lambda i: (rank(live[i]), i))
        found = []
        for e in (live[i] for i in order):
            if self.threshold is not None and e.score.value >= self.threshold:
                continue
            if self.per_token:
                why = f"least value per token first: scored {e.score.value:g} for {e.total_tokens:,} tokens"
            else:
                why = f"lowest score first: scored {e.score.value:g}"
            found.append((e, f"{why} ({'; '.join(e.score.reasons)})"))
        return found


class Deduplicate(RankingStrategy):
    """Drop an exchange when a later one says nearly the same thing. Introduced in notebook 04_pruning.

    "Nearly the same" is the Jaccard similarity of the exchanges' word 3-shingles (runs of three
    words): at or above ``threshold`` the older one goes, since the later one is at least as
    current. The whole exchange is compared, not only the question, so two "Yes" replies that
    confirmed different things are not duplicates.
    """

    name = "dedup"

    def __init__(self, threshold: float = 0.7) -> None:
        self.threshold = threshold

    def candidates(self, live: Sequence[Exchange]) -> Iterable[tuple[Exchange, str]]:
        shingles = [_shingles(e.text) for e in live]
        found = []
        for i, exchange in enumerate(live):
            for j in range(i + 1, len(live)):
                similarity = jaccard(shingles[i], shingles[j])
                if similarity >= self.threshold:
                    found.append((exchange, f"near-duplicate of the later {live[j].label} "
                                            f"(similarity {similarity:.2f})"))
                    break
        return found


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set[Any], b: set[Any]) -> float:
    """Shared items over all items: 1.0 for identical sets, 0.0 for disjoint (or empty) ones."""
    return len(a & b) / len(a | b) if a and b else 0.0


class RoleBasedRetention(RankingStrategy):
    """Drop the oldest exchanges that hold nothing worth keeping. Introduced in notebook 04_pruning.

    An exchange is kept when any message has one of the ``keep`` tags of :func:`score_message`:
    by default tool results, decisions, preferences and ids. Pinned exchanges are kept anyway.
    """

    name = "role-based"

    def __init__(self, keep: Iterable[str] = ("tool_result", "decision", "preference", "id", "summary")) -> None:
        self.keep = frozenset(keep)

    def candidates(self, live: Sequence[Exchange]) -> Iterable[tuple[Exchange, str]]:
        kinds = ", ".join(sorted(self.keep))
        return [(e, f"holds none of: {kinds}") for e in live if not e.tags & self.keep]


class SummarizeAndReplace:
    """Replace old exchanges with one summary pair (user summary, assistant acknowledgement).

    Introduced in notebook 04_pruning. Every unprotected exchange older than the ``keep_recent``
    most recent ones is condensed by ``summarize(text) -> str`` (see :func:`client_summarizer`),
    and the pair takes the place of the first one. A pair keeps the history user-first and
    alternating. Nothing changes when the summary would not be shorter than what it replaces.
    """

    name = "summarize"

    def __init__(self, summarize: Callable[[str], str], keep_recent: int = 2) -> None:
        if keep_recent < 1:
            raise ValueError(f"keep_recent is {keep_recent}; the current exchange always stays, so use 1 or more")
        self.summarize = summarize
        self.keep_recent = keep_recent

    def run(self, ledger: list[Exchange], limit: int) -> list[Exchange]:
        if _live_tokens(ledger) <= limit:
            return ledger
        block = [e for e in _live(ledger)[:-self.keep_recent] if not e.protected]
        if not block:
            return ledger
        summary = self.summarize("\n".join(e.text for e in block)).strip()
        if not summary:
            return ledger
        pair = [{"role": "user", "content": f"{SUMMARY_MARKER}\n{summary}"},
                {"role": "assistant", "content": SUMMARY_ACK}]
        replacement = Exchange(pair, [None, None], [estimate_message_tokens(m) for m in pair],
                               [score_message(m) for m in pair], [False, False])
        if replacement.total_tokens >= sum(e.total_tokens for e in block):
            return ledger
        for exchange in block:
            exchange.dropped = (self.name, f"{self.name}: condensed into the summary ({len(block)} exchanges)")
            exchange.summarized = True
        position = ledger.index(block[0])
        return [*ledger[:position], replacement, *ledger[position:]]


def client_summarizer(client: Any, model: str | None = None, max_tokens: int = 300) -> Callable[[str], str]:
    """A ``summarize(text) -> str`` that asks Claude (or the simulator) through ``client``.

    Introduced in notebook 04_pruning. Pruning takes the summarizer as a plain function so it can
    be tested without the API; this builds the real one. The instruction's first line says
    "Summarize", which is also what the offline simulator answers with a summary.
    """
    chosen = model or DEFAULT_MODEL

    def summarize(text: str) -> str:
        reply = client.messages.create(model=chosen, max_tokens=max_tokens,
                                       messages=[{"role": "user", "content": f"{SUMMARY_INSTRUCTION}\n\n{text}"}])
        return strip_summary_label("".join(block.text for block in reply.content if block.type == "text"))

    return summarize


# -- pipeline and plan -----------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One message in a plan: where it was, what it costs, and what happens to it.

    Introduced in notebook 04_pruning. ``index`` is the position in the input, ``None`` for an
    added summary message; ``score`` keeps its reasons, so a table can say why, not only what.
    """

    index: int | None
    role: str
    tokens: int
    score: Score
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

    Introduced in notebook 04_pruning. Print it for a table; :meth:`apply` gives the pruned list.
    """

    budget: int
    tokens_before: int
    rows: tuple[Row, ...]
    result: tuple[Message, ...] = field(repr=False)
    added: tuple[Message, ...] = field(default=(), repr=False)
    """The summary messages the plan would add (empty unless summarize-and-replace ran)."""

    @property
    def tokens_after(self) -> int:
        return sum(r.tokens for r in self.rows if r.kept)

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

    Introduced in notebook 04_pruning. Order is policy: put the cheap, safe drops (duplicates,
    filler) first and the blunt ones (FIFO) last.
    """

    def __init__(self, strategies: Sequence[Strategy]) -> None:
        self.strategies = list(strategies)

    def __repr__(self) -> str:
        return f"Pipeline([{', '.join(s.name for s in self.strategies)}])"

    def plan(self, messages: Sequence[Any], budget: int | TokenBudget) -> PruningPlan:
        limit = budget_limit(budget)
        ledger = split_exchanges(messages)
        before = _live_tokens(ledger)
        for strategy in self.strategies:
            if _live_tokens(ledger) <= limit:
                break
            ledger = strategy.run(ledger, limit)
        return _make_plan(messages, ledger, limit, before)


def default_pipeline(summarize: Callable[[str], str] | None = None) -> Pipeline:
    """Duplicates, then greetings and thanks, then (with a summarizer) old exchanges, then what holds no key facts.

    Introduced in notebook 04_pruning. The last resort ranks every droppable exchange by score per
    token, so the result fits whenever the protected exchanges alone fit, and what goes last is
    what is worth most for its size.
    """
    middle: list[Strategy] = [SummarizeAndReplace(summarize)] if summarize else []
    return Pipeline([Deduplicate(), ImportanceScoring(threshold=0), *middle, RoleBasedRetention(),
                     ImportanceScoring(per_token=True)])


def budget_limit(budget: int | TokenBudget) -> int:
    """The token limit for the messages passed to :func:`plan`.

    A :class:`TokenBudget` means its ``available_for_history``: pass the history, the budget has
    already set the current message aside. To prune a list that already ends with the current
    message, pass ``budget.available_for_history + budget.current_message_tokens`` instead.
    """
    if isinstance(budget, TokenBudget):
        return budget.available_for_history
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise TypeError(f"budget must be a token count (int) or a TokenBudget, got {budget!r}")
    return budget


def plan(messages: Sequence[Any], budget: int | TokenBudget,
         pipeline: Pipeline | Strategy | Sequence[Strategy] | None = None) -> PruningPlan:
    """A dry run: what ``pipeline`` would drop to fit ``messages`` into ``budget``, and why.

    Introduced in notebook 04_pruning. ``messages`` are message dicts or transcript entries
    (``.message``, ``.pinned``, ``.importance``); nothing is changed. ``pipeline`` defaults to
    :func:`default_pipeline`; a single strategy or a list of them also works.
    """
    return _as_pipeline(pipeline).plan(messages, budget)


def prune(messages: Sequence[Any], budget: int | TokenBudget,
          pipeline: Pipeline | Strategy | Sequence[Strategy] | None = None) -> list[Message]:
    """The pruned messages: ``plan(messages, budget, pipeline).apply()``. Introduced in notebook 04_pruning."""
    return plan(messages, budget, pipeline).apply()


def _as_pipeline(pipeline: Pipeline | Strategy | Sequence[Strategy] | None) -> Pipeline:
    if pipeline is None:
        return default_pipeline()
    if isinstance(pipeline, Pipeline):
        return pipeline
    if isinstance(pipeline, Sequence):
        return Pipeline(pipeline)
    return Pipeline([pipeline])


def _make_plan(items: Sequence[Any], ledger: list[Exchange], limit: int, before: int) -> PruningPlan:
    rows: list[Row] = []
    for exchange in ledger:
        for message, index, tokens, score, pinned in zip(exchange.messages, exchange.indices, exchange.tokens,
                                                         exchange.scores, exchange.pinned, strict=True):
            strategy, reason = exchange.dropped or ("", exchange.protected)
            if exchange.dropped:
                status = "summarized" if exchange.summarized else "dropped"
            elif index is None:
                status = "added"
                reason = "the summary" if message["role"] == "user" else "acknowledges the summary"
            else:
                status = "pinned" if pinned else "kept"
            preview = " ".join(content_text(message["content"]).split())
            rows.append(Row(index, message["role"], tokens, score, status, strategy, reason,
                            preview if len(preview) <= 30 else preview[:27] + "..."))
    live = _live(ledger)
    result = tuple(m for e in live for m in e.messages)
    added = tuple(m for e in live for m, i in zip(e.messages, e.indices, strict=True) if i is None)
    originals = [_unpack(item, i)[0] for i, item in enumerate(items)]
    if originals and not validate_messages(originals):
        ensure_valid(result)  # a strategy that breaks a valid history is a bug: fail loudly, not at the API
    return PruningPlan(limit, before, tuple(rows), result, added)
