"""The README's ``pytest -n 2`` keeps a notebook's cells, a test file, and all browser tests on one worker each.

The rules live in the repository's root conftest.py; a notebook whose cells were spread over two
workers would fail (a later cell needs names the first cell defined in its own kernel).
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
root_conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(root_conftest)


def test_a_notebook_and_a_test_file_are_each_one_unit():
    unit = root_conftest.work_unit
    notebook = "notebooks/06_production_manager.ipynb"
    assert unit(f"{notebook}::Cell 0") == unit(f"{notebook}::Cell 19") == notebook
    assert unit("tests/test_storage.py::test_a") == unit("tests/test_storage.py::TestX::test_b[1]")
    assert unit("tests/test_storage.py::test_a") != unit("tests/test_managers.py::test_a")


def test_browser_and_hub_tests_share_one_unit_for_one_chromium():
    unit = root_conftest.work_unit
    assert (unit("tests/browser/test_browser_widgets.py::test_slider")
            == unit("tests/browser/test_browser_notebooks.py::test_runs[00_start_here]")
            == unit("tests/hub/test_classroom.py::test_five_learners"))
    assert unit("tests/test_browser_like_name.py::test_x") != unit("tests/browser/test_browser_widgets.py::test_x")


def test_two_workers_run_a_notebooks_cells_in_one_kernel():
    pytest.importorskip("xdist", reason="pytest-xdist is not installed: pip install -r requirements.txt")
    notebook = "notebooks/00_start_here.ipynb"
    done = subprocess.run([sys.executable, "-m", "pytest", notebook, "-n", "2", "-v", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    workers = set(re.findall(r"^\[(gw\d+)\] .*(?:PASSED|FAILED)", done.stdout, re.M))
    assert done.returncode == 0, done.stdout[-2000:]
    assert len(workers) == 1, done.stdout[-2000:]


def test_async_tests_run_even_where_a_loop_is_already_running() -> None:
    """A worker may hold a running loop left by an earlier file; run_fresh must not care (asyncio.run would)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from fresh_loop import run_fresh

    async def answer() -> int:
        return 42

    async def inside_a_running_loop() -> int:
        return run_fresh(answer())

    # The outer loop runs in a thread of its own, so this test does not depend on the worker's main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside_a_running_loop()).result() == 42
