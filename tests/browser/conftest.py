"""Browser tests: one JupyterLab per session, driven by Debian's headless Chromium through Playwright.

Why a real browser: the unit tests drive widgets by setting ``.value``; only a browser shows that the
widget and plotly front-end extensions are installed and that a slider drag reaches the kernel and
comes back as a new label and a redrawn chart.

The server is isolated from the machine and from the repository:
- it serves a temporary copy of ``notebooks/``, ``quizzes/`` and ``cassettes/`` (plus benchmark results,
  which notebook 08 reads), so answers files and notebook work files land in the copy, never in the repo;
- its config, settings, workspaces, runtime and data directories are temporary too;
- it listens on 127.0.0.1 with a random token and a free port, and the browser visits nothing else;
- the kernel replays cassettes (``COURSE_CLIENT_MODE=replay``) and never sees ``ANTHROPIC_API_KEY``;
- ``JUPYTERHUB_USER`` is set, so the quiz uses it as the student id, as it does on a classroom hub.

Screenshots go to ``test-artifacts/browser/`` (git-ignored). Without ``/usr/bin/chromium`` every test
here is skipped with the reason; CI installs chromium first (``.ci/run``), so there they run.
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
ARTIFACTS = REPO / "test-artifacts" / "browser"
STUDENT = "browser-student"
"""The hub user name the server's kernels see (JUPYTERHUB_USER): the quiz's student id."""

SERVER_START_TIMEOUT = 90
RUN_ALL_TIMEOUT_MS = 180_000
NOTEBOOKS = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
"""Every course notebook in the repository, found when the tests are collected."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder is a browser test, whether or not the module says so."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``notebook_name`` runs once per course notebook."""
    if "notebook_name" in metafunc.fixturenames:
        metafunc.parametrize("notebook_name", NOTEBOOKS)


# --- the browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def expect(chromium_browser: Any) -> Any:
    """Playwright's retrying assertions (``expect(locator).to_have_text(...)``), imported only when needed."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


# --- the server ------------------------------------------------------------------------------------


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token, and the temporary root it serves."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]
    student: str = STUDENT

    def api(self, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
            return json.loads(response.read() or b"null")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _copy_course(root: Path) -> None:
    """The course as a learner gets it: notebooks, quizzes and cassettes, without anyone's work files."""
    skip = shutil.ignore_patterns("work", "learner", ".ipynb_checkpoints", "__pycache__", "*.quiz-answers.json")
    for name in ("notebooks", "quizzes", "cassettes"):
        shutil.copytree(REPO / name, root / name, ignore=skip)
    results = REPO / "benchmarks" / "results"
    if results.is_dir():  # read by notebook 08; it says how to make them when they are missing
        shutil.copytree(results, root / "benchmarks" / "results", ignore=skip)


def _write_settings(config: Path, settings: Path) -> None:
    """No news, no update check (no network), and every cell kept in the DOM so tests can read outputs."""
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "LabApp": {
                    "news_url": None,
                    "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
                }
            }
        )
    )
    user_settings = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for relative, values in user_settings.items():
        path = settings / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="session")
def lab(chromium_browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One JupyterLab for the whole session, on 127.0.0.1 with a token, serving a temporary copy."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    root.mkdir()
    _copy_course(root)
    dirs = {name: base / name for name in ("config", "settings", "workspaces", "runtime", "data", "ipython")}
    for path in dirs.values():
        path.mkdir()
    _write_settings(dirs["config"], dirs["settings"])

    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "COURSE_RECORD_VIA")}
    env.update(
        COURSE_CLIENT_MODE="replay",
        JUPYTERHUB_USER=STUDENT,
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),  # no kernels or extensions from the user's own ~/.local
        IPYTHONDIR=str(dirs["ipython"]),  # no startup scripts from the user's profile
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    token, port = token_hex(24), _free_port()
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        f"--IdentityProvider.token={token}",  # the current name of --ServerApp.token
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run all, and wait until it is done
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    log = base / "jupyterlab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Lab(f"http://127.0.0.1:{port}", token, root, log, process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with status {process.returncode}:\n{server.log_tail()}")
            try:
                server.api("/api/status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n{server.log_tail()}")
                time.sleep(0.25)
        yield server
    finally:
        _stop(process)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / "jupyterlab.log")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (the server and its kernels), then SIGKILL what is left."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # kernels that outlived the server
    process.wait(timeout=5)


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """Screenshots of this run only: remove the previous run's images."""
    if ARTIFACTS.is_dir():
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()


