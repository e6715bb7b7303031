"""Today's API rules in the simulator: no prefill, thinking blocks, server-side context management (beta)."""

import anthropic
import pytest

from course_lib import DEFAULT_MODEL, make_client
from course_lib.runtime.sim import summarize
from course_lib.runtime.sim.context_management import CLEARED_PLACEHOLDER
from course_lib.runtime.sim.rules import NO_PREFILL, PREFILL_MODELS
from course_lib.runtime.sim.thinking import ADAPTIVE_WHEN_OMITTED

QUESTION = {"role": "user", "content": "What is my order number?"}
ORDER = {"role": "user", "content": "My order number is QX-55810, placed on 3 March."}
OK = {"role": "assistant", "content": "Noted."}
CM_BETA = "context-management-2025-06-27"
COMPACT_BETA = "compact-2026-01-12"


@pytest.fixture
def client():
    return make_client("simulated")


def create(client, messages, model=DEFAULT_MODEL, max_tokens=400, **extra):
    return client.messages.create(model=model, max_tokens=max_tokens, messages=messages, **extra)


def text_of(reply) -> str:
    return "".join(block.text for block in reply.content if block.type == "text")


# -- prefill --------------------------------------------------------------------------------------

@pytest.mark.parametrize("final", ["The order number is", "", [{"type": "text", "text": "Sure"}]])
def test_final_assistant_turn_is_refused_for_the_default_model(client, final):
    with pytest.raises(anthropic.BadRequestError) as caught:
        create(client, [ORDER, {"role": "assistant", "content": final}])
    assert caught.value.status_code == 400 and NO_PREFILL in str(caught.value)
    assert caught.value.body["error"]["type"] == "invalid_request_error"


def test_every_model_from_4_6_on_refuses_prefill(client):
    for model in ["claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-5", "claude-haiku-5-5", DEFAULT_MODEL]:
        with pytest.raises(anthropic.BadRequestError, match="does not support assistant message prefill"):
            create(client, [ORDER, {"role": "assistant", "content": "It is"}], model=model)


def test_only_the_4_5_generation_still_takes_prefill(client):
    assert DEFAULT_MODEL not in PREFILL_MODELS and all("4-5" in m for m in PREFILL_MODELS)
    reply = create(client, [ORDER, {"role": "assistant", "content": "It is"}], model="claude-haiku-4-5")
    assert reply.stop_reason in ("end_turn", "max_tokens")
    with pytest.raises(anthropic.BadRequestError, match="trailing whitespace"):
        create(client, [ORDER, {"role": "assistant", "content": "It is "}], model="claude-haiku-4-5")


def test_empty_final_user_turn_is_refused(client):
    with pytest.raises(anthropic.BadRequestError, match="non-empty content"):
        create(client, [ORDER, OK, {"role": "user", "content": ""}])


# -- thinking -------------------------------------------------------------------------------------

def test_adaptive_thinking_puts_a_signed_thinking_block_before_the_text(client):
    plain = create(client, [ORDER, OK, QUESTION])
    thought = create(client, [ORDER, OK, QUESTION], thinking={"type": "adaptive"})
    assert [b.type for b in plain.content] == ["text"]
    assert [b.type for b in thought.content] == ["thinking", "text"]
    assert isinstance(thought.content[0], anthropic.types.ThinkingBlock)
    assert thought.content[0].signature and thought.content[0].thinking
    assert text_of(thought) == text_of(plain)
    assert thought.usage.output_tokens > plain.usage.output_tokens  # thinking is billed as output


def test_thinking_counts_against_max_tokens(client):
    reply = create(client, [ORDER, OK, QUESTION], max_tokens=1100,
                   thinking={"type": "enabled", "budget_tokens": 1024})
    assert reply.usage.output_tokens <= 1100
    tight = create(client, [ORDER, OK, QUESTION], max_tokens=20, thinking={"type": "adaptive"})
    assert tight.stop_reason == "max_tokens" and tight.usage.output_tokens <= 20
    assert tight.content[0].type == "thinking"  # thinking comes first and eats the budget
    spent = create(client, [ORDER, OK, QUESTION], max_tokens=8, thinking={"type": "adaptive"})
    assert [b.type for b in spent.content] == ["thinking"] and spent.usage.output_tokens <= 8


