"""Pruning: every strategy on a scripted support conversation, the dry-run plan, and properties that
must hold for any valid conversation (valid result, whole exchanges, current exchange kept, fits)."""

import copy
import importlib
import re
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.budget import TokenBudget
from course_lib.messages import InvalidHistoryError, exchange_starts, validate_messages
from course_lib.pruning import (
    FIFO,
    SUMMARY_MARKER,
    Deduplicate,
    Exchange,
    ImportanceScoring,
    Pipeline,
    RoleBasedRetention,
    SummarizeAndReplace,
    client_summarizer,
    default_pipeline,
    jaccard,
    plan,
    prune,
    score_message,
    split_exchanges,
)
from course_lib.runtime.client import DEFAULT_MODEL, client_info, make_client
from course_lib.tokens import estimate_message_tokens

CHARGES = "\n".join(f"2024-05-{d:02d} charge {d}: $49.00 subscription renewal, status settled, ref CHG-{7000 + d}"
                    for d in range(1, 31))
TOOL_USE = {"type": "tool_use", "id": "toolu_01", "name": "billing_lookup", "input": {"account": "ACC-88412"}}

SUPPORT = [
    {"role": "user", "content": "Hi!"},                                                                       # 0
    {"role": "assistant", "content": "Hello! How can I help you today?"},
    {"role": "user", "content": "My account number is ACC-88412 and I think I was double charged this month."},  # 2
    {"role": "assistant", "content": "Sorry about that. I can see account ACC-88412; let me check the charges."},
    {"role": "user", "content": "How do I download my invoices from the billing page?"},                       # 4
    {"role": "assistant", "content": "Open Settings, choose Billing, then click Download invoices next to each month."},
    {"role": "user", "content": "Thanks!"},                                                                   # 6
    {"role": "assistant", "content": "You're welcome!"},
    {"role": "user", "content": "Can you look up my recent charges with the billing_lookup tool?"},            # 8
    {"role": "assistant", "content": [{"type": "text", "text": "Let me look that up."}, TOOL_USE]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": CHARGES}]},
    {"role": "assistant", "content": "You were charged twice on May 3 for $49; one charge will be refunded."},
    {"role": "user", "content": "Should I switch to the annual plan or stay on monthly billing?"},             # 12
    {"role": "assistant", "content": "The annual plan costs $490 a year, which is two months free."},
    {"role": "user", "content": "OK, let's go with the annual plan."},                                         # 14
    {"role": "assistant", "content": "Done: you are on the annual plan from your next billing date."},
    {"role": "user", "content": "I prefer email for any updates about this."},                                 # 16
    {"role": "assistant", "content": "Noted: we will contact you by email."},
    {"role": "user", "content": "Sorry, how do I download my invoices from the billing page?"},                # 18
    {"role": "assistant", "content": "Open Settings, choose Billing, then click Download invoices next to each month."},
    {"role": "user", "content": "When will the refund arrive?"},                                              # 20
    {"role": "assistant", "content": "Refunds take 5 to 7 business days to reach your card."},
]
TOTAL = sum(estimate_message_tokens(m) for m in SUPPORT)
EXCHANGES = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9, 10, 11], [12, 13], [14, 15], [16, 17], [18, 19], [20, 21]]


def tokens(indices):
    return sum(estimate_message_tokens(SUPPORT[i]) for i in indices)


@dataclass
class Entry:
    """Shaped like course_lib.managers.Entry (only what pruning reads)."""

    message: dict
    pinned: bool = False
    importance: float | None = None


# -- scoring ---------------------------------------------------------------------------------

