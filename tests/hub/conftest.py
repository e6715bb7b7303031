"""A real JupyterHub for the classroom test: configurable-http-proxy, dummy logins, local user servers.

Everything is temporary and local: the hub, its proxy and every user server listen on 127.0.0.1 on free
ports; the database, cookie secret, user homes and Jupyter settings live in a temporary folder; user
servers see no ``ANTHROPIC_API_KEY`` and run the simulated Claude. The kit the user servers import is a
classroom copy (course_lib, the cassettes, and the quizzes with the *learner* copy of the graded quiz in
place), as docs/CLASSROOM.md tells the instructor to install it. Without the proxy, chromium, playwright
or jupyterhub every test here is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PROXY = Path("/usr/bin/configurable-http-proxy")
HUB_START_TIMEOUT = 90
QUIZ = "09_knowledge_check"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder is a hub test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.hub)


def _require(ok: bool, reason: str) -> None:
    if not ok:
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _course_quiz(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "course_lib.quiz.cli", *args], check=True, capture_output=True)


@dataclass
class Classroom:
    """A running hub, its temporary folders, and the key the instructor kept off the hub."""

    url: str
    password: str
    base: Path
    homes: Path
    key: Path
    log: Path

    def notebook_url(self, user: str) -> str:
        return f"{self.url}/user/{user}/lab/tree/course/notebooks/{QUIZ}.ipynb"

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def classroom_kit(base: Path) -> tuple[Path, Path]:
    """The kit as the instructor installs it on the hub: the learner quiz in place, the key kept aside."""
    build = base / "build"
    _course_quiz("build", str(REPO / "quizzes" / f"{QUIZ}.yaml"), "--out", str(build))
    kit = base / "opt-course"
    skip = shutil.ignore_patterns("__pycache__", "*.quiz-answers.json")
    for name in ("course_lib", "quizzes", "cassettes"):
        shutil.copytree(REPO / name, kit / name, ignore=skip)
    shutil.copyfile(build / "learner" / f"{QUIZ}.yaml", kit / "quizzes" / f"{QUIZ}.yaml")
    learner = base / "learner-notebooks"
    notebook = REPO / "notebooks" / f"{QUIZ}.ipynb"
    subprocess.run([sys.executable, "-m", "course_lib.runtime.cli", "learner", str(notebook), "--out", str(learner)],
                   check=True, capture_output=True, cwd=kit, env={**os.environ, "PYTHONPATH": str(kit)})
    return kit, build / "key" / f"{QUIZ}.key.yaml"


def seed_homes(homes: Path, users: list[str], learner: Path) -> None:
    """Each learner's home holds their own copy of the course notebooks (what nbgitpuller would clone)."""
    for user in users:
        notebooks = homes / f"jupyter-{user}" / "course" / "notebooks"
        shutil.copytree(learner, notebooks)


HUB_CONFIG = """
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = ["{proxy}"]
c.JupyterHub.db_url = "sqlite:///{base}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{base}/cookie_secret"
c.JupyterHub.pid_file = "{base}/jupyterhub.pid"
c.ConfigurableHTTPProxy.pid_file = "{base}/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = "{password}"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{homes}/jupyter-{{username}}"
c.Spawner.cmd = ["{singleuser}"]
c.Spawner.args = ["--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None"] + {root_args}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.env_keep = []
env = {env}
settings = "{base}/settings/{{}}"
c.Spawner.environment = {{**env, "JUPYTERLAB_SETTINGS_DIR": lambda s: settings.format(s.user.name),
                         "JUPYTER_RUNTIME_DIR": lambda s: settings.format(s.user.name) + "-runtime"}}
"""


def _lab_settings(base: Path, users: list[str]) -> None:
    """Every cell kept in the page (so locators find them) and no news or update checks (no network)."""
    for user in users:
        path = base / "settings" / user / "@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"windowingMode": "none"}))
        notify = path.parent.parent / "apputils-extension/notification.jupyterlab-settings"
        notify.parent.mkdir(parents=True)
        notify.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


def start_hub(base: Path, users: list[str]) -> tuple[Classroom, subprocess.Popen[bytes]]:
    """Write the hub's config into ``base`` and start it; the caller stops it."""
    kit, key = classroom_kit(base)
    homes = base / "homes"
    seed_homes(homes, users, base / "learner-notebooks")
    _lab_settings(base, users)
    bin_dir = Path(sys.executable).parent
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "PYTHONPATH": str(kit), "COURSE_CLIENT_MODE": "simulated",
           "JUPYTER_CONFIG_DIR": str(base / "jupyter-config"), "JUPYTER_DATA_DIR": str(base / "jupyter-data"),
           "IPYTHONDIR": str(base / "ipython"), "PYTHONUNBUFFERED": "1"}
    password, port = token_hex(12), _free_port()
    root_args = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    config = base / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG.format(port=port, hub_port=_free_port(), api_port=_free_port(), proxy=PROXY,
                                        base=base, password=password, homes=homes, root_args=root_args,
                                        singleuser=bin_dir / "jupyterhub-singleuser", env=repr(env)))
    hub_env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    hub_env.update(PATH=env["PATH"], CONFIGPROXY_AUTH_TOKEN=token_hex(24))
    # Debian's proxy needs Debian's node modules; on a machine whose `node` does not search them by itself
    # (seen here: "Cannot find module 'commander'"), point it there.
    hub_env.setdefault("NODE_PATH", "/usr/share/nodejs:/usr/lib/nodejs")
    log = base / "jupyterhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=base, env=hub_env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Classroom(f"http://127.0.0.1:{port}", password, base, homes, key, log), process


def wait_for_hub(hub: Classroom, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + HUB_START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"JupyterHub exited with status {process.returncode}:\n{hub.log_tail()}")
        try:
            with urllib.request.urlopen(f"{hub.url}/hub/api", timeout=5):  # noqa: S310 - 127.0.0.1 only
                return
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterHub did not answer within {HUB_START_TIMEOUT} s:\n{hub.log_tail()}")
            time.sleep(0.5)


def stop_hub(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: the hub stops the user servers and the proxy it started; then SIGKILL what is left of it."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


@pytest.fixture(scope="session")
def classroom_factory(chromium_browser: Any) -> Iterator[Any]:
    """``classroom_factory(users)``: a running hub whose learners' homes hold the learner notebooks."""
    _require(PROXY.exists(), f"{PROXY} not found: the hub test needs configurable-http-proxy "
                             "(apt-get install node-configurable-http-proxy)")
    pytest.importorskip("jupyterhub", reason="jupyterhub is not installed (pip install -e '.[instructor]')")
    running: list[subprocess.Popen[bytes]] = []
    # Not pytest's tmp_path: pytest removes old numbered temp folders, including while a long test runs
    # when other pytest sessions share the machine, and this one lives for minutes.
    base = Path(tempfile.mkdtemp(prefix="course-hub-"))

    def start(users: list[str]) -> Classroom:
        hub, process = start_hub(Path(tempfile.mkdtemp(dir=base)), users)
        running.append(process)
        wait_for_hub(hub, process)
        return hub

    yield start
    for process in running:
        stop_hub(process)
    shutil.rmtree(base, ignore_errors=True)
