"""Deduplication: MinHash candidates checked by the exact Jaccard, bounded work on templated text, and the
"meaning" mode (embeddings) that finds a reworded question but keeps exchanges that state different facts."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from pruning_cases import repetitive
from test_pruning import growing

from benchmarks.scale import templated
from course_lib.pruning import Deduplicate, jaccard, minhash, plan, split_exchanges

dedup_module = sys.modules["course_lib.pruning.dedup"]


def shingle_sets(live):
    words = [re.findall(r"[a-z0-9]+(?:'[a-z]+)?", e.text.lower()) for e in live]
    return [{tuple(w[k:k + 3]) for k in range(len(w) - 2)} if len(w) >= 3 else {tuple(w)} for w in words]


def earliest_matches(live, threshold):
    """What comparing every pair finds: each exchange's earliest later one at least ``threshold`` similar."""
    sets = shingle_sets(live)
    found = {}
    for i in range(len(live)):
        later = (j for j in range(i + 1, len(live)) if jaccard(sets[i], sets[j]) >= threshold)
        if (j := next(later, None)) is not None:
            found[i] = j
    return found


def matches(strategy, live):
    list(strategy.candidates(live))
    return {i: m[0] for i, m in enumerate(strategy._index.matches) if m is not None}


@pytest.fixture
def hash_seeds(monkeypatch):
    """Sets MinHash's seed; afterwards the default seed and freshly made signatures again, for the other tests."""
    facts = sys.modules["course_lib.pruning.facts"]

    def use(seed):
        monkeypatch.setattr(minhash, "SEED", seed)
        minhash._hash_functions.cache_clear()
        facts._EXCHANGES.clear()  # signatures are remembered with each exchange's shingles

    yield use
    monkeypatch.undo()
    minhash._hash_functions.cache_clear()
    facts._EXCHANGES.clear()


@pytest.mark.parametrize("threshold", [0.2, 0.3, 0.5, 0.7, 0.9, 1.0])
def test_minhash_finds_what_comparing_every_pair_finds_and_nothing_else(threshold, hash_seeds):
    # the bands catch a pair right at the threshold 98% of the time (more above it), and each exchange has at most
    # CHECKS borderline checks: a probability, so judged over several hash seeds, not on one lucky or unlucky seed
    expected_total = missed = same = 0
    for seed in range(minhash.SEED, minhash.SEED + 8):
        hash_seeds(seed)
        for history in (growing(80) + [{"role": "user", "content": "Thanks!"}], repetitive(120)):
            live = split_exchanges(history)
            expected, found = earliest_matches(live, threshold), matches(Deduplicate(threshold), live)
            sets = shingle_sets(live)
            assert all(j > i and jaccard(sets[i], sets[j]) >= threshold for i, j in found.items())  # all real
            expected_total += len(expected)
            missed += len(expected.keys() - found.keys())
            same += sum(found.get(i) == j for i, j in expected.items())
    assert missed <= 0.03 * expected_total, (threshold, missed, expected_total)  # a duplicate found: 97% or more
    assert same >= 0.95 * expected_total, (threshold, same, expected_total)  # the same, earliest, match: 95% or more


def test_templated_text_costs_a_bounded_number_of_checks_and_a_far_copy_is_still_found():
    history = templated(2_000) + templated(2, start=20)  # at the end, a copy of exchange 10
    live = split_exchanges(history)
    strategy = Deduplicate()
    found = matches(strategy, live)
    assert found == {10: len(live) - 1}  # the templated exchanges are ~0.6 similar: not duplicates
    assert sum(strategy._index.checked) <= dedup_module.CHECKS * len(live)
    earlier, later = minhash.candidate_pairs(strategy._index.bands, since=0)
    assert len(earlier) <= strategy._index.bands.shape[1] * minhash.PER_BUCKET * len(live)
    assert len(earlier) < len(live) * (len(live) - 1) / 2 / 20  # far fewer than every pair


def test_an_exact_bound_sets_aside_most_templated_look_alikes_without_comparing_them(monkeypatch):
    compared = []

    def counted(a, b):
        compared.append(1)
        return jaccard(a, b)

    monkeypatch.setattr(dedup_module, "jaccard", counted)
    history = templated(2_000) + templated(2, start=20)
    strategy = Deduplicate()
    assert matches(strategy, split_exchanges(history)) == {10: 1_000}  # the far copy is still found
    candidates = sum(strategy._index.checked)  # every candidate considered counts as checked
    assert candidates > 1_000 and len(compared) < candidates / 10


