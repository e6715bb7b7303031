"""Extended thinking in the simulator: a thinking block before the text, paid for out of ``max_tokens``.

Introduced in notebook 08_beyond_the_module. A request's ``thinking`` is ``{"type": "adaptive"}``,
``{"type": "enabled", "budget_tokens": N}`` or ``{"type": "disabled"}``. When it is omitted the
simulator's default depends on the model (:data:`ADAPTIVE_WHEN_OMITTED`): real models differ here,
which is exactly why reply text must be read by block type, never by position.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ...tokens import estimate_tokens
from .rules import RequestRejected

__all__ = ["ADAPTIVE_WHEN_OMITTED", "MIN_BUDGET_TOKENS", "thinking_block", "thinking_config"]

ADAPTIVE_WHEN_OMITTED = frozenset({"claude-mythos-preview", "claude-mythos-5", "claude-fable-5"})
"""Models the simulator lets think adaptively when a request omits ``thinking``; all others then do not think.

Claude Mythos Preview is documented to think adaptively when ``thinking`` is omitted, and Mythos 5
and Fable 5 accept adaptive thinking only. Every other id in the SDK's list, the course's default
included, does not think in the simulator unless the request asks, so recorded lessons stay comparable.
"""

MIN_BUDGET_TOKENS = 1024
ADAPTIVE_THOUGHT_LIMIT = 120  # adaptive thinking spends what the question needs; a simulated question needs little


def thinking_config(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The request's thinking setting, validated; ``None`` when this request does not think."""
    config = body.get("thinking")
    if config is None:
        return {"type": "adaptive"} if body.get("model") in ADAPTIVE_WHEN_OMITTED else None
    kind = config.get("type") if isinstance(config, Mapping) else None
    if kind == "disabled":
        return None
    if kind == "adaptive":
        return dict(config)
    if kind != "enabled":
        raise RequestRejected(f"thinking.type: Input tag {kind!r} found using 'type' does not match any of the "
                              "expected tags: 'adaptive', 'disabled', 'enabled'")
    budget = config.get("budget_tokens")
    if not isinstance(budget, int) or budget < MIN_BUDGET_TOKENS:
        raise RequestRejected(f"thinking.enabled.budget_tokens: Input should be greater than or equal to "
                              f"{MIN_BUDGET_TOKENS}")
    if budget >= int(body.get("max_tokens", 0)):
        raise RequestRejected("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
                              "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking")
    return dict(config)


def thinking_block(config: Mapping[str, Any], question: str, sources: int,
                   max_tokens: int) -> tuple[dict[str, Any], int]:
    """A deterministic thinking block for ``question`` and the tokens it costs (never over ``max_tokens``)."""
    limit = min(max_tokens, config.get("budget_tokens", ADAPTIVE_THOUGHT_LIMIT))
    thought = (f"The user asks: {question.strip()!r}. I have {sources} earlier message(s) and the system prompt "
               "to work from. I will answer only from what they contain, quote it where I can, and say plainly "
               "when the answer is not there.")
    words, kept = thought.split(), []
    for word in words:
        if estimate_tokens(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    thought = " ".join(kept)
    tokens = estimate_tokens(thought)
    signature = hashlib.sha256(f"simulated-thinking:{thought}".encode()).hexdigest()
    shown = "" if config.get("display") == "omitted" else thought  # omitted: billed, signed, not shown
    return {"type": "thinking", "thinking": shown, "signature": signature}, tokens
