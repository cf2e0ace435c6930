"""`python -m core`: JSON that scripts can read, and one clear line on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PERSONALENS_HOME": str(home)}
    env.pop("PERSONALENS_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m core ARGS` run in this process: `main` is what `python -m core` calls (the tests above run the
    real command), without starting and importing a new interpreter each time. Set PERSONALENS_HOME first."""
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PERSONALENS_DEBUG", raising=False)
        code = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["python", "-m", "core", *args], code, out, err)


def test_info_json_reports_tables_dates_and_categories(demo_home: Path) -> None:
    result = _run("info", "--workspace", str(demo_home / "demo"), "--json", home=demo_home)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["tables"]["customers"] >= 2000
    assert info["tables"]["products"] == 300
    assert info["tables"]["interactions"] >= 30_000
    assert info["tables"]["reviews"] >= 8000
    assert info["date_start"] == "2025-01-01" and info["date_end"] == "2026-06-30"
    assert len(info["categories"]) >= 6
    assert sum(c["products"] for c in info["categories"]) == 300


def test_info_on_a_missing_workspace_fails_with_one_line(tmp_path: Path) -> None:
    result = _run("info", "--workspace", "/no/such/place", "--json", home=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no workspace at /no/such/place")
    assert "Traceback" not in result.stderr


def test_demo_builds_a_workspace_by_name_under_home(empty_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--workspace", "shop", "--json", "--quiet", "--skip-models"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert Path(built["workspace"]) == (empty_home / "shop").resolve()
    assert built["tables"]["reviews"] == 8000
    assert main(["workspaces", "--json"]) == 0
    assert [w["name"] for w in json.loads(capsys.readouterr().out)] == ["shop"]


def test_workspace_commands_report_mistakes_plainly(empty_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workspaces", "create", "shop"]) == 0
    assert main(["workspaces", "create", "shop"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["workspaces", "delete"]) == 2
    assert "needs a workspace name" in capsys.readouterr().err
    assert main(["workspaces", "delete", "shop"]) == 0
    assert main(["workspaces"]) == 0
    assert "no workspaces" in capsys.readouterr().out
