"""The conversations and strategies whose pruning plans are pinned in ``tests/fixtures/pruning_plans.json.gz``.

The fixture was written by the quadratic implementation (before pruning became a package), so
``test_pruning_golden.py`` shows the faster one makes the same plans, reasons included. Every plan is
the quadratic one's. (From MinHash's arrival until shingles were hashed in numpy, "random 15" was an
exception: its exchanges 10-13 and 14-17 are 0.706 similar, and the CRC-32 signatures of their shingle
strings agreed on only 19 of 32 values, so that pair was never checked; its plans were rewritten then,
and restored when the new ids' signatures caught the pair.) Rewrite the fixture only on purpose:

    PYTHONPATH=. python tests/pruning_cases.py     # rewrites the fixture: only on purpose

Conversations: the support chat of ``test_pruning.py``, notebook 05's plan-catalog chat, notebook
06's CHAT (scored through transcript entries' importance), the scale benchmark's repetitive
history (every exchange a near-duplicate), and seeded random histories with tools and pins.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).parent / "fixtures" / "pruning_plans.json.gz"
CHARGES = "\n".join(f"2024-05-{d:02d} charge {d}: $49.00 subscription renewal, status settled, ref CHG-{7000 + d}"
                    for d in range(1, 31))
TOOL_USE = {"type": "tool_use", "id": "toolu_01", "name": "billing_lookup", "input": {"account": "ACC-88412"}}
SUPPORT = [
    {"role": "user", "content": "Hi!"},
    {"role": "assistant", "content": "Hello! How can I help you today?"},
    {"role": "user", "content": "My account number is ACC-88412 and I think I was double charged this month."},
    {"role": "assistant", "content": "Sorry about that. I can see account ACC-88412; let me check the charges."},
    {"role": "user", "content": "How do I download my invoices from the billing page?"},
    {"role": "assistant", "content": "Open Settings, choose Billing, then click Download invoices next to each month."},
    {"role": "user", "content": "Thanks!"},
    {"role": "assistant", "content": "You're welcome!"},
    {"role": "user", "content": "Can you look up my recent charges with the billing_lookup tool?"},
    {"role": "assistant", "content": [{"type": "text", "text": "Let me look that up."}, TOOL_USE]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": CHARGES}]},
    {"role": "assistant", "content": "You were charged twice on May 3 for $49; one charge will be refunded."},
    {"role": "user", "content": "Should I switch to the annual plan or stay on monthly billing?"},
    {"role": "assistant", "content": "The annual plan costs $490 a year, which is two months free."},
    {"role": "user", "content": "OK, let's go with the annual plan."},
    {"role": "assistant", "content": "Done: you are on the annual plan from your next billing date."},
    {"role": "user", "content": "I prefer email for any updates about this."},
    {"role": "assistant", "content": "Noted: we will contact you by email."},
    {"role": "user", "content": "Sorry, how do I download my invoices from the billing page?"},
    {"role": "assistant", "content": "Open Settings, choose Billing, then click Download invoices next to each month."},
    {"role": "user", "content": "When will the refund arrive?"},
    {"role": "assistant", "content": "Refunds take 5 to 7 business days to reach your card."},
]


def plan_catalog() -> str:
    """Notebook 05's tool result: a large JSON plan catalog."""
    features = ["calendar sync", "shared contacts", "spam filtering", "custom domain", "audit log",
                "single sign-on", "bulk export", "phone support", "archiving", "legal hold"]
    plans = []
    for name, monthly, yearly, mailbox_gb, n in [("Basic", 12, None, 15, 3), ("Plus", 20, 200, 50, 6),
                                                 ("Pro", 45, 450, 200, 10)]:
        plans.append({"plan": name, "usd_per_month": monthly, "usd_per_year": yearly, "mailbox_gb": mailbox_gb,
                      "features": features[:n], "payment": ["card", "bank_transfer"] if yearly else ["card"]})
    return json.dumps({"catalog": "2026-03", "plans": plans}, indent=1)


