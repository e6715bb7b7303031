"""Chart functions: the numbers in the figures, not only that a figure came back."""

from types import SimpleNamespace

import plotly.graph_objects as go
import pytest

from course_lib.budget import TokenBudget
from course_lib.classroom import charts
from course_lib.classroom.charts import DEFAULT_PRICES, Prices, request_cost

CACHED_RUN = [  # per-request usage of a cached full history: a write on turn 1, then mostly reads
    {"turn": 1, "kind": "turn", "input_tokens": 50, "cache_creation_input_tokens": 2000,
     "cache_read_input_tokens": 0, "output_tokens": 100},
    {"turn": 2, "kind": "turn", "input_tokens": 60, "cache_creation_input_tokens": 150,
     "cache_read_input_tokens": 2000, "output_tokens": 100},
]


def budget(window=200_000, system=2_000, current=300, reserve=4_096):
    return TokenBudget(window, system, current, reserve)


def by_name(fig):
    return {trace.name: trace for trace in fig.data}


# --- tokens_per_turn -----------------------------------------------------------------------------------

def test_tokens_per_turn_from_lists():
    fig = charts.tokens_per_turn({"full history": [100, 250, 420], "sliding window": [100, 250, 260]})
    assert isinstance(fig, go.Figure)
    traces = by_name(fig)
    assert traces["full history"].x == (1, 2, 3) and traces["full history"].y == (100, 250, 420)
    assert traces["sliding window"].y == (100, 250, 260)
    assert traces["full history"].mode == "lines+markers"
    assert traces["full history"].line.color == charts.STRATEGY_COLORS["full"]
    assert traces["sliding window"].line.color == charts.STRATEGY_COLORS["window"]
    assert fig.layout.template.layout.paper_bgcolor == "white" and fig.layout.height == charts.HEIGHT
    assert fig.layout.xaxis.title.text == "turn" and fig.layout.yaxis.title.text


def test_tokens_per_turn_reads_usage_log_turn_rows_and_marks_summary_calls():
    log = [
        {"turn": 1, "kind": "turn", "input_tokens": 100, "output_tokens": 20},
        {"turn": 2, "kind": "summary", "input_tokens": 500, "output_tokens": 80},
        {"turn": 2, "kind": "turn", "input_tokens": 40, "cache_creation_input_tokens": 10,
         "cache_read_input_tokens": 90, "output_tokens": 20},
    ]
    manager = SimpleNamespace(usage_log=log)
    traces = by_name(charts.tokens_per_turn({"summarization": manager}))
    assert traces["summarization"].x == (1, 2)
    assert traces["summarization"].y == (100, 140)  # uncached + cache writes + cache reads
    assert traces["summarization: summary call"].x == (2,) and traces["summarization: summary call"].y == (500,)


# --- budget_bar ----------------------------------------------------------------------------------------

def test_budget_bar_segments_and_window_line():
    fig = charts.budget_bar(budget())
    traces = by_name(fig)
    assert traces["system prompt"].x == (2000,) and traces["system prompt"].base == (0,)
    assert traces["history room"].x == (193_604,) and traces["history room"].base == (2000,)
    assert traces["current message"].x == (300,) and traces["max_tokens reserve"].x == (4096,)
    assert traces["max_tokens reserve"].base == (200_000 - 4096,)
    assert traces["over budget"].x == (0,)
    assert traces["context window"].x == (200_000, 200_000)
    assert fig.layout.title.text == "History room: 193,604 of 200,000 tokens"
    assert fig.layout.barmode == "overlay" and fig.layout.height == charts.BAR_HEIGHT


def test_budget_bar_over_budget_is_red_past_the_window():
    fig = charts.budget_bar(budget(window=10_000, system=2_000, current=6_000, reserve=4_096))
    traces = by_name(fig)
    assert traces["history room"].x == (0,)
    assert traces["over budget"].x == (2_096,) and traces["over budget"].base == (10_000,)
    assert traces["over budget"].marker.color == charts.BUDGET_COLORS["over budget"] == "#D55E00"
    assert fig.layout.title.text.startswith("Over budget by 2,096 tokens")
    assert fig.layout.xaxis.range[1] >= 12_096


