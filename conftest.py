"""How the README's test command (``pytest -n 2``) shares the tests between two pytest-xdist workers.

A notebook's cells run in order in one kernel, and a test file's module fixtures are set up once, so
each file stays whole on one worker (xdist's ``loadfile``). The browser and hub tests share the
session's one Chromium and one JupyterLab (tests/conftest.py, tests/browser/conftest.py), so all of
them form a single unit: only one browser runs, on one worker. That unit is the longest, so units go
out in collection order (tests/browser comes early) rather than largest first, and it starts at once.

Why a scheduler and not ``xdist_group`` marks with ``--dist loadgroup``: on pytest 9.2 loadgroup
silently ignores the marks (pytest-dev/pytest-xdist#1386). Without ``-n`` nothing here runs.
"""

from __future__ import annotations

from typing import Any

import pytest

ONE_BROWSER = ("tests/browser/", "tests/hub/")
BROWSER_UNIT = "tests/browser+hub (one Chromium)"


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or the one unit of all the browser and hub tests."""
    path = nodeid.split("::", 1)[0]
    return BROWSER_UNIT if path.startswith(ONE_BROWSER) else path


@pytest.hookimpl(optionalhook=True)  # optional: the hook exists only when pytest-xdist is installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist") == "each":  # every test on every worker: nothing to group
        return None
    from xdist.scheduler import LoadFileScheduling

    class CourseScheduling(LoadFileScheduling):
        """xdist's per-file scheduling, with the browser and hub tests as one unit."""

        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    config.option.loadscopereorder = False  # collection order: the long browser unit starts first
    return CourseScheduling(config, log)
