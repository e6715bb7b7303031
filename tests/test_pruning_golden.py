"""The pruning package makes the same plans, reasons included, as the quadratic implementation it replaced.

The fixture holds plans written by the old code (see tests/pruning_cases.py) for every strategy on the
notebooks' conversations, the test conversations and seeded random ones, at several budgets.
"""

import gzip
import json

import pytest
from pruning_cases import FIXTURE, budgets, conversations, snapshot, strategies

from course_lib.pruning import plan

with gzip.open(FIXTURE, "rt", encoding="utf-8") as handle:
    EXPECTED = json.load(handle)


@pytest.mark.parametrize("name", sorted(conversations()))
def test_plans_match_the_old_implementation(name):
    items = conversations()[name]
    messages = [getattr(item, "message", item) for item in items]
    checked = 0
    for strategy_name, strategy in strategies().items():
        for budget in budgets(items):
            key = f"{name} | {strategy_name} | {budget}"
            assert snapshot(plan(items, budget, strategy), messages) == EXPECTED[key], key
            checked += 1
    assert checked == len([k for k in EXPECTED if k.startswith(f"{name} | ")])
