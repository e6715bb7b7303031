"""Reference solutions of the exercises, borrowed by a notebook's later cells until the learner's own is written.

Introduced in notebook 01_stateless_reality. The notebooks in ``solutions/`` hold the same answers with
their explanations; tests check that both pass the exercise checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..messages import exchange_starts
from ..tokens import content_text, estimate_message_tokens

__all__ = ["REFERENCES"]

Message = Mapping[str, Any]

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SMALL_TALK = re.compile(
    r"(\s*(hi|hello|hey|thanks|thank you|thx|ok|okay|great|cool|perfect|got it|bye|goodbye|you're welcome|"
    r"you are welcome|no problem|how can i help( you)?( today)?|glad to help)( so much| a lot| again| there)?"
    r"[\s!?.,]*)+", re.IGNORECASE)
WORTH_KEEPING = (re.compile(r"\b[A-Z]{2,}-?\d{3,}\b|#\d+"),
                 re.compile(r"\b(let's go with|we decided|decided to|we agreed|agreed|confirmed|go ahead)\b", re.I),
                 re.compile(r"\b(i prefer|i'd rather|please always|please don't|please never)\b", re.I))


def build_request(history: Sequence[Message], new_text: str) -> list[Message]:
    """All of ``history``, then the new user message, in a new list."""
    return [*history, {"role": "user", "content": new_text}]


def sliding_window(messages: Sequence[Message], window_size: int) -> list[Message]:
    """The newest messages (at most ``window_size``) from a safe cut point; at least the newest exchange."""
    starts = exchange_starts(messages)
    if not starts:
        return list(messages)
    safe = [s for s in starts if s >= len(messages) - window_size]
    return list(messages[safe[0] if safe else starts[-1]:])


def history_room(context_window: int, system: int, current_message: int, max_tokens: int) -> int:
    """Tokens left for history; negative when the request cannot fit."""
    return context_window - system - current_message - max_tokens


def token_window(messages: Sequence[Message], budget: int) -> list[Message]:
    """The newest whole exchanges within ``budget`` estimated tokens; at least the newest exchange."""
    starts = exchange_starts(messages)
    if not starts:
        return list(messages)
    cut = starts[-1]
    used = sum(estimate_message_tokens(m) for m in messages[cut:])
    for start in reversed(starts[:-1]):
        cost = sum(estimate_message_tokens(m) for m in messages[start:cut])
        if used + cost > budget:
            break
        used, cut = used + cost, start
    return list(messages[cut:])


def is_small_talk(message: Message) -> bool:
    """True for a message made only of greetings, thanks and pleasantries."""
    return bool(SMALL_TALK.fullmatch(content_text(message["content"]).strip()))


def drop_filler(messages: Sequence[Message]) -> list[Message]:
    """Drop the exchanges made only of small talk; never the newest exchange."""
    starts = exchange_starts(messages)
    if not starts:
        return list(messages)
    kept = list(messages[:starts[0]])
    for start, end in zip(starts, [*starts[1:], len(messages)], strict=True):
        exchange = messages[start:end]
        if end == len(messages) or not all(is_small_talk(m) for m in exchange):
            kept.extend(exchange)
    return kept


def importance(message: Message) -> float:
    """3 per kind of fact (id, decision, preference); below 0 for small talk; else 0."""
    text = content_text(message["content"])
    score = 3.0 * sum(bool(pattern.search(text)) for pattern in WORTH_KEEPING)
    return -2.0 if score == 0 and is_small_talk(message) else score


def turn_tokens(manager: Any) -> list[int]:
    """Input tokens of each turn's request, cache reads and writes included, summaries left out."""
    return [row["input_tokens"] + row["cache_creation_input_tokens"] + row["cache_read_input_tokens"]
            for row in manager.usage_log if row["kind"] != "summary"]


def safe_session_path(directory: Path | str, session_id: str) -> Path:
    """``directory/<session_id>.json``, or ValueError for an id that could leave the directory."""
    if not isinstance(session_id, str) or not SAFE_ID.fullmatch(session_id) or ".." in session_id:
        raise ValueError(f"unsafe session id {session_id!r:.60}: use letters, digits, '.', '_' and '-'")
    base = Path(directory)
    path = base / f"{session_id}.json"
    if path.resolve().parent != base.resolve():
        raise ValueError(f"session id {session_id!r} leads outside {base}")
    return path


REFERENCES: dict[str, Callable[..., Any]] = {fn.__name__: fn for fn in (
    build_request, sliding_window, history_room, token_window, drop_filler, importance, turn_tokens,
    safe_session_path)}
