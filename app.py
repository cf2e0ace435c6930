"""PersonaLens: the frame. Page config, session defaults, workspace picker, navigation."""

from __future__ import annotations

import streamlit as st

from pages._ui import cache
from pages._ui.state import StateKeys, init_session_state

st.set_page_config(page_title="PersonaLens", page_icon=":material/insights:", layout="wide")
init_session_state()

names = cache.workspace_names()
if names and st.session_state[StateKeys.WORKSPACE] not in names:
    st.session_state[StateKeys.WORKSPACE] = names[0]

with st.sidebar:
    st.markdown("### :material/insights: PersonaLens")
    if names:
        st.selectbox(
            "Workspace",
            names,
            key=StateKeys.WORKSPACE,
            help="A workspace holds one store's data, its uploads and its models.",
        )
    else:
        st.caption("No workspace yet.")

pages = {
    "Overview": [st.Page("pages/home.py", title="Home", icon=":material/dashboard:", default=True)],
}
st.navigation(pages).run()
