"""Unit tests never touch the network or the learner's key: each test starts offline.

Also the one headless Chromium that the browser and hub tests share: Playwright's sync API runs one
instance per thread, so a second ``sync_playwright()`` in the same session would fail.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# The README runs the suite on two workers beside notebook kernels, JupyterLab and Chromium, on two cores:
# a per-example wall-clock deadline there times the neighbours, not the code (a 10 ms example took 532 ms).
settings.register_profile("course", deadline=None)
settings.load_profile("course")

CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium: never `playwright install`
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """Headless Debian Chromium for the session; skip (with the reason) when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: browser and hub tests need Debian's chromium "
                    "(sudo apt-get update && sudo apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed: pip install -r requirements.txt")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    """``course-kit serve``'s server on 127.0.0.1 and a free port, one per test module (a module may define
    its own, e.g. a fresh one per test)."""
    from course_lib.runtime.serve import start_server  # imported here: most test files never serve

    running = start_server()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("COURSE_CLIENT_MODE", raising=False)
    monkeypatch.delenv("COURSE_RECORD_VIA", raising=False)
