"""Run a coroutine to completion on an event loop of its own, whatever the calling thread is doing.

``asyncio.run`` refuses to start when the thread already runs a loop, and under pytest-xdist a test file can
share its worker with one that left a loop running (Playwright's sync API, a kernel client). A thread of its
own always starts clean, so the async tests do not depend on which files ran before them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_fresh(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
