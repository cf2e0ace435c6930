"""The dashboard's process never trains: after a tour of every page and a retrain started from each
page that has one, TensorFlow is not among the server process's modules.

It runs in a fresh interpreter, since this test process imports TensorFlow for other tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]

TOUR = """
import json, sys, time
from streamlit.testing.v1 import AppTest
from core import runs
from core.workspace import open_workspace

ws = open_workspace(sys.argv[1])
APP = "app.py"
PAGES = ["pages/home.py", "pages/personas.py", "pages/recommendations.py", "pages/sentiment.py",
         "pages/whatif.py", "pages/data.py", "pages/models.py"]
TRAIN = {  # page -> how to find its train button
    "pages/personas.py": lambda at: next(b for b in at.button if b.label == "Find personas"),
    "pages/recommendations.py": lambda at: at.button(key="train-recs"),
    "pages/sentiment.py": lambda at: at.button(key="train-text"),
    "pages/models.py": lambda at: next(b for b in at.button if b.label == "Start training"),
}
started, exceptions = [], []
for page in PAGES:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["workspace"] = "demo"
    at.run()
    at.switch_page(page)
    at.run()
    exceptions += [e.value for e in at.exception]
    if page in TRAIN:
        TRAIN[page](at).click().run()
        exceptions += [e.value for e in at.exception]
        run = runs.latest(ws)
        if run is not None and not run.finished:
            started.append(page)
            runs.cancel(ws, run.run_id)
        deadline = time.monotonic() + 60
        while runs.is_training(ws) and time.monotonic() < deadline:
            time.sleep(0.2)
print(json.dumps({"tensorflow": "tensorflow" in sys.modules, "started": started, "exceptions": exceptions}))
"""


def test_no_page_trains_in_the_server_process(trained_ws: Workspace, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(trained_ws.path, home / "demo")
    done = subprocess.run(
        [sys.executable, "-c", TOUR, str(home / "demo")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PERSONALENS_HOME": str(home)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["exceptions"] == []
    assert sorted(found["started"]) == sorted(
        ["pages/personas.py", "pages/recommendations.py", "pages/sentiment.py", "pages/models.py"]
    )
    assert found["tensorflow"] is False
