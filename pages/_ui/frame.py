"""Make sure a page always runs inside app.py's frame (sidebar, session defaults, navigation).

Streamlit decides at server start whether a `pages/` folder means its legacy multipage mode, and
only a call to `st.navigation` turns that off. When the first request after a (re)start is a deep
link such as /data, the page script runs alone (streamlit/streamlit#10276). This guard notices the
missing frame, turns the legacy flag off and reruns, so app.py serves the same URL.
"""

from __future__ import annotations

import streamlit as st

FRAME_KEY = "_frame_ready"


def mark_frame_ready() -> None:
    st.session_state[FRAME_KEY] = True


def require_frame() -> None:
    """Every page calls this first: it runs inside app.py's frame, which has signed the user in; and a
    page that runs alone (a deep link, or a test harness) checks the sign-in again."""
    if st.session_state.get(FRAME_KEY):
        from pages._ui.signin import recheck

        recheck()
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()
