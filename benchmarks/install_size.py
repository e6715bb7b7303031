"""What the offline embedding model adds to a learner's install, measured from the installed packages.

    python benchmarks/install_size.py      # prints the table and writes benchmarks/results/install_size.md

The README's install is ``pip install -r requirements.txt`` (the kit with its test tools). This script
walks the installed distributions' requirements from that root, once with everything and once as if
``wordllama`` and ``numpy`` were not listed, and sums the files (each distribution's RECORD) of what only
the first walk reaches: the bytes on disk a fresh install gains from the embedding model, without
building two virtualenvs.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import RESULTS, machine_info, machine_md, table, write_text  # noqa: E402

ROOT_DISTRIBUTION = "course-lib"
ROOT_EXTRAS = ("test",)  # requirements.txt installs .[test]
ADDED = ("wordllama", "numpy")
TARGET_MB = 100.0
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(dist: metadata.Distribution, extras: tuple[str, ...] = ()) -> list[str]:
    """The names a distribution requires on this machine (markers evaluated), with the given extras."""
    from packaging.requirements import Requirement

    names = []
    for line in dist.requires or []:
        requirement = Requirement(line)
        environments = [{"extra": e} for e in extras] or [{"extra": ""}]
        if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environments):
            names.append(normalize(requirement.name))
    return names


def closure(roots: list[str], installed: dict[str, metadata.Distribution]) -> set[str]:
    """Every installed distribution reachable from ``roots`` through requirements."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in installed:
            continue
        seen.add(name)
        todo += requirements(installed[name])
    return seen


def size_of(dist: metadata.Distribution) -> int:
    """Bytes on disk of a distribution's files (RECORD lists each file; sizes are read from the disk)."""
    total = 0
    for file in dist.files or []:
        path = Path(dist.locate_file(file))
        if path.is_file():
            total += path.stat().st_size
    return total


def measure() -> dict[str, object]:
    installed = {normalize(d.metadata["Name"]): d for d in metadata.distributions()}
    root = installed[normalize(ROOT_DISTRIBUTION)]
    direct = requirements(root, ROOT_EXTRAS)
    everything = closure(direct, installed)
    without = closure([n for n in direct if n not in ADDED], installed)
    added = sorted(everything - without)
    sizes = {name: size_of(installed[name]) for name in added}
    base = sum(size_of(installed[name]) for name in without)
    return {"added": sizes, "added_mb": sum(sizes.values()) / 2**20, "base_mb": base / 2**20}


def write(result: dict[str, object]) -> Path:
    rows = [[name, f"{size / 2**20:.1f}"] for name, size in sorted(result["added"].items(), key=lambda kv: -kv[1])]
    verdict = "met" if result["added_mb"] <= TARGET_MB else "**not met**"
    text = "\n".join([
        "# What the embedding model adds to the install", "",
        f"The README's install without `wordllama` and `numpy`: {result['base_mb']:.0f} MB of installed packages. "
        f"With them: **+{result['added_mb']:.0f} MB** (target: at most +{TARGET_MB:.0f} MB: {verdict}).", "",
        table(["distribution only the embedding model needs", "MB on disk"], rows), "",
        machine_md(machine_info()), ""])
    path = RESULTS / "install_size.md"
    write_text(path, text)
    return path


def main() -> int:
    result = measure()
    for name, size in sorted(result["added"].items(), key=lambda kv: -kv[1]):
        print(f"{name:24} {size / 2**20:6.1f} MB")
    print(f"base {result['base_mb']:.0f} MB, added {result['added_mb']:.1f} MB")
    print(f"wrote {write(result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