@pytest.mark.parametrize("threshold", [0.3, 0.7])
def test_shared_bound_is_never_below_what_a_pair_shares(threshold):
    for history in (templated(600), growing(300), repetitive(200)):
        strategy = Deduplicate(threshold)
        list(strategy.candidates(split_exchanges(history)))
        index = strategy._index
        earlier, later = minhash.candidate_pairs(index.bands, since=0)
        bound = minhash.shared_bound(index.counts, earlier, later).tolist()
        shared = [len(index.shingle_set(i) & index.shingle_set(j))
                  for i, j in zip(earlier.tolist(), later.tolist(), strict=True)]
        assert all(b >= s for b, s in zip(bound, shared, strict=True))
        assert sum(bound) < 1.2 * sum(shared)  # and close: most of what it adds is one or two shingles


def test_shared_bound_of_two_full_bins_bounds_nothing():
    crowded = [k * minhash.BINS for k in range(300)]  # 300 ids in bin 0: more than a byte counts
    counts = minhash.bin_counts([crowded, crowded + [1]])
    assert counts[0, 0] == minhash.FULL
    pair = np.array([0]), np.array([1])
    assert minhash.shared_bound(counts, *pair)[0] >= 300


def test_remembered_index_grows_with_a_templated_history_and_matches_a_fresh_one():
    full = templated(300) + templated(2, start=8) + templated(300, start=300) + templated(2, start=400)
    remembering = Deduplicate()
    for size in (40, 41, 301, 302, 303, 450, 604):  # prefixes: a history that only grows
        live = split_exchanges(full[:size])
        fresh = Deduplicate()
        assert matches(remembering, live) == matches(fresh, live), size
        assert remembering._index.checked == fresh._index.checked  # the cap's state too: later plans agree
    assert matches(remembering, live) == {4: 150, 201: 301}  # the two copies, found past the template


def bucket_pairs(keys, since):
    """What ``candidate_pairs`` promises, in plain Python: per band, each later member paired with its bucket's
    ``PER_BUCKET`` latest earlier members."""
    found = set()
    for band in range(keys.shape[1]):
        members = {}
        for later, key in enumerate(keys[:, band].tolist()):
            bucket = members.setdefault(key, [])
            if later >= since:
                found.update((earlier, later) for earlier in bucket[-minhash.PER_BUCKET:])
            bucket.append(later)
    return sorted(found)


@pytest.mark.parametrize("since", [0, 1, 150, 299])
def test_candidate_pairs_are_each_buckets_latest_earlier_members(since):
    for history in (templated(600), growing(600)):
        strategy = Deduplicate()
        list(strategy.candidates(split_exchanges(history)))
        bands = strategy._index.bands[:300]
        earlier, later = minhash.candidate_pairs(bands, since=since)
        assert list(zip(earlier.tolist(), later.tolist(), strict=True)) == bucket_pairs(bands, since)


def test_agreement_is_the_share_of_equal_signature_values_across_chunks(monkeypatch):
    strategy = Deduplicate()
    list(strategy.candidates(split_exchanges(templated(400))))
    signature = strategy._index.signature
    earlier, later = minhash.candidate_pairs(strategy._index.bands, since=0)
    monkeypatch.setattr(minhash, "CHUNK", 7)  # many chunks, the last one short
    expected = [sum(a == b for a, b in zip(signature[i], signature[j], strict=True)) / minhash.NUM_PERM
                for i, j in zip(earlier.tolist(), later.tolist(), strict=True)]
    assert minhash.agreement(signature, earlier, later).tolist() == expected
    assert len(expected) > 7 and len(set(expected)) > 1


def test_the_exchange_memo_stays_bounded_and_forgets_the_oldest_first(monkeypatch):
    facts = sys.modules["course_lib.pruning.facts"]
    monkeypatch.setattr(facts, "_EXCHANGES", facts._Memo(10))
    list(Deduplicate().candidates(split_exchanges(templated(60))))  # 30 exchanges
    assert len(facts._EXCHANGES) == 10
    memo = facts._Memo(3)
    for key in "abcd":
        memo.add(key, key.upper())
    assert list(memo) == ["b", "c", "d"]  # "a", the oldest, went


def test_signatures_do_not_depend_on_the_process():
    """Seeded word hashes and hash functions: another PYTHONHASHSEED gives the same signatures, so the same plans."""
    probe = ("import sys; sys.path.insert(0, 'tests'); from test_pruning_dedup import templated, signature_sums; "
             "print(signature_sums())")
    other = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert other.strip() == str(signature_sums())


def signature_sums():
    strategy = Deduplicate()
    list(strategy.candidates(split_exchanges(templated(40))))
    return strategy._index.signature.astype("int64").sum(axis=0).tolist()


# -- the "meaning" mode --------------------------------------------------------------------------------

PASSWORD = [{"role": "user", "content": "How do I reset my password?"},
            {"role": "assistant", "content": "Open Settings, then Security, then Reset password."}]
REWORDED = [{"role": "user", "content": "What's the way to change my password?"},
            {"role": "assistant", "content": "Go to Settings, choose Security and click Reset password."}]
