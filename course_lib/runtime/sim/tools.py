"""Tool use as clients drive it: whether the reply calls a tool, which one, with what input, and the answer.

Introduced in notebook 07_beyond_the_module (a ``tool_use`` must be answered by its ``tool_result``);
the SDK's tool runner and LangChain's ``bind_tools`` drive the same loop. The rules, all deterministic:

* ``tool_choice`` as the API defines it: ``auto`` (the default) calls a tool only when it is the
  obvious next step; ``any`` must call some tool and ``tool`` must call the named one (both with no
  text before the call: the API prefills the turn so the call comes first); ``none`` never calls one.
  ``disable_parallel_tool_use`` keeps at most one call; without it a request that asks two things,
  each a tool's job ("the weather in Paris and the time in Tokyo"), gets two calls.
* Obvious next step: the user names the tool; or the last user turn is a question or a request
  whose words mean what the tool's name does (WordLlama vectors, :mod:`course_lib.embeddings`, so
  "rain" finds ``get_weather``), that the conversation does not already answer, and whose required
  specific inputs (a city, an id, a number) the conversation supplies. A real model asks the user
  for a missing city rather than guessing one; so does this one, in ``auto``.
* Input: each required property of ``input_schema`` (and an optional one the user spelt out, such
  as an enum value) is filled from the conversation by :mod:`.tool_inputs`: a place for
  ``location``, an id for ``order_id``, a number for an integer. It validates against the schema.
* After a ``tool_result``, the reply answers in a sentence from the result's line that best matches
  the question that led to the call; an ``is_error`` result is reported as the tool's error.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...tokens import content_text
from .language import STOPWORDS, sentences, stem, words
from .rules import blocks_of
from .tool_inputs import ID, fill_input, inline_refs, meaning_words, needs_specific_input

__all__ = ["answer_from_tool", "call_tools", "tool_choice_of"]

KEYWORD_MATCH = 0.3
"""A question word at least this close to a word of the tool's name is a cue (cosine; 1.0 for the same
stem): about where words used alike begin (:func:`course_lib.embeddings.cosine`): "snow" and "outside"
are about 0.4 from "weather", "sunny" 0.34, "umbrella" 0.24."""
FREE_TEXT_MATCH = 0.45
"""How close a question must be to a tool that takes only free text, unless it asks with the tool's verb."""

QUESTION_START = frozenset("""what what's whats which who who's whom whose when when's where where's why how how's
    hows is are was were am do does did can could would should will shall may might has have had""".split())
REQUEST_WORDS = frozenset("""please check look lookup find get fetch show tell give search run open grep use list
    send book convert calculate compute translate set add create remind schedule cancel update delete""".split())
_CLAUSES = re.compile(r"\?\s+|;\s*|(?<=[.!])\s+|,?\s+\band\b\s+(?=(?:also\s+)?(?:what|which|who|when|where|how|is|"
                      r"are|can|could|will|do|does|tell|check|get|find|look|show|in|for|at)\b)", re.IGNORECASE)


def tool_choice_of(body: Mapping[str, Any]) -> tuple[str, str | None, bool]:
    """(type, forced tool name, parallel allowed) from the request's ``tool_choice`` (default ``auto``)."""
    choice = body.get("tool_choice") or {"type": "auto"}
    return choice.get("type", "auto"), choice.get("name"), not choice.get("disable_parallel_tool_use", False)


# -- calling a tool ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """A tool to call, and the part of the message it answers (whose values fill its input first)."""

    tool: Mapping[str, Any]
    clause: str


def call_tools(body: Mapping[str, Any], messages: list[dict[str, Any]], question: str):
    """The reply's (content, "tool_use") when it calls tools, or None when it answers in text."""
    tools = [{**t, "input_schema": inline_refs(t["input_schema"])} for t in body.get("tools") or []
             if isinstance(t.get("input_schema"), Mapping)]
    kind, forced_name, parallel = tool_choice_of(body)
    if not tools or kind == "none":
        return None
    context = conversation_texts(body, messages, question)
    calls = obvious_calls(tools, question, context)
    if kind == "tool":
        named = next(t for t in tools if t.get("name") == forced_name)
        calls = [c for c in calls if c.tool is named] or [Call(named, question)]
    elif kind == "any" and not calls:
        calls = [Call(max(tools, key=lambda t: relevance(question, t)), question)]
    if not calls:
        return ask_for_input(tools, question, context) if kind == "auto" else None
    calls = calls if parallel else calls[:1]
    blocks = [tool_use(c, context, len(messages), i) for i, c in enumerate(calls)]
    names = list(dict.fromkeys(b["name"] for b in blocks))
    preface = [{"type": "text", "text": f"Let me look that up with {' and '.join(names)}."}]
    return (preface if kind == "auto" else []) + blocks, "tool_use"