CATALOG_CHAT = [  # notebook 05_pruning's `conversation`
    {"role": "user", "content": "Hi!"},
    {"role": "assistant", "content": "Hello! How can I help you today?"},
    {"role": "user", "content": "My account number is ACC-88412 and I would like an annual plan."},
    {"role": "assistant", "content": "Thanks, I found account ACC-88412. It is on the Basic monthly plan."},
    {"role": "user", "content": "Can I pay by bank transfer?"},
    {"role": "assistant", "content": "Yes, bank transfer is available for annual plans."},
    {"role": "user", "content": "Which plans can I switch to? Please check the plan catalog."},
    {"role": "assistant", "content": [
        {"type": "text", "text": "Let me look that up in the plan catalog."},
        {"type": "tool_use", "id": "toolu_catalog_1", "name": "plan_catalog", "input": {"current_plan": "Basic"}}]},
    {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_catalog_1", "content": plan_catalog()}]},
    {"role": "assistant", "content": "You can switch to Plus at $20 a month or $200 a year, or to Pro at $45 a month."},
    {"role": "user", "content": "Thanks, that helps!"},
    {"role": "assistant", "content": "You're welcome!"},
    {"role": "user", "content": "Can I pay by bank transfer?"},
    {"role": "assistant", "content": "Yes, bank transfer is available for annual plans."},
    {"role": "user", "content": "OK, let's go with the annual plan."},
    {"role": "assistant", "content": "Done: your account moves to Plus annual at the next renewal."},
    {"role": "user", "content": "I prefer email for invoices, not paper."},
    {"role": "assistant", "content": "Noted: invoices will go to your email address."},
    {"role": "user", "content": "What is my account number?"},
]
LAB_CHAT = [  # notebook 07_hands_on_lab's CHAT
    {"role": "user", "content": "hi!"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "My account number is ACC-88412."},
    {"role": "assistant", "content": "Thanks, I found account ACC-88412."},
    {"role": "user", "content": "The router light blinks orange."},
    {"role": "assistant", "content": "Orange means the line is down."},
    {"role": "user", "content": "thanks!"},
    {"role": "assistant", "content": "You're welcome!"},
    {"role": "user", "content": "Let's go with a technician visit on Thursday."},
    {"role": "assistant", "content": "Confirmed: a technician visit on Thursday."},
    {"role": "user", "content": "Can you text me the time slot?"},
]
PHRASES = ["Hi!", "Thanks!", "ok", "My account is ACC-12345.", "Let's go with plan B.", "I prefer email.",
           "How do I reset my password?", "What is the refund policy for order #889?", "Can you check the logs?",
           "Please use metric units.", "What did we decide earlier?", "How do I reset my password please?"]
REPLIES = ["Hello!", "You're welcome!", "Done.", "Your balance is $120.", "Noted: email only.",
           "Open Settings, then Security, then Reset password.", "Refunds take 5 to 7 days."]
WORDS = "billing invoice refund account service deploy region customer ticket report".split()


@dataclass
class Entry:
    """Shaped like a manager's transcript entry (only what pruning reads)."""

    message: dict
    pinned: bool = False
    importance: float | None = None


def repetitive(size: int) -> list[dict[str, Any]]:
    """The scale benchmark's history: cycled words, so most exchanges are near-duplicates."""
    return [{"role": "user" if n % 2 == 0 else "assistant",
             "content": " ".join(WORDS[(n + i) % len(WORDS)] for i in range(10 + (n * 37) % 61))}
            for n in range(size)]


def random_chat(seed: int) -> tuple[list[dict[str, Any]], list[bool]]:
    """A valid history with tool rounds and repeated phrases, and a pin per message (seeded)."""
    rng = random.Random(seed)
    messages: list[dict[str, Any]] = []
    for turn in range(rng.randint(2, 9)):
        messages.append({"role": "user", "content": rng.choice(PHRASES)})
        for call in range(rng.randint(0, 2) if rng.random() < 0.4 else 0):
            use = {"type": "tool_use", "id": f"toolu_{turn}_{call}", "name": "search", "input": {"q": f"q {turn}"}}
            messages.append({"role": "assistant", "content": [use]})
            rows = "\n".join(f"row {n}: value {n * 7}" for n in range(rng.randint(1, 120)))
            messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": use["id"],
                                                          "content": rows}]})
        messages.append({"role": "assistant", "content": rng.choice(REPLIES)})
    if rng.random() < 0.3:
        messages.pop()
    return messages, [rng.random() < 0.1 for _ in messages]


