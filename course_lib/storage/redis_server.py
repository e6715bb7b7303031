"""A private, throw-away Redis server for tests and for notebook 06, when ``redis-server`` is installed.

Introduced in notebook 06_production_manager. It listens on 127.0.0.1 only, on a free port, keeps
its files in a temporary folder, persists nothing (``--save ""``, no append-only file), and stops
when asked or when Python exits. Production code connects to the Redis its operators run instead.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .errors import StoreError
from .redis_store import START_HINT

__all__ = ["LocalRedis", "redis_server_binary"]


def redis_server_binary() -> str | None:
    """The path of ``redis-server`` if it is installed, else None.

    Introduced in notebook 06_production_manager.
    """
    return shutil.which("redis-server")


class LocalRedis:
    """``with LocalRedis() as server: RedisStore(server.url)``: a server that lives as long as the block.

    Introduced in notebook 06_production_manager. Raises :class:`StoreError` saying how to install
    Redis when the binary is missing.
    """

    def __init__(self, start_timeout: float = 30.0):
        binary = redis_server_binary()
        if binary is None:
            raise StoreError(f"redis-server is not installed; {START_HINT}")
        self.directory = Path(tempfile.mkdtemp(prefix="course-redis-"))
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.directory),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(self.stop)
        self._wait_until_ready(start_timeout)

    def __enter__(self) -> LocalRedis:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server (its own process only) and remove its folder; safe to call twice."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _wait_until_ready(self, timeout: float) -> None:
        """Poll the port until the server answers PING, or fail with a clear error."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise StoreError(f"redis-server exited at start (code {self.process.returncode}); port {self.port} "
                                 "may have been taken")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        self.stop()
        raise StoreError(f"redis-server did not answer within {timeout:.0f} s")


def _free_port() -> int:
    """A port the OS says is free now (another program could take it before Redis does; rare)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
