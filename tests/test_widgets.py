"""Widgets driven without a browser: set a slider or a text box, call the method, check labels and figures."""

import html
import re

import plotly.graph_objects as go
import pytest

from course_lib import make_client
from course_lib.budget import TokenBudget
from course_lib.classroom.panels import LabelledSlider
from course_lib.classroom.widgets import RED, ChatPanel, TokenBudgetExplorer, WindowExplorer, room_text
from course_lib.managers import ConversationManager, SlidingWindowManager, SmartConversationManager, TokenWindowManager
from course_lib.pruning import plan
from course_lib.tokens import content_text, estimate_message_tokens, estimate_tokens


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
    assert f"color:{RED}" in explorer.room_label.value
    assert trace(explorer.figure, "over budget").x == (2_500,)
    assert trace(explorer.figure, "history room").x == (0,)
    explorer.context_window.value = 300_000  # back under budget: red goes away
    assert not explorer.over_budget and "color" not in explorer.room_label.value
    assert trace(explorer.figure, "over budget").x == (0,)
    assert trace(explorer.figure, "context window").x == (300_000, 300_000)


def test_explorer_sliders_are_labelled_range_inputs_that_stay_in_range():
    """Each slider is a native range input named by its <label> (the browser audit checks the page)."""
    explorer = TokenBudgetExplorer()
    assert [each.description for each in explorer.sliders] == [
        "context window", "system prompt", "current message", "max_tokens"]
    assert all(isinstance(each, LabelledSlider) for each in explorer.sliders)
    assert 'type = "range"' in LabelledSlider._esm and "label.htmlFor = id" in LabelledSlider._esm
    assert 'setAttribute("data-lm-suppress-shortcuts", "true")' in LabelledSlider._esm  # arrows move it
    explorer.max_tokens.value = 10**9  # past the end: held at max, as IntSlider does
    assert explorer.max_tokens.value == explorer.max_tokens.max == explorer.budget.max_tokens
    explorer.max_tokens.max = 8_192  # a smaller range pulls the value in
    assert explorer.max_tokens.value == 8_192 == explorer.budget.max_tokens


