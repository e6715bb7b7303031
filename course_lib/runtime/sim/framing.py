"""The simulator's own framing ("Got it.", "(simulated answer) ...", "According to get_weather: ..."), so that its
words, sent back in a later request's history, are never taken for something the user said. Used by
:mod:`.matching` and :mod:`.summaries`.
"""

from __future__ import annotations

__all__ = ["OWN_PREFIXES", "TOOL_FRAMING", "is_own_words"]

import re

OWN_PREFIXES = ("Got it", "Noted:", "(simulated answer", "I don't have that information", "From what you sent me")
"""How the simulator's framing starts, so its own words are never taken for something the user said."""

TOOL_FRAMING = re.compile(r"^(Let me look that up with [\w-]+|According to [\w-]+: |I can check that with [\w-]+, "
                          r"|[\w-]+ reported an error: |[\w-]+ returned nothing I can use)")
"""How :mod:`.tools` frames a tool call or its answer (with the tool's name): "According to" alone is a user's."""


def is_own_words(sentence: str) -> bool:
    """True for the simulator's framing, which must never be quoted back as context."""
    return sentence.startswith(OWN_PREFIXES) or TOOL_FRAMING.match(sentence) is not None
