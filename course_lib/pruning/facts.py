"""What pruning needs to know about a message, worked out once per distinct message and remembered.

Introduced in notebook 05_pruning. A manager re-plans the whole history before every turn, but
only the newest exchange is new: remembering each message's token estimate, score and words (and
each exchange's shingles) makes a re-plan cost a dictionary lookup per message, not
a regular-expression pass. The memo is keyed by the message's content, not its identity, so an
edited message is worked out again, and it is bounded, so a long-running notebook cannot grow it
without limit.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..messages import starts_exchange
from ..tokens import content_text, estimate_message_tokens
from .minhash import bin_counts
from .minhash import signatures as signature_rows
from .scoring import MessageScore, score_message

if TYPE_CHECKING:  # numpy loads on first use: importing the kit stays light
    import numpy as np

__all__ = ["MessageFacts", "facts", "facts_of", "exchange_shingles", "message_key", "numbers", "preview", "MEMO_SIZE"]

MEMO_SIZE = 65_536
"""Distinct messages (and exchanges) remembered: a 10,000-message history fits several times over."""
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_HAS_DIGIT = re.compile(r"[0-9]").search
"""Words are ASCII (``_WORD``), so a digit is 0-9: one C-level search per word, not a Python loop per letter."""


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """Everything pruning reads from one message, computed once. Introduced in notebook 05_pruning."""

    tokens: int
    """:func:`course_lib.tokens.estimate_message_tokens` (a plan with its own ``token_counter`` asks it instead)."""
    score: MessageScore
    words: tuple[str, ...]
    """The words of ``"role: text"``, lowercased: what near-duplicate detection compares."""
    opens_exchange: bool


class _Memo(OrderedDict):
    """A dict that forgets its oldest entry once it holds ``size``: bounded, and a hit is one ``get``.

    An ``OrderedDict``, not a plain dict: a dict finds its oldest key by skipping every slot deleted
    before it, so once it is full each new entry costs 10-30 us instead of 0.1 (measured at 65,536).
    """

    def __init__(self, size: int = MEMO_SIZE) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: Hashable, make: Callable[[], Any]) -> Any:
        found = self.get(key)
        if found is None:
            found = self[key] = make()
            if len(self) > self.size:
                self.popitem(last=False)  # the oldest entry, in constant time
        return found


_MESSAGES = _Memo()
_EXCHANGES = _Memo()
_SHINGLES = _Memo(16 * MEMO_SIZE)
"""One string for each shingle seen (each its own key and value), so look-alike exchanges share theirs. Like
``sys.intern``, but bounded: some Python builds never free interned strings (early 3.12 releases, free-threaded)."""


def message_key(message: Mapping[str, Any]) -> Hashable:
    """What a message is, as a dict key: its role and content (block lists as canonical JSON)."""
    content = message["content"]
    if type(content) is str:
        return message.get("role"), content  # a str caches its own hash: this lookup costs no re-hashing
    return message.get("role"), json.dumps(content, sort_keys=True, default=str)


def facts(message: Mapping[str, Any], key: Hashable | None = None) -> MessageFacts:
    """The remembered facts of ``message`` (worked out now if this content is new)."""
    return _MESSAGES.remember(message_key(message) if key is None else key, lambda: _work_out(message))


def facts_of(messages: Sequence[Mapping[str, Any]]) -> tuple[list[Hashable], list[MessageFacts]]:
    """The memo keys and facts of many messages: one tight loop, since a re-plan does this for every message."""
    keys = [message_key(m) for m in messages]
    get = _MESSAGES.get
    found = [get(k) or facts(m, k) for m, k in zip(messages, keys, strict=True)]
    return keys, found


def numbers(words: Iterable[str]) -> frozenset[str]:
    """The words holding a digit (ids, amounts, dates): what a duplicate by meaning must repeat.

    Worked out when asked, not with the other facts: only ``Deduplicate(by="meaning")`` reads them.
    """
    return frozenset(filter(_HAS_DIGIT, words))


def preview(message: Mapping[str, Any]) -> str:
    """The text on one line, cut to 30 characters, for a plan's table (written only when a table is read)."""
    text = " ".join(content_text(message["content"]).split())
    return text if len(text) <= 30 else text[:27] + "..."


def _work_out(message: Mapping[str, Any]) -> MessageFacts:
    words = tuple(_WORD.findall(f"{message['role']}: {content_text(message['content'])}".lower()))
    return MessageFacts(tokens=estimate_message_tokens(message), score=score_message(message), words=words,
                        opens_exchange=starts_exchange(message))


def exchange_shingles(exchanges: Sequence[tuple[tuple[Hashable, ...], Sequence[MessageFacts]]],
                      size: int = 3) -> list[tuple[frozenset[str], np.ndarray, np.ndarray]]:
    """Each exchange's word ``size``-shingles (runs of words, joined by spaces) as a set, their MinHash signature and
    their bin counts (``minhash.bin_counts``).

    ``exchanges`` are (memo keys, facts) of each exchange's messages. The words of an exchange are its
    messages' words in order (a line break never joins two words), so shingles that span two
    messages, such as a question's last words and "assistant", count too. Strings, not tuples of
    words: a string remembers its hash, so comparing sets hashes nothing again. The exchanges not
    remembered yet are hashed together, in one numpy pass: a history seen for the first time pays
    for a few large array operations, not a dozen small ones per exchange.
    """
    found = [_EXCHANGES.get((size, keys)) for keys, _ in exchanges]  # a remembered exchange costs one lookup
    new: dict[tuple[Hashable, ...], int] = {}  # each new exchange once, however often the history repeats it
    for i, shingles in enumerate(found):
        if shingles is None:
            new.setdefault(exchanges[i][0], i)
    sets = [_shingles([w for f in exchanges[i][1] for w in f.words], size) for i in new.values()]
    # CRC-32, not hash(): Python salts string hashes per process, and a plan must not depend on the process
    ids = [list(map(zlib.crc32, map(str.encode, shingles))) for shingles in sets]
    made = dict(zip(new, zip(sets, signature_rows(ids), bin_counts(ids), strict=True), strict=True))
    for keys, shingles in made.items():
        _EXCHANGES.remember((size, keys), lambda made=shingles: made)
    return [shingles or made[keys] for (keys, _), shingles in zip(exchanges, found, strict=True)]


def _shingles(words: list[str], size: int) -> frozenset[str]:
    if len(words) < size:
        return frozenset({" ".join(words)} if words else ())
    # shared: a shingle many exchanges hold is one string, so the exact Jaccard matches it by its address
    # instead of reading both copies' characters from all over memory (most of a check's time at 5,000 exchanges)
    shingles = list(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))  # stops at the last full one
    found = frozenset(map(_SHINGLES.setdefault, shingles, shingles))
    while len(_SHINGLES) > _SHINGLES.size:
        _SHINGLES.popitem(last=False)
    return found