# --- notebooks in the browser ----------------------------------------------------------------------

# Runs in the page. Finds the open notebook panel for `path`, waits for its kernel, clears the committed
# outputs (so nothing old can pass for new), runs every cell with JupyterLab's own command (what Run >
# Run All Cells does) and waits until the run is over. Returns what the model holds then, per code cell.
# START_JS only starts it (the promise is kept in the page), so the next notebook can run while the tests
# look at this one; WAIT_JS awaits it.
RUN_ALL_JS = """
async (path) => {
  const app = window.jupyterapp;
  await app.restored;
  let panel = null;
  for (let i = 0; i < 600 && !panel; i++) {
    for (const w of app.shell.widgets('main')) {
      if (w.context && w.context.path === path) { panel = w; }
    }
    if (!panel) { await new Promise(r => setTimeout(r, 100)); }
  }
  if (!panel) { throw new Error('no notebook panel for ' + path); }
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  app.shell.collapseLeft();  // screenshots show the notebook, not the file browser
  await app.commands.execute('notebook:clear-all-cell-outputs');
  const ok = await app.commands.execute('notebook:run-all-cells');
  const cells = [];
  const model = panel.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') { continue; }
    const outputs = cell.outputs.toJSON();
    cells.push({
      index: i,
      count: cell.executionCount,
      source: cell.sharedModel.getSource().slice(0, 200),
      outputs: outputs.length,
      errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
      stderr: outputs.filter(o => o.output_type === 'stream' && o.name === 'stderr').map(o => String(o.text)),
    });
  }
  return { ok, kernel: panel.sessionContext.session.kernel.status, cells };
}
"""
START_JS = f"(path) => {{ window.__courseRunAll = ({RUN_ALL_JS.strip()})(path); return true; }}"
WAIT_JS = "() => window.__courseRunAll || null"

# Runs in the page: what the rendered outputs show, per output area (DOM, not the model).
PAGE_PROBLEMS_JS = """
() => {
  const problems = [];
  const stderr = 'application/vnd.jupyter.stderr';
  document.querySelectorAll('.jp-Notebook .jp-OutputArea-output').forEach(el => {
    const text = el.innerText || '';
    const mime = el.getAttribute('data-mime-type') || '';
    if (mime === stderr && /Traceback|Error\\b/.test(text)) { problems.push('stderr output: ' + text.slice(0, 600)); }
    if (/Error displaying widget|Error rendering output|Failed to load model class|Javascript Error/.test(text)) {
      problems.push('render error: ' + text.slice(0, 300));
    }
    if (mime === 'application/vnd.plotly.v1+json' && !el.querySelector('.js-plotly-plot .main-svg')) {
      problems.push('a plotly chart did not draw: ' + text.slice(0, 200));
    }
  });
  return problems;
}
"""