def test_scores_say_why():
    account = score_message(SUPPORT[2])
    assert account.value >= 3 and "+3 contains an id: ACC-88412" in account.reasons and "id" in account.tags
    assert "decision" in score_message(SUPPORT[14]).tags
    assert "preference" in score_message(SUPPORT[16]).tags
    assert score_message(SUPPORT[10]).value >= 4 and "tool_result" in score_message(SUPPORT[10]).tags
    for filler in ("Hi!", "Thanks!", "You're welcome!", "ok", "Thank you so much!", "Hello! How can I help you today?"):
        score = score_message({"role": "user", "content": filler})
        assert score.value < 0 and score.tags == {"filler"}, filler
    assert "#889" in str(score_message({"role": "assistant", "content": "Based on your order #889, it shipped."}))
    assert "id" in score_message({"role": "user", "content": "It is order 12345"}).tags
    assert score_message({"role": "user", "content": "Please use metric units, never imperial."}).value >= 3
    ordinary = score_message(SUPPORT[4])
    assert ordinary.value == 0 and ordinary.reasons  # every score has a reason, even a plain one


def test_prune_writes_no_reason_until_a_plan_is_read(monkeypatch):
    # a history seen for the first time scores every message and drops thousands of exchanges: prune() reads none
    # of the reasons, so it must not pay for writing them; a plan's rows still say why
    from course_lib.pruning import scoring, strategies

    # text no other test uses: nothing about these messages is remembered yet, so every one is scored here
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"Order QX-{7700 + i} costs ${i}.25 now"}
               for i in range(40)]

    def refuse(*_: object) -> str:
        raise AssertionError("a reason was written")

    monkeypatch.setattr(scoring, "_reason", refuse)
    monkeypatch.setattr(strategies._Ranked, "__str__", refuse)
    result = plan(history, 60, default_pipeline())
    assert len(result.apply()) < len(history)  # it scored, dropped, and wrote no reason doing it
    monkeypatch.undo()
    expected = plan(history, 60, default_pipeline()).table()
    assert result.table() == expected and "importance: least value per token first" in expected


def test_exchanges_follow_exchange_starts_and_protect_the_last():
    exchanges = split_exchanges(SUPPORT)
    assert [e.indices for e in exchanges] == EXCHANGES
    assert [bool(e.protected) for e in exchanges] == [False] * 9 + [True]
    assert exchanges[1].score.value >= 3  # the account number makes its whole exchange matter


def test_exchanges_are_views_of_one_shared_set_of_columns():
    # one small object per exchange, not a list per field: at 10,000 messages the lists made the
    # garbage collector's passes cost more than the plan itself
    exchanges = split_exchanges(SUPPORT)
    assert all(e.columns is exchanges[0].columns for e in exchanges) and not hasattr(exchanges[0], "__dict__")
    assert [m for e in exchanges for m in e.messages] == SUPPORT
    assert [e.total_tokens for e in exchanges] == [sum(e.tokens) for e in exchanges]
    assert [e.total_tokens for e in exchanges] == [tokens(e.indices) for e in exchanges]


def test_tags_are_shared_sets_and_an_exchange_has_the_union_of_its_messages():
    # a few shared sets, not one per message: what role-based retention reads stays in the CPU's cache
    first = score_message({"role": "user", "content": "Order 4411 for ACC-88412, please."})
    second = score_message({"role": "user", "content": "And order 9823 for ACC-55555."})
    assert first.tags == {"id"} and first.tags is second.tags
    exchanges = split_exchanges(SUPPORT)
    assert all(e.tags == frozenset().union(*(s.tags for s in e.scores)) for e in exchanges)
    assert any(len(e.tags) > 1 for e in exchanges) and any(not e.tags for e in exchanges)


# -- each strategy on the support conversation -----------------------------------------------

def test_fifo_drops_the_oldest_exchanges_first():
    assert plan(SUPPORT, TOTAL - 1, FIFO()).dropped == [0, 1]
    result = plan(SUPPORT, TOTAL - tokens([0, 1]) - 1, FIFO())
    assert result.dropped == [0, 1, 2, 3]  # FIFO's flaw: the account number goes with the greeting
    assert "ACC-88412" not in str(result.apply()[0]["content"])