@pytest.mark.parametrize("thinking, fragment", [
    ({"type": "enabled", "budget_tokens": 100}, "greater than or equal to 1024"),
    ({"type": "enabled", "budget_tokens": 2000}, "`max_tokens` must be greater than `thinking.budget_tokens`"),
    ({"type": "pondering"}, "does not match any of the expected tags"),
])
def test_bad_thinking_settings_are_400(client, thinking, fragment):
    with pytest.raises(anthropic.BadRequestError, match=fragment):
        create(client, [QUESTION], max_tokens=1500, thinking=thinking)


def test_default_thinking_depends_on_the_model(client):
    assert DEFAULT_MODEL not in ADAPTIVE_WHEN_OMITTED
    thinker = "claude-mythos-5"
    assert thinker in ADAPTIVE_WHEN_OMITTED
    assert create(client, [QUESTION], model=thinker).content[0].type == "thinking"
    assert create(client, [QUESTION], model=thinker, thinking={"type": "disabled"}).content[0].type == "text"


def test_thinking_blocks_sent_back_in_history_are_accepted(client):
    first = create(client, [ORDER, OK, QUESTION], thinking={"type": "adaptive"})
    history = [ORDER, OK, QUESTION, {"role": "assistant", "content": [b.model_dump() for b in first.content]},
               {"role": "user", "content": "And when was it placed?"}]
    reply = create(client, history, thinking={"type": "adaptive"})
    assert reply.content[-1].type == "text"
    unsigned_turn = [{"type": "thinking", "thinking": "hm"}, {"type": "text", "text": "ok"}]
    unsigned = [ORDER, {"role": "assistant", "content": unsigned_turn}, QUESTION]
    with pytest.raises(anthropic.BadRequestError, match="signature"):
        create(client, unsigned)


def test_omitted_display_bills_thinking_but_shows_none(client):
    reply = create(client, [QUESTION], thinking={"type": "adaptive", "display": "omitted"})
    assert reply.content[0].thinking == "" and reply.content[0].signature
    assert reply.usage.output_tokens > create(client, [QUESTION]).usage.output_tokens


# -- server-side context management (beta) --------------------------------------------------------

