"""Scoring: how much a message is worth keeping, and why, by plain rules a learner can argue with.

Introduced in notebook 05_pruning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..messages import blocks
from ..summaries import SUMMARY_MARKER
from ..tokens import content_text

__all__ = ["MessageScore", "score_message"]


Finding = tuple[float, str, str, tuple[str, ...]]
"""One thing a score counted: its points, its tag, what it is ("contains an id") and what was found (may be empty)."""


@dataclass(frozen=True, slots=True)
class MessageScore:
    """How much a message is worth keeping, with the reasons, so a learner can argue with it.

    Introduced in notebook 05_pruning. ``tags`` name what was found (``id``, ``number``,
    ``decision``, ``preference``, ``tool_result``, ``tool_use``, ``summary``, ``filler``);
    :class:`RoleBasedRetention` keeps exchanges by tag. Roughly: below 0 is filler, 0 is ordinary
    talk, 3 and up holds something a later turn may need.
    """

    value: float
    found: tuple[Finding | str, ...]
    """What was counted, as :data:`Finding` s or as reasons already written: see :attr:`reasons`."""
    tags: frozenset[str] = frozenset()

    @property
    def reasons(self) -> tuple[str, ...]:
        """Each thing counted, as a plan prints it ("+3 contains an id: ACC-88412").

        Written when read, not when scored: a history seen for the first time scores every
        message, and ``prune()`` reads none of the reasons (a plan reads them when its table is printed).
        """
        return tuple(item if isinstance(item, str) else _reason(*item) for item in self.found)

    def __str__(self) -> str:
        return f"{self.value:g} ({'; '.join(self.reasons)})"


def _reason(points: float, _tag: str, what: str, items: tuple[str, ...]) -> str:
    return f"{points:+g} {what}: {_listed(items)}" if items else f"{points:+g} {what}"


_IDS = [
    # the leading \b, written as a look back after the first letter: the regex engine then skips to an uppercase
    # letter in C instead of trying every position (twice as fast; the same matches)
    re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]+[-_]?\d{3,}\b"),  # ACC-88412, INV12345: \b[A-Z]{2,}[-_]?\d{3,}\b
    re.compile(r"#\d+\b"),  # #889
    re.compile(r"order(?<!\worder)\s+(?:number\s+|no\.?\s*)?\d+\b", re.I),  # order 889, order number 889 (\border...)
    re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"),  # an email address
]
_NUMBER = re.compile(r"\d(?<![\w#]\d)(?:[\d,.]*\d)?")
r"""A digit not just after a letter, digit or # (``(?<![\w#])\d``), and what follows of digits, commas and points, up to
the last digit: "3,400.50" in "3,400.50, then", with no punctuation of the sentence to strip."""
_DECISION = re.compile(r"\b(?:we(?:'ve| have)? decided|decided to|let'?s go with|let us go with|we'll go with|"
                       r"i'll go with|i'll take|go ahead|confirmed|agreed)\b", re.I)
_PREFERENCE = re.compile(r"\b(?:i prefer|i'd prefer|i would prefer|i'd rather|i would rather|please use|"
                         r"please always|please don't|please do not|always|never|don't ever|call me)\b", re.I)
_LOWERED = {pattern: re.compile(pattern.pattern) for pattern in (_DECISION, _PREFERENCE, _IDS[2])}
"""The same patterns without ``re.I``, for ASCII text lowered first: the same matches at the same places, found
about 3x faster (a case-insensitive pattern folds the case of every character it tries). Text with any other
character keeps the ``re.I`` pattern, whose Unicode case folding ``str.lower`` does not copy exactly."""
_KEYS = {_DECISION: ("decided", "go with", "take", "ahead", "confirmed", "agreed"),
         _PREFERENCE: ("prefer", "rather", "please", "always", "ever", "call me")}
"""A part of every phrase of each pattern: lowered ASCII text holding none of them cannot match, and six
substring tests (in C) cost a fifth of one pass of the pattern. Most messages decide and prefer nothing."""
_PHRASE_KEYS = _KEYS[_DECISION] + _KEYS[_PREFERENCE]
_FILLER = re.compile(r"\b(?:is there anything else i can help(?: you)? with|how can i help(?: you)?(?: today)?|"
                     r"anything else|you'?re welcome|you are welcome|thank you|thanks|thx|hello|hi|hey|okay|ok|"
                     r"great|cool|perfect|awesome|sounds good|got it|no problem|glad to help|happy to help|"
                     r"have a (?:nice|great|good) day|good (?:morning|afternoon|evening)|bye|goodbye|that helps)\b")
_TAG_SETS: dict[frozenset[str], frozenset[str]] = {}
"""Each combination of tags as one shared set (eight tags: at most 256), so the tags of 10,000 messages are a
few objects that stay in the CPU's cache, and an exchange's tags are a lookup (``exchanges.Exchange.tags``)."""
_FILLER_LEFTOVERS = frozenset("so much very again a lot there today all and for everything the".split())


def score_message(message: Mapping[str, Any]) -> MessageScore:
    """Score one message by what it contains, and say why.

    Introduced in notebook 05_pruning. The rules are deliberately plain (regular expressions, no
    model call), so every point can be traced to a phrase in the message: +3 for an id (account,
    order or ticket number, email), +1 for another number, +3 for a decision, +3 for a stated
    preference, +4 for a tool result, +2 for a tool call, +3 for an earlier summary, and -2 for
    a message that is only greetings or thanks.
    """
    content = message.get("content")
    if isinstance(content, str):  # most messages: no blocks to look through, so no tool data
        text, found = content, []
    else:
        tool_blocks = blocks(message)
        text, found = content_text(tool_blocks), _tool_findings(tool_blocks)
    text = text.replace("\u2019", "'")  # "let’s" as typed on a phone is still a decision
    found += _text_findings(text)
    if not found and _is_filler(text):
        short = text.strip() if len(text) <= 40 else text[:37] + "..."
        found.append((-2, "filler", f"only greetings or thanks: {short!r}", ()))
    if not found:
        return _ORDINARY
    tags = frozenset([tag for _, tag, _, _ in found])
    return MessageScore(sum([points for points, _, _, _ in found]), tuple(found), _TAG_SETS.setdefault(tags, tags))


_ORDINARY = MessageScore(0, ("0 ordinary message: no id, number, decision, preference or tool data",))
"""The score of every message that holds nothing to score: one shared object (a score is never changed)."""


def _tool_findings(tool_blocks: list[dict[str, Any]]) -> list[Finding]:
    """What tool data counts: a result was fetched for this conversation; a call says what was asked."""
    findings: list[Finding] = []
    if any(b.get("type") == "tool_result" for b in tool_blocks):
        findings.append((4, "tool_result", "holds a tool result (data fetched for this conversation)", ()))
    names = [str(b.get("name", "")) for b in tool_blocks if b.get("type") == "tool_use"]
    if names:
        findings.append((2, "tool_use", f"calls a tool: {', '.join(names)}", ()))
    return findings


def _text_findings(text: str) -> list[Finding]:
    """What the words carry: a summary, ids, other numbers, decisions, preferences."""
    found: list[Finding] = []
    if text.startswith(SUMMARY_MARKER):
        found.append((3, "summary", "is a summary of earlier exchanges", ()))
    lowered = text.lower() if text.isascii() else None  # isascii() is free: a str knows whether it is ASCII
    ids = _ids(text, lowered)
    if ids:
        found.append((3, "id", "contains an id", tuple(ids)))
    rest = text
    for found_id in ids:  # an id's digits are not also "a number"
        rest = rest.replace(found_id, " ")
    numbers = _NUMBER.findall(rest)
    if numbers:
        found.append((1, "number", "contains a number", tuple(numbers)))
    if lowered is not None and not any(map(lowered.__contains__, _PHRASE_KEYS)):
        return found  # most messages decide and prefer nothing: one test of all the keys, not two of half each
    for pattern, tag, label in ((_DECISION, "decision", "records a decision"),
                                (_PREFERENCE, "preference", "states a preference")):
        hit = _first(pattern, text, lowered)
        if hit:
            found.append((3, tag, label, (repr(hit),)))
    return found


def _ids(text: str, lowered: str | None) -> list[str]:
    """Every id in ``text``, pattern by pattern; a pattern whose "#", "@" or "order" is missing is not run at all
    (most messages hold neither "#" nor "@"). "order" is looked for in the lowered text, so only ASCII text skips."""
    account, ticket, order, email = _IDS
    ids = account.findall(text)  # no pattern here has a group: findall gives whole matches
    if "#" in text:
        ids += ticket.findall(text)
    if lowered is None or "order" in lowered:
        ids += _matches(order, text, lowered)
    if "@" in text:
        ids += email.findall(text)
    return ids


def _matches(pattern: re.Pattern[str], text: str, lowered: str | None) -> list[str]:
    """Every match of ``pattern``, as written in ``text``."""
    if lowered is None:
        return pattern.findall(text)
    # ASCII: lowering keeps every character in its place, so a match in ``lowered`` is one in ``text``
    lowered_pattern = _LOWERED[pattern]
    if lowered_pattern.search(lowered) is None:  # the usual case ("order" without a number): no iterator, no list
        return []
    return [text[hit.start():hit.end()] for hit in lowered_pattern.finditer(lowered)]


def _first(pattern: re.Pattern[str], text: str, lowered: str | None) -> str | None:
    """The first match of a case-insensitive phrase pattern, as written in ``text``."""
    if lowered is None:
        hit = pattern.search(text)
        return hit.group(0) if hit else None
    if not any(map(lowered.__contains__, _KEYS[pattern])):
        return None
    hit = _LOWERED[pattern].search(lowered)
    return text[hit.start():hit.end()] if hit else None


def _listed(found: tuple[str, ...], most: int = 3) -> str:
    unique = list(dict.fromkeys(found))
    if len(unique) <= most:
        return ", ".join(unique)
    return f"{', '.join(unique[:most])} and {len(unique) - most} more"


def _is_filler(text: str) -> bool:
    lowered = text.lower()
    if not lowered.strip() or len(lowered.split()) > 12:
        return False
    leftover = re.findall(r"[a-z0-9']+", _FILLER.sub(" ", lowered))
    return all(word in _FILLER_LEFTOVERS for word in leftover)
