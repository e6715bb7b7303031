"""``course-kit``: maintenance commands for instructors and maintainers.

* ``course-kit record [NOTEBOOK ...] [--live]`` re-runs notebooks top to bottom, re-recording their
  cassettes (from the simulator, or from the real API with ``--live``) and saving the outputs the
  run produced, so what a learner reads on the web is what the offline run shows. A notebook with
  exercises is solved in ``solutions/`` (the source of truth): record runs the solved notebook, then
  writes and runs its learner copy into ``notebooks/``. Charts gain static images; banners read as the
  learner will see them.
* ``course-kit learner [--out DIR]`` writes learner copies with every cell tagged ``solution`` replaced
  by its exercise stub (the cell's ``# EXERCISE`` lines), without running them; with no solutions/
  shipped, an instructor's copy holds no answers at all.
* ``course-kit serve [--port N] [--stream-delay S]`` runs the simulator as a local Messages API server on 127.0.0.1
  (see :mod:`course_lib.runtime.serve` and docs/SERVE.md) and prints its URL.
* ``course-kit release --format nbgrader --out DIR [--source DIR]`` writes an nbgrader course folder
  (``DIR/source/<notebook>/<notebook>.ipynb``) for the notebooks with checked exercises.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .client import ClientInfo
from .learner_copies import SOLUTION_TAG, STUB_MARKER, clean_metadata, learner_copy
from .static_images import add_static_images

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = ROOT / "solutions"
START = "00_start_here"
"""The notebook whose cost estimate reads every other notebook's cassette."""
RECORD_BANNER = re.compile(r"mode: record -> [^|\n]*(?= \| model: )")

__all__ = ["NOTEBOOKS", "SOLUTIONS", "SOLUTION_TAG", "STUB_MARKER", "learner_copy", "main"]


def notebook_paths(names: Sequence[str]) -> list[Path]:
    """Each notebook's source: its solved copy in solutions/ if it has one, else notebooks/."""
    if not names:  # 00 adds up every cassette's usage, so it is recorded after the others
        names = sorted((p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), key=lambda n: (n == START, n))
    paths = [Path(n) if Path(n).suffix == ".ipynb" else source_of(n) for n in names]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"course-kit: no such notebook: {', '.join(missing)}")
    return paths


def source_of(name: str) -> Path:
    solved = SOLUTIONS / f"{name}.ipynb"
    return solved if solved.is_file() else NOTEBOOKS / f"{name}.ipynb"


def learner_banners(notebook: nbformat.NotebookNode) -> None:
    """Recorded banners say "mode: record"; rewrite them as the learner's default (simulated) run says it."""
    simulated = ClientInfo("simulated", "").banner().split(" | ")[1]  # "mode: simulated -> ..."
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = RECORD_BANNER.sub(simulated, output["text"])


def execute(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Run a notebook top to bottom, then make its outputs what a learner reading it on the web should see."""
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    clean_metadata(notebook)
    learner_banners(notebook)
    add_static_images(notebook)
    nbformat.write(notebook, path)


def record(paths: Sequence[Path], live: bool) -> int:
    if live and not os.environ.get("ANTHROPIC_API_KEY"):
        print("course-kit: --live needs ANTHROPIC_API_KEY set in the environment", file=sys.stderr)
        return 2
    os.environ["COURSE_CLIENT_MODE"] = "record"
    os.environ["COURSE_RECORD_VIA"] = "live" if live else "simulated"
    for path in paths:
        cassette = ROOT / "cassettes" / f"{path.stem}.json"
        kept = cassette.read_bytes() if cassette.exists() else None
        cassette.unlink(missing_ok=True)  # recorded anew, request by request, as the notebook runs
        print(f"recording {path.name} via {os.environ['COURSE_RECORD_VIA']} ...", file=sys.stderr)
        try:
            record_one(path)
        except Exception as error:  # noqa: BLE001 - any failure: put the old cassette back, say what went wrong
            cassette.unlink(missing_ok=True)
            if kept is not None:
                cassette.write_bytes(kept)
            print(f"course-kit: recording {path.name} failed, its cassette and notebook are left as they were: "
                  f"{type(error).__name__}: {str(error).strip().splitlines()[-1] if str(error).strip() else ''}",
                  file=sys.stderr)
            return 1
    return 0


def record_one(path: Path) -> None:
    """Run one notebook in record mode and write it (for a solution, its learner copy too)."""
    solved = nbformat.read(path, as_version=4)
    execute(solved, path)
    if path.parent == SOLUTIONS:  # the learner copy's requests differ where stubs are unwritten: record them too
        execute(learner_copy(solved, f"../solutions/{path.name}"), NOTEBOOKS / path.name)


def learner(paths: Sequence[Path], out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        link = f"../solutions/{path.name}" if path.parent == SOLUTIONS else None
        nbformat.write(learner_copy(nbformat.read(path, as_version=4), link), out / path.name)
        print(f"wrote {out / path.name}", file=sys.stderr)
    return 0


def serve(port: int, stream_delay: float = 0.0) -> int:
    from .serve import SimulatorServer  # imported here: only this command needs the HTTP server
    from .sim import SimulatedClaude

    server = SimulatorServer(port, SimulatedClaude(stream_delay=stream_delay))
    print(f"course-kit: simulated Claude at {server.url} (POST /v1/messages); Ctrl-C stops it", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def release(source: Path, out: Path) -> int:
    """Write the nbgrader release; a notebook that cannot be released is named and skipped."""
    from ..classroom.release import release_nbgrader  # imported here: it imports this module's constants

    written, problems = release_nbgrader(sorted(source.glob("[0-9][0-9]_*.ipynb")), out)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    for problem in problems:
        print(f"course-kit: not released: {problem}", file=sys.stderr)
    return 1 if problems or not written else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course-kit", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="re-run notebooks and re-record their cassettes")
    rec.add_argument("notebooks", nargs="*", help="notebook names or paths (default: all)")
    rec.add_argument("--live", action="store_true", help="record from the real API (needs ANTHROPIC_API_KEY)")
    learn = commands.add_parser("learner", help="write learner copies without solutions")
    learn.add_argument("notebooks", nargs="*")
    learn.add_argument("--out", type=Path, default=NOTEBOOKS / "learner")
    srv = commands.add_parser("serve", help="serve the simulator as a local Messages API on 127.0.0.1")
    srv.add_argument("--port", type=int, default=0, help="port to listen on (default 0: any free port)")
    srv.add_argument("--stream-delay", type=float, default=0.0, metavar="SECONDS",
                     help="pause between streamed events, to watch a reply arrive (default 0)")
    rel = commands.add_parser("release", help="write the exercises as an nbgrader course folder")
    rel.add_argument("--format", choices=["nbgrader"], required=True)
    rel.add_argument("--out", type=Path, required=True)
    rel.add_argument("--source", type=Path, default=SOLUTIONS, help="folder of solved notebooks")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.port, args.stream_delay)
    if args.command == "record":
        return record(notebook_paths(args.notebooks), args.live)
    if args.command == "release":
        return release(args.source, args.out)
    return learner(notebook_paths(args.notebooks), args.out)


if __name__ == "__main__":
    raise SystemExit(main())
