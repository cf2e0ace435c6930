"""Uploaded files, saved once per browser session into that session's own temporary folder.

Uploads are never put in a shared cache: one user's file must not be served to another.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

_FOLDER_KEY = "_upload_folder"


def save_uploads(files: list) -> list[Path]:
    """Paths of the uploaded files on disk, written on first sight (keyed by Streamlit's file id)."""
    folder = Path(st.session_state.setdefault(_FOLDER_KEY, tempfile.mkdtemp(prefix="personalens-upload-")))
    paths = []
    for upload in files:
        path = folder / upload.file_id / upload.name
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(upload.getbuffer())
        paths.append(path)
    return paths
