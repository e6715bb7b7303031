"""Shingle ids: the numbers near-duplicate detection compares stand exactly for the runs of three words they hash."""

import re
import sys
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.pruning import jaccard
from course_lib.pruning.shingles import shingle_ids, word_text, words

shingles_module = sys.modules["course_lib.pruning.shingles"]

# text as people type it, and as a hostile file might hold it: capitals, apostrophes, digits, marks, other scripts,
# control characters and zero bytes
VOCABULARY = ["the", "order", "QX-5001", "don't", "it's", "'quoted'", "rock'n'roll", "naïve", "Café", "ÉCOLE", "日本",
              "ab'cd9", "9'ab", "x", "42", "$49.00", "a\0b", "\t", "...", "INV-1002", "ﬁle", "İstanbul"]
TEXT = st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=12), max_size=25).map(" ".join)


def reference(text: str) -> set[tuple[str, ...]]:
    """The shingles comparing every pair used: runs of three words as tuples (one shingle for a shorter text)."""
    found = words(text)
    if len(found) < 3:
        return {tuple(found)} if found else set()
    return {tuple(found[k:k + 3]) for k in range(len(found) - 2)}


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_a_word_text_is_its_words_with_marks_between_them(text):
    reduced = word_text("user", text)
    assert re.findall(r"[a-z0-9']+", reduced) == words(f"user: {text}")
    assert reduced.isascii() and "\0" not in reduced  # safe to join with a zero byte and hash as bytes


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_shingle_ids_stand_for_the_shingles_they_hash(texts):
    ids = shingle_ids([word_text("user", text) for text in texts])
    expected = [reference(f"user: {text}") for text in texts]
    assert [len(found) for found in ids] == [len(shingles) for shingles in expected]  # one id per distinct shingle
    assert all(list(found) == sorted(found) for found in ids)
    for a, b in combinations(range(len(texts)), 2):  # so every Jaccard is the one of the word shingles
        assert jaccard(set(ids[a].tolist()), set(ids[b].tolist())) == jaccard(expected[a], expected[b])


def test_word_order_and_the_exchange_a_shingle_is_in_both_count():
    first, reordered, again = shingle_ids(["red green blue", "blue green red", "red green blue"])
    assert first.tolist() == again.tolist() and set(first.tolist()).isdisjoint(reordered.tolist())
    assert [len(found) for found in shingle_ids(["", "one", "one two", "one two three four"])] == [0, 1, 1, 2]
    assert shingle_ids([]) == []


def test_hashing_in_chunks_changes_no_id(monkeypatch):
    texts = [word_text("assistant", f"Order QX-{n} ships on day {n % 7}; the invoice is INV-{n * 3}.")
             for n in range(300)]
    whole = [found.tolist() for found in shingle_ids(texts)]
    monkeypatch.setattr(shingles_module, "CHUNK_BYTES", 200)  # a few texts per chunk, and a text longer than one
    assert [found.tolist() for found in shingle_ids(texts + ["word " * 100, "", "one"])] == whole + [
        found.tolist() for found in shingle_ids(["word " * 100, "", "one"])]
