"""Composing replies: answers quoted from the request, recaps, acknowledgements, tool answers."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from ...tokens import content_text, estimate_tokens, system_text
from .language import content_words, sentences, stem
from .rules import blocks_of
from .summaries import summarize

PERSONAL_WORDS = frozenset("my mine our we us earlier before previous previously said told".split())
GENERAL_ANSWERS = {  # most specific topics first: "sort a list" is about sorting, not lists
    "comprehension": "A list comprehension builds a list in one expression: [x * 2 for x in xs if x > 0].",
    "sort": "Use sorted(items) for a new sorted list, or items.sort() to sort a list in place.",
    "dictionary": "A dict maps keys to values and looks them up by key; a list is indexed by position.",
    "tuple": "A tuple is an immutable sequence; use it for fixed records and as dictionary keys.",
    "set": "A set is an unordered collection of unique items, good for membership tests.",
    "inheritance": "Inheritance lets a class reuse and extend another class's attributes and methods.",
    "class": "A class bundles data and the methods that act on it; instances are made by calling it.",
    "function": "A function is a named, reusable block of code defined with def.",
    "loop": "A for loop runs its body once per item of an iterable; while repeats until a test fails.",
    "variable": "A variable is a name bound to a value, created by assignment: x = 42.",
    "list": "A Python list is an ordered, mutable sequence, written with square brackets: [1, 2, 3].",
}


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
        return [{"type": "text", "text": answer_from_tool(messages, results)}], "end_turn"
    if last["role"] == "user" and is_summary_request(question):
        material = [question.split("\n", 1)[1] if "\n" in question else ""]
        material += [content_text(m["content"]) for m in messages[:-1]]
        return [{"type": "text", "text": summarize("\n".join(material))}], "end_turn"
    tool = wanted_tool(body.get("tools") or [], question)
    if tool is not None and last["role"] == "user":
        digest = hashlib.sha256(question.encode()).hexdigest()[:16]
        call = {"type": "tool_use", "id": f"toolu_sim_{digest}", "name": tool, "input": {"query": question}}
        return [{"type": "text", "text": f"Let me look that up with {tool}."}, call], "tool_use"
    earlier = [content_text(m["content"]) for m in messages[:-1]] + [content_text(texts[:-1])]
    context = system_text(body.get("system")) + "\n" + "\n".join(earlier)
    return [{"type": "text", "text": reply_to(question, context)}], "end_turn"


def is_summary_request(text: str) -> bool:
    first_line = text.split("\n", 1)[0].lower()
    return "summarize" in first_line or "summarise" in first_line or "summary of" in first_line


def wanted_tool(tools: list[Mapping[str, Any]], question: str) -> str | None:
    """The first tool the user names (by name, or with spaces for underscores)."""
    lowered = question.lower()
    for tool in tools:
        name = str(tool.get("name", ""))
        if name and (name.lower() in lowered or name.lower().replace("_", " ") in lowered):
            return name
    return None


OWN_PREFIXES = ("From what you sent me:", "Noted:", "(simulated answer)")


def unquoted(sentence: str) -> str:
    """A sentence without the simulator's own framing, so its echoes count as what they quote."""
    for prefix in OWN_PREFIXES:
        if sentence.startswith(prefix):
            sentence = sentence[len(prefix):]
    return sentence.strip().strip('"').strip()


def best_matches(question: str, context: str, limit: int = 2) -> list[str]:
    """Distinct context sentences that cover enough of the question's content words, best first."""
    wanted = content_words(question)
    if not wanted:
        return []
    needed = max(1, math.ceil(len(wanted) * 2 / 3))
    scored: dict[str, tuple[int, int]] = {}
    for order, sentence in enumerate(sentences(context)):
        sentence = unquoted(sentence)
        if not sentence or sentence.endswith("?") or sentence in scored:
            continue  # a question is not an answer; an echo of a sentence is that sentence
        shared = len(wanted & content_words(sentence))
        if shared >= needed:
            scored[sentence] = (-shared, -order)
    return sorted(scored, key=scored.__getitem__)[:limit]


RECAP = re.compile(r"\b(what did we (discuss|talk about|cover)|where were we|what have we (discussed|covered))\b")


def reply_to(question: str, context: str) -> str:
    lowered = question.lower()
    if RECAP.search(lowered):
        return recap(context)
    if not question.rstrip().endswith("?") and not lowered.startswith(("what", "who", "which", "when")):
        return acknowledge(question)
    found = best_matches(question, context)
    if found:
        return "From what you sent me: " + " ".join(f'"{s}"' for s in found)
    words = set(re.findall(r"[a-z]+", lowered))
    if words & PERSONAL_WORDS:
        return "I don't have that information in this conversation."
    return general_answer(question)


def recap(context: str) -> str:
    topics = [s for s in sentences(context) if not s.startswith(("From what you sent me", "Noted", "(simulated"))]
    if not topics:
        return "I don't have any earlier conversation in what you sent me."
    shown = "; ".join(t.rstrip(".?!") for t in topics[:5])
    return f"From what you sent me, we covered: {shown}."


def acknowledge(statement: str) -> str:
    words = statement.split()
    gist = " ".join(words[:25]) + (" ..." if len(words) > 25 else "")
    return f"Noted: {gist}"


def general_answer(question: str) -> str:
    words = {stem(w) for w in re.findall(r"[A-Za-z]+", question)}
    for topic, answer in GENERAL_ANSWERS.items():
        if topic in words:
            return f"(simulated answer) {answer}"
    topic = " ".join(sorted(content_words(question))[:4]) or "that"
    return f"(simulated answer) The offline simulator has no general knowledge of {topic}; it only quotes " \
           "what the conversation contains."


def answer_from_tool(messages: list[dict[str, Any]], results: list[dict[str, Any]]) -> str:
    """Answer the question that triggered the tool call from the tool's output."""
    output = content_text(results)
    asked = next((content_text(m["content"]) for m in reversed(messages[:-1])
                  if m["role"] == "user" and not any(b.get("type") == "tool_result" for b in blocks_of(m))), "")
    found = best_matches(asked, output, limit=1)
    return f"The tool returned: {found[0] if found else sentences(output)[0] if sentences(output) else 'nothing'}"
