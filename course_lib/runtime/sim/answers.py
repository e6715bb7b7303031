"""Routing a request to its reply: tool calls and results, summaries, answers; cutting at max_tokens."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...tokens import content_text, estimate_tokens, system_text
from .replies import reply_to
from .rules import blocks_of
from .summaries import summarize
from .tools import answer_from_tool, call_tools

__all__ = ["fit_output", "is_summary_request", "respond"]


def fit_output(content: list[dict[str, Any]], stop_reason: str, max_tokens: int):
    """Cut a text reply at ``max_tokens`` the way the API does (stop_reason ``max_tokens``)."""
    text_blocks = [b for b in content if b["type"] == "text"]
    tokens = sum(estimate_tokens(b["text"]) for b in text_blocks)
    tokens += sum(estimate_tokens(json.dumps(b["input"])) + 3 for b in content if b["type"] == "tool_use")
    if tokens <= max_tokens or not text_blocks:
        return content, stop_reason, tokens
    words, kept = text_blocks[0]["text"].split(), []
    for word in words:
        if estimate_tokens(" ".join([*kept, word])) > max_tokens:
            break
        kept.append(word)
    text = " ".join(kept) or words[0][:4]
    return [{"type": "text", "text": text}], "max_tokens", estimate_tokens(text)


def respond(body: Mapping[str, Any], messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """The reply's content blocks and stop reason."""
    last = messages[-1]
    results = [b for b in blocks_of(last) if b.get("type") == "tool_result"]
    texts = [b for b in blocks_of(last) if b.get("type") == "text"]
    question = content_text(texts[-1:]).strip()  # earlier blocks of a combined turn are context
    if last["role"] == "user" and results:
        return answer_from_tool(body, messages, results)
    if last["role"] == "user" and is_summary_request(question):
        material = [question.split("\n", 1)[1] if "\n" in question else ""]
        material += [content_text(m["content"]) for m in messages[:-1]]
        return [{"type": "text", "text": summarize("\n".join(material))}], "end_turn"
    if last["role"] == "user" and (called := call_tools(body, messages, question)):
        return called
    system = system_text(body.get("system"))
    sent = [content_text(m["content"]) for m in messages[:-1] if m["role"] == "user"] + [content_text(texts[:-1])]
    return [{"type": "text", "text": reply_to(question, system, sent)}], "end_turn"


def is_summary_request(text: str) -> bool:
    """True when the first line asks for a summary, as every summarizer prompt in the kit does."""
    first_line = text.split("\n", 1)[0].lower()
    return "summarize" in first_line or "summarise" in first_line or "summary of" in first_line
