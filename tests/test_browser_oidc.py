"""Streamlit's own OIDC login (st.login) against a mock provider on loopback (oidc-provider-mock): with
[auth] in the secrets, a visitor signs in first, and the sidebar names who is signed in."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.conftest import start_app, stop_app, wait_for_app
from tests.pgcluster import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(tmp_path):
    port = free_port()
    claims = json.dumps({"sub": "wang.li", "email": "wang.li@example.org"})
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "-p", str(port), "--user-claims", claims],
                            stdout=subprocess.DEVNULL, stderr=(tmp_path / "oidc.log").open("w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/.well-known/openid-configuration", timeout=1)
            break
        except OSError:
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "oidc.log").read_text()
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_a_visitor_signs_in_with_oidc_and_the_sidebar_names_them(browser, provider, tmp_path):
    port = free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'''[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "atlas-test-cookie-secret-0123456789"
client_id = "atlas"
client_secret = "atlas-test-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"
''')
    proc, url = start_app(tmp_path, env={"ATLAS_ADMINS": "wang.li@example.org"},
                          args=("--secrets.files", str(secrets)), port=port)
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(url + "/data")
        wait_for_app(page)
        expect(page.get_by_text("请登录后使用")).to_be_visible(timeout=60_000)
        assert page.get_by_text("已保存的数据集").count() == 0          # nothing of the app before signing in
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(provider + "/**", timeout=60_000)
        page.get_by_role("button", name="wang.li").click()            # the provider's predefined user
        page.wait_for_url(url + "/**", timeout=60_000)
        wait_for_app(page)
        # the e-mail is text, not a mailto link: an invisible word joiner (U+2060) sits before its '@'
        expect(page.get_by_text("当前用户：wang.li\u2060@example.org · 管理员")).to_be_visible(timeout=60_000)
    finally:
        context.close()
        stop_app(proc)
