"""Every mention of a notebook names one that exists, and no notebook is too long for one sitting.

Notebooks get split and renumbered; a docstring's "Introduced in notebook 04_pruning" or a "Next: **05 · ...**"
that still points at the old number sends a learner to the wrong lesson, and nothing else would notice.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MAX_CELLS = 45  # about what one sitting holds; docs/NOTEBOOK_GUIDE.md: keep each to its stated time

STEMS = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
TITLES = {}  # "03" -> "Token budgets", from each notebook's "# 03 · Token budgets" title cell
for _path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
    _title = nbformat.read(_path, as_version=4).cells[0].source.splitlines()[0]
    TITLES[_path.stem[:2]] = _title.split("·", 1)[1].strip() if "·" in _title else ""

# A notebook's stem: two digits, an underscore, lowercase words ("03_token_budgets"). Python's digit
# groups (1_500, 200_000) never match: the part after the underscore must start with a letter.
STEM = re.compile(r"(?<![\w/.-])(\d\d_[a-z][a-z0-9]*(?:_[a-z0-9]+)*)\b")
BARE_NUMBER = re.compile(r"(?i)\bnotebooks? (\d\d)(?![_\d])(?:(?:, | to | and )(\d\d)(?![_\d]))?")
NEXT_TITLE = re.compile(r"\*\*(\d\d) · ([^*]+)\*\*")
SOLUTION_LINK = re.compile(r"\((?:\.\./)?(notebooks|solutions)/(\d\d_[a-z0-9_]+\.ipynb)(?:#[^)]*)?\)")

# Stems that are not notebooks but legitimately look like one.
NOT_NOTEBOOKS = {"00_…"}


def _words(title: str) -> set[str]:
    return set(re.findall(r"[a-z]+", title.lower()))


def _texts() -> list[tuple[str, str]]:
    """(file, text) for every file a learner or maintainer reads for notebook references."""
    paths = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "course_lib").rglob("*.py")),
             *sorted((ROOT / "quizzes").glob("*.yaml"))]
    found = [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in paths]
    for folder in (NOTEBOOKS, ROOT / "solutions"):
        for path in sorted(folder.glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            source = "\n".join(cell.source for cell in notebook.cells)  # outputs are the run's, not references
            found.append((path.relative_to(ROOT).as_posix(), source))
    return found


TEXTS = _texts()


def stale_references(file: str, text: str) -> list[str]:
    """Each reference in ``text`` that names no existing notebook, as "file: reference"."""
    problems = []
    for stem in STEM.findall(text):
        if stem not in STEMS and stem not in NOT_NOTEBOOKS:
            problems.append(f"{file}: {stem} (no notebooks/{stem}.ipynb)")
    for match in BARE_NUMBER.finditer(text):
        for number in filter(None, match.groups()):
            if number not in TITLES:
                problems.append(f"{file}: {match.group(0)!r} (no notebook {number})")
    for number, title in NEXT_TITLE.findall(text):
        if not _words(title) <= _words(TITLES.get(number, "")):  # "Production manager" names "A production ..."
            problems.append(f"{file}: **{number} · {title}** (notebook {number} is {TITLES.get(number)!r})")
    for folder, name in SOLUTION_LINK.findall(text):
        if not (ROOT / folder / name).is_file():
            problems.append(f"{file}: link to {folder}/{name}, which does not exist")
    return problems


def test_every_notebook_reference_names_an_existing_notebook() -> None:
    problems = [problem for file, text in TEXTS for problem in stale_references(file, text)]
    assert not problems, "stale notebook references:\n" + "\n".join(problems)


def test_the_check_finds_a_stale_reference() -> None:
    """The checker itself can fail: a renumbered name, a missing number, a wrong title, a dead link."""
    text = ("Introduced in notebook 04_pruning. See notebook 12. Next: **03 · Pruning**. "
            "[solution](../solutions/03_no_such_notebook.ipynb#Exercise-1)")
    problems = stale_references("example.py", text)
    assert any("04_pruning" in p for p in problems)
    assert any("no notebook 12" in p for p in problems)
    assert any("**03 · Pruning**" in p for p in problems)
    assert any("03_no_such_notebook.ipynb" in p for p in problems)
    assert stale_references("example.py", "Introduced in notebook 03_token_budgets; 1_500 tokens.") == []


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_a_notebook_names_itself(path: Path) -> None:
    """Its cassette, its quiz and its work folder carry its own stem and number, not a neighbour's."""
    source = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    for cassette in re.findall(r'cassette="([^"]+)"', source):
        assert cassette == path.stem, f"{path.name} records into cassettes/{cassette}.json"
    quizzes = re.findall(r'show_quiz\("([^"]+)"', source)
    assert quizzes and set(quizzes) == {path.stem}, f"{path.name} shows quiz {quizzes}"
    for number in re.findall(r"\bwork/(\d\d)\b", source):
        assert number == path.stem[:2], f"{path.name} writes to work/{number}/"
    assert (ROOT / "quizzes" / f"{path.stem}.yaml").is_file()


@pytest.mark.parametrize("path", sorted([*NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"), *(ROOT / "solutions").glob("*.ipynb")]),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_notebook_is_longer_than_one_sitting(path: Path) -> None:
    cells = len(nbformat.read(path, as_version=4).cells)
    assert cells <= MAX_CELLS, f"{path.relative_to(ROOT)} has {cells} cells (at most {MAX_CELLS}): split or cut it"