def test_importance_drops_filler_first_and_keeps_facts():
    result = plan(SUPPORT, TOTAL - 100, ImportanceScoring())
    # the two -2 exchanges (greeting, thanks) go first, then ordinary talk, oldest first
    assert result.dropped == [0, 1, 4, 5, 6, 7, 18, 19]
    for kept in (2, 10, 14, 16):  # account number, tool result, decision, preference
        assert kept in result.kept
    assert "lowest score first: scored -2" in result.rows[0].reason


def test_importance_threshold_only_drops_below_it():
    result = plan(SUPPORT, 0, ImportanceScoring(threshold=0))
    assert result.dropped == [0, 1, 6, 7] and not result.fits


def test_importance_per_token_drops_the_big_tool_dump_before_the_account_number():
    result = plan(SUPPORT, TOTAL - tokens([8, 9, 10, 11]), ImportanceScoring(per_token=True))
    assert result.fits and 10 in result.dropped
    assert all(kept in result.kept for kept in (2, 14, 16))
    assert plan(SUPPORT, TOTAL - tokens([8, 9, 10, 11]), ImportanceScoring()).rows[2].status == "dropped"


def test_dedup_drops_the_older_duplicate():
    result = plan(SUPPORT, TOTAL - 1, Deduplicate())
    assert result.dropped == [4, 5]
    assert "near-duplicate of the later messages 18-19" in result.rows[4].reason
    assert plan(SUPPORT, 0, Deduplicate()).dropped == [4, 5]  # nothing else is a duplicate


def test_dedup_compares_whole_exchanges_not_only_questions():
    confirmations = [{"role": "user", "content": "Shall we?"}, {"role": "assistant", "content": "Switch plan?"},
                     {"role": "user", "content": "Yes"}, {"role": "assistant", "content": "Switched to annual."},
                     {"role": "user", "content": "Yes"}, {"role": "assistant", "content": "Email receipts are on."},
                     {"role": "user", "content": "Thanks"}, {"role": "assistant", "content": "Welcome"}]
    assert plan(confirmations, 0, Deduplicate()).dropped == []
    assert jaccard(set(), set()) == 0.0 and jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)


def test_role_based_keeps_tool_results_ids_decisions_and_preferences():
    result = plan(SUPPORT, 0, RoleBasedRetention())
    assert result.dropped == [0, 1, 4, 5, 6, 7, 12, 13, 18, 19]
    for kept in (2, 3, 8, 9, 10, 11, 14, 15, 16, 17, 20, 21):
        assert kept in result.kept
    assert not result.fits and "DOES NOT FIT" in str(result)
    only_tools = plan(SUPPORT, 0, RoleBasedRetention(keep=["tool_result"]))
    assert 10 in only_tools.kept and 2 in only_tools.dropped


def test_summarize_and_replace_with_the_simulator():
    client = make_client("simulated")
    result = plan(SUPPORT, 400, SummarizeAndReplace(client_summarizer(client), keep_recent=2))
    pruned = result.apply()
    assert validate_messages(pruned) == []
    assert pruned[0]["role"] == "user" and pruned[0]["content"].startswith(SUMMARY_MARKER)
    assert pruned[1]["role"] == "assistant" and pruned[2:] == SUPPORT[18:]
    assert list(result.added) == pruned[:2]
    assert result.fits and result.tokens_after == sum(estimate_message_tokens(m) for m in pruned)
    assert {r.status for r in result.rows if r.index is not None and r.index < 18} == {"summarized"}
    request = client_info(client).simulator.requests[-1]
    assert request["model"] == DEFAULT_MODEL and request["max_tokens"] == 300
    assert request["messages"][0]["content"].startswith("Summarize the conversation below.")