ORDER_A = [{"role": "user", "content": "My order number is 4411. Where is it?"},
           {"role": "assistant", "content": "Order 4411 shipped on May 3 and arrives Friday."}]
ORDER_B = [{"role": "user", "content": "My order number is 9823. Where is it?"},
           {"role": "assistant", "content": "Order 9823 shipped on May 9 and arrives Monday."}]
LAST = [{"role": "user", "content": "Thanks, that is all."}]


def test_meaning_mode_drops_a_reworded_exchange_that_shingles_miss():
    chat = PASSWORD + ORDER_A + REWORDED + LAST
    assert plan(chat, 0, Deduplicate()).dropped == []  # no 3-word run in common
    by_meaning = plan(chat, 0, Deduplicate(by="meaning"))
    assert by_meaning.dropped == [0, 1]
    assert "same meaning as the later messages 4-5 (cosine 0.9" in by_meaning.rows[0].reason


def test_similar_looking_exchanges_with_different_facts_are_kept_by_both_modes():
    chat = ORDER_A + ORDER_B + LAST
    assert plan(chat, 0, Deduplicate()).dropped == []
    assert plan(chat, 0, Deduplicate(by="meaning")).dropped == []
    assert plan(ORDER_A + ORDER_A + LAST, 0, Deduplicate(by="meaning")).dropped == [0, 1]  # a true repeat goes


def test_meaning_mode_keeps_an_exchange_whose_numbers_the_later_one_does_not_repeat():
    from course_lib.embeddings import cosine

    live = split_exchanges(templated(40))
    close = max(cosine(live[0].text, e.text) for e in live[1:])
    assert close >= 0.9  # an embedding averages its words: one invoice looks like the next
    assert plan(templated(40), 0, Deduplicate(by="meaning")).dropped == []


def test_meaning_mode_is_the_same_computed_a_block_at_a_time_or_grown_turn_by_turn(monkeypatch):
    history = [m for k in range(30) for m in (PASSWORD, REWORDED, ORDER_A, ORDER_B)[k % 4]] + LAST
    whole = plan(history, 0, Deduplicate(by="meaning")).rows
    remembering = Deduplicate(by="meaning")
    for size in (8, 9, 30, 61):
        assert plan(history[:size], 0, remembering).rows == plan(history[:size], 0, Deduplicate(by="meaning")).rows
    monkeypatch.setattr(dedup_module, "BLOCK", 3)
    assert plan(history, 0, Deduplicate(by="meaning")).rows == whole
    assert plan(history, 0, remembering).rows == whole


def test_mode_and_threshold():
    assert Deduplicate().threshold == 0.7 and Deduplicate(by="meaning").threshold == 0.9
    with pytest.raises(ValueError, match="by must be one of"):
        Deduplicate(by="spelling")


def test_signatures_and_bin_counts_of_many_sets_are_each_sets_own() -> None:
    # hashing many sets end to end (empty ones among them, and last) gives each set what it alone would get
    rng = np.random.default_rng(7)
    sets = [rng.integers(0, 2**32, size, dtype=np.uint64).tolist() for size in (0, 1, 5, 40, 0, 3)]
    sets += [rng.integers(0, 2**32, 30, dtype=np.uint64).tolist() for _ in range(600)] + [[]]
    a, b = minhash._hash_functions()
    signatures, counts = minhash.signatures(sets), minhash.bin_counts(sets)
    for row, ids in enumerate(sets):
        if ids:
            with np.errstate(over="ignore"):
                alone = ((np.array(ids, dtype=np.uint64) * a[:, None] + b[:, None]) >> np.uint64(32)).min(axis=1)
        else:
            alone = np.full(minhash.NUM_PERM, 2**32 - 1)
        assert signatures[row].tolist() == alone.tolist()
        bins = np.minimum(np.bincount(np.array(ids, dtype=np.int64) % minhash.BINS, minlength=minhash.BINS), 255)
        assert counts[row].tolist() == bins.tolist()


def test_an_exchange_repeated_in_a_new_history_is_shingled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # first sight of a history that repeats itself: the new exchanges are hashed together, each distinct one once
    from course_lib.pruning import facts

    pair = [{"role": "user", "content": "Where is my parcel 4471 today?"},
            {"role": "assistant", "content": "Parcel 4471 left the depot this morning."}]
    history = pair * 40 + [{"role": "user", "content": "Thanks, and the invoice?"}]
    shingled: list[str] = []
    original = facts.shingle_ids
    monkeypatch.setattr(facts, "shingle_ids", lambda texts, size: shingled.extend(texts) or original(texts, size))
    facts._EXCHANGES.clear()  # a memo: emptied, it is only worked out again
    result = plan(history, 0, Deduplicate()).dropped
    assert len(shingled) == 2  # the repeated pair and the last question
    assert result == list(range(78))  # every copy of the pair but the last is a duplicate of the next
