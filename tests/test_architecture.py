"""The architecture's rules, checked: lesson code imports light, modules stay small, nothing imports the face.

docs/ARCHITECTURE.md describes the rooms; these tests keep the description true as the kit grows.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import course_lib

PACKAGE = Path(course_lib.__file__).parent
HEAVY = ("plotly", "ipywidgets", "sqlite3", "nbformat")
LESSON_MODULES = ("messages", "tokens", "budget", "exchanges", "summaries", "usage", "defaults")


@pytest.mark.parametrize("module", LESSON_MODULES)
def test_lesson_code_imports_no_charts_widgets_database_or_notebook_machinery(module):
    """A fresh interpreter, so modules other tests loaded cannot hide a heavy import."""
    probe = (f"import sys, json, course_lib.{module}; "
             f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                       check=True).stdout)
    assert loaded == [], f"import course_lib.{module} loads {loaded}"


def test_the_package_face_imports_nothing_until_a_name_is_used():
    probe = ("import sys, json, course_lib; "
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith('course_lib'))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                       check=True).stdout)
    assert loaded == ["course_lib", "course_lib._version"]


def test_a_replay_or_live_client_never_loads_the_simulator():
    """The setup cell's names, and a replaying client: the simulator (~0.1 s of imports) stays unloaded."""
    probe = ("import sys, json; from course_lib import ConversationManager, make_client; "
             "make_client('replay', cassette='00_start_here'); "
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith('course_lib.runtime.sim'))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                       check=True).stdout)
    assert loaded == []


def test_every_public_name_of_the_face_resolves():
    for name in course_lib.__all__:
        assert getattr(course_lib, name) is not None, name


def python_files():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in python_files() if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}, "split these modules by concept"


def test_no_module_imports_back_up_to_the_package_face():
    """``from course_lib import X`` or ``from .. import X`` of a name (not a module) inside the package
    would load the face's whole table and tie the rooms together."""
    offenders = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            target = node.module or ""
            if target == "course_lib" or (node.level and not target and _imports_a_name(path, node)):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def _imports_a_name(path: Path, node: ast.ImportFrom) -> bool:
    """``from . import charts`` imports a sibling module (fine); ``from .. import DEFAULT_MODEL`` a face name."""
    base = path.parent
    for _ in range(node.level - 1):
        base = base.parent
    return any(not ((base / alias.name).with_suffix(".py").exists() or (base / alias.name).is_dir())
               for alias in node.names)
