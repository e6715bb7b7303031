"""Every course notebook, run top to bottom in JupyterLab in a real browser, shows no error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_notebook_runs_clean_in_the_browser(run_notebook, notebook_name: str) -> None:
    """notebook_name: every notebooks/NN_*.ipynb (conftest.py parametrizes it)."""
    name = notebook_name
    run = run_notebook(name)
    run.page.locator(".jp-Notebook .jp-Cell").last.scroll_into_view_if_needed()
    run.screenshot("end")
    assert run.result["ok"], f"Run All reported a failure in {name}: {run.problems()}"
    assert run.problems() == [], f"{name} shows errors in the browser"
    assert run.result["cells"], f"{name} has no code cells"