def test_budget_bar_with_history_sent_shows_free_space():
    fig = charts.budget_bar(budget(window=10_000, system=2_000, current=600, reserve=4_096), history_tokens=1_000)
    traces = by_name(fig)
    assert traces["history sent"].x == (1_000,)
    assert traces["free"].x == (2_304,) and traces["free"].base == (7_696,)
    assert fig.layout.title.text == "Next request: 7,696 of 10,000 tokens"


def test_update_budget_bar_changes_the_same_figure():
    fig = charts.budget_bar(budget())
    before = fig.data
    charts.update_budget_bar(fig, budget(reserve=64_000))
    assert fig.data is before or [t.name for t in fig.data] == [t.name for t in before]
    assert by_name(fig)["history room"].x == (200_000 - 2_000 - 300 - 64_000,)


# --- kept_messages -------------------------------------------------------------------------------------

def test_kept_messages_grid_from_tuples_and_dicts():
    rows = {
        "window": [(0, "dropped", "outside the last 2 messages"), (1, "dropped", "outside"), (2, "kept", "recent"),
                   (3, "kept", "recent")],
        "importance": [{"index": 0, "status": "pinned", "reason": "account number", "role": "user", "tokens": 12},
                       {"index": 1, "status": "drop", "reason": "greeting", "role": "assistant", "tokens": 5},
                       (2, "summary", "folded into the summary"), (3, "kept", "recent")],
    }
    fig = charts.kept_messages(rows)
    traces = by_name(fig)
    assert [t.name for t in fig.data] == list(charts.STATUSES)  # always all four, in a fixed order
    assert traces["dropped"].x == (0, 1, 1) and traces["dropped"].y == ("window", "window", "importance")
    assert traces["kept"].x == (2, 3, 3)
    assert traces["pinned"].x == (0,) and traces["pinned"].customdata[0][0] == "user"
    assert traces["pinned"].customdata[0][1] == "12" and traces["pinned"].customdata[0][2] == "account number"
    assert traces["summary"].x == (2,)
    assert list(fig.layout.yaxis.categoryarray) == ["importance", "window"]  # first strategy on top


def test_kept_messages_single_plan_and_bad_status():
    fig = charts.kept_messages([(0, "kept", "")])
    assert by_name(fig)["kept"].y == ("plan",)
    with pytest.raises(ValueError, match="status 'maybe'"):
        charts.kept_messages({"x": [(0, "maybe", "")]})
    with pytest.raises(ValueError, match="index and a status"):
        charts.kept_messages({"x": [{"reason": "no index"}]})


# --- importance_bars -----------------------------------------------------------------------------------

def test_importance_bars_values_reasons_and_threshold():
    scores = [
        {"index": 0, "score": 0.9, "reasons": ["account number", "a decision"], "role": "user", "pinned": True},
        {"index": 1, "score": 0.1, "reason": "greeting", "role": "assistant"},
        (2, 0.5, "question"),
    ]
    fig = charts.importance_bars(scores, threshold=0.3)
    traces = by_name(fig)
    assert traces["user"].x == (0,) and traces["user"].y == (0.9,)
    assert traces["user"].customdata[0][0] == "account number; a decision"
    assert traces["user"].marker.line.width == (3,)  # pinned gets an outline
    assert traces["assistant"].y == (0.1,) and traces["message"].x == (2,)
    assert fig.layout.shapes[0].y0 == 0.3


def test_importance_bars_plain_floats():
    fig = charts.importance_bars([0.2, 0.7])
    assert fig.data[0].x == (0, 1) and fig.data[0].y == (0.2, 0.7)


# --- costs ---------------------------------------------------------------------------------------------

def test_request_cost_uses_the_caching_multipliers():
    usage = {"input_tokens": 1_000_000, "output_tokens": 1_000_000, "cache_creation_input_tokens": 1_000_000,
             "cache_read_input_tokens": 1_000_000}
    # $2 input + $2 x 1.25 write + $2 x 0.1 read + $10 output
    assert request_cost(usage) == pytest.approx(2 + 2.5 + 0.2 + 10)
    assert request_cost({"input_tokens": 500_000}, Prices(input_per_mtok=3, output_per_mtok=15)) == pytest.approx(1.5)
    assert request_cost(SimpleNamespace(input_tokens=1000, output_tokens=0, cache_creation_input_tokens=None,
                                        cache_read_input_tokens=None)) == pytest.approx(0.002)
    assert Prices(2.0, 10.0, 1.25, 0.1) == DEFAULT_PRICES
    with pytest.raises(ValueError, match="input_per_mtok"):
        Prices(input_per_mtok=-1)


