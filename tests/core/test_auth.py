"""Sign-in and roles: users with bcrypt hashes, signed sessions, and core refusing what a role may not do."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from core import audit, auth, registry, runs
from core.auth import AuthError, PermissionDenied
from core.browse import browse
from core.cli import main
from core.ingest.pipeline import ingest
from core.workspace import Workspace, create_named_workspace, open_workspace

ORDERS = "customer_id,product_id,quantity,unit_price,timestamp\nc1,p1,1,9.99,2025-01-02\n"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PERSONALENS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PERSONALENS_SECRET", "a-test-secret-of-enough-length")
    return tmp_path / "home"


@pytest.fixture
def team(home: Path) -> dict[str, auth.User]:
    users = {role: auth.add_user(f"{role}1", "correct horse battery", role) for role in ("viewer", "analyst")}
    for role in ("viewer", "analyst"):
        users[role] = auth.grant(f"{role}1", "shop", role)
    users["admin"] = auth.add_user("boss", "correct horse battery", "admin")
    return users


@pytest.fixture
def shop(trained_ws: Workspace, home: Path) -> Workspace:
    shutil.copytree(trained_ws.path, home / "shop")
    return open_workspace(home / "shop")


def test_passwords_are_hashed_checked_and_sessions_signed(team: dict[str, auth.User], home: Path) -> None:
    stored = (home / "users.json").read_text()
    assert "correct horse battery" not in stored and "$2b$" in stored
    assert auth.authenticate("viewer1", "correct horse battery") == team["viewer"]
    assert auth.authenticate("viewer1", "wrong password!") is None
    assert auth.authenticate("nobody", "correct horse battery") is None
    token = auth.issue_token(team["analyst"])
    assert auth.user_from_token(token) == team["analyst"]
    assert auth.user_from_token(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]) is None  # tampered
    assert auth.user_from_token("not-a-token") is None
    auth.remove_user("analyst1")
    assert auth.user_from_token(token) is None  # removing a user ends their sessions


def test_bad_users_and_settings_are_refused_in_plain_words(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AuthError, match="8 or more characters"):
        auth.add_user("ann", "short", "viewer")
    with pytest.raises(AuthError, match="not a user name"):
        auth.add_user("../ann", "long enough pass", "viewer")
    with pytest.raises(AuthError, match="unknown role"):
        auth.add_user("ann", "long enough pass", "owner")
    monkeypatch.setenv("PERSONALENS_AUTH", "magic")
    with pytest.raises(AuthError, match="use one of none, password, oidc"):
        auth.mode()
    monkeypatch.setenv("PERSONALENS_SECRET", "short")
    with pytest.raises(AuthError, match="16 or more characters"):
        auth.secret()


def test_roles_per_workspace(team: dict[str, auth.User]) -> None:
    viewer, analyst, admin = team["viewer"], team["analyst"], team["admin"]
    assert viewer.can("shop", "view") and not viewer.can("shop", "upload") and not viewer.can("other", "view")
    assert analyst.can("shop", "train") and not analyst.can("shop", "unmask") and not analyst.sees("other")
    assert admin.can("anything", "delete_workspace") and admin.can(None, "create_workspace")
    assert not analyst.can(None, "create_workspace")


def test_core_refuses_writes_a_role_may_not_do(team: dict[str, auth.User], shop: Workspace, tmp_path: Path) -> None:
    viewer, analyst, admin = team["viewer"], team["analyst"], team["admin"]
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS)
    before = (shop.row_counts(), shop.data_version())
    with pytest.raises(PermissionDenied, match="viewer1 may not upload in workspace 'shop'"):
        ingest(shop, [orders], by=viewer)
    assert (shop.row_counts(), shop.data_version()) == before
    with pytest.raises(PermissionDenied, match="may not train"):
        runs.start_run(shop, ["topics"], by=viewer)
    with pytest.raises(PermissionDenied, match="may not delete version"):
        registry.delete(shop, "topics", "20990101T000000000000", by=analyst)
    with pytest.raises(PermissionDenied, match="may not unmask"):
        browse(shop, "customers", mask_personal=False, by=analyst)
    with pytest.raises(PermissionDenied, match="may not create workspace"):
        create_named_workspace("new-shop", by=analyst)
    assert "@" in browse(shop, "customers", mask_personal=False, by=admin).rows["email"].iloc[0]
    ingest(shop, [orders], by=analyst)
    assert shop.data_version() == before[1] + 1


def test_the_audit_trail_names_who_did_what(team: dict[str, auth.User], shop: Workspace, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS)
    ingest(shop, [orders], by=team["analyst"])
    active = registry.active_version(shop, "topics")
    registry.activate(shop, "topics", active, by=team["analyst"])
    browse(shop, "customers", mask_personal=False, by=team["admin"])
    found = audit.events(shop)
    assert found[["user", "action"]].values.tolist()[:2] == [["analyst1", "promote"], ["analyst1", "upload"]]
    assert "orders.csv" in found.loc[found["action"] == "upload", "what"].iloc[0]


def test_cli_manages_users_and_prints_the_audit(
    home: Path, shop: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["users", "add", "ann", "--role", "analyst"]) == 0
    assert main(["users", "grant", "ann", "shop", "viewer"]) == 0
    assert main(["users", "add", "ann", "--role", "viewer"]) == 2  # already there: one plain line
    capsys.readouterr()
    assert main(["users", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"name": "ann", "role": "analyst", "grants": {"shop": "viewer"}}]
    assert auth.authenticate("ann", "a long password") is not None
    audit.record(shop, None, "export", "scored reviews")
    assert main(["audit", "--workspace", str(shop.path), "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert events[0]["action"] == "export" and events[0]["user"].endswith("(no sign-in)")
    assert main(["users", "remove", "ann"]) == 0 and auth.list_users() == []