def test_summarizer_gets_the_old_exchanges_as_text_and_is_called_once():
    seen = []

    def summarize(text):
        seen.append(text)
        return "Account ACC-88412; chose the annual plan; prefers email."

    result = plan(SUPPORT, 300, Pipeline([SummarizeAndReplace(summarize, keep_recent=3)]))
    assert len(seen) == 1
    assert seen[0].startswith("user: Hi!\nassistant: Hello!") and "user: I prefer email" not in seen[0]
    assert "ACC-88412" in result.apply()[0]["content"] and result.kept[0] == 16


def test_summary_takes_the_place_of_the_first_replaced_exchange_around_pins():
    entries = [Entry(m, pinned=i == 16) for i, m in enumerate(SUPPORT)]
    result = plan(entries, 300, SummarizeAndReplace(short_summary, keep_recent=2))
    pruned = result.apply()
    assert pruned[0]["content"].startswith(SUMMARY_MARKER) and pruned[2:] == SUPPORT[16:]
    assert result.kept == [16, 17, 18, 19, 20, 21] and result.rows[0].status == "added"
    assert validate_messages(pruned) == []


def test_summary_that_saves_nothing_changes_nothing():
    def verbose(text):
        return text * 2

    assert plan(SUPPORT, 0, SummarizeAndReplace(verbose)).dropped == []
    with pytest.raises(ValueError, match="keep_recent"):
        SummarizeAndReplace(verbose, keep_recent=0)


# -- the plan ---------------------------------------------------------------------------------

def test_plan_is_a_dry_run_with_correct_savings():
    before = copy.deepcopy(SUPPORT)
    result = plan(SUPPORT, 300)
    assert before == SUPPORT  # nothing changed
    assert result.dropped and result.tokens_before == TOTAL
    assert result.tokens_saved == tokens(result.dropped)
    pruned = result.apply()
    assert result.tokens_after == sum(estimate_message_tokens(m) for m in pruned) <= 300
    assert pruned == [SUPPORT[i] for i in result.kept]
    assert prune(SUPPORT, 300) == pruned and pruned is not result.apply()


def test_default_pipeline_keeps_the_key_facts_at_a_tight_budget():
    result = plan(SUPPORT, 150)
    assert result.fits
    for kept in (2, 14, 16, 20, 21):  # account number, decision, preference, the current exchange
        assert kept in result.kept
    assert 10 in result.dropped  # the 800-token tool dump was the least value per token


def test_fitting_already_drops_nothing():
    result = plan(SUPPORT, TOTAL)
    assert result.dropped == [] and result.tokens_saved == 0 and result.apply() == SUPPORT


def test_current_exchange_is_never_dropped_even_when_it_cannot_fit():
    result = plan(SUPPORT, 10)
    assert result.kept == [20, 21] and not result.fits
    assert all(r.reason == "the current exchange: never dropped" for r in result.rows[-2:])


def test_pinned_entries_survive_and_importance_can_be_set():
    entries = [Entry(m) for m in SUPPORT]
    entries[3].pinned = True  # the assistant's reply pins its whole exchange
    result = plan(entries, 0, FIFO())
    assert result.kept == [2, 3, 20, 21]
    assert result.rows[3].status == "pinned" and result.rows[2].status == "kept"
    assert result.rows[2].reason.startswith("pinned (message 3)")
    entries[6].importance = 10.0  # a "Thanks!" the caller says matters
    ranked = plan(entries, TOTAL - tokens([0, 1]) - 1, ImportanceScoring())
    assert 6 in ranked.kept and ranked.rows[6].score.value == 10.0
    assert prune(entries, 0, FIFO())[0] is SUPPORT[2]  # the result is plain message dicts


def test_a_custom_strategy_that_breaks_the_history_fails_loudly():
    class DropFirstMessage:
        name = "broken"

        def run(self, ledger, limit):
            return [Exchange.of(ledger[0].messages[1:]), *ledger[1:]]  # half an exchange: a leading assistant

    with pytest.raises(InvalidHistoryError, match="leading_assistant"):
        plan(SUPPORT, 0, DropFirstMessage())


