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


def test_groups_come_from_configuration_and_from_the_sso_only_where_it_is_trusted():
    env = {**HEADER, "ATLAS_GROUPS": "卫健委:wang,zhao; 教育局: zhao ;bad\nname:wang",
           "ATLAS_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups"}
    assert resolve(headers={"X-Forwarded-User": "wang"}, env=env).groups == {"卫健委"}
    assert resolve(headers={"X-Forwarded-User": "zhao", "x-forwarded-groups": "医保局, ,财政厅"},
                   env=env).groups == {"卫健委", "教育局", "医保局", "财政厅"}
    # a groups header is ignored unless configured, and never without the trusted user header
    assert resolve(headers={"X-Forwarded-User": "li", "X-Forwarded-Groups": "卫健委"}, env=HEADER).groups == set()
    assert resolve(headers={"X-Forwarded-Groups": "卫健委"}, env={"ATLAS_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups",
                                                                  "ATLAS_GROUPS": "卫健委:local"}).groups == set()
    signed_in = {"is_logged_in": True, "email": "wang", "groups": ["教育局", "x" * 201]}
    assert resolve(oidc_user=signed_in, oidc_configured=True, env=env).groups == {"卫健委", "教育局"}


def test_a_group_member_sees_what_is_shared_with_the_group_and_nobody_else_does():
    member, outsider = User("wang", groups=frozenset({"卫健委"})), User("li")
    assert member.may_see("zhao", "group:卫健委") and not outsider.may_see("zhao", "group:卫健委")
    assert not member.may_see("zhao", "group:卫健") and not member.may_see("zhao", "private")
    assert outsider.may_see("zhao", "shared") and outsider.may_see("li", "private")


def test_a_group_member_shares_a_dataset_with_the_group_on_the_data_page(tmp_path, monkeypatch):
    from components import datasets, identity
    from store import saved
    from tests.apptest import open_page
    from tests.test_saved import make_result
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path))
    wang, li, zhao = (User(n, groups=frozenset(g)) for n, g in (("wang", {"卫健委"}), ("li", {"卫健委"}), ("zhao", ())))
    for module in (identity, datasets):
        monkeypatch.setattr(module, "current_user", lambda: wang)
    ds = saved.save_dataset(make_result("grp"), "<b>组内</b>床位", user=wang)
    at = open_page("views/data.py")
    box = next(s for s in at.selectbox if s.label == "谁可以看到")
    assert box.options == ["仅自己可见", "所有人可见", "仅“卫健委”组可见"] and box.value == "private"
    box.select("group:卫健委").run()
    assert not at.exception
    assert saved.list_datasets(user=li)["id"].tolist() == [ds] and saved.list_datasets(user=zhao).empty
    assert any("仅“卫健委”组可见" in c.value for c in at.caption)
    assert any("卫健委" in c.value for c in at.sidebar.caption)          # the sidebar names the user's groups
