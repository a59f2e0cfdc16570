"""The visitor, read from the request: st.login (OIDC) when configured, else the trusted proxy header
(only when ATLAS_TRUSTED_USER_HEADER is set), else the local user. The rules are in store/identity.py."""
from __future__ import annotations

import os

import streamlit as st

from components.importer import table_text
from i18n import t
from store import identity


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return False


def current_user() -> identity.User:
    """Who is using this session; stops the page with a sign-in button (OIDC) or a message (proxy header
    missing) when nobody is."""
    oidc = _oidc_configured()
    headers = dict(st.context.headers) if os.environ.get(identity.HEADER_ENV, "").strip() else None
    user = identity.resolve(headers=headers, oidc_user=st.user.to_dict() if oidc else None, oidc_configured=oidc)
    if user is not None:
        return user
    lang = st.query_params.get("lang", "zh")
    lang = lang if lang in ("zh", "en") else "zh"
    if oidc:
        st.info(t("id.sign_in_needed", lang))
        st.button(t("id.sign_in", lang), on_click=st.login, type="primary")
    else:
        st.error(t("id.no_header", lang))
    st.stop()


def signed_in_line(lang: str) -> None:
    """One small sidebar line: who is signed in (and a sign-out for OIDC)."""
    user = current_user()
    role = f" · {t('id.admin', lang)}" if user.is_admin and user.source != "local" else ""
    name = t("id.local", lang) if user.source == "local" else table_text(user.name)   # a header's text is data
    groups = f" · {t('id.groups', lang, groups='、'.join(table_text(g) for g in sorted(user.groups)))}" \
        if user.groups else ""
    st.caption(t("id.signed_in", lang, name=name) + role + groups, help=None)
    if user.source == "oidc" and st.button(t("id.sign_out", lang), key="id-sign-out", type="tertiary"):
        st.logout()


def visibility_label(visibility: str, lang: str) -> str:
    """Who sees an object, in words: only its owner, everyone, or a named group's members. Plain text, for a
    widget's options; wrap it in `table_text` for markdown."""
    audience = identity.shared_with(visibility)
    if isinstance(audience, str):
        return t("db.group", lang, group=audience)
    return t("db.shared" if audience else "db.private", lang)


def share_control(container, visibility: str, key: str, lang: str):
    """How its owner shares an object: a toggle (everyone or nobody), or, for a member of named groups, a
    choice of private, everyone or one of the groups. Returns the new choice for saved.share_dataset /
    stories.share_story (True, False or a group's name), or None when unchanged."""
    user, now = current_user(), identity.shared_with(visibility)
    if not user.groups and not isinstance(now, str):
        return None if container.toggle(t("db.share", lang), value=now, key=key) == now else not now
    groups = sorted(user.groups | ({now} if isinstance(now, str) else set()))
    options = [identity.PRIVATE, identity.SHARED, *map(identity.visibility_of, groups)]
    chosen = container.selectbox(t("db.visibility", lang), options, index=options.index(visibility), key=key,
                                 format_func=lambda v: visibility_label(v, lang))
    return None if chosen == visibility else identity.shared_with(chosen)