def tool_conversation(rounds: int) -> list[dict]:
    """A user asks, the assistant calls lookup, the tool returns a long result; ``rounds`` times, then a question."""
    messages = []
    for n in range(rounds):
        messages += [
            {"role": "user", "content": f"Please look up record {n} with lookup."},
            {"role": "assistant", "content": [{"type": "tool_use", "id": f"toolu_{n}", "name": "lookup",
                                               "input": {"query": f"record {n}"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{n}",
                                          "content": f"Record {n} is a long report. " + "Details follow. " * 80}]},
            {"role": "assistant", "content": f"Record {n} is ready."},
        ]
    return messages + [{"role": "user", "content": "Thanks. What should I do next?"}]


def beta_create(client, messages, edits, betas, **extra):
    return client.beta.messages.create(model=DEFAULT_MODEL, max_tokens=300, messages=messages, betas=betas,
                                       context_management={"edits": edits}, **extra)


def test_clear_tool_uses_replaces_old_results_and_reports_the_edit(client):
    messages = tool_conversation(5)
    edit = {"type": "clear_tool_uses_20250919", "trigger": {"type": "input_tokens", "value": 500},
            "keep": {"type": "tool_uses", "value": 2}}
    plain = client.messages.count_tokens(model=DEFAULT_MODEL, messages=messages).input_tokens
    reply = beta_create(client, messages, [edit], [CM_BETA])
    applied = reply.context_management.applied_edits
    assert len(applied) == 1 and applied[0].type == "clear_tool_uses_20250919"
    assert applied[0].cleared_tool_uses == 3 and applied[0].cleared_input_tokens > 0
    assert reply.usage.input_tokens == plain - applied[0].cleared_input_tokens
    counted = client.beta.messages.count_tokens(model=DEFAULT_MODEL, messages=messages, betas=[CM_BETA],
                                                context_management={"edits": [edit]})
    assert counted.input_tokens == reply.usage.input_tokens
    assert counted.context_management.original_input_tokens == plain


def test_clear_tool_uses_waits_for_its_trigger_and_honours_exclusions(client):
    messages = tool_conversation(5)
    quiet = beta_create(client, messages, [{"type": "clear_tool_uses_20250919"}], [CM_BETA])
    assert quiet.context_management.applied_edits == []  # default trigger: 100,000 input tokens
    kept = beta_create(client, messages, [{"type": "clear_tool_uses_20250919", "exclude_tools": ["lookup"],
                                           "trigger": {"type": "input_tokens", "value": 100}}], [CM_BETA])
    assert kept.context_management.applied_edits == []
    too_little = {"type": "clear_tool_uses_20250919", "trigger": {"type": "tool_uses", "value": 2},
                  "clear_at_least": {"type": "input_tokens", "value": 10**6}}
    assert beta_create(client, messages, [too_little], [CM_BETA]).context_management.applied_edits == []


def test_cleared_results_are_gone_from_what_the_model_reads():
    client = make_client("simulated")
    simulator_messages = tool_conversation(3)
    simulator_messages[-1] = {"role": "user", "content": "What is record 0?"}
    edit = {"type": "clear_tool_uses_20250919", "trigger": {"type": "input_tokens", "value": 100},
            "keep": {"type": "tool_uses", "value": 1}}
    reply = beta_create(client, simulator_messages, [edit], [CM_BETA])
    assert "long report" not in text_of(reply)
    assert CLEARED_PLACEHOLDER.startswith("[")


def test_context_management_needs_its_beta_header(client):
    with pytest.raises(anthropic.BadRequestError, match=CM_BETA):
        beta_create(client, tool_conversation(1), [{"type": "clear_tool_uses_20250919"}], [COMPACT_BETA])
    with pytest.raises(anthropic.BadRequestError, match="does not match any of the expected tags"):
        beta_create(client, tool_conversation(1), [{"type": "forget_everything"}], [CM_BETA])


def long_chat(turns: int) -> list[dict]:
    messages = []
    for n in range(turns):
        messages += [{"role": "user", "content": f"Fact {n}: the project codename is Heron and the budget is "
                                                 f"fixed. We decided to ship in the spring, milestone {n}."},
                     {"role": "assistant", "content": f"Noted milestone {n}."}]
    return messages + [{"role": "user", "content": "What is the project codename?"}]


def test_compaction_replaces_earlier_turns_with_the_simulators_summary(client):
    messages = long_chat(12)
    edit = {"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": 300}}
    full = client.messages.count_tokens(model=DEFAULT_MODEL, messages=messages).input_tokens
    reply = beta_create(client, messages, [edit], [COMPACT_BETA])
    assert [b.type for b in reply.content] == ["compaction", "text"]
    block = reply.content[0]
    material = "\n".join(f"{m['role']}: {m['content']}" for m in messages[:-1])
    assert block.content == summarize(material)
    assert reply.usage.input_tokens < full
    assert reply.context_management.applied_edits == []  # compaction shows as a block, not an applied edit
    summarizing, answering = reply.usage.iterations
    assert summarizing.type == "compaction" and summarizing.input_tokens == full
    assert answering.type == "message" and answering.input_tokens == reply.usage.input_tokens
    # Sent back, the block stands for everything before it.
    follow_up = [*messages, {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in reply.content]},
                 {"role": "user", "content": "And what did we decide?"}]
    later = beta_create(client, follow_up, [{"type": "compact_20260112"}], [COMPACT_BETA])
    assert later.usage.input_tokens < full and later.content[0].type == "text"


def test_compaction_waits_for_its_trigger_and_can_pause(client):
    messages = long_chat(3)
    quiet = beta_create(client, messages, [{"type": "compact_20260112"}], [COMPACT_BETA])
    assert [b.type for b in quiet.content] == ["text"]
    paused = beta_create(client, messages, [{"type": "compact_20260112", "pause_after_compaction": True,
                                             "trigger": {"type": "input_tokens", "value": 50}}], [COMPACT_BETA])
    assert paused.stop_reason == "compaction" and [b.type for b in paused.content] == ["compaction"]
