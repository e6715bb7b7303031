"""Filling a tool's ``input_schema`` from the conversation: a city for ``location``, an id for ``order_id``.

Introduced in notebook 07_beyond_the_module, with :mod:`.tools`. Each property is filled by its
type, enum and the cues in its name and description, from the texts given (the question first, then
earlier user turns, newest first): an enum value the user spelt out; a number for an integer, the one
beside a word of the property's name first, kept within ``minimum`` and ``maximum``; for a string,
an email, a url, a date, a path, a place, an id or a person's name, whichever the property is for;
the question itself for free text (``query``, ``message``). What the texts do not supply is MISSING,
so the caller can ask the user rather than invent it; :func:`guess` fills it only when a call is forced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from .language import STOPWORDS, stem, words

__all__ = ["ID", "MISSING", "fill_input", "inline_refs", "meaning_words", "needs_specific_input"]

WEEKDAYS_AND_MONTHS = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december today tomorrow tonight""".split())

FREE_TEXT_CUES = ("query", "search", "text", "question", "prompt", "topic", "keyword", "message", "pattern",
                  "term", "content", "input", "request", "description", "body", "instruction", "task")
LOCATION_CUES = ("location", "city", "place", "address", "destination", "origin", "country", "region", "town",
                 "where", "timezone", "time zone", "tz", "airport")
ID_CUES = ("id", "number", "code", "order", "sku", "ticket", "reference", "key", "account", "tracking", "invoice")
PATH_CUES = ("path", "file", "filename", "module", "directory", "folder")
NAME_CUES = ("name", "person", "user", "recipient", "author", "customer", "contact")