def test_cumulative_costs_with_and_without_caching():
    turns, cached = charts.cumulative_costs(CACHED_RUN)
    turns2, plain = charts.cumulative_costs(CACHED_RUN, cached=False)
    assert turns == turns2 == [1, 2]
    turn1 = (50 * 2 + 2000 * 2 * 1.25 + 100 * 10) / 1e6
    turn2 = (60 * 2 + 150 * 2 * 1.25 + 2000 * 2 * 0.1 + 100 * 10) / 1e6
    assert cached == pytest.approx([turn1, turn1 + turn2])
    assert plain == pytest.approx([(2050 * 2 + 1000) / 1e6, (2050 * 2 + 1000 + 2210 * 2 + 1000) / 1e6])
    assert cached[0] > plain[0] and cached[1] < plain[1]  # the write premium pays off once reads start


def test_cumulative_costs_adds_every_request_of_a_turn():
    log = [{"turn": 1, "kind": "turn", "input_tokens": 1000}, {"turn": 2, "kind": "summary", "input_tokens": 3000},
           {"turn": 2, "kind": "turn", "input_tokens": 500}]
    assert charts.cumulative_costs(SimpleNamespace(usage_log=log)) == ([1, 2], pytest.approx([0.002, 0.009]))


def test_caching_costs_draws_a_counterfactual_only_for_cached_runs():
    window = [{"input_tokens": 800, "output_tokens": 100}, {"input_tokens": 900, "output_tokens": 100}]
    fig = charts.caching_costs({"full history": CACHED_RUN, "sliding window": window})
    traces = by_name(fig)
    assert set(traces) == {"full history (cached)", "full history (no caching)", "sliding window"}
    assert traces["full history (no caching)"].line.dash == "dash"
    assert traces["full history (cached)"].line.color == traces["full history (no caching)"].line.color
    assert traces["sliding window"].y == pytest.approx([0.0026, 0.0054])
    assert fig.layout.yaxis.tickprefix == "$"


def test_request_cost_reads_real_sdk_usage_from_the_simulator():
    from course_lib import DEFAULT_MODEL, make_client

    client = make_client("simulated")
    reply = client.messages.create(model=DEFAULT_MODEL, max_tokens=100,
                                   messages=[{"role": "user", "content": "What is a Python list?"}])
    expected = (reply.usage.input_tokens * 2 + reply.usage.output_tokens * 10) / 1e6
    assert request_cost(reply.usage) == pytest.approx(expected) and expected > 0


def test_strategy_colors_are_stable():
    assert charts.strategy_color("Full history") == charts.STRATEGY_COLORS["full"]
    assert charts.strategy_color("token_window") == charts.STRATEGY_COLORS["token_window"]
    assert charts.strategy_color("summarization") == charts.STRATEGY_COLORS["summary"]
    assert charts.strategy_color("something else") == charts.strategy_color("something else")


# --- with the real library: managers, pruning plans, budgets ---------------------------------------

def test_tokens_per_turn_and_costs_from_real_managers():
    from course_lib import make_client
    from course_lib.managers import ConversationManager, SlidingWindowManager

    full = ConversationManager(make_client("simulated"))
    window = SlidingWindowManager(make_client("simulated"), window_size=2)
    for question in ("What is a Python list?", "How do I sort a list?", "What is a tuple?", "And a set?"):
        full.send(question)
        window.send(question)
    fig = charts.tokens_per_turn({"full history": full, "sliding window": window})
    traces = by_name(fig)
    assert traces["full history"].x == (1, 2, 3, 4)
    assert traces["full history"].y == tuple(row["input_tokens"] for row in full.usage_log)
    assert traces["full history"].y[-1] > traces["sliding window"].y[-1]
    costs = by_name(charts.caching_costs({"full history": full, "sliding window": window}))
    assert set(costs) == {"full history", "sliding window"}  # no cache_control: no counterfactual line
    assert costs["full history"].y[-1] == pytest.approx(sum(request_cost(r) for r in full.usage_log))


