"""Sign-in in the dashboard: signed out shows only a form; each role sees the actions it may take."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import auth
from core.workspace import Workspace
from tests.app.conftest import APP, open_tab

PASSWORD = "correct horse battery"


@pytest.fixture
def team_home(trained_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    shutil.copytree(trained_ws.path, home / "shop")
    shutil.copytree(trained_ws.path, home / "secret-shop")
    monkeypatch.setenv("PERSONALENS_HOME", str(home))
    monkeypatch.setenv("PERSONALENS_AUTH", "password")
    monkeypatch.setenv("PERSONALENS_SECRET", "a-test-secret-of-enough-length")
    for name, role in (("vera", "viewer"), ("ana", "analyst")):
        auth.add_user(name, PASSWORD, role)
        auth.grant(name, "shop", role)
    auth.add_user("boss", PASSWORD, "admin")
    return home


def _signed_in(name: str, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    return _visit(at, page) if page else at


def _visit(at: AppTest, page: str) -> AppTest:
    """Open `page` on workspace shop (AppTest keeps no sidebar widget state across runs, so set it)."""
    at.session_state["workspace"] = "shop"
    at.switch_page(page)
    at.run()
    assert not at.exception
    return at


def _everything_shown(at: AppTest) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "title", "subheader", "info", "selectbox") for e in at.get(kind)
    ]
    return " ".join(str(p) for p in parts)


def test_a_signed_out_browser_sees_only_the_form(team_home: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert not at.get("plotly_chart") and not at.metric and not at.selectbox
    assert "shop" not in _everything_shown(at)
    at.text_input[0].input("vera")
    at.text_input[1].input("not the password")
    at.button[0].click().run()
    assert "do not match" in at.error[0].value
    assert not at.metric


def test_a_viewer_reads_but_cannot_train_upload_unmask_or_see_other_workspaces(team_home: Path) -> None:
    at = _signed_in("vera")
    assert at.selectbox(key="workspace").options == ["shop"]  # secret-shop is not granted
    assert any("vera · viewer" in c.value for c in at.sidebar.caption)
    assert at.metric  # the Home page's figures
    _visit(at, "pages/personas.py")
    assert at.subheader
    assert not [b for b in at.button if b.label in ("Find personas", "Save")]
    assert not [t for t in at.text_input if (t.key or "").startswith("name-")]  # no rename
    _visit(at, "pages/data.py")
    assert [t.label for t in at.tabs] == [":material/table_view: Browse"] and not at.toggle  # no upload, no unmask
    _visit(at, "pages/models.py")
    assert not [b for b in at.button if b.label == "Start training"]
    assert "Audit trail" not in _everything_shown(at)


def test_an_analyst_trains_and_an_admin_sees_the_audit_trail(team_home: Path) -> None:
    ana = _signed_in("ana", "pages/personas.py")
    assert [b for b in ana.button if b.label == "Find personas"]
    _visit(ana, "pages/data.py")
    assert len(ana.tabs) == 2 and not ana.toggle  # uploads, but may not unmask
    boss = _signed_in("boss")
    assert set(boss.selectbox(key="workspace").options) == {"secret-shop", "shop"}
    _visit(boss, "pages/models.py")
    boss.session_state["workspace"] = "shop"
    open_tab(boss, "models-tab", "Audit trail")
    assert not boss.exception and any("Who uploaded" in c.value for c in boss.caption)
    _visit(boss, "pages/data.py")
    assert boss.toggle  # an admin may unmask


def test_removing_a_user_signs_them_out_on_their_next_click(team_home: Path) -> None:
    at = _signed_in("vera")
    auth.remove_user("vera")
    at.run()
    assert not at.metric and not at.get("plotly_chart")
    assert any("signed out" in i.value for i in at.info) or [t.label for t in at.text_input] == [
        "User name",
        "Password",
    ]


def test_oidc_mode_shows_nothing_until_signed_in(team_home: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PERSONALENS_AUTH", "oidc")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # no [auth] provider configured here: a plain message, and no data
    assert not at.exception
    assert "no [auth] section" in at.error[0].value
    assert not at.metric and not at.selectbox and "shop" not in _everything_shown(at)
    at.secrets["auth"] = {"redirect_uri": "http://localhost/oauth2callback", "cookie_secret": "x" * 32}
    at.run()  # configured, signed out: only the sign-in button
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.selectbox and "shop" not in _everything_shown(at)


def test_a_viewers_audience_export_is_masked_and_spreadsheet_safe(team_home: Path) -> None:
    import io

    import pandas as pd

    from core.personas.service import rename_persona
    from core.workspace import open_workspace
    from pages._ui import cache

    ws = open_workspace(team_home / "shop")
    rename_persona(ws, 0, '=HYPERLINK("http://tracker.example","Invoice")')
    masked = pd.read_csv(io.BytesIO(cache.persona_audience_csvs(ws, masked=True)(0)()))
    full = pd.read_csv(io.BytesIO(cache.persona_audience_csvs(ws, masked=False)(0)()))
    assert len(masked) == len(full) > 0
    assert masked["email"].str.contains(r"^.\*\*\*@", regex=True).all()
    assert not masked["name"].isin(full["name"]).any()
    assert masked["persona_name"].str.startswith("'=HYPERLINK(").all()
