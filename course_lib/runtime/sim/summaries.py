"""The simulator's summaries: bounded, deterministic and lossy by a documented rule.

The rule, close to what a real summary keeps and loses:

* **Topics are kept.** Every question the user asked becomes a topic ("How do I sort a list?" ->
  "sort a list"), and a chained summary carries the topics of the summary before it.
* **What is decided, preferred or repeated is kept.** A statement with a decision or preference
  word ("decided", "prefer", "always", "will", ...) or whose meaning-bearing words recur in
  another line of the material outranks a one-off remark; at most :data:`SUMMARY_MAX_SENTENCES`
  sentences are kept, best first, shown in their original order.
* **One-off specifics are lost.** A number, id, email or mid-sentence name said in only one line
  of the user's side is blurred ("[a number]", "[an id]", "[an email]", "[a name]"); said in two
  or more lines, or kept by the summary before, it is kept. Assistant replies never count as a
  repetition, and the simulator's own framing ("Got it", "(simulated answer") never enters a summary.
* **A reply that only says back what the user said adds nothing.** An assistant line whose
  meaning-bearing words all occur in one of the user's lines, or in the summary before ("Your new
  address is 22 Elm Street." after "The new address is 22 Elm Street."), is left out, as a real
  summary would not say it twice.

So a fact planted once (an account number) does not survive a summary, and pinning it is what
keeps it: the benchmarks and notebook 07 show exactly that.
"""

from __future__ import annotations

__all__ = ["SUMMARY_MAX_SENTENCES", "TOPICS_PREFIX", "blur", "summarize"]

import re

from .framing import is_own_words
from .language import content_words, sentences, stem
from .replies import topic

SUMMARY_MAX_SENTENCES = 6
LABEL = "Summary of the earlier conversation:"
"""Opens every summary, as a model's reply often does; the managers strip it before use."""
TOPICS_PREFIX = "The user asked about:"

NUMBER = re.compile(r"\b\d[\d,.:/]*\b")
IDENT = re.compile(r"[#@]?\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]+\b|#\d+")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")
SPECIFICS = ((EMAIL, "[an email]"), (IDENT, "[an id]"), (NUMBER, "[a number]"), (NAME, "[a name]"))
DECISION_WORDS = frozenset(stem(w) for w in "decided decide agreed agree prefer preference always never will "
                           "must want need plan chose choose going".split())
ROLE = re.compile(r"^(user|assistant):\s*", re.I)


def blur(sentence: str, keep: frozenset[str] = frozenset()) -> str:
    """Replace the specifics a summary tends to lose, except those in ``keep`` (said more than once)."""
    for pattern, placeholder in SPECIFICS:
        sentence = pattern.sub(lambda m, p=placeholder: m.group(0) if m.group(0) in keep else p, sentence)
    return sentence


def _lines(material: str) -> list[tuple[str, str]]:
    """(role, text) per line; a line without a role marker is an earlier summary (role ``"summary"``).

    The simulator's framing and replies that only say back a user line are left out.
    """
    lines = []
    for line in material.splitlines():
        match = ROLE.match(line)
        role = match.group(1).lower() if match else "summary"
        text = line[match.end():] if match else line
        if text.strip() and not is_own_words(text.strip()):
            lines.append((role, text.strip()))
    said = [content_words(text) for role, text in lines if role != "assistant"]  # an earlier summary says it too
    return [(role, text) for role, text in lines if role != "assistant" or not _says_back(text, said)]


def _says_back(reply: str, said: list[set[str]]) -> bool:
    """True when every meaning-bearing word of ``reply`` is in one user line: it adds nothing to a summary."""
    words = content_words(reply)
    return bool(words) and any(words <= user for user in said)


def _kept_specifics(lines: list[tuple[str, str]]) -> frozenset[str]:
    """Specifics that occur in two or more of the user's lines, or that an earlier summary kept."""
    seen: dict[str, int] = {}
    for role, text in lines:
        if role != "assistant":
            for item in {m.group(0) for pattern, _ in SPECIFICS for m in pattern.finditer(text)}:
                seen[item] = seen.get(item, 0) + (2 if role == "summary" else 1)
    return frozenset(item for item, count in seen.items() if count > 1)


def summarize(material: str) -> str:
    """A bounded, deterministic summary: the topics asked about, then what was decided or repeated.

    Introduced in notebook 06_production_manager, where its losses show why facts get pinned.
    """
    lines = _lines(material)
    topics: list[str] = []
    statements: list[str] = []
    for _, text in lines:
        text = text.removeprefix(LABEL).strip()
        if text.startswith(TOPICS_PREFIX):  # an earlier summary: carry its topics forward
            head, _, rest = text[len(TOPICS_PREFIX):].partition(".")
            topics += [t.strip() for t in head.split(";") if t.strip()]
            text = rest
        for sentence in sentences(text):
            (topics.append(topic(sentence)) if sentence.endswith("?") else statements.append(sentence))
    keep = _kept_specifics(lines)
    chosen = _most_worth_keeping(statements, SUMMARY_MAX_SENTENCES - bool(topics))
    parts = [f"{TOPICS_PREFIX} {'; '.join(dict.fromkeys(topics))}."] if topics else []
    parts += list(dict.fromkeys(blur(s, keep) for s in chosen))
    return f"{LABEL} {' '.join(parts) if parts else 'Nothing of substance was discussed.'}"


def _most_worth_keeping(statements: list[str], limit: int) -> list[str]:
    """The statements a summary keeps, in their original order: decided first, then repeated."""
    words = [content_words(s) for s in statements]
    def worth(i: int) -> tuple[int, int, int]:
        decided = bool({stem(w) for w in re.findall(r"[a-z]+", statements[i].lower())} & DECISION_WORDS)
        repeated = sum(bool(words[i] & other) for j, other in enumerate(words) if j != i)
        return (-decided, -repeated, i)
    return [statements[i] for i in sorted(sorted(range(len(statements)), key=worth)[:max(0, limit)])]
