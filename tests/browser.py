"""The browser harness: one server and one Chromium for every browser module of the run.

One `python wsgi.py` serves a fresh SQLite file with the demo data for the whole
session; each test opens its own browser contexts and uses titles of its own, so
the tests do not depend on one another's data. Every context records every
request it makes, and none may leave 127.0.0.1. The fixtures are registered in
conftest.py; the browser modules import only the helpers.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright import sync_api as playwright_api

from .support import IN_CI, PASSWORD, http_login, incident_payload, running_server

expect = playwright_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Outside the source tree; DISPATCH_SCREENSHOTS chooses where to look at them. Under CI, where nobody looks,
# only when it is set (a full-page capture costs Chromium a fifth of a second).
SCREENSHOTS = Path(os.environ.get("DISPATCH_SCREENSHOTS") or Path(tempfile.gettempdir()) / "dispatch-screenshots")
TAKE_SCREENSHOTS = bool(os.environ.get("DISPATCH_SCREENSHOTS")) or not IN_CI
NETWORK_SCHEMES = {"http", "https", "ws", "wss"}
WAIT = 10_000  # ms: generous for a loaded machine; a passing step takes well under a second


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    with running_server(f"sqlite:///{folder / 'pages.db'}", instance_dir=folder,
                        env={"DISPATCH_HEARTBEAT_SECONDS": "1"}) as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Session:
    """One browser context signed in as one user, with every request it made and every script error.

    Its context goes back to the run's pool afterwards (a new context costs Chromium a second of CPU), unless
    the test reached for `.context` itself: what it did there (offline, permissions, scripts) stays with it."""

    _context: object
    page: object = None
    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reusable: bool = True

    @property
    def context(self):
        self.reusable = False
        return self._context

    def foreign(self) -> list[str]:
        return [url for url in self.urls
                if urlsplit(url).scheme in NETWORK_SCHEMES and urlsplit(url).hostname != "127.0.0.1"]


# Signed-in contexts no test holds, by (server, user, locale, zone, viewport, device): each is taken again
# with its cookies and storage cleared, signed in afresh and given a new page.
_idle: dict[tuple, list] = {}


@pytest.fixture
def open_session(browser, server):
    """open_session("psb") -> a signed-in context and page; checked for foreign requests afterwards."""
    with sessions(browser, server) as make:
        yield make


@contextmanager
def sessions(browser, server):
    """What open_session gives, for any scope: a module may keep its screens open across its tests."""
    opened: list[tuple[tuple, Session]] = []

    def make(username: str | None, *, locale: str = "en-GB", path: str | None = None,
             timezone: str = "Asia/Shanghai", viewport: tuple[int, int] = (1440, 900), **device) -> Session:
        key = (server.url, username, locale, timezone, viewport, tuple(sorted(device.items())))
        if _idle.get(key):
            context = _idle[key].pop()
            context.clear_cookies()
        else:
            language = "zh-CN,zh;q=0.9" if locale.startswith("zh") else "en-GB,en;q=0.9"
            context = browser.new_context(locale=locale, timezone_id=timezone,
                                          viewport={"width": viewport[0], "height": viewport[1]},
                                          extra_http_headers={"Accept-Language": language}, **device)
            context.on("request", lambda request: context.recorder.urls.append(request.url))
            context.on("websocket", lambda socket: context.recorder.urls.append(socket.url))
        session = context.recorder = Session(context)
        if username:
            answer = context.request.post(f"{server.url}/api/session",
                                          data={"username": username, "password": PASSWORD})
            assert answer.ok, answer.text()
        session.page = context.new_page()
        session.page.on("pageerror", lambda error: session.errors.append(str(error)))
        # what the Content-Security-Policy refused (an inline script or style) is an error too
        session.page.on("console", lambda message: session.errors.append(message.text)
                        if message.type == "error" and "Content Security Policy" in message.text else None)
        if path:
            session.page.goto(server.url + path)
            expect_live(session.page)
        opened.append((key, session))
        return session

    yield make
    for key, session in opened:
        release(key, session, server)
    for _, session in opened:
        assert session.urls, "the page made no request at all"
        assert session.foreign() == [], f"requests outside 127.0.0.1: {session.foreign()}"
        assert session.errors == [], f"script errors: {session.errors}"


def release(key: tuple, session: Session, server) -> None:
    """The session's context back to the pool, its pages closed and what the page stored forgotten."""
    context = session._context
    if session.reusable:
        for page in context.pages:
            if page.url.startswith(server.url):
                try:
                    page.evaluate("localStorage.clear(); sessionStorage.clear()")
                except playwright_api.Error:  # a page that never loaded, or is going away
                    session.reusable = False
            page.close()
    if session.reusable:
        _idle.setdefault(key, []).append(context)
    else:
        context.close()


def expect_live(page) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)


def shoot(page, name: str) -> None:
    if not TAKE_SCREENSHOTS:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


PHONE = (390, 844)
# Everything a finger may press, as the page shows it (the skip link shows only when focused).
TARGETS_TOO_SMALL = """(scope) => [...document.querySelectorAll(`${scope} :is(button, a, input, select, textarea)`)]
  .filter((n) => !n.closest('.skip, .sr') && n.getClientRects().length && getComputedStyle(n).visibility !== 'hidden')
  .map((n) => { const b = n.getBoundingClientRect(); return [n.outerHTML.slice(0, 90), Math.round(b.width), Math.round(b.height)]; })
  .filter(([, w, h]) => w < 44 || h < 44)"""


def board_row(page, title: str):
    return page.locator("#board tbody tr", has_text=title)


def register_through_api(server, title: str, **overrides) -> dict:
    http = http_login(server.url, "duty")
    answer = http.post(f"{server.url}/api/incidents", json=incident_payload(title=title, **overrides), timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()
