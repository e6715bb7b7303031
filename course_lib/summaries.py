"""Summaries, in one place: the prompt, the heading, the acknowledgement, and the summarizer call.

Introduced in notebook 06_production_manager (the summarizing managers); 05_pruning's
``SummarizeAndReplace`` builds the same kind of synthetic pair.

A summary enters a conversation as a synthetic pair: a user message that carries it (a heading,
then the text) and a short assistant acknowledgement, so the view still alternates and the real
turns that follow start with a user question. Managers and pruning share these texts so a
summary looks the same whichever of them made it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .messages import Message, blocks, reply_text
from .tokens import content_text, estimate_tokens

__all__ = ["SUMMARIZER_SYSTEM", "SUMMARY_ACK", "SUMMARY_INSTRUCTION", "SUMMARY_MARKER",
           "clip_to_tokens", "message_as_text", "strip_summary_label", "summary_from_reply", "summary_heading",
           "summary_pair", "summary_prompt"]

SUMMARIZER_SYSTEM = ("You compress conversations so that another model can continue them. Reply with the "
                     "summary only: facts, decisions, preferences and tool results; no greetings.")
"""The summarizer's system prompt: it also tells the request apart from a conversation turn."""

SUMMARY_ACK = "Thanks, I will use that summary of our earlier conversation."
"""The assistant half of the synthetic summary pair (the one acknowledgement text of the kit)."""

SUMMARY_MARKER = "[Summary of the earlier conversation]"
"""First line of the synthetic user message that replaces pruned exchanges (05_pruning)."""

SUMMARY_INSTRUCTION = ("Summarize the conversation below. Keep every name, number, id, decision and preference "
                       "exactly as written; leave out greetings and small talk.")
"""The one-shot instruction a pruning summarizer sends before the text (05_pruning)."""

_SUMMARY_LABEL = re.compile(r"^\s*(?:here(?:'s| is) )?(?:an? |the )?(?:updated |new )?summary\b[^:\n]{0,60}:\s*",
                            re.IGNORECASE)


def strip_summary_label(text: str) -> str:
    """Drop a leading "Summary ...:" label from a summarizer's reply.

    Introduced in notebook 06_production_manager. Whoever shows the summary adds its own heading;
    without this, headings double up and nest a little deeper with every chained summary.
    """
    return _SUMMARY_LABEL.sub("", text).strip()


def summary_heading(upto: int) -> str:
    """The line above a manager's summary: which messages it covers, and that details may be lost.

    Introduced in notebook 06_production_manager.
    """
    return f"Summary of our earlier conversation (messages 1-{upto}; details may be lost):"


def summary_pair(heading: str, summary: str) -> list[Message]:
    """The synthetic user/assistant pair that carries a summary into a view.

    Introduced in notebook 06_production_manager.
    """
    return [{"role": "user", "content": f"{heading}\n{summary}"}, {"role": "assistant", "content": SUMMARY_ACK}]


def summary_prompt(messages: Sequence[Mapping[str, Any]], *, words: int, previous: str | None,
                   per_message_tokens: int) -> str:
    """The summarizer's prompt: instructions on the first line, then the material line by line.

    Introduced in notebook 06_production_manager. A previous summary is folded in (summaries
    chain instead of growing by concatenation); each message is cut to ``per_message_tokens`` so
    one huge tool result cannot crowd out the rest.
    """
    so_far = " The next line is the summary so far; fold the newer lines into it." if previous else ""
    lines = [f"Summarize the conversation below in at most {words} words, keeping facts, decisions, preferences "
             f"and tool results and skipping greetings and filler.{so_far}"]
    if previous:
        lines.append(previous)
    lines += [f"{m['role']}: {clip_to_tokens(message_as_text(m), per_message_tokens)}" for m in messages]
    return "\n".join(lines)


def summary_from_reply(response: Any, max_tokens: int) -> str:
    """The summary in a summarizer's reply: its text, without a label, cut to ``max_tokens`` tokens.

    Introduced in notebook 06_production_manager. The cut is for a model that writes past what was
    asked: the summary is sent with every later request, so its size must stay bounded.
    """
    return clip_to_tokens(strip_summary_label(reply_text(response)), max_tokens)


def message_as_text(message: Mapping[str, Any]) -> str:
    """A message as one line of text for a summarizer; tool calls and results written out.

    Introduced in notebook 06_production_manager.
    """
    parts = []
    for block in blocks(message):
        kind = block.get("type")
        if kind == "tool_use":
            parts.append(f"[called tool {block.get('name')} with {json.dumps(block.get('input', {}), sort_keys=True)}]")
        elif kind == "tool_result":
            parts.append(f"[tool result: {content_text(block.get('content') or '')}]")
        else:
            parts.append(content_text([block]))
    return " ".join(" ".join(parts).split())


def clip_to_tokens(text: str, max_tokens: int) -> str:
    """``text`` cut at a word boundary to at most ``max_tokens`` estimated tokens, marked with an ellipsis.

    Introduced in notebook 06_production_manager.
    """
    if estimate_tokens(text) <= max_tokens:
        return text
    kept, used = [], 1  # the ellipsis costs one token
    for word in text.split():
        cost = estimate_tokens(word)  # words are separated by spaces, so their costs simply add up
        if used + cost > max_tokens:
            break
        kept.append(word)
        used += cost
    return " ".join([*kept, "\u2026"])
