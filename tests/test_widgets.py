"""Widgets driven without a browser: set a slider or a text box, call the method, check labels and figures."""

import plotly.graph_objects as go

from course_lib.budget import TokenBudget
from course_lib.widgets import TokenBudgetExplorer, room_text


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


# --- TokenBudgetExplorer ---------------------------------------------------------------------------------

def test_budget_explorer_starts_from_the_library_budget():
    explorer = TokenBudgetExplorer(context_window=200_000, system_tokens=30_000, current_message_tokens=12_300,
                                   max_tokens=4_096)
    assert explorer.budget == TokenBudget(200_000, 30_000, 12_300, 4_096)
    assert "History room: 153,604 tokens" in explorer.room_label.value
    assert "color" not in explorer.room_label.value
    assert isinstance(explorer.figure, go.FigureWidget)
    assert trace(explorer.figure, "history room").x == (153_604,)


def test_moving_max_tokens_updates_label_and_figure_in_place():
    explorer = TokenBudgetExplorer()
    figure, history = explorer.figure, trace(explorer.figure, "history room")
    explorer.max_tokens.value = 64_000  # what a learner's drag does
    assert explorer.figure is figure and trace(figure, "history room") is history  # updated, not re-created
    assert explorer.budget.max_tokens == 64_000
    assert explorer.room_label.value.startswith(f"<b>History room: {200_000 - 2_000 - 500 - 64_000:,} tokens")
    assert trace(figure, "max_tokens reserve").x == (64_000,)
    assert history.x == (200_000 - 2_000 - 500 - 64_000,)


def test_over_budget_turns_red_and_says_by_how_much():
    explorer = TokenBudgetExplorer(context_window=200_000, system_tokens=2_000, current_message_tokens=500)
    explorer.max_tokens.value = 200_000
    assert explorer.over_budget
    assert "over budget by 2,500 tokens" in explorer.room_label.value
    assert "color:#d62728" in explorer.room_label.value
    assert trace(explorer.figure, "over budget").x == (2_500,)
    assert trace(explorer.figure, "history room").x == (0,)
    explorer.context_window.value = 300_000  # back under budget: red goes away
    assert not explorer.over_budget and "color" not in explorer.room_label.value
    assert trace(explorer.figure, "over budget").x == (0,)
    assert trace(explorer.figure, "context window").x == (300_000, 300_000)


def test_budget_explorer_is_displayable_with_fallbacks():
    explorer = TokenBudgetExplorer()
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    assert "History room: 193,404 tokens" in bundle["text/html"]
    assert "available for history" in bundle["text/html"]  # the budget's own explanation
    assert bundle["text/plain"].startswith("TokenBudgetExplorer: History room")
    assert explorer.figure in explorer.widget.children


def test_room_text():
    assert room_text(TokenBudget(1_000, 100, 100, 100)) == "History room: 700 tokens"
    assert room_text(TokenBudget(1_000, 600, 300, 300)) == "History room: over budget by 200 tokens"
