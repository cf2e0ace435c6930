"""Who may see and do what: users with bcrypt-hashed passwords, roles per workspace, signed session tokens.

Three sign-in modes, chosen by `PERSONALENS_AUTH` or `[personalens] auth` in `.streamlit/secrets.toml`:
`none` (one person on their own machine: no sign-in, the sidebar says so), `password` (users in
`users.json` under the workspaces home, managed with `python -m core users ...`) and `oidc`
(Streamlit's `st.login`; a signed-in e-mail must also be a user here to see anything).

Roles, per workspace: a **viewer** reads every page with personal data masked (exports too); an
**analyst** also uploads, retrains, renames, promotes and runs campaign exports; an **admin** also
manages users, deletes workspaces and versions and may unmask personal data. A user with the admin
role at the top level is an admin of every workspace; anyone else sees only the workspaces granted.

The pages hide what a role may not do, and `core` checks again: every write done on behalf of a
signed-in user passes that `User` as `by=`, and `require` refuses it in plain words. `by=None`
means a local caller (the CLI, or the `none` mode), which may do everything.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from core.config import PROJECT_ROOT, workspaces_home
from core.errors import PersonaLensError

MODES = ("none", "password", "oidc")
ROLES = ("viewer", "analyst", "admin")
NEEDS = {  # action -> the least role allowed to do it
    "view": "viewer",
    "export": "viewer",
    "upload": "analyst",
    "train": "analyst",
    "rename": "analyst",
    "label": "analyst",
    "promote": "analyst",
    "campaign_export": "analyst",
    "approve": "analyst",
    "unmask": "admin",
    "delete_version": "admin",
    "delete_workspace": "admin",
    "create_workspace": "admin",
    "manage_users": "admin",
}
SESSION_COOKIE = "personalens_session"
SESSION_HOURS = 12
MIN_PASSWORD = 8


class AuthError(PersonaLensError):
    """Sign-in is misconfigured, or a user or password is not acceptable."""


class PermissionDenied(PersonaLensError):
    """The signed-in user's role does not allow this."""


@dataclass(frozen=True)
class User:
    """A user as the pages and `core` see it (the password hash stays in the users file)."""

    name: str
    role: str  # top-level role: "admin" is an admin of every workspace
    grants: tuple[tuple[str, str], ...] = field(default=())  # (workspace, role)

    def role_in(self, workspace: str | None) -> str | None:
        if self.role == "admin":
            return "admin"
        return dict(self.grants).get(workspace) if workspace else None

    def can(self, workspace: str | None, action: str) -> bool:
        role = self.role_in(workspace)  # without a workspace: only a top-level admin has a role
        return role is not None and ROLES.index(role) >= ROLES.index(NEEDS[action])

    def sees(self, workspace: str) -> bool:
        return self.role_in(workspace) is not None


def require(by: User | None, workspace: str | None, action: str) -> None:
    """Refuse `action` on `workspace` unless `by` (None: a local caller) may do it."""
    if by is None or by.can(workspace, action):
        return
    where = f" in workspace '{workspace}'" if workspace else ""
    raise PermissionDenied(
        f"{by.name} may not {action.replace('_', ' ')}{where}: ask an admin for the {NEEDS[action]} role"
    )


def who(by: User | None) -> str:
    """How the audit trail names the person acting."""
    return by.name if by is not None else f"{os.environ.get('USER') or 'local'} (no sign-in)"


# -- configuration -------------------------------------------------------------------------------


def _secrets() -> dict:
    path = PROJECT_ROOT / ".streamlit" / "secrets.toml"
    try:
        return tomllib.loads(path.read_text()).get("personalens", {}) if path.is_file() else {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AuthError(f"cannot read {path}: {exc}") from exc


def mode() -> str:
    """The sign-in mode: `PERSONALENS_AUTH`, else secrets.toml, else none."""
    chosen = (os.environ.get("PERSONALENS_AUTH") or _secrets().get("auth") or "none").strip().lower()
    if chosen not in MODES:
        raise AuthError(f"PERSONALENS_AUTH is {chosen!r}: use one of {', '.join(MODES)}")
    return chosen


def secret() -> str:
    """The key session tokens are signed with; never committed (environment or secrets.toml)."""
    found = os.environ.get("PERSONALENS_SECRET") or _secrets().get("cookie_secret") or ""
    if len(found) < 16:
        raise AuthError(
            "sign-in needs a secret of 16 or more characters to sign sessions: set PERSONALENS_SECRET or "
            "cookie_secret under [personalens] in .streamlit/secrets.toml"
        )
    return found


def users_file() -> Path:
    return workspaces_home() / "users.json"


# -- the users file ------------------------------------------------------------------------------


def _load() -> dict:
    path = users_file()
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text()).get("users", {})
    except ValueError as exc:
        raise AuthError(f"{path} is not a users file PersonaLens wrote ({exc})") from exc


