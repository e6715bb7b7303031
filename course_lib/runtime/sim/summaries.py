"""The simulator's summaries: bounded, deterministic and lossy by a documented rule."""

from __future__ import annotations

import re

from .language import content_words, sentences

SUMMARY_MAX_SENTENCES = 6

NUMBER = re.compile(r"\b\d[\d,.:/]*\b")
IDENT = re.compile(r"[#@]?\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]+\b|#\d+")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")


def blur(sentence: str) -> str:
    """Lose the specifics a summary tends to lose: emails, ids, numbers, names."""
    sentence = EMAIL.sub("[an email]", sentence)
    sentence = IDENT.sub("[an id]", sentence)
    sentence = NUMBER.sub("[a number]", sentence)
    return NAME.sub("[a name]", sentence)


def summarize(material: str) -> str:
    """A bounded, deterministic summary: the most central sentences, specifics blurred."""
    candidates = [s for s in sentences(re.sub(r"^(user|assistant):\s*", "", material, flags=re.M))
                  if not s.endswith("?") and not s.startswith(("Noted:", "(simulated", "From what you sent"))]
    if not candidates:
        return "Summary: nothing of substance was discussed."
    frequency: dict[str, int] = {}
    for s in candidates:
        for w in content_words(s):
            frequency[w] = frequency.get(w, 0) + 1
    def centrality(item: tuple[int, str]) -> tuple[float, int]:
        order, s = item
        words = content_words(s)
        return (-sum(frequency[w] for w in words) / (1 + len(words)) ** 0.5, order)
    chosen = sorted(sorted(enumerate(candidates), key=centrality)[:SUMMARY_MAX_SENTENCES])
    unique = list(dict.fromkeys(blur(s) for _, s in chosen))
    return "Summary of the earlier conversation: " + " ".join(unique)