def test_token_budget_means_available_for_history():
    budget = TokenBudget(context_window=1_000, system_tokens=200, current_message_tokens=100, max_tokens=400)
    assert plan(SUPPORT, budget).budget == 300
    with pytest.raises(TypeError, match="budget"):
        plan(SUPPORT, "300")
    with pytest.raises(TypeError, match=r"messages\[1\] is a int"):
        plan([SUPPORT[0], 5], 100)


def test_table_and_rows_for_notebooks():
    result = plan(SUPPORT, 300)
    text = str(result)
    assert text.splitlines()[0].startswith(f"{TOTAL:,} -> {result.tokens_after:,} tokens")
    assert "role" in text and "tokens" in text and "score" in text and "reason" in text
    assert "dropped" in text and "ACC-88..." in text
    rows = result.to_rows()
    assert [r["index"] for r in rows] == list(range(len(SUPPORT)))
    assert {r["status"] for r in rows} <= {"kept", "pinned", "dropped", "summarized"}
    assert rows[0]["kept"] is False and rows[0]["reasons"] and rows[0]["strategy"] == "importance"
    assert sum(r["tokens"] for r in rows if r["kept"]) == result.tokens_after


# -- properties over random conversations ------------------------------------------------------

PHRASES = ["Hi!", "Thanks!", "ok", "My account is ACC-12345.", "Let's go with plan B.", "I prefer email.",
           "How do I reset my password?", "What is the refund policy for order #889?", "Can you check the logs?",
           "Please use metric units.", "What did we decide earlier?"]
REPLIES = ["Hello!", "You're welcome!", "Done.", "Your balance is $120.", "Noted: email only.",
           "Open Settings, then Security, then Reset password.", "Refunds take 5 to 7 days."]


@st.composite
def conversations(draw):
    """Valid histories: user-first, alternating, tool pairs intact, long tool results, maybe pending at the end."""
    messages, calls = [], 0
    for _ in range(draw(st.integers(1, 7))):
        messages.append({"role": "user", "content": draw(st.sampled_from(PHRASES))})
        for _ in range(draw(st.integers(0, 2))):
            calls += 1
            use = {"type": "tool_use", "id": f"toolu_{calls}", "name": "search", "input": {"q": f"query {calls}"}}
            messages.append({"role": "assistant", "content": [use]})
            rows = draw(st.integers(1, 300))
            result = "\n".join(f"row {n}: value {n * 7}" for n in range(rows))
            answer = [{"type": "tool_result", "tool_use_id": use["id"], "content": result}]
            if draw(st.booleans()):  # [tool_result, text]: valid, and it continues the exchange (issue 14)
                answer.append({"type": "text", "text": draw(st.sampled_from(PHRASES))})
            messages.append({"role": "user", "content": answer})
        messages.append({"role": "assistant", "content": draw(st.sampled_from(REPLIES))})
    if draw(st.booleans()):
        messages.pop()  # the current exchange is still waiting for its answer
    assert validate_messages(messages) == []
    pins = draw(st.lists(st.booleans(), min_size=len(messages), max_size=len(messages)))
    return messages, pins


def short_summary(text):
    return "Summary: " + " ".join(text.split()[:12])


def strategies():
    return {"fifo": FIFO(), "importance": ImportanceScoring(), "filler": ImportanceScoring(threshold=0),
            "per-token": ImportanceScoring(per_token=True), "dedup": Deduplicate(),
            "dedup by meaning": Deduplicate(by="meaning"), "dedup-0.3": Deduplicate(0.3), "role": RoleBasedRetention(),
            "summarize": SummarizeAndReplace(short_summary), "default": default_pipeline(),
            "default+summary": default_pipeline(short_summary)}