_PLACE_AFTER = re.compile(r"\b(?:in|at|for|to|from|near|around|of)\s+((?:[A-Z][\w'.-]*)(?:(?:,\s*|\s+)[A-Z][\w'.-]*)*)")
_LOWER_PLACE_AFTER = re.compile(r"\b(?:in|at|near|around)\s+([a-z][a-z'-]{2,})\b")
ID = re.compile(r"\b(?=[\w-]*\d)[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+\b|\b[A-Z]{1,4}\d{2,}\b|#?\b\d{3,}\b")
_NUMBER = re.compile(r"(?<![\w.-])-?\d+(?:\.\d+)?(?![\w-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"https?://[^\s)>\]]+")
_PATH = re.compile(r"(?:[\w.-]+/)+[\w.-]+|\b[\w-]+\.(?:py|md|txt|json|yaml|yml|toml|csv|js|ts|html|cfg|ini)\b")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_PERSON = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z'-]+)+\b")

MISSING = object()
"""A required input the conversation does not supply."""


def meaning_words(text: str) -> list[str]:
    """The words of a text that say what it is about: no stop words, numbers or ids."""
    return [w.lower() for w in words(text) if w.lower() not in STOPWORDS and w.isalpha() and len(w) > 2]


def fill_input(schema: Mapping[str, Any], texts: list[str], best_effort: bool) -> dict[str, Any]:
    """An object for ``schema`` from the texts (most relevant first): required properties always when
    ``best_effort`` (a guess if nothing fits), otherwise only those the texts supply; optional ones when
    the texts spell them out (an enum value, a place), or, when nothing else is filled, the first
    free-text one (a ``query``)."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    choices = {str(o).lower() for p in properties.values() if isinstance(p, Mapping) for o in p.get("enum", [])}
    filled: dict[str, Any] = {}
    for name, prop in properties.items():
        prop = first_choice(prop if isinstance(prop, Mapping) else {})
        value = value_for(name, prop, texts, optional=name not in required, taken=choices)
        if value is MISSING and name in required and best_effort:
            value = guess(name, prop, texts)
        if value is not MISSING:
            filled[name] = value
    if best_effort and not filled:  # a call with only optional inputs still says what it is about
        free = next((n for n, p in properties.items() if isinstance(p, Mapping) and p.get("type", "string") == "string"
                     and "enum" not in p and not specific_finders(n, p)), None)
        if free is not None and texts and texts[0].strip():
            filled[free] = texts[0].strip()
    return filled


def inline_refs(schema: Any, defs: Mapping[str, Any] | None = None, depth: int = 0) -> Any:
    """The schema with each local ``$ref`` ("#/$defs/Address", as pydantic writes nested models)
    replaced by what it points to, so every property can be read where it is used."""
    if defs is None:
        defs = {**schema.get("definitions", {}), **schema.get("$defs", {})} if isinstance(schema, Mapping) else {}
    if isinstance(schema, list):
        return [inline_refs(item, defs, depth) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    name = str(schema.get("$ref", "")).rsplit("/", 1)[-1]
    if name in defs and depth < 8:  # a recursive model is cut off rather than followed forever
        pointed = {**defs[name], **{k: v for k, v in schema.items() if k != "$ref"}}
        return inline_refs(pointed, defs, depth + 1)
    return {k: inline_refs(v, defs, depth) for k, v in schema.items() if k not in ("$defs", "definitions")}


def first_choice(prop: Mapping[str, Any]) -> Mapping[str, Any]:
    """A property written as ``anyOf``/``oneOf`` (pydantic's ``Optional[int]``) read as its first
    branch that is not ``null``, keeping the property's own title, description and default."""
    branches = prop.get("anyOf") or prop.get("oneOf")
    if not isinstance(branches, list):
        return prop
    branch = next((b for b in branches if isinstance(b, Mapping) and b.get("type") != "null"), {})
    return {**branch, **{k: v for k, v in prop.items() if k not in ("anyOf", "oneOf")}}


def cues(name: str, prop: Mapping[str, Any]) -> str:
    return " ".join([name.replace("_", " ").replace("-", " "), str(prop.get("title", "")),
                     str(prop.get("description", ""))]).lower()


def has_cue(text: str, options: Iterable[str]) -> bool:
    return cue_pattern(tuple(options)).search(text) is not None


@lru_cache(maxsize=256)
def cue_pattern(options: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(map(re.escape, options)) + r")s?\b")


def value_for(name: str, prop: Mapping[str, Any], texts: list[str], optional: bool,
              taken: frozenset[str] | set[str] = frozenset()) -> Any:
    """The value the texts give for one property, or MISSING; ``taken`` are another property's enum
    values ("in fahrenheit" names a unit, not a place)."""
    kind = prop.get("type", "string")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        return mentioned_enum(prop["enum"], texts)
    if kind in ("integer", "number"):
        return number_for(name, prop, texts, integer=kind == "integer", optional=optional)
    if kind == "boolean":
        return MISSING if optional else prop.get("default", any(has_cue(t.lower(), [name]) for t in texts[:1]))
    if kind == "array":
        item = value_for(name, prop.get("items") or {}, texts, optional, taken)
        return MISSING if item is MISSING else [item]
    if kind == "object":
        nested = fill_input(prop, texts, best_effort=False)
        return nested if all(k in nested for k in prop.get("required", [])) and (nested or not optional) else MISSING
    if optional and not specific_finders(name, prop):
        return MISSING  # optional free text stays out unless nothing else is filled: see fill_input
    return string_for(name, prop, texts, taken)


def mentioned_enum(options: list[Any], texts: list[str]) -> Any:
    for text in texts:
        lowered = text.lower()
        for option in options:
            if isinstance(option, str) and re.search(rf"\b{re.escape(option.lower())}\b", lowered):
                return option
    return MISSING


def number_for(name: str, prop: Mapping[str, Any], texts: list[str], integer: bool, optional: bool) -> Any:
    """A number from the texts, the one beside a word of the property's name first, kept in range."""
    hints = {stem(w) for w in meaning_words(cues(name, prop))}
    for text in texts[:1] if optional else texts:
        found = [(m, text[max(0, m.start() - 30):m.end() + 30]) for m in _NUMBER.finditer(text)]
        found = [(m, around) for m, around in found if not ID.fullmatch(m.group()) or len(m.group()) < 5]
        if integer:
            found = [(m, around) for m, around in found if "." not in m.group()]
        if not found:
            continue
        near = [m for m, around in found if hints & {stem(w) for w in words(around)}]
        if optional and not near:
            continue
        chosen = (near or [m for m, _ in found])[0].group()
        return clamp(int(chosen) if integer else float(chosen), prop)
    return MISSING


def clamp(value: float, prop: Mapping[str, Any]) -> float:
    if "minimum" in prop:
        value = max(value, prop["minimum"])
    if "maximum" in prop:
        value = min(value, prop["maximum"])
    return value


def string_for(name: str, prop: Mapping[str, Any], texts: list[str], taken: frozenset[str] | set[str]) -> Any:
    """A string by what the property is for: an email, a url, a path, a place, an id, a name, or free text."""
    specific = specific_finders(name, prop)
    if not specific:
        return texts[0].strip() if texts and texts[0].strip() else MISSING
    for text in texts:
        for find in specific:
            if (found := find(text)) and found.lower() not in taken:
                return found
    return MISSING


def specific_finders(name: str, prop: Mapping[str, Any]) -> list[Any]:
    """How to find the value of a string property in a text; none for free text (a query, a message)."""
    said, fmt = cues(name, prop), prop.get("format", "")
    finders = [
        (fmt == "email" or has_cue(said, ["email", "e-mail"]), lambda t: first_match(_EMAIL, t)),
        (fmt in ("uri", "url") or has_cue(said, ["url", "uri", "link", "website"]), lambda t: first_match(_URL, t)),
        (fmt == "date" or has_cue(said, ["date"]), lambda t: first_match(_DATE, t) or weekday(t)),
        (has_cue(said, PATH_CUES), lambda t: first_match(_PATH, t)),
        (has_cue(said, LOCATION_CUES), place),
        (has_cue(said, ID_CUES), lambda t: first_match(ID, t)),
        (has_cue(said, NAME_CUES), lambda t: first_match(_PERSON, t)),
    ]
    free_text = has_cue(said, FREE_TEXT_CUES) and not has_cue(name.lower(), ID_CUES + LOCATION_CUES + PATH_CUES)
    return [] if free_text else [find for wanted, find in finders if wanted]


def needs_specific_input(tool: Mapping[str, Any]) -> bool:
    """Some required input is a value to find (a city, an id, a number), not free text the question fills."""
    schema = tool["input_schema"]
    properties = schema.get("properties") or {}
    for name in schema.get("required") or []:
        prop = properties.get(name) if isinstance(properties.get(name), Mapping) else {}
        if prop.get("type", "string") != "string" or "enum" in prop or specific_finders(name, prop):
            return True
    return False


def first_match(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group().lstrip("#") if found else None


def weekday(text: str) -> str | None:
    return next((w for w in words(text) if w.lower() in WEEKDAYS_AND_MONTHS), None)


def place(text: str) -> str | None:
    """A place name: capitalized words after "in"/"at"/"for"/... ("San Francisco, CA"); in lowercase
    typing, the word after "in"/"at" ("hows it looking in berlin" -> "Berlin")."""
    for found in _PLACE_AFTER.finditer(text):
        kept = [w for w in re.split(r"(\s*,\s*|\s+)", found.group(1))]
        while kept and kept[-1].strip(" ,").lower() in WEEKDAYS_AND_MONTHS | {"i"}:
            kept = kept[:-2]
        candidate = "".join(kept).strip(" ,.")
        if candidate and candidate.split()[0].lower() not in WEEKDAYS_AND_MONTHS | {"i"}:
            return candidate
    for found in _LOWER_PLACE_AFTER.finditer(text):
        word = found.group(1)
        if word not in STOPWORDS and word not in WEEKDAYS_AND_MONTHS and word not in {"general", "total", "case"}:
            return word.title()
    return None


def guess(name: str, prop: Mapping[str, Any], texts: list[str]) -> Any:
    """A value that fits the schema when the conversation gives none (a forced call still needs input)."""
    kind = prop.get("type", "string")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if "default" in prop:
        return prop["default"]
    if "enum" in prop and prop["enum"]:
        return prop["enum"][0]
    if kind in ("integer", "number"):
        value = clamp(prop.get("minimum", 1), prop)
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return fill_input(prop, texts, best_effort=True)
    return texts[0].strip() if texts and texts[0].strip() else name
