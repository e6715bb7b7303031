"""Meaning as vectors: an offline embedding model, so "boss" can find "manager" without a synonym table.

Introduced in notebook 05_pruning (semantic deduplication); the simulated Claude uses the same
model to match a question to what the user said (notebook 00_start_here).

The model is WordLlama (``wordllama`` on PyPI, MIT): a 32,000 x 256 table of token vectors taken
from a large language model's input embeddings. A text's vector is the average of its tokens'
vectors, normalized, so similar wording lands close together. It is small (16 MB of weights, which
ship inside the package's wheel), fast (a few microseconds per short text, numpy only, no torch) and
deterministic. It is not a sentence-transformer: it knows words that are used alike ("staff" and
"employee"), not facts about the world ("Fedora is a Linux distribution").

Why this module loads the files itself: ``WordLlama.load()`` looks for the tokenizer under a folder
name the wheel does not use, and then tries to download it. Reading the shipped files directly means
the model never touches the network (tests/test_embeddings.py proves it with sockets disabled).
"""

from __future__ import annotations

__all__ = ["DIMENSIONS", "cosine", "embed", "is_everyday_word", "similarity_matrix"]

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and wordllama load on first use: importing the kit stays light
    import numpy as np

DIMENSIONS = 256
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
CACHE_SIZE = 65_536
"""Texts whose vectors are remembered: the simulator sees the same context sentences every turn."""


@lru_cache(maxsize=1)
def _model():
    """The WordLlama inference object, built from the files inside the installed package."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import wordllama  # its __init__ calls logging.basicConfig(INFO): undo that, or httpx2 would log every request
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root.handlers[:], root.level = handlers, level
    package = Path(wordllama.__file__).parent
    tokenizer = Tokenizer.from_file(str(package / TOKENIZER))
    with safe_open(str(package / WEIGHTS), framework="np") as weights:
        table = weights.get_tensor("embedding.weight")
    return WordLlamaInference(table, tokenizer)


@lru_cache(maxsize=CACHE_SIZE)
def _vector(text: str) -> np.ndarray:
    vector = _model().embed([text], norm=True)[0]
    vector.setflags(write=False)  # shared by every caller through the cache
    return vector


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length vectors, one row per text (``len(texts) x DIMENSIONS``, float32).

    An empty text gets the zero vector, which is similar to nothing.
    """
    import numpy as np

    rows = [_vector(t) if t.strip() else np.zeros(DIMENSIONS, dtype=np.float32) for t in texts]
    return np.vstack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)


def similarity_matrix(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Cosine similarity of every text in ``left`` with every text in ``right`` (-1 to 1)."""
    return embed(left) @ embed(right).T


def cosine(a: str, b: str) -> float:
    """Cosine similarity of two texts: about 0.3 and up for words used alike, 1.0 for the same text."""
    return float(similarity_matrix([a], [b])[0, 0])


@lru_cache(maxsize=1)
def _whole_words() -> frozenset[str]:
    return frozenset(token[1:] for token in _model().tokenizer.get_vocab() if token.startswith("\u2581"))


def is_everyday_word(word: str) -> bool:
    """True when the model's vocabulary holds the word, as typed, as one whole token: everyday English words do
    ("date", "install", "garden"), while names typed in lower case are split into pieces ("bicester", "halfords",
    "ribeira"). The tokenizer learned its vocabulary from a large corpus, so this is a frequency test for free."""
    return word in _whole_words()