def tool_use(call: Call, context: list[str], turn: int, index: int) -> dict[str, Any]:
    """The block for one call; its id is unique within the conversation and the same on a rerun."""
    tool = call.tool
    values = fill_input(tool["input_schema"], [call.clause, *context], best_effort=True)
    digest = hashlib.sha256(json.dumps([call.clause, tool["name"], turn, index]).encode()).hexdigest()[:16]
    return {"type": "tool_use", "id": f"toolu_sim_{digest}", "name": tool["name"], "input": values}


def obvious_calls(tools: list[Mapping[str, Any]], question: str, context: list[str]) -> list[Call]:
    """The calls a careful assistant would make without being told to: one per clause that needs a tool."""
    named = [t for t in tools if names_tool(question, t)]
    if named:
        return [Call(t, question) for t in named]
    if not is_request(question) or answered_by_conversation(question, context[1:]):
        return []
    calls: list[Call] = []
    for clause in clauses(question):
        tool = next((t for t in sorted(tools, key=lambda t: -relevance(clause, t)) if matches(clause, t)), None)
        if tool is None and calls and supplies_specific_input(calls[-1].tool, [clause]):
            tool = calls[-1].tool  # "the weather in Paris and in Oslo": the same job again
        if tool is not None and supplies_specific_input(tool, [clause, *context]):
            calls.append(Call(tool, clause))
    if not calls and matches(question, best := max(tools, key=lambda t: relevance(question, t))) \
            and supplies_specific_input(best, [question, *context]):
        calls.append(Call(best, question))
    unique = {json.dumps([c.tool["name"], fill_input(c.tool["input_schema"], [c.clause, *context], True)]): c
              for c in calls}
    return list(unique.values())


def ask_for_input(tools: list[Mapping[str, Any]], question: str, context: list[str]):
    """A tool fits the question but the conversation lacks an input it needs: ask, as a person would."""
    if not is_request(question) or answered_by_conversation(question, context[1:]):
        return None
    for tool in tools:
        if matches(question, tool):
            filled = fill_input(tool["input_schema"], [question, *context], best_effort=False)
            missing = [n for n in tool["input_schema"].get("required", []) if n not in filled]
            if missing:
                field = missing[0].replace("_", " ")
                text = f"I can check that with {tool['name']}, but I need the {field} first. Which {field} do you mean?"
                return [{"type": "text", "text": text}], "end_turn"
    return None


def names_tool(text: str, tool: Mapping[str, Any]) -> bool:
    """The user names the tool: ``get_weather`` or "get weather"."""
    name, lowered = str(tool.get("name", "")).lower(), text.lower()
    return bool(name) and (name in lowered or name.replace("_", " ") in lowered)


def is_request(text: str) -> bool:
    """A question or a request, by form: a question mark, a question word first, or a request verb."""
    first = [w.lower() for w in words(text)[:3]]
    if text.rstrip().endswith("?") or (first and first[0] in QUESTION_START):
        return True
    return any(w in REQUEST_WORDS for w in first) or "can you" in text.lower()


def clauses(question: str) -> list[str]:
    """The things a message asks, split at sentence ends, semicolons and "and" before a new question."""
    parts = [p.strip(" ,.") for p in _CLAUSES.split(question) if p and p.strip(" ,.")]
    return parts or [question]


def tool_words(tool: Mapping[str, Any]) -> tuple[list[str], str]:
    """(the words of its name, its name and description as one text)."""
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(tool.get("name", ""))).replace("_", " ").replace("-", " ")
    return name.lower().split(), f"{name}: {tool.get('description', '')}"


def keyword_match(text: str, tool: Mapping[str, Any]) -> float:
    """How close the text's closest word is to a word of the tool's name (1.0 for the same stem)."""
    from ...embeddings import similarity_matrix

    asked, (name_words, _) = meaning_words(text), tool_words(tool)
    name_words = [w for w in name_words if w not in STOPWORDS and w not in REQUEST_WORDS] or name_words
    if not asked or not name_words:
        return 0.0
    if {stem(w) for w in asked} & {stem(w) for w in name_words}:
        return 1.0
    return float(similarity_matrix(asked, name_words).max())


def relevance(text: str, tool: Mapping[str, Any]) -> float:
    from ...embeddings import cosine

    return keyword_match(text, tool) + cosine(text, tool_words(tool)[1])


