"""What the signed-in user may do here: pages ask before they show an action (core checks again)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core import audit
from core.auth import User
from core.workspace import Workspace
from pages._ui.state import StateKeys


def user() -> User | None:
    """The signed-in user; None in the `none` sign-in mode (a local user who may do everything)."""
    return st.session_state.get(StateKeys.USER)


def can(action: str, workspace: str | None = None) -> bool:
    """May the user do `action` (see core.auth.NEEDS) in `workspace` (default: the selected one)?"""
    found = user()
    return found is None or found.can(workspace or st.session_state.get(StateKeys.WORKSPACE), action)


def exported(ws: Workspace, what: str) -> Callable[[], None]:
    """A download button's on_click: the export goes into the audit trail."""
    return lambda: audit.record(ws, user(), "export", what)


def exported_when_built(ws: Workspace, what: str, build: Callable[[], bytes]) -> Callable[[], bytes]:
    """A deferred download's data (`st.download_button` with a callable, on_click="ignore"): the file is built
    on the click and the export goes into the audit trail then. An on_click callback would rerun the page,
    and a rerun replaces the button's deferred file: a click racing it would find nothing to download."""
    by = user()  # the callable runs outside the session's script, where the session state is not at hand

    def run() -> bytes:
        data = build()
        audit.record(ws, by, "export", what)
        return data

    return run


def masked_exports() -> bool:
    """Viewers' exports hide names and e-mails; analysts and admins run campaigns with them."""
    return not can("campaign_export")
