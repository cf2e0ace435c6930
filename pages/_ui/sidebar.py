"""The shared sidebar: pick a workspace, or make a new empty one for your own data."""

from __future__ import annotations

import streamlit as st

from core.auth import User
from core.errors import PersonaLensError
from core.workspace import create_named_workspace
from pages._ui import cache
from pages._ui.state import StateKeys


def workspace_picker(user: User | None) -> None:
    """The workspaces this user may see (all of them without sign-in), and a new one for admins."""
    names = [n for n in cache.workspace_names() if user is None or user.sees(n)]
    if names and st.session_state[StateKeys.WORKSPACE] not in names:
        st.session_state[StateKeys.WORKSPACE] = names[0]
    st.markdown("### :material/insights: PersonaLens")
    if names:
        st.selectbox(
            "Workspace",
            names,
            key=StateKeys.WORKSPACE,
            help="A workspace holds one store's data, its uploads and its models.",
        )
    else:
        st.caption("No workspace yet." if user is None else "No workspace is shared with you yet: ask an admin.")
        if user is not None:
            st.session_state[StateKeys.WORKSPACE] = None
    if user is not None and not user.can(None, "create_workspace"):
        return
    with (
        st.popover("New workspace", icon=":material/add:", width="stretch"),
        st.form("new-workspace", border=False),
    ):
        name = st.text_input("Name", placeholder="e.g. spring-shop", max_chars=60)
        if st.form_submit_button("Create", type="primary"):
            _create(name.strip(), user)


def _create(name: str, user: User | None) -> None:
    try:
        created = create_named_workspace(name, by=user)
    except PersonaLensError as exc:
        st.error(str(exc))
        return
    st.session_state[StateKeys.WORKSPACE] = created.name
    st.rerun()
