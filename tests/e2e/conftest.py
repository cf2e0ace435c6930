"""Start the real app on a free port against a given workspaces home; drive it with chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import chromium_path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(home: Path, log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run app.py` with PERSONALENS_HOME=home (and `env`); yields its URL, stops it afterwards."""
    port = _free_port()
    env = {**os.environ, "PERSONALENS_HOME": str(home), **(env or {})}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def trained_app_url(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app serving the demo workspace with every model trained (one server per test module)."""
    with running_app(trained_home, tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


def wait_until_still(page, locator, seconds: float = 30) -> None:  # noqa: ANN001 - Playwright objects
    """An opening expander lays its table out for a while after it shows, moving what is below it: a click
    in the meantime lands beside the button (seen as a lost click on a loaded machine)."""
    locator.scroll_into_view_if_needed()
    last = None
    for _ in range(int(seconds * 4)):
        box = locator.bounding_box()
        if box is not None and box == last:
            return
        last = box
        page.wait_for_timeout(250)
    raise AssertionError(f"{locator} kept moving for {seconds} s")
