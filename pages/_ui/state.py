"""Session-state keys in one place, and their defaults."""

from __future__ import annotations

import streamlit as st

from core.config import DEMO_WORKSPACE


class StateKeys:
    WORKSPACE = "workspace"  # name of the selected workspace (str | None)


def init_session_state() -> None:
    """Fill in defaults once per browser session."""
    st.session_state.setdefault(StateKeys.WORKSPACE, DEMO_WORKSPACE)
