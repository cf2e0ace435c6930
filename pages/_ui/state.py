"""Session-state keys in one place, and their defaults."""

from __future__ import annotations

import streamlit as st

from core.config import DEMO_WORKSPACE
from pages._ui.frame import mark_frame_ready


class StateKeys:
    WORKSPACE = "workspace"  # name of the selected workspace (str | None)
    UPLOADS = "uploads"  # the Data page's file uploader
    INGEST_CHOICES = "ingest_choices"  # upload name -> {"role": ..., "overrides": {column: field}}
    BROWSE_TABLE = "browse_table"
    USER = "user"  # the signed-in core.auth.User (None in the `none` sign-in mode)


def init_session_state() -> None:
    """Fill in defaults once per browser session."""
    st.session_state.setdefault(StateKeys.WORKSPACE, DEMO_WORKSPACE)
    mark_frame_ready()