@dataclass
class NotebookRun:
    """A notebook open in its own page after Run All: the page, what the model holds, how long it took."""

    name: str
    page: Any
    result: dict[str, Any]
    seconds: float

    def problems(self) -> list[str]:
        """Errors the model holds (cell index and message) and anything the page shows as an error."""
        found = [f"cell {c['index']} ({c['source'][:60]!r}...): {e}" for c in self.result["cells"] for e in c["errors"]]
        found += [
            f"cell {c['index']}: stderr {s[:400]!r}"
            for c in self.result["cells"]
            for s in c["stderr"]
            if "Traceback" in s or "Error" in s
        ]
        not_run = [c["index"] for c in self.result["cells"] if c["count"] is None and c["source"].strip()]
        if not_run:
            found.append(f"cells never ran (Run All stopped early?): {not_run}")
        return found + self.page.evaluate(PAGE_PROBLEMS_JS)

    def output_with(self, selector: str) -> Any:
        """The first rendered output area containing ``selector``."""
        return self.page.locator(".jp-Notebook .jp-OutputArea-output").filter(has=self.page.locator(selector)).first

    def screenshot(self, label: str, target: Any = None) -> Path:
        """Save ``<notebook>.<label>.png``: the page as it is, or one element (made to fit the viewport first)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}.{label}.png"
        if target is None:
            self.page.screenshot(path=str(path))
            return path
        size = self.page.viewport_size
        box = target.bounding_box()
        if box and box["height"] > size["height"] - 200:  # JupyterLab scrolls inside; a taller window shows it all
            self.page.set_viewport_size({"width": size["width"], "height": min(int(box["height"]) + 300, 6000)})
        try:
            target.scroll_into_view_if_needed()
            target.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(size)
        return path


@pytest.fixture(scope="session")
def run_notebook(lab: Lab, chromium_browser: Any) -> Any:
    """``run_notebook("03_token_budgets")``: open it in a fresh page, Run All, wait; once per session."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    # Only the local server: any other request (a CDN, telemetry) is refused, so nothing leaves this host.
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(lab.url) else route.abort(),
    )
    runs: dict[str, NotebookRun] = {}
    started: dict[str, tuple[Any, float]] = {}
    timings: dict[str, float] = {}

    def start(name: str) -> None:
        """Open the notebook in its own page and start Run All, without waiting for it to finish."""
        path = f"notebooks/{name}.ipynb"
        if name in started or not (lab.root / path).exists():
            return
        page = context.new_page()
        begin = time.monotonic()
        page.goto(f"{lab.url}/lab/workspaces/{name}/tree/{path}?token={lab.token}", wait_until="domcontentloaded")
        _in_page(page, START_JS, path)
        started[name] = (page, begin)

    def run(name: str) -> NotebookRun:
        if name in runs:
            runs[name].page.bring_to_front()  # a background tab paints slowly: the tests click and screenshot it
            return runs[name]
        if not (lab.root / "notebooks" / f"{name}.ipynb").exists():
            pytest.fail(f"notebooks/{name}.ipynb does not exist")
        start(name)
        later = [n for n in NOTEBOOKS if n not in started]
        if later:  # two kernels at a time: the next notebook runs while this one is checked
            start(later[0])
        page, begin = started[name]
        page.bring_to_front()
        page.set_default_timeout(RUN_ALL_TIMEOUT_MS)
        result = _in_page(page, WAIT_JS)
        if result is None:  # the page reloaded after Run All started: start it again
            _in_page(page, START_JS, f"notebooks/{name}.ipynb")
            result = _in_page(page, WAIT_JS)
        page.set_default_timeout(30_000)
        _settle(page)
        runs[name] = NotebookRun(name, page, result, time.monotonic() - begin)
        timings[name] = round(runs[name].seconds, 1)
        return runs[name]

    yield run
    context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")


def _in_page(page: Any, script: str, arg: Any = None, attempts: int = 3) -> Any:
    """Evaluate in the JupyterLab page once the app exists, again if the page reloads meanwhile.

    A freshly opened JupyterLab window reloaded itself once in our runs (cause not pinned down; the
    page's script was gone: "Execution context was destroyed"); evaluating again after the reload is safe.
    """
    for attempt in range(attempts):
        try:
            page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
            return page.evaluate(script, arg)
        except Exception as error:  # playwright's Error; imported lazily, so matched by its message
            if "Execution context was destroyed" not in str(error) or attempt == attempts - 1:
                raise
            page.wait_for_load_state("domcontentloaded")
    return None


def _settle(page: Any) -> None:
    """Wait until every widget output has rendered its view (the front end builds them asynchronously)."""
    page.wait_for_function(
        """() => {
          // Widget and plotly output areas carry no mime-type attribute; each is empty until its view is built.
          const outs = document.querySelectorAll('.jp-Notebook .jp-OutputArea-output:not([data-mime-type])');
          return Array.from(outs).every(o => o.querySelector('.jupyter-widgets, .plot-container'));
        }""",
        timeout=30_000,
    )
    page.wait_for_timeout(300)  # plotly draws on the next animation frames
