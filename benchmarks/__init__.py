"""Benchmarks: what each conversation strategy costs and remembers, and how the library scales.

Run everything with one command from the repository root (see ``benchmarks/README.md``)::

    python benchmarks/run.py            # full run, writes benchmarks/results/*.md and *.html
    python benchmarks/run.py --quick    # a short smoke version, written to benchmarks/results/quick/

Not tests: timings depend on the machine. Figures about speed or cost quoted in the notebooks come
from the result files written here.
"""