def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of a text colour against a white background."""
    digits = colour.lstrip("#")
    digits = "".join(c * 2 for c in digits) if len(digits) == 3 else digits
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def text_colours(markup: str) -> list[str]:
    """Colours given to text (``color:``), not to borders or backgrounds."""
    return re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", markup)


def test_widget_text_is_readable_wcag_aa_contrast():
    """Every coloured text the panels write has at least 4.5:1 contrast on white (WCAG AA, normal text)."""
    over = TokenBudgetExplorer(context_window=10_000, system_tokens=8_000, current_message_tokens=500)
    manager = TokenWindowManager(make_client("simulated"), history_budget=60)
    panel = ChatPanel(manager)
    panel.send("Hello, I need help with my bill.")
    window = WindowExplorer(manager.transcript * 1)
    markup = {"over budget": over.room_label.value, "transcript": panel.transcript.value,
              "kept table": "".join(window.table_html(window.rows(s)) for s in window.strategies)}
    assert all(text_colours(m) for m in (markup["over budget"], markup["transcript"]))  # the check sees them
    low = {name: c for name, m in markup.items() for c in text_colours(m) if contrast_on_white(c) < 4.5}
    assert not low, low


def test_chat_panel_draft_box_has_a_label():
    panel = ChatPanel(ConversationManager(make_client("simulated")))
    assert panel.draft.description == "Message"


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


# --- WindowExplorer --------------------------------------------------------------------------------------

TALK = [
    ("Hi there!", "Hello! How can I help you today?"),
    ("My account number is ACC-88412 and I prefer email.", "Noted: account ACC-88412, contact by email."),
    ("What is a Python list?", "An ordered, mutable sequence written with square brackets."),
    ("Thanks!", "You're welcome!"),
    ("How do I sort a list?", "Use sorted(items) or items.sort()."),
    ("What is my account number?", "Your account number is ACC-88412."),
]


def conversation(pin_account=False):
    manager = ConversationManager(make_client("simulated"))
    for n, (question, answer) in enumerate(TALK):
        manager.add_message({"role": "user", "content": question}, pinned=pin_account and n == 1)
        manager.add_message({"role": "assistant", "content": answer})
    return manager


def test_window_explorer_window_cuts_at_exchange_starts():
    manager = conversation()
    explorer = WindowExplorer(manager)
    assert explorer.strategy.value == "window" and explorer.budget.value == 6
    assert explorer.kept() == [6, 7, 8, 9, 10, 11]
    explorer.budget.value = 5  # the last 5 messages start mid-exchange (an assistant reply): cut at the exchange
    assert explorer.kept() == [8, 9, 10, 11]
    rows = explorer.rows()
    assert rows[7].status == "dropped" and "exchange starts earlier" in rows[7].reason
    assert rows[6].reason == "older than the last 5 messages"
    assert rows[8].reason == "within the last 5 messages" and rows[8].role == "user"
    # the same numbers the real manager sends
    real = SlidingWindowManager(make_client("simulated"), window_size=5)
    for entry in manager.transcript:
        real.add_message(entry.message)
    assert len(real.get_messages()) == 4
    # the table and the chart follow the slider
    assert "exchange starts earlier" in explorer.table.value
    assert "sends 4 of 12 messages" in explorer.caption.value
    kept = trace(explorer.figure, "kept")
    assert [x for x, y in zip(kept.x, kept.y, strict=True) if y == "window (5 messages)"] == [8, 9, 10, 11]
    assert "window (5 messages)" in explorer.figure.layout.yaxis.categoryarray


def test_window_explorer_keeps_a_tool_exchange_whole():
    messages = [
        {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi"},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant",
         "content": [{"type": "tool_use", "id": "t1", "name": "weather", "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "18C, sunny"}]},
        {"role": "assistant", "content": "It is 18C and sunny in Paris."},
    ]
    explorer = WindowExplorer(messages, budget=2)
    assert explorer.kept() == [2, 3, 4, 5]  # never a tool_result without its tool_use
    assert "kept whole" in explorer.rows()[2].reason


def test_window_explorer_token_window_matches_the_manager():
    manager = conversation()
    explorer = WindowExplorer(manager, strategy="token_window")
    tokens = [e.tokens for e in manager.transcript]
    budget = sum(tokens[6:10])  # exactly the two exchanges before the newest one
    explorer.budget.value = budget
    assert explorer.kept() == [6, 7, 8, 9, 10, 11]
    real = TokenWindowManager(make_client("simulated"), history_budget=budget)
    for entry in manager.transcript:
        real.add_message(entry.message)
    assert len(real.get_messages()) == 6
    rows = explorer.rows()
    assert rows[10].reason.startswith("newest exchange: always sent")
    assert rows[6].reason == f"exchange fits: {budget:,} of {budget:,} history tokens used"
    assert "would bring history to" in rows[5].reason and rows[5].status == "dropped"
    assert rows[0].reason == "older than the newest exchanges that fit the budget"


def test_window_explorer_importance_uses_pruning_plan_and_shows_pinned():
    manager = conversation(pin_account=True)
    explorer = WindowExplorer(manager, strategy="importance")
    explorer.budget.value = 30
    newest = sum(e.tokens for e in manager.transcript[10:])
    expected = plan(manager.transcript, 30 + newest)
    assert explorer.kept() == expected.kept
    rows = explorer.rows()
    assert rows[2].status == "pinned" and "pinned" in rows[2].reason
    assert rows[0].status == "dropped" and rows[0].reason  # every drop says which strategy and why
    assert 2 in trace(explorer.figure, "pinned").x
    assert "pinned" in explorer.table.value


def test_window_explorer_switching_strategy_changes_slider_units_and_keeps_budgets():
    explorer = WindowExplorer(conversation())
    explorer.budget.value = 4
    explorer.strategy.value = "token_window"
    assert explorer.budget.description == "budget (tokens)"
    assert explorer.budget.value == explorer.budgets["token_window"]
    explorer.strategy.value = "full"
    assert explorer.budget.disabled and explorer.kept() == list(range(12))
    explorer.strategy.value = "window"
    assert explorer.budget.value == 4 and not explorer.budget.disabled
    html_repr = explorer._repr_html_()
    assert "<table" in html_repr and "sends 4 of 12 messages" in html_repr


def test_window_explorer_rejects_unknown_strategies_and_empty_input():
    with pytest.raises(ValueError, match="choose from"):
        WindowExplorer(conversation(), strategies=("window", "magic"))
    with pytest.raises(ValueError, match="at least one message"):
        WindowExplorer([])


# --- ChatPanel -------------------------------------------------------------------------------------------

def test_chat_panel_bar_follows_the_draft():
    panel = ChatPanel(ConversationManager(make_client("simulated"), system_prompt="You are terse.", max_tokens=500))
    assert trace(panel.figure, "current message").x == (0,)
    assert trace(panel.figure, "max_tokens reserve").x == (500,)
    assert trace(panel.figure, "context window").x == (200_000, 200_000)  # the simulator's window
    panel.draft.value = "My account number is ACC-88412."
    draft = estimate_message_tokens({"role": "user", "content": "My account number is ACC-88412."})
    assert trace(panel.figure, "current message").x == (draft,)
    assert trace(panel.figure, "system prompt").x == (estimate_tokens("You are terse."),)


def test_chat_panel_send_shows_reply_and_updates_bar():
    manager = ConversationManager(make_client("simulated"))
    panel = ChatPanel(manager)
    assert trace(panel.figure, "history sent").x == (0,)
    panel.draft.value = "My account number is ACC-88412."
    panel.send_button.click()  # what the learner's click does
    assert panel.draft.value == ""
    assert len(manager.transcript) == 2
    reply = content_text(manager.transcript[1].message["content"])
    assert html.escape(reply) in panel.transcript.value and "ACC-88412" in panel.transcript.value
    assert "Turn 1: sent 1 message," in panel.status.value
    assert trace(panel.figure, "history sent").x == (sum(e.tokens for e in manager.transcript),)
    assert trace(panel.figure, "current message").x == (0,)
    assert "2 messages" in panel._repr_mimebundle_()["text/plain"]


def test_chat_panel_history_is_what_a_window_will_send_next():
    manager = SlidingWindowManager(make_client("simulated"), window_size=2)
    panel = ChatPanel(manager)
    for question in ("First question about lists?", "Second question about sorting?"):
        assert panel.send(question) is not None
    # next request: the newest exchange would push the window to 3 messages, so only the draft is left
    assert trace(panel.figure, "history sent").x == (0,)
    assert len(manager.get_messages()) == 2  # what get_messages() shows between turns


def test_chat_panel_failure_is_shown_and_the_draft_kept():
    client = make_client("simulated", faults={1: "connection", 2: "connection", 3: "connection"})
    manager = ConversationManager(client)
    panel = ChatPanel(manager)
    panel.draft.value = "Are you there?"
    assert panel.send() is None
    assert panel.draft.value == "Are you there?"
    assert "Not sent" in panel.status.value and "ConversationError" in panel.status.value
    assert "could not be reached" in panel.status.value and RED in panel.status.value
    assert manager.transcript == [] and "No messages yet" in panel.transcript.value
    assert not panel.send_button.disabled
    assert panel.send() is not None  # the fault schedule is over: the kept draft goes through
    assert panel.draft.value == "" and len(manager.transcript) == 2


def test_chat_panel_empty_draft_is_not_sent():
    manager = ConversationManager(make_client("simulated"))
    panel = ChatPanel(manager)
    panel.draft.value = "   "
    assert panel.send() is None and "Type a message first" in panel.status.value
    assert manager.usage_log == []


def test_window_explorer_refresh_after_the_conversation_grows():
    manager = conversation()
    explorer = WindowExplorer(manager)
    ChatPanel(manager).send("One more question about lists?")
    assert len(explorer.rows()) == 12  # still the old snapshot
    explorer.refresh()
    assert len(explorer.rows()) == 14 and explorer.budget.max == 14
    assert explorer.kept() == [8, 9, 10, 11, 12, 13]


def test_chat_panel_reports_a_summary_request_and_counts_the_summary_as_history():
    manager = SmartConversationManager(make_client("simulated"), token_threshold=60, recent_turns_to_keep=1)
    panel = ChatPanel(manager)
    for question in ("My name is Ada and I like tea.", "What is a Python list?", "How do I sort?"):
        panel.send(question)
    assert manager.summary  # the third turn crossed the threshold
    assert "Turn 3: sent 5 messages" in panel.status.value and "summarized older turns" in panel.status.value
    history = trace(panel.figure, "history sent").x[0]
    # the next request: summary pair + the newest exchange (recent_turns_to_keep=1 counts the new message)
    assert 0 < history < sum(e.tokens for e in manager.transcript)


def test_chat_panel_reads_the_managers_preview_and_never_copies_or_changes_it():
    tools = [{"name": "search_docs", "description": "Search the docs.",
              "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
    manager = ConversationManager(make_client("simulated"), tools=tools)
    manager.send("Please use search_docs to find the weekly report.")
    assert manager.pending_tool_calls()  # a text message cannot come next: the preview refuses it
    before = manager.to_state()
    panel = ChatPanel(manager)
    assert panel.next_history_tokens() == sum(estimate_message_tokens(m) for m in manager.get_messages())
    assert manager.to_state() == before
    calls = []
    manager.get_messages = lambda next_message=None: calls.append(next_message) or []
    manager.to_state = lambda: pytest.fail("the panel must not clone the manager")
    panel.next_history_tokens()
    assert calls == [{"role": "user", "content": "..."}]


def test_the_chat_transcript_scrolls_in_a_box_the_keyboard_can_reach():
    """axe's scrollable-region-focusable: a long transcript scrolls, so its box must take focus and say what it is."""
    panel = ChatPanel(ConversationManager(make_client("simulated")))
    panel.send("What is a Python list?")
    box = panel.transcript.value
    assert box.startswith('<div role="log" aria-label="Conversation so far" tabindex="0"') and "overflow:auto" in box
    assert panel.transcript.layout.overflow is None  # the widget itself never becomes a second, unfocusable scroller