def short_summary(text: str) -> str:
    return "Summary: " + " ".join(text.split()[:12])


def strategies() -> dict[str, Any]:
    from course_lib.pruning import (
        FIFO,
        Deduplicate,
        ImportanceScoring,
        RoleBasedRetention,
        SummarizeAndReplace,
        default_pipeline,
    )

    return {"fifo": FIFO(), "importance": ImportanceScoring(), "filler": ImportanceScoring(threshold=0),
            "per-token": ImportanceScoring(per_token=True), "dedup": Deduplicate(),
            "dedup-0.3": Deduplicate(threshold=0.3), "dedup-0": Deduplicate(threshold=0), "role": RoleBasedRetention(),
            "summarize": SummarizeAndReplace(short_summary), "default": default_pipeline(),
            "default+summary": default_pipeline(short_summary)}


def conversations() -> dict[str, list[Any]]:
    """Every input the fixture covers, by name: message dicts or transcript entries."""
    found: dict[str, list[Any]] = {
        "support": SUPPORT,
        "support pinned 3": [Entry(m, pinned=i == 3) for i, m in enumerate(SUPPORT)],
        "notebook 05": CATALOG_CHAT,
        "notebook 05 pinned 2": [Entry(m, pinned=i == 2) for i, m in enumerate(CATALOG_CHAT)],
        "notebook 07 importance": [Entry(m, importance=3.0 if "ACC" in m["content"] or "go with" in m["content"]
                                         else -1.0 if m["content"].lower().startswith(("hi", "thanks", "hello"))
                                         else 0.0) for m in LAB_CHAT],
        "repetitive 120": repetitive(120),
    }
    for seed in range(30):
        messages, pins = random_chat(seed)
        found[f"random {seed}"] = [Entry(m, pinned=p) for m, p in zip(messages, pins, strict=True)]
    return found


def budgets(items: list[Any]) -> list[int]:
    from course_lib.tokens import estimate_message_tokens

    total = sum(estimate_message_tokens(getattr(item, "message", item)) for item in items)
    return sorted({0, 10, 150, 300, total // 2, total - 1, total})


def snapshot(result: Any, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything a plan says, as JSON: rows with scores and reasons, the result (input positions, or the
    text of an added summary message), the totals."""
    items = [id(m) for m in messages]
    return {"budget": result.budget, "before": result.tokens_before, "after": result.tokens_after,
            "fits": result.fits, "table_head": result.table().splitlines()[0],
            "rows": [[r.index, r.role, r.tokens, r.score.value, list(r.score.reasons), sorted(r.score.tags),
                      r.status, r.strategy, r.reason, r.text] for r in result.rows],
            "result": [items.index(id(m)) if id(m) in items else m["content"] for m in result.apply()]}


def capture() -> dict[str, Any]:
    """Plan every conversation with every strategy at every budget."""
    from course_lib.pruning import plan

    found = {}
    for name, items in conversations().items():
        messages = [getattr(item, "message", item) for item in items]
        for strategy_name, strategy in strategies().items():
            for budget in budgets(items):
                found[f"{name} | {strategy_name} | {budget}"] = snapshot(plan(items, budget, strategy), messages)
    return found


if __name__ == "__main__":
    FIXTURE.parent.mkdir(exist_ok=True)
    with gzip.open(FIXTURE, "wt", encoding="utf-8") as out:
        json.dump(capture(), out, sort_keys=True)
    print(f"wrote {FIXTURE}")
