"""How long a manager takes to prepare one turn's context, as the transcript grows (managers only).

    python benchmarks/prepare_turn.py [--quick]

Kept for its command: the measurement now lives in ``benchmarks/scale.py`` (interleaved rounds,
medians, ratios to the token window, memory), which ``python benchmarks/run.py`` also runs with the
LangChain peer and writes to ``benchmarks/results/scale.md``. This entry point prints the same
table without the peers, so it needs nothing beyond the kit itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale import main  # noqa: E402

if __name__ == "__main__":
    main([*sys.argv[1:], "--managers-only"])