ALWAYS_FIT = {"fifo", "importance", "per-token", "default", "default+summary"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversations(), st.integers(0, 4_000), st.booleans())
def test_every_strategy_keeps_histories_valid_whole_and_fitting(conversation, budget, use_pins):
    messages, pins = conversation
    items = [Entry(m, pinned=p) for m, p in zip(messages, pins, strict=True)] if use_pins else messages
    starts = exchange_starts(messages)
    groups = [list(range(a, b)) for a, b in zip(starts, [*starts[1:], len(messages)], strict=True)]
    protected = [g for n, g in enumerate(groups) if n == len(groups) - 1 or (use_pins and any(pins[i] for i in g))]
    protected_tokens = sum(estimate_message_tokens(messages[i]) for g in protected for i in g)
    before = copy.deepcopy(messages)
    for name, strategy in strategies().items():
        result = plan(items, budget, strategy)
        pruned = result.apply()
        assert validate_messages(pruned) == [], name
        kept = set(result.kept)
        for group in groups:
            assert set(group) <= kept or not set(group) & kept, f"{name} split the exchange {group}"
        for group in protected:
            assert set(group) <= kept, f"{name} dropped a protected exchange {group}"
        assert [m for m in pruned if m in messages] == [messages[i] for i in sorted(kept)], name
        assert result.tokens_after == sum(estimate_message_tokens(m) for m in pruned), name
        if name in ALWAYS_FIT and protected_tokens <= budget:
            assert result.fits, f"{name} did not fit {budget} although the protected exchanges do"
    assert messages == before


# -- speed without changing answers: token_counter, the memo, the remembered dedup index ---------

def test_token_counter_replaces_the_estimator_everywhere():
    one_each = plan(SUPPORT, 10, FIFO(), token_counter=lambda m: 1)
    assert one_each.tokens_before == len(SUPPORT) and one_each.kept == list(range(12, 22))
    assert all(r.tokens == 1 for r in one_each.rows)
    summarized = plan(SUPPORT, 5, SummarizeAndReplace(short_summary), token_counter=lambda m: 1)
    assert [r.tokens for r in summarized.rows if r.status == "added"] == [1, 1]  # the summary pair too
    assert prune(SUPPORT, 10, FIFO(), token_counter=lambda m: 1) == SUPPORT[12:]


def test_score_class_is_not_the_quiz_engines_score():
    import course_lib.pruning as pruning
    from course_lib.pruning import MessageScore

    assert isinstance(score_message(SUPPORT[2]), MessageScore) and not hasattr(pruning, "Score")


def test_memo_follows_content_not_identity():
    message = {"role": "user", "content": "Hi!"}
    assert "filler" in score_message(message).tags and "filler" in split_exchanges([message])[0].tags
    message["content"] = "My account is ACC-12345."  # edited in place: worked out again, not served stale
    assert split_exchanges([message])[0].tags == {"id"}


def growing(turns):
    return [{"role": "user" if n % 2 == 0 else "assistant",
             "content": " ".join(["refund", "billing", "account", "invoice"][(n + i) % 4] for i in range(5 + n % 7))
             + (f" ticket {n // 6}" if n % 3 else "")}
            for n in range(turns)]


def test_remembered_dedup_index_matches_a_fresh_one_as_the_history_grows_or_changes():
    remembering = Deduplicate()
    for size in (2, 6, 12, 13, 20, 40, 41, 60):  # a history that only grows: only new exchanges are compared
        history = growing(size)
        assert plan(history, 0, remembering).rows == plan(history, 0, Deduplicate()).rows, size
    assert remembering._index is not None and len(remembering._index.keys) == len(exchange_starts(growing(60)))
    edited = growing(60)[:30] + growing(90)[40:70]  # not an extension: the index starts again
    assert plan(edited, 0, remembering).rows == plan(edited, 0, Deduplicate()).rows