def _save(users: dict) -> None:
    path = users_file()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"users": users}, indent=1, sort_keys=True))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class _Locked:
    """Read-change-write of the users file under a lock (two admins, or the CLI and the server)."""

    def __enter__(self) -> dict:
        users_file().parent.mkdir(parents=True, exist_ok=True)
        self._lock = users_file().with_suffix(".lock").open("a")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.users = _load()
        return self.users

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            if kind is None:
                _save(self.users)
        finally:
            self._lock.close()


def _user(name: str, record: dict) -> User:
    return User(name, record["role"], tuple(sorted(record.get("grants", {}).items())))


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def add_user(name: str, password: str, role: str) -> User:
    """A new user (the name as typed: 1-60 letters, digits, `.-_@`), its password hashed with bcrypt."""
    import bcrypt

    name = name.strip()
    if not name or len(name) > 60 or not all(ch.isalnum() or ch in ".-_@" for ch in name):
        raise AuthError(f"{name!r} is not a user name: use 1 to 60 letters, digits, dots, dashes, underscores or @")
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"a password needs {MIN_PASSWORD} or more characters")
    with _Locked() as users:
        if name in users:
            raise AuthError(f"there is already a user {name!r}")
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
        users[name] = {"hash": hashed, "role": _check_role(role), "grants": {}}
        return _user(name, users[name])


def remove_user(name: str) -> None:
    with _Locked() as users:
        if users.pop(name, None) is None:
            raise AuthError(f"there is no user {name!r}")


def grant(name: str, workspace: str, role: str) -> User:
    """Give `name` the role `role` in `workspace` (`none` takes the workspace away)."""
    with _Locked() as users:
        if name not in users:
            raise AuthError(f"there is no user {name!r}")
        grants = users[name].setdefault("grants", {})
        if role == "none":
            grants.pop(workspace, None)
        else:
            grants[workspace] = _check_role(role)
        return _user(name, users[name])


def list_users() -> list[User]:
    return [_user(name, record) for name, record in sorted(_load().items())]


def get_user(name: str) -> User | None:
    record = _load().get(name)
    return None if record is None else _user(name, record)


@functools.cache
def _dummy_hash() -> bytes:
    import bcrypt

    return bcrypt.hashpw(b"not a password anyone has", bcrypt.gensalt())


def authenticate(name: str, password: str) -> User | None:
    """The user when the password is right, else None (the same time is spent when the name is unknown)."""
    import bcrypt

    record = _load().get(name.strip())
    hashed = record["hash"].encode() if record else _dummy_hash()
    try:
        ok = bcrypt.checkpw(password.encode(), hashed)
    except ValueError:
        ok = False
    return _user(name.strip(), record) if ok and record else None


# -- sessions ------------------------------------------------------------------------------------


def _serializer():  # noqa: ANN202 - an itsdangerous URLSafeTimedSerializer
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret(), salt="personalens-session")


def issue_token(user: User) -> str:
    """A signed session token (the cookie's value): who, signed with the secret, dated."""
    return _serializer().dumps({"u": user.name})


def user_from_token(token: str | None) -> User | None:
    """The user a session token names, if its signature holds, it is under SESSION_HOURS old and the
    user still exists (removing a user ends their sessions)."""
    from itsdangerous import BadSignature

    if not token:
        return None
    try:
        found = _serializer().loads(token, max_age=SESSION_HOURS * 3600)
    except BadSignature:
        return None
    return get_user(str(found.get("u", ""))) if isinstance(found, dict) else None
