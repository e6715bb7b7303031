"""Exchanges: the unit every window, summary and pruning step cuts by, defined once.

Introduced in notebook 02_history_strategies; 05_pruning builds on it.

An exchange is one user question and everything that answers it: the assistant's reply and any
``tool_use`` / ``tool_result`` rounds in between. It starts at a user turn that holds no
``tool_result`` block. A user turn ``[tool_result, text]`` is valid for the API (the result, then
a remark) and still answers the previous ``tool_use``, so it continues the exchange: starting a new
exchange there would let a window cut between the call and its result, which the API rejects.

Cutting a history only where an exchange starts can never leave it opening with an assistant turn
or a tool result, nor split a tool call from its result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .messages import blocks

__all__ = ["exchange_spans", "exchange_starts", "starts_exchange"]


def starts_exchange(message: Mapping[str, Any]) -> bool:
    """True for a user turn with no ``tool_result`` block: a new question, not an answer to a tool call.

    Introduced in notebook 02_history_strategies.
    """
    if message.get("role") != "user":
        return False
    content = message.get("content")
    return isinstance(content, str) or not any(b.get("type") == "tool_result" for b in blocks(message))


def exchange_starts(messages: Sequence[Mapping[str, Any]]) -> list[int]:
    """Indices where whole exchanges begin: the only safe places to cut a history.

    Introduced in notebook 02_history_strategies.
    """
    return [i for i, m in enumerate(messages) if starts_exchange(m)]


def exchange_spans(messages: Sequence[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """``(start, end)`` of every exchange, oldest first; ``messages[start:end]`` is one exchange.

    Introduced in notebook 05_pruning. Messages before the first exchange start (a history that
    opens mid-exchange) belong to no span.
    """
    starts = exchange_starts(messages)
    return list(zip(starts, [*starts[1:], len(messages)], strict=True))
