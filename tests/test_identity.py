"""Who is using the atlas: OIDC first when configured, the trusted header only when configured, else local."""
from store.identity import LOCAL_USER, User, resolve

HEADER = {"ATLAS_TRUSTED_USER_HEADER": "X-Forwarded-User", "ATLAS_ADMINS": "wang, li "}


def test_without_configuration_everyone_is_the_local_user_and_a_forged_header_is_ignored():
    user = resolve(headers={"X-Forwarded-User": "wang"}, env={})
    assert user == User(LOCAL_USER, is_admin=True, source="local")


def test_the_trusted_header_names_the_user_case_insensitively_and_admins_come_from_configuration():
    assert resolve(headers={"x-forwarded-user": "wang"}, env=HEADER) == User("wang", True, "header")
    assert resolve(headers={"X-Forwarded-User": " zhao "}, env=HEADER) == User("zhao", False, "header")
    assert resolve(headers={"X-Forwarded-User": "li"}, env=HEADER).is_admin


def test_a_missing_or_unusable_header_is_nobody_never_the_local_user():
    for headers in ({}, {"X-Forwarded-User": ""}, {"X-Forwarded-User": "a\nb"}, {"X-Forwarded-User": "x" * 201},
                    {"X-Other": "wang"}):
        assert resolve(headers=headers, env=HEADER) is None


def test_oidc_comes_first_when_configured():
    signed_in = {"is_logged_in": True, "email": "wang", "sub": "123"}
    assert resolve(headers={"X-Forwarded-User": "zhao"}, oidc_user=signed_in, oidc_configured=True,
                   env=HEADER) == User("wang", True, "oidc")
    assert resolve(oidc_user={"is_logged_in": False}, oidc_configured=True, env={}) is None
    assert resolve(oidc_user={"is_logged_in": True, "sub": "abc"}, oidc_configured=True, env={}).name == "abc"


def test_only_the_owner_or_an_admin_manages():
    assert User("wang").may_manage("wang") and not User("zhao").may_manage("wang")
    assert User("li", is_admin=True).may_manage("wang")


def test_a_hostile_signed_in_name_is_shown_as_text(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from components import identity
    hostile = User("[x](http://evil.example) <img src=x onerror=alert(1)>", False, "header")
    monkeypatch.setattr(identity, "current_user", lambda: hostile)   # undone after this test, for every later page

    def page():
        from components import identity
        identity.signed_in_line("zh")
    at = AppTest.from_function(page).run()
    assert not at.exception
    shown = at.caption[0].value
    assert "\\[x]" in shown and "http\u2060://" in shown         # no link: the bracket escaped, no autolink
    assert "<img" not in shown and "&lt;img" in shown