def matches(text: str, tool: Mapping[str, Any]) -> bool:
    """The text asks for the tool's job: one of its words means what the tool's name does. A tool whose
    input is only free text (a ``query``) gives no value to look for, so it needs more: the request's
    verb is the tool's ("search", "run"), or the whole text is close to what the tool does."""
    from ...embeddings import cosine

    if needs_specific_input(tool):  # the value it needs (a city) must be there too: see obvious_calls
        return keyword_match(text, tool) >= KEYWORD_MATCH
    closeness = cosine(text, tool_words(tool)[1])
    verbs = {stem(w.lower()) for w in words(text)[:4] if w.lower() in REQUEST_WORDS}
    return bool(verbs & {stem(w) for w in tool_words(tool)[0]}) or closeness >= FREE_TEXT_MATCH


def answered_by_conversation(question: str, earlier: list[str]) -> bool:
    """A question about something already said ("what is my order number?"): every meaning word of it
    occurs in one earlier text, and it names no value of its own (an id, a place) for a tool to act on."""
    if ID.search(question) or any(w[0].isupper() for w in words(question)[1:] if w.lower() != "i"):
        return False
    asked = {stem(w) for w in meaning_words(question)}
    return bool(asked) and any(asked <= {stem(w) for w in words(text)} for text in earlier)


def supplies_specific_input(tool: Mapping[str, Any], texts: list[str]) -> bool:
    """Every required input the tool needs can be taken from the texts (free text always can)."""
    schema = tool["input_schema"]
    filled = fill_input(schema, texts, best_effort=False)
    return all(name in filled for name in schema.get("required", []))


def conversation_texts(body: Mapping[str, Any], messages: list[dict[str, Any]], question: str) -> list[str]:
    """Where inputs come from: the question, then earlier user text (newest first), tool results, the system."""
    from ...tokens import system_text

    combined = content_text([b for b in blocks_of(messages[-1]) if b.get("type") == "text"][:-1])  # same-role turns
    earlier = [content_text(m["content"]) for m in reversed(messages[:-1]) if m["role"] == "user"]
    return [t for t in [question, combined, *earlier, system_text(body.get("system"))] if t.strip()]


# -- answering from a result --------------------------------------------------------------------------

def answer_from_tool(body: Mapping[str, Any], messages: list[dict[str, Any]], results: list[dict[str, Any]]):
    """The reply to a turn of tool results: another call when ``tool_choice`` forces one, else the answer."""
    kind, _, _ = tool_choice_of(body)
    asked = next((content_text(m["content"]) for m in reversed(messages[:-1])
                  if m["role"] == "user" and not any(b.get("type") == "tool_result" for b in blocks_of(m))), "")
    if kind in ("any", "tool"):  # the API forces a call on every turn; the caller must relax tool_choice
        forced = call_tools(body, messages, asked)
        if forced:
            return forced
    names = called_names(messages)
    answers = [answer_one(names.get(r.get("tool_use_id"), "the tool"), asked, r) for r in results]
    return [{"type": "text", "text": " ".join(answers)}], "end_turn"


def called_names(messages: list[dict[str, Any]]) -> dict[str, str]:
    """tool_use id -> tool name, from the assistant turns of the request."""
    return {b["id"]: b["name"] for m in messages if m["role"] == "assistant"
            for b in blocks_of(m) if b.get("type") == "tool_use"}


def answer_one(name: str, asked: str, result: Mapping[str, Any]) -> str:
    """One sentence from one result: its line that best answers the question, said as the tool's."""
    output = result_text(result)
    if result.get("is_error"):
        return f"{name} reported an error: {output or 'no details'}."
    line = best_line(asked, output)
    if not line:
        return f"{name} returned nothing I can use to answer that."
    return f"According to {name}: {line.rstrip('.')}."


def result_text(result: Mapping[str, Any]) -> str:
    """A result's text; a JSON object is read out as its pairs ("local time 21:40, zone Asia/Tokyo")."""
    text = content_text([result]).strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, Mapping):
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in data.items())
    return text


def best_line(asked: str, output: str) -> str:
    """The sentence of the output closest in meaning to the question (the first on a tie)."""
    from ...embeddings import cosine

    lines = [s for s in sentences(output) if s.strip()] or ([output.strip()] if output.strip() else [])
    if len(lines) <= 1:
        return lines[0] if lines else ""
    asked_stems = {stem(w) for w in meaning_words(asked)}
    score = [(len(asked_stems & {stem(w) for w in words(s)}) + cosine(asked, s), -i) for i, s in enumerate(lines)]
    return lines[-max(score)[1]]
