"""What every analysis page shares: the opening (frame check, title, the workspace, or a helpful
empty state) and long work run behind a progress bar."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.errors import PersonaLensError
from core.workspace import Workspace
from pages._ui import cache
from pages._ui.frame import require_frame
from pages._ui.state import StateKeys


def page_workspace(title: str, needs: str, empty_message: str, icon: str) -> Workspace:
    """The selected workspace once it has rows in table `needs`; otherwise says what to upload and stops."""
    require_frame()
    ws = cache.open_selected(st.session_state.get(StateKeys.WORKSPACE))
    st.title(title)
    if ws is None or cache.summary(ws).tables[needs] == 0:
        st.info(empty_message, icon=icon)
        st.page_link("pages/data.py", label="Upload your exports", icon=":material/upload:")
        st.stop()
    return ws


def with_progress(work: Callable[[Callable[[float, str], None]], object]) -> bool:
    """Run `work(progress)` behind a progress bar; a PersonaLensError is shown in plain words.

    Returns whether it succeeded (on failure nothing was written: training is all or nothing).
    """
    bar = st.progress(0.0, text="Starting")
    try:
        work(lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message.capitalize()))
    except PersonaLensError as exc:
        st.error(str(exc), icon=":material/error:")
        return False
    return True
