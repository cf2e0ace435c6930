"""What every analysis page shares: the opening (frame check, title, the workspace, or a helpful
empty state), and a save that says so while it waits for another program. Training is started
through `pages._ui.training`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core import storage
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


@contextmanager
def saying_when_waiting() -> Iterator[None]:
    """A save that has to wait for another program's (training, an import) says so on the page meanwhile."""
    slot = st.empty()
    with storage.waiting_notice(lambda message: slot.info(message, icon=":material/hourglass_top:")):
        yield
    slot.empty()
