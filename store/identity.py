"""Who is using the atlas: pure rules, no Streamlit (components/identity.py reads the request).

Identity comes from, in order: Streamlit's own OIDC login (``st.login``) when ``[auth]`` is configured in
secrets.toml; the trusted header an authenticating reverse proxy sets, named by ``ATLAS_TRUSTED_USER_HEADER``
and honoured only when that is set (a forged header is otherwise ignored); else the one local user of an
embedded install, today's behaviour. Admins come from ``ATLAS_ADMINS`` (comma-separated names); the local
user of an embedded install administers its own data.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

LOCAL_USER = "local"
HEADER_ENV = "ATLAS_TRUSTED_USER_HEADER"
ADMINS_ENV = "ATLAS_ADMINS"
MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class User:
    name: str
    is_admin: bool = False
    source: str = "local"        # "oidc", "header" or "local"

    def may_manage(self, owner: str) -> bool:
        """Only the owner or an admin changes, shares or deletes."""
        return self.is_admin or owner == self.name


def admins(env: Mapping[str, str] | None = None) -> frozenset[str]:
    env = os.environ if env is None else env
    return frozenset(a.strip() for a in env.get(ADMINS_ENV, "").split(",") if a.strip())


def local_user() -> User:
    return User(LOCAL_USER, is_admin=True, source="local")


def clean_name(raw) -> str | None:
    """A user name as given by the proxy or provider, or None when unusable (empty, control characters, long)."""
    if not isinstance(raw, str):
        return None
    name = raw.strip()
    if not name or len(name) > MAX_NAME or _CONTROL.search(name):
        return None
    return name


def resolve(headers: Mapping[str, str] | None = None, oidc_user: Mapping | None = None,
            oidc_configured: bool = False, env: Mapping[str, str] | None = None) -> User | None:
    """The visitor, or None when a login is required and nobody is signed in (OIDC configured, not logged in;
    trusted header configured but absent). ``oidc_user`` is ``st.user`` as a mapping."""
    env = os.environ if env is None else env
    boss = admins(env)
    if oidc_configured:
        if not oidc_user or not oidc_user.get("is_logged_in"):
            return None
        name = clean_name(oidc_user.get("email") or oidc_user.get("preferred_username") or oidc_user.get("sub"))
        return User(name, name in boss, "oidc") if name else None
    header = env.get(HEADER_ENV, "").strip()
    if header:
        wanted = header.lower()
        value = next((v for k, v in (headers or {}).items() if k.lower() == wanted), None)
        name = clean_name(value)
        return User(name, name in boss, "header") if name else None
    return local_user()
