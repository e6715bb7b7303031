"""Run every benchmark and write the results: one command.

    python benchmarks/run.py            # full run (a few minutes): benchmarks/results/
    python benchmarks/run.py --quick    # short smoke version: benchmarks/results/quick/ (not committed)

Writes ``token_economy.md`` and ``token_economy.html`` (what each strategy costs and remembers),
``scale.md`` (time to prepare a turn, prune() against its targets, memory), ``course_run.md`` (notebooks
under nbval per notebook, imports, grading 10,000 submissions with peak memory) and ``sim_battery.md``
(the simulator's recall and abstention on paraphrased questions). The LangChain peers need
``pip install -r benchmarks/requirements.txt``; without it they are left out and the result files say so.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import course_run, scale, sim_battery, token_economy  # noqa: E402
from benchmarks.common import RESULTS, command_line, machine_info  # noqa: E402
from benchmarks.strategies import langchain_version  # noqa: E402

PARTS = ("token", "scale", "course", "sim")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="short conversations, smaller histories, 100 submissions, no notebooks")
    parser.add_argument("--out", type=Path, help="directory for the results (default: benchmarks/results, "
                                                 "or benchmarks/results/quick with --quick)")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--no-notebooks", action="store_true", help="skip the notebook suite in the course run")
    args = parser.parse_args(argv)
    out: Path = args.out or (RESULTS / "quick" if args.quick else RESULTS)
    parts = args.only or list(PARTS)
    command = command_line(argv)
    info = machine_info()
    if langchain_version() is None:
        print("note: langchain-core is not installed, so the LangChain peers are left out "
              "(pip install -r benchmarks/requirements.txt)")
    started = time.perf_counter()
    written: list[Path] = []
    verdicts: list[str] = []

    if "token" in parts:
        print("Token economy (every strategy over the scripted conversations)...")
        scenarios = token_economy.scenarios(args.quick)
        results = token_economy.run(scenarios)
        written += token_economy.write(out, scenarios, results, info, quick=args.quick, command=command)
        verdicts.append(token_economy.target_check(results)[1])
    if "scale" in parts:
        print("Scale (time to prepare one turn, memory)...")
        result = scale.run(quick=args.quick)
        written += scale.write(out, result, info, quick=args.quick, command=command)
        verdicts += [text for text, _ in scale.targets(result)]
    if "course" in parts:
        print("Course run (notebooks under nbval, grading a class)...")
        course = course_run.run(quick=args.quick, notebooks=not (args.quick or args.no_notebooks))
        written += course_run.write(out, course, info, quick=args.quick, command=command)
        verdicts += course_run.targets(course)

    if "sim" in parts:
        print("Simulator paraphrase battery (recall and abstention)...")
        battery = sim_battery.run()
        written += sim_battery.write(out, battery, info, command)
        verdicts.append(sim_battery.verdicts(battery))

    elapsed = time.perf_counter() - started
    print("\nTargets:")
    for text in verdicts:
        print(f"  - {text.replace('**', '')}")
    print(f"\nWrote {', '.join(str(p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p) for p in written)}"
          f" in {elapsed:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
