"""What pruning needs to know about a message, worked out once per distinct message and remembered.

Introduced in notebook 05_pruning. A manager re-plans the whole history before every turn, but
only the newest exchange is new: remembering each message's token estimate and score (and each
exchange's shingles) makes a re-plan cost a dictionary lookup per message, not a
regular-expression pass. The memo is keyed by the message's content, not its identity, so an
edited message is worked out again, and it is bounded, so a long-running notebook cannot grow it
without limit.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..messages import starts_exchange
from ..tokens import MESSAGE_OVERHEAD, content_text, estimate_tokens_many
from .minhash import bin_counts
from .minhash import signatures as signature_rows
from .scoring import MessageScore, score_message
from .shingles import shingle_ids, word_text

if TYPE_CHECKING:  # numpy loads on first use: importing the kit stays light
    import numpy as np

__all__ = ["MessageFacts", "facts_of", "exchange_shingles", "message_key", "numbers", "preview", "MEMO_SIZE"]

MEMO_SIZE = 65_536
"""Distinct messages (and exchanges) remembered: a 10,000-message history fits several times over."""
_HAS_DIGIT = re.compile(r"[0-9]").search
"""Words are ASCII (``shingles.words``), so a digit is 0-9: one C-level search per word, not a loop per letter."""


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """Everything pruning reads from one message, computed once. Introduced in notebook 05_pruning."""

    tokens: int
    """:func:`course_lib.tokens.estimate_message_tokens` (a plan with its own ``token_counter`` asks it instead)."""
    score: MessageScore
    opens_exchange: bool


class _Memo(OrderedDict):
    """A dict that forgets its oldest entry once it holds ``size``: bounded, and a hit is one ``get``.

    An ``OrderedDict``, not a plain dict: a dict finds its oldest key by skipping every slot deleted
    before it, so once it is full each new entry costs 10-30 us instead of 0.1 (measured at 65,536).
    """

    def __init__(self, size: int = MEMO_SIZE) -> None:
        super().__init__()
        self.size = size

    def add(self, key: Hashable, value: Any) -> None:
        """Remember ``value`` under ``key`` (a new key: the caller looked it up), forgetting the oldest if full."""
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)  # the oldest entry, in constant time


_MESSAGES = _Memo()
_EXCHANGES = _Memo()


def message_key(message: Mapping[str, Any]) -> Hashable:
    """What a message is, as a dict key: its role and content (block lists as canonical JSON)."""
    content = message["content"]
    if type(content) is str:
        return message.get("role"), content  # a str caches its own hash: this lookup costs no re-hashing
    return message.get("role"), json.dumps(content, sort_keys=True, default=str)


def facts_of(messages: Sequence[Mapping[str, Any]]) -> tuple[list[Hashable], list[MessageFacts]]:
    """The memo keys and facts of many messages: one tight loop, since a re-plan does this for every message.

    The messages not remembered yet are worked out together (each distinct one once), so their
    token estimates take a few numpy passes (``estimate_tokens_many``), not a regex pass each.
    """
    keys = [message_key(m) for m in messages]
    found = list(map(_MESSAGES.get, keys))
    new = {key: message for key, message, known in zip(keys, messages, found, strict=True) if known is None}
    if not new:
        return keys, found
    made = dict(zip(new, _work_out(list(new.values())), strict=True))
    for key, worked_out in made.items():
        _MESSAGES.add(key, worked_out)
    return keys, [known or made[key] for key, known in zip(keys, found, strict=True)]


def numbers(words: Iterable[str]) -> frozenset[str]:
    """The words holding a digit (ids, amounts, dates): what a duplicate by meaning must repeat.

    Worked out when asked, not with the other facts: only ``Deduplicate(by="meaning")`` reads them.
    """
    return frozenset(filter(_HAS_DIGIT, words))


def preview(message: Mapping[str, Any]) -> str:
    """The text on one line, cut to 30 characters, for a plan's table (written only when a table is read)."""
    text = " ".join(content_text(message["content"]).split())
    return text if len(text) <= 30 else text[:27] + "..."


def _work_out(messages: list[Mapping[str, Any]]) -> list[MessageFacts]:
    """The facts of new messages: their token estimates counted together, then each one scored."""
    tokens = estimate_tokens_many([content_text(m["content"]) for m in messages])
    return [MessageFacts(tokens=count + MESSAGE_OVERHEAD, score=score_message(m), opens_exchange=starts_exchange(m))
            for m, count in zip(messages, tokens, strict=True)]


def exchange_shingles(exchanges: Sequence[tuple[tuple[Hashable, ...], Sequence[Mapping[str, Any]]]],
                      size: int = 3) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each exchange's word ``size``-shingles (runs of words) as sorted, distinct ids (``shingles.shingle_ids``),
    their MinHash signature and their bin counts (``minhash.bin_counts``).

    ``exchanges`` are (memo keys, messages) of each exchange. The words of an exchange are its
    messages' words in order, each message's led by its role (a line break never joins two words),
    so shingles that span two messages, such as a question's last words and "assistant", count
    too. The exchanges not remembered yet are shingled together, in a few numpy passes over all
    their text: a history seen for the first time pays for a few large array operations, not a
    dozen small ones per exchange.
    """
    found = [_EXCHANGES.get((size, keys)) for keys, _ in exchanges]  # a remembered exchange costs one lookup
    new: dict[tuple[Hashable, ...], int] = {}  # each new exchange once, however often the history repeats it
    for i, shingles in enumerate(found):
        if shingles is None:
            new.setdefault(exchanges[i][0], i)
    texts = ["\n".join(word_text(m["role"], content_text(m["content"])) for m in exchanges[i][1]) for i in new.values()]
    ids = shingle_ids(texts, size)
    made = dict(zip(new, zip(ids, signature_rows(ids), bin_counts(ids), strict=True), strict=True))
    for keys, shingles in made.items():
        _EXCHANGES.add((size, keys), shingles)
    return [shingles or made[keys] for (keys, _), shingles in zip(exchanges, found, strict=True)]
