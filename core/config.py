"""Paths and settings, read from the environment once per call so tests can override them."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = PROJECT_ROOT / "assets"
DEMO_ASSETS_DIR = ASSETS_DIR / "demo"
NLTK_DATA_DIR = PROJECT_ROOT / "nltk_data"

DEMO_WORKSPACE = "demo"
DEMO_SEED = 42


def workspaces_home() -> Path:
    """Folder that holds named workspaces: `$PERSONALENS_HOME`, else `./workspaces` in the project."""
    env = os.environ.get("PERSONALENS_HOME", "").strip()
    return Path(env).expanduser() if env else PROJECT_ROOT / "workspaces"


def max_upload_bytes() -> int:
    """Largest file accepted on upload: `$PERSONALENS_MAX_UPLOAD_MB` (default 500 MB)."""
    return int(float(os.environ.get("PERSONALENS_MAX_UPLOAD_MB", "500")) * 1024 * 1024)
