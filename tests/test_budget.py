"""TokenBudget: the module's formula, percentage bands, and errors that name the numbers."""

import pytest

from course_lib.budget import BudgetError, TokenBudget, system_prompt_cost, validate_allocation
from course_lib.tokens import MESSAGE_OVERHEAD, estimate_message_tokens, estimate_tokens

KNOWLEDGE_CHECK = TokenBudget(context_window=200_000, system_tokens=1_500, current_message_tokens=800,
                              max_tokens=4_096)


def test_available_for_history_is_the_modules_formula():
    assert KNOWLEDGE_CHECK.available_for_history == 200_000 - 1_500 - 800 - 4_096 == 193_604
    assert KNOWLEDGE_CHECK.fits


def test_knowledge_check_q2_room_for_more_history():
    assert KNOWLEDGE_CHECK.room_after(40_000) == 153_604
    assert KNOWLEDGE_CHECK.check(40_000) == 153_604


def test_explain_writes_out_every_number():
    text = KNOWLEDGE_CHECK.explain(40_000)
    for number in ("200,000", "1,500", "800", "4,096", "193,604", "40,000", "153,604"):
        assert number in text
    assert len(text.splitlines()) == 7
    assert "Over budget" not in text


def test_negative_budget_is_shown_not_raised_until_check():
    budget = TokenBudget(200_000, 150_000, 40_000, 20_000)
    assert budget.available_for_history == -10_000  # a widget can show this in red
    assert not budget.fits
    assert "Over budget by 10,000" in budget.explain()
    with pytest.raises(BudgetError) as caught:
        budget.check()
    message = str(caught.value)
    for number in ("200,000", "150,000", "40,000", "20,000", "-10,000"):
        assert number in message
    assert "max_tokens" in message


def test_history_over_the_room_names_how_much_to_prune():
    with pytest.raises(BudgetError, match=r"history is 200,000 tokens but only 193,604.*prune at least 6,396"):
        KNOWLEDGE_CHECK.check(200_000)


@pytest.mark.parametrize("field, value", [("system_tokens", -1), ("max_tokens", 2.5), ("context_window", True),
                                          ("current_message_tokens", "800")])
def test_constructor_rejects_bad_counts_by_name(field, value):
    args = {"context_window": 200_000, "system_tokens": 0, "current_message_tokens": 0, "max_tokens": 0, field: value}
    with pytest.raises(BudgetError, match=field):
        TokenBudget(**args)


def test_budget_error_is_a_value_error():
    assert issubclass(BudgetError, ValueError)


def test_default_allocation_is_20_50_20_10():
    assert KNOWLEDGE_CHECK.allocate() == {"system": 40_000, "history": 100_000, "current_message": 40_000,
                                          "response": 20_000}


def test_allocation_rounding_leftover_goes_to_history():
    bands = TokenBudget(999, 0, 0, 0).allocate((25, 25, 25, 25))
    assert bands == {"system": 249, "history": 252, "current_message": 249, "response": 249}


def test_allocation_accepts_a_mapping():
    shares = {"system": 10, "history": 70, "current_message": 10, "response": 10}
    assert TokenBudget(100_000, 0, 0, 0).allocate(shares)["history"] == 70_000


@pytest.mark.parametrize("percentages, expected", [
    ((20, 50, 20, 20), r"add up to 100, got 20 \+ 50 \+ 20 \+ 20 = 110"),
    ((20, 50, 40, -10), r"percentage for response is -10"),
    ((50, 50), r"expected 4 percentages .* got 2"),
    ({"system": 20, "history": 80, "reply": 0}, r"unknown: \['reply'\], missing: \['current_message', 'response'\]"),
    ((20, 50, "20", 10), r"percentage for current_message must be a number"),
])
def test_allocation_errors_say_what_is_wrong(percentages, expected):
    with pytest.raises(BudgetError, match=expected):
        validate_allocation(percentages)
    with pytest.raises(BudgetError, match=expected):
        KNOWLEDGE_CHECK.allocate(percentages)


def test_system_prompt_cost_accumulates_every_turn():
    cost = system_prompt_cost(2_000, 50)
    assert len(cost) == 50
    assert cost[0] == 2_000 and cost[1] == 4_000 and cost[-1] == 100_000
    assert system_prompt_cost(2_000, 0) == []
    with pytest.raises(BudgetError, match="turns"):
        system_prompt_cost(2_000, -1)


def test_for_request_measures_with_the_kits_estimator():
    message = {"role": "user", "content": "What is my account number?"}
    budget = TokenBudget.for_request(system="You are a support agent.", current_message=message, max_tokens=1_024)
    assert budget.context_window == 200_000
    assert budget.system_tokens == estimate_tokens("You are a support agent.")
    assert budget.current_message_tokens == estimate_message_tokens(message)
    as_text = TokenBudget.for_request(current_message="What is my account number?", max_tokens=1_024)
    assert as_text.current_message_tokens == budget.current_message_tokens and as_text.system_tokens == 0


def test_to_rows_feeds_a_chart_and_may_go_negative():
    rows = TokenBudget(1_000, 600, 300, 200).to_rows()
    assert [r["tokens"] for r in rows] == [600, 300, 200, -100]


def test_for_request_takes_a_token_counter():
    budget = TokenBudget.for_request(current_message="What is a list?", system="Be brief.", max_tokens=1_000,
                                     context_window=10_000, token_counter=lambda m: 50)
    assert budget.current_message_tokens == 50
    assert budget.system_tokens == 50 - MESSAGE_OVERHEAD  # the system prompt is text, with no message framing
    assert budget.available_for_history == 10_000 - 46 - 50 - 1_000
