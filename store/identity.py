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
GROUPS_ENV = "ATLAS_GROUPS"
GROUPS_HEADER_ENV = "ATLAS_TRUSTED_GROUPS_HEADER"
PRIVATE, SHARED, GROUP = "private", "shared", "group:"
MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class User:
    name: str
    is_admin: bool = False
    source: str = "local"        # "oidc", "header" or "local"
    groups: frozenset[str] = frozenset()    # named groups an object may be shared with (ATLAS_GROUPS, SSO)

    def may_manage(self, owner: str) -> bool:
        """Only the owner or an admin changes, shares or deletes."""
        return self.is_admin or owner == self.name

    def may_see(self, owner: str, visibility: str) -> bool:
        """The owner; everyone when shared; the members of the group it is shared with."""
        return owner == self.name or visibility == SHARED or shared_with(visibility) in self.groups


def visibility_of(shared: bool | str) -> str:
    """The stored visibility: True shared with everyone, False private, a group's name shared with that group."""
    if isinstance(shared, str):
        return GROUP + shared
    return SHARED if shared else PRIVATE


def shared_with(visibility: str) -> bool | str:
    """The inverse of `visibility_of`: True, False or the group's name."""
    return visibility[len(GROUP):] if visibility.startswith(GROUP) else visibility == SHARED


def groups_from_config(name: str, env: Mapping[str, str] | None = None) -> frozenset[str]:
    """The groups ATLAS_GROUPS puts `name` in: "卫健委:alice,bob;教育局:carol" (group: members; groups by ';')."""
    env = os.environ if env is None else env
    out = set()
    for part in env.get(GROUPS_ENV, "").split(";"):
        group, _, members = part.partition(":")
        group = clean_name(group)
        if group and name in {m.strip() for m in members.split(",")}:
            out.add(group)
    return frozenset(out)


def _listed(raw) -> frozenset[str]:
    """Group names from a header ("a, b") or an OIDC claim (a list or such a string); unusable names dropped."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or []) if isinstance(raw, (list, tuple)) else []
    return frozenset(g for g in (clean_name(x) for x in items) if g)


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
        groups = groups_from_config(name, env) | _listed(oidc_user.get("groups")) if name else frozenset()
        return User(name, name in boss, "oidc", groups) if name else None
    header = env.get(HEADER_ENV, "").strip()
    if header:
        name = clean_name(_header(headers, header))
        if not name:
            return None
        groups_header = env.get(GROUPS_HEADER_ENV, "").strip()   # trusted only beside the trusted user header
        listed = _listed(_header(headers, groups_header)) if groups_header else frozenset()
        return User(name, name in boss, "header", groups_from_config(name, env) | listed)
    return local_user()


def _header(headers: Mapping[str, str] | None, wanted: str):
    return next((v for k, v in (headers or {}).items() if k.lower() == wanted.lower()), None)