def test_without_a_pipeline_calls_share_one_default_whose_index_grows_with_the_history():
    plan_module = importlib.import_module("course_lib.pruning.plan")  # the module: the package's `plan` is the function
    dedup = plan_module._DEFAULT_PIPELINE.strategies[0]
    assert plan(growing(40), 0).rows == plan(growing(40), 0, default_pipeline()).rows
    index = dedup._index
    assert plan(growing(60), 0).rows == plan(growing(60), 0, default_pipeline()).rows
    assert dedup._index is index and len(index.keys) == len(exchange_starts(growing(60)))  # extended, not rebuilt
    edited = growing(60)[:30] + growing(90)[40:70]
    assert plan(edited, 0).rows == plan(edited, 0, default_pipeline()).rows  # not an extension: rebuilt


_SCORING_WORDS = ["Confirmed", "AGREED", "let's go with", "Lets go with", "Let us Go With", "we've decided",
                  "We have decided", "we decided", "decided to", "we'll go with", "I'll go with", "i'll take",
                  "Go ahead", "I prefer", "I'd prefer", "i would prefer", "I'd rather", "I would rather", "please use",
                  "Please always", "please DON'T", "please do not", "always", "Never", "don't ever", "Call me",
                  "order 889", "ORDER number 12", "Order no. 7", "reorder 5", "order#5", "ACC-88412", "inv12345",
                  "XINV-1234", "AB_123", "#889", "a@b.co", "x.y+z@mail-host.org", "3,400.50", "x9", "_7", "#12.5",
                  "wait", "orders", "\u017fe", "\u212a", "\u0130", "caf\u00e9", "\u0663\u0664", "\u2019", ".", ",", "-",
                  "xconfirmed", "neverland", "ok"]


_PLAIN_IDS = [re.compile(r"\b[A-Z]{2,}[-_]?\d{3,}\b"), re.compile(r"#\d+\b"),
              re.compile(r"\border\s+(?:number\s+|no\.?\s*)?\d+\b", re.I), re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")]
_PLAIN_NUMBER = re.compile(r"(?<![\w#])\d[\d,.]*")
_PLAIN_DECISION = re.compile(r"\b(?:we(?:'ve| have)? decided|decided to|let'?s go with|let us go with|"
                             r"we'll go with|i'll go with|i'll take|go ahead|confirmed|agreed)\b", re.I)
_PLAIN_PREFERENCE = re.compile(r"\b(?:i prefer|i'd prefer|i would prefer|i'd rather|i would rather|please use|"
                               r"please always|please don't|please do not|always|never|don't ever|call me)\b", re.I)


def _plain_text_points(text: str) -> list[tuple[float, str, str]]:
    """What the words scored as first written: the plain patterns, every one run, phrases case-insensitive."""
    from course_lib.pruning import scoring

    points: list[tuple[float, str, str]] = []
    ids = [m.group(0) for pattern in _PLAIN_IDS for m in pattern.finditer(text)]
    if ids:
        points.append((3, "id", f"+3 contains an id: {scoring._listed(ids)}"))
    rest = text
    for found_id in ids:
        rest = rest.replace(found_id, " ")
    numbers = [n.rstrip(",.") for n in _PLAIN_NUMBER.findall(rest)]
    if numbers:
        points.append((1, "number", f"+1 contains a number: {scoring._listed(numbers)}"))
    for pattern, tag, label in ((_PLAIN_DECISION, "decision", "records a decision"),
                                (_PLAIN_PREFERENCE, "preference", "states a preference")):
        hit = pattern.search(text)
        if hit:
            points.append((3, tag, f"+3 {label}: {hit.group(0)!r}"))
    return points


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_SCORING_WORDS), max_size=12), st.sampled_from([" ", "", "\n", " - "]))
def test_scoring_shortcuts_find_what_the_plain_patterns_find(words: list[str], glue: str) -> None:
    # the ASCII fast path (lowered text, case-sensitive phrases) and the skipped id passes change no point or reason
    from course_lib.pruning import scoring

    text = glue.join(words)
    found = [(finding[0], finding[1], scoring._reason(*finding)) for finding in scoring._text_findings(text)]
    assert found == _plain_text_points(text)