def test_charts_read_pruning_plans_and_scores():
    from course_lib.pruning import plan, score_message

    messages = [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "My account is ACC-88412."}, {"role": "assistant", "content": "Noted."},
                {"role": "user", "content": "Thanks!"}, {"role": "assistant", "content": "You're welcome!"}]
    result = plan(messages, 20)
    fig = charts.kept_messages(result.to_rows())
    traces = by_name(fig)
    assert sorted(traces["kept"].x + traces["dropped"].x) == list(range(6))
    assert list(traces["dropped"].x) == result.dropped and list(traces["kept"].x) == result.kept
    assert by_name(charts.kept_messages({"plan": result.rows}))["dropped"].x == traces["dropped"].x
    bars = charts.importance_bars(result.to_rows())
    user = by_name(bars)["user"]
    assert user.y == (score_message(messages[0]).value, 3.0, score_message(messages[4]).value)
    assert "ACC-88412" in user.customdata[1][0]
    scored = charts.importance_bars([score_message(m) for m in messages])
    assert scored.data[0].y[2] == 3.0 and scored.data[0].x == (0, 1, 2, 3, 4, 5)


def test_budget_bar_reads_a_token_budget():
    from course_lib.budget import TokenBudget

    fig = charts.budget_bar(TokenBudget(200_000, 30_000, 12_300, 4_096))
    assert by_name(fig)["history room"].x == (153_604,)


def _cached_run(window):
    """Eight turns through the simulator with cache_control on the last two user messages."""
    from course_lib import DEFAULT_MODEL, make_client

    client = make_client("simulated")
    system = "You are a careful tutor. " + "Follow the course rules closely. " * 300  # over the 1,024 minimum
    history, rows = [], []
    for turn in range(1, 9):
        history.append({"role": "user", "content": f"Question {turn} about Python lists, item {turn}. " * 20})
        sent = [dict(m) for m in (history if window is None else history[-window:])]
        for k in [i for i, m in enumerate(sent) if m["role"] == "user"][-2:]:
            sent[k] = {"role": "user", "content": [{"type": "text", "text": sent[k]["content"],
                                                    "cache_control": {"type": "ephemeral"}}]}
        reply = client.messages.create(model=DEFAULT_MODEL, max_tokens=200, system=system, messages=sent)
        rows.append({"turn": turn, "kind": "turn", **reply.usage.model_dump()})
        history.append({"role": "assistant", "content": reply.content[0].text})
    return rows


def test_caching_costs_tells_the_honest_story():
    full, window = _cached_run(None), _cached_run(3)
    traces = by_name(charts.caching_costs({"full history": full, "sliding window": window}))
    full_cached, full_plain = traces["full history (cached)"].y[-1], traces["full history (no caching)"].y[-1]
    window_cached, window_plain = traces["sliding window (cached)"].y[-1], traces["sliding window (no caching)"].y[-1]
    assert full_cached < 0.5 * full_plain  # an append-only prefix: mostly cache reads at 0.1x
    assert window_cached > 0.9 * window_plain  # the window's start moves: it keeps paying for cache writes
    assert full_plain > window_plain  # without caching, the window is the cheaper one


def test_different_labels_that_mention_tokens_get_different_colors():
    from course_lib.classroom.charts import strategy_color
    assert strategy_color("500-token system prompt") != strategy_color("2,000-token system prompt")
    assert strategy_color("token window (120)") == strategy_color("token-window")
    assert strategy_color("sliding window (6 messages)") == strategy_color("window of 4")


def test_prices_have_one_home_and_charts_re_export_them():
    from course_lib import usage

    assert charts.Prices is usage.Prices and charts.DEFAULT_PRICES is usage.DEFAULT_PRICES
    assert charts.request_cost is usage.request_cost
    import course_lib
    assert course_lib.Prices is usage.Prices and course_lib.request_cost is usage.request_cost


def test_budget_bar_reads_the_budgets_own_formula():
    over = TokenBudget(1_000, 600, 300, 200)  # 100 over before any history
    segments = {s.name: s for s in charts.budget_segments(over)}
    assert segments["history"].length == 0 and segments["over budget"].length == -over.available_for_history == 100
