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


MAX_COLUMNS = 500  # a wide export has tens of columns; thousands means a wrong file or an attack
MAX_COMPRESSION_RATIO = 200  # a real CSV compresses 5-20x; a zip bomb compresses thousands of times


def max_unpacked_bytes() -> int:
    """Most bytes a zip or gzip upload may unpack to: `$PERSONALENS_MAX_UNPACKED_MB` (default 4x the upload limit)."""
    default = 4 * max_upload_bytes() / (1024 * 1024)
    return int(float(os.environ.get("PERSONALENS_MAX_UNPACKED_MB", str(default))) * 1024 * 1024)


def max_upload_total_bytes() -> int:
    """Most bytes one upload of several files may hold: `$PERSONALENS_MAX_UPLOAD_TOTAL_MB` (default 4x a file's)."""
    default = 4 * max_upload_bytes() / (1024 * 1024)
    return int(float(os.environ.get("PERSONALENS_MAX_UPLOAD_TOTAL_MB", str(default))) * 1024 * 1024)
