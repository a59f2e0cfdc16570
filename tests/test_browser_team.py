"""A team set-up, for real: nginx with basic auth in front of the app passes the signed-in name in
X-Forwarded-User; two users in Chromium. Alice's private upload never reaches Bob (pages, link, exports),
sharing makes it visible, Bob still cannot delete it; a forged header is ignored; a database that is down
gives a page that says so, with the bundled data still drawn."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.conftest import start_app, stop_app, wait_for_app
from tests.nginxproxy import start_nginx
from tests.test_browser_data import MESSY

pytestmark = pytest.mark.browser

USERS = {"alice": "alice-pw", "bob": "bob-pw"}
PAGES = ["map", "gaps", "targets", "profile", "composite", "data"]
SECRET_NAME = "每千人口养老床位"          # the indicator's name in MESSY
DATASET_NAME = "甲的私有养老床位"


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """The app behind nginx; the app itself on loopback, honouring the header only because it is configured."""
    tmp = tmp_path_factory.mktemp("team")
    app, app_url = start_app(tmp, env={"ATLAS_TRUSTED_USER_HEADER": "X-Forwarded-User", "ATLAS_ADMINS": "carol"})
    try:
        proxy, url = start_nginx(tmp / "nginx", app_url, USERS)
    except Exception:
        stop_app(app)
        raise
    yield url, app_url
    proxy.terminate()
    proxy.wait(timeout=10)
    stop_app(app)


def _context(browser, user: str, extra_headers: dict | None = None):
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN",
                                  http_credentials={"username": user, "password": USERS[user]},
                                  extra_http_headers=extra_headers or {}, accept_downloads=True)
    return context, context.new_page()


def _open(page, url: str):
    page.goto(url)
    wait_for_app(page)
    page.get_by_text("当前用户：").wait_for(timeout=90_000)      # the sidebar's line: the script has run
    page.wait_for_timeout(1500)
    wait_for_app(page)


def test_a_private_upload_stays_with_its_owner_until_shared(browser, team):
    url, _ = team
    alice_ctx, alice = _context(browser, "alice")
    bob_ctx, bob = _context(browser, "bob", {"X-Forwarded-User": "alice"})   # forged: nginx overwrites it
    try:
        _open(alice, url + "/data")
        expect(alice.get_by_text("当前用户：alice")).to_be_visible()
        alice.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "养老床位.csv", "mimeType": "text/csv", "buffer": MESSY}])
        expect(alice.get_by_text("校验报告", exact=False)).to_be_visible(timeout=90_000)
        alice.get_by_label("数据集名称").fill(DATASET_NAME)
        alice.get_by_role("button", name="保存数据集").click()
        expect(alice.get_by_text("已保存“", exact=False)).to_be_visible(timeout=60_000)
        alice.get_by_role("link", name="在地图上查看").click()
        alice.wait_for_function("() => /[?&]ind=user_/.test(location.search)", timeout=60_000)
        expect(alice.get_by_text(SECRET_NAME, exact=False).first).to_be_visible(timeout=60_000)
        link = alice.url
        indicator = parse_qs(urlparse(link).query)["ind"][0]

        # Bob: every page, Alice's own link, and the map's data export hold nothing of it
        _open(bob, url + "/map")
        expect(bob.get_by_text("当前用户：bob")).to_be_visible()
        for name in PAGES:
            _open(bob, f"{url}/{name}")
            text = bob.locator("body").inner_text()
            assert SECRET_NAME not in text and DATASET_NAME not in text and indicator not in text, name
        proxied_link = link.replace(urlparse(link).netloc, urlparse(url).netloc)
        _open(bob, proxied_link)
        expect(bob.get_by_text("链接中的数据集对您不可用")).to_be_visible()
        body = bob.locator("body").inner_text()
        assert SECRET_NAME not in body and DATASET_NAME not in body
        name, csv = _download_csv(bob)                               # the map's data export
        assert SECRET_NAME not in csv + name and indicator not in csv + name
        _open(bob, url + "/data")
        assert bob.get_by_role("button", name="删除").count() == 0

        # Alice shares it: Bob sees it, and still cannot delete, share or unshare it
        _open(alice, url + "/data")
        box = alice.locator(".st-key-ds-" + _dataset_key(alice))
        box.get_by_text("共享给所有人").click()
        wait_for_app(alice)
        expect(box.get_by_text("所有人可见")).to_be_visible(timeout=30_000)
        _open(bob, url + "/data")
        expect(bob.get_by_text(DATASET_NAME)).to_be_visible(timeout=30_000)
        assert bob.get_by_role("button", name="删除").count() == 0
        assert bob.get_by_text("共享给所有人").count() == 0
        assert bob.get_by_text("操作记录（管理员）").count() == 0     # Bob is no admin: no audit log
        _open(bob, proxied_link)
        expect(bob.get_by_text(SECRET_NAME, exact=False).first).to_be_visible(timeout=60_000)
        name, csv = _download_csv(bob)
        assert SECRET_NAME in csv
    finally:
        alice_ctx.close()
        bob_ctx.close()


def _dataset_key(page) -> str:
    keys = page.evaluate("() => [...document.querySelectorAll('[class*=st-key-ds-]')].map(e => e.className)")
    return re.search(r"st-key-ds-(\S+)", keys[0]).group(1)


def _download_csv(page) -> tuple[str, str]:
    """The page's first data export (CSV) as the visitor gets it: file name, text."""
    button = page.get_by_role("button", name=re.compile("CSV")).first
    with page.expect_download(timeout=60_000) as info:
        button.click()
    return info.value.suggested_filename, open(info.value.path(), encoding="utf-8-sig").read()


def test_without_a_configured_header_a_forged_one_is_ignored(browser, app_url):
    context = browser.new_context(extra_http_headers={"X-Forwarded-User": "alice"})
    page = context.new_page()
    try:
        _open(page, app_url + "/data")
        expect(page.get_by_text("当前用户：本机用户")).to_be_visible()
        assert "alice" not in page.locator("body").inner_text()
    finally:
        context.close()


def test_a_database_that_is_down_gives_a_page_that_says_so(browser, tmp_path):
    from tests.pgcluster import free_port
    proc, url = start_app(tmp_path, env={"ATLAS_DATABASE_URL": f"postgresql://atlas@127.0.0.1:{free_port()}/atlas"})
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        _open(page, url + "/map")
        expect(page.get_by_text("数据库不可用", exact=False).first).to_be_visible(timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('path.choroplethlocation').length >= 34",
                               timeout=90_000)                       # the bundled data still draws
        assert "Traceback" not in page.locator("body").inner_text()
        _open(page, url + "/data")
        expect(page.get_by_text("数据库不可用", exact=False).first).to_be_visible(timeout=60_000)
        assert "Traceback" not in page.locator("body").inner_text()
    finally:
        context.close()
        stop_app(proc)
