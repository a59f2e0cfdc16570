"""Offline rendering with the system Chromium: the briefing PDF.

Why a browser: plotly.js draws the figures exactly as the app shows them
(fonts, legends, the map's projection), and Chromium is already on every
machine that runs the browser tests; kaleido is not installed and nothing may
be downloaded at run time. The page lives on a made-up host whose only
answers are the page itself and the app's ``static/`` folder (boundaries,
topojson stand-ins); every other request is refused, so an export can never
reach the internet. No streamlit import.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import unquote, urlparse

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
HOST = "atlas-export.invalid"
STATIC = Path(__file__).resolve().parents[1] / "static"


@contextlib.contextmanager
def offline_page(html: str, viewport: dict | None = None, refused: list | None = None):
    """A Chromium page showing `html`; `/app/static/...` is served from the repo's static folder,
    anything else is refused (and appended to `refused` if given)."""
    from playwright.sync_api import sync_playwright

    def route(r):
        url = urlparse(r.request.url)
        if url.scheme in ("data", "blob"):
            return r.continue_()
        if url.netloc == HOST:
            if url.path == "/":
                return r.fulfill(body=html, content_type="text/html; charset=utf-8")
            if url.path.startswith("/app/static/"):
                path = (STATIC / unquote(url.path[len("/app/static/"):])).resolve()
                if path.is_relative_to(STATIC) and path.is_file():
                    return r.fulfill(path=str(path))
        if refused is not None:
            refused.append(r.request.url)
        return r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
            page.route("**/*", route)
            page.goto(f"http://{HOST}/", wait_until="load")
            yield page
        finally:
            browser.close()


def html_to_pdf(html: str, wait_for: str = "true", timeout_ms: int = 60_000, viewport_width: int = 800) -> bytes:
    """Print `html` to PDF (CSS @page decides size and margins) once `wait_for` (a JS expression) is true."""
    with offline_page(html, {"width": viewport_width, "height": 1000}) as page:
        page.wait_for_function(wait_for, timeout=timeout_ms)
        page.emulate_media(media="print")
        return page.pdf(print_background=True, prefer_css_page_size=True)
