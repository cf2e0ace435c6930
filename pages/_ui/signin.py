"""Sign-in before anything is shown: no figure and no workspace name reaches a signed-out browser.

The mode comes from core.auth.mode(). In `password` mode a signed-in session is remembered by a
cookie holding a token signed with the server's secret (itsdangerous, 12 hours), so a reload does
not ask again; signing out forgets it. In `oidc` mode Streamlit's own `st.login` signs people in and
the users file says what each e-mail may see.
"""

from __future__ import annotations

import json

import streamlit as st

from core import auth
from core.auth import AuthError, User
from pages._ui.format import literal
from pages._ui.state import StateKeys

_SET_COOKIE = "_set_session_cookie"
_SIGNED_OUT = "_signed_out"


def gate() -> User | None:
    """The signed-in user (None in `none` mode); otherwise the sign-in form, and the script stops."""
    try:
        mode = auth.mode()
        if mode == "password":
            auth.secret()
    except AuthError as exc:
        st.error(str(exc), icon=":material/lock:")
        st.stop()
    if mode == "none":
        return None
    _write_cookie()
    found = st.session_state.get(StateKeys.USER)
    if mode == "password":
        if found is None and not st.session_state.get(_SIGNED_OUT):
            found = auth.user_from_token(st.context.cookies.get(auth.SESSION_COOKIE))
        if found is None:
            _password_form()
    else:
        found = _oidc_user()
    fresh = auth.get_user(found.name)  # a changed role or a removed user takes effect on the next click
    if fresh is None:
        sign_out()
    st.session_state[StateKeys.USER] = fresh
    return fresh


def recheck() -> None:
    """A page's own check: signed out (or removed since) in a mode that needs sign-in means no page."""
    mode = auth.mode()
    if mode == "none":
        return
    found = st.session_state.get(StateKeys.USER)
    if found is None or auth.get_user(found.name) is None:
        st.session_state[StateKeys.USER] = None
        st.session_state[_SIGNED_OUT] = True
        st.info("You are signed out. Reload the page to sign in.", icon=":material/lock:")
        st.stop()


def _password_form() -> None:
    st.title("PersonaLens")
    with st.form("sign-in"):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        if st.form_submit_button("Sign in", type="primary"):
            found = auth.authenticate(name, password)
            if found is None:
                st.error("That user name and password do not match.", icon=":material/lock:")
            else:
                st.session_state[StateKeys.USER] = found
                st.session_state[_SET_COOKIE] = auth.issue_token(found)
                st.session_state.pop(_SIGNED_OUT, None)
                st.rerun()
    st.stop()


def _oidc_user() -> User:
    if not _oidc_configured():
        st.error(
            "PERSONALENS_AUTH is oidc, but .streamlit/secrets.toml has no [auth] section naming your identity "
            "provider (see the README).",
            icon=":material/lock:",
        )
        st.stop()
    if not st.user.get("is_logged_in", False):
        st.title("PersonaLens")
        st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
        st.stop()
    email = str(st.user.get("email") or "")
    found = auth.get_user(email)
    if found is None:
        st.error(f"{email} has no access to PersonaLens yet: ask an admin to add you.", icon=":material/lock:")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    return found


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def sign_out() -> None:
    st.session_state[StateKeys.USER] = None
    st.session_state[_SIGNED_OUT] = True  # the browser's old cookie stays readable until the next load
    st.session_state[_SET_COOKIE] = ""
    if auth.mode() == "oidc":
        st.logout()
    st.rerun()


def _write_cookie() -> None:
    """Set (or clear) the session cookie in the browser, once, right after signing in (or out)."""
    token = st.session_state.pop(_SET_COOKIE, None)
    if token is None:
        return
    age = auth.SESSION_HOURS * 3600 if token else 0
    cookie = f"{auth.SESSION_COOKIE}={token}; path=/; max-age={age}; SameSite=Strict"
    st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


def sidebar_status(found: User | None) -> None:
    """Who is signed in (and a way out), or the warning that anyone who can reach the server sees all."""
    if found is None:
        st.caption(
            ":material/lock_open: No sign-in: anyone who can reach this address sees and changes the data. "
            "Set PERSONALENS_AUTH=password for a team (see the README)."
        )
        return
    role = found.role_in(st.session_state.get(StateKeys.WORKSPACE)) or found.role
    st.caption(f":material/person: {literal(found.name)} · {role}")
    if st.button("Sign out", icon=":material/logout:", width="stretch"):
        sign_out()
