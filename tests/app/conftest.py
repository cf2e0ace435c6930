"""AppTest helpers: run the whole app (frame + navigation), then switch to the page under test."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(page: str | None, workspace: str | None = None, timeout: float = 120) -> AppTest:
    """`page` like "pages/data.py" (None: the default page), with `workspace` selected."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if workspace:
        at.session_state["workspace"] = workspace
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def finish_training(at: AppTest, workspace: Path, timeout: float = 300) -> AppTest:
    """Wait for the background run the page started, then rerun the page (as its live progress would)."""
    from core import runs
    from core.workspace import open_workspace

    ws = open_workspace(workspace)
    started = runs.latest(ws)
    assert started is not None, "the page started no training run"
    done = runs.wait(ws, started.run_id, timeout=timeout)
    assert done.status == "done", done.error
    at.run()
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open one of a page's tabs (only the open tab runs), as a click on it would."""
    at.session_state[key] = label
    return at.run()
