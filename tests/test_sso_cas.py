"""Signing in with the county's CAS 3.0 server: django-mama-cas, a real CAS server on Django, started by the tests.

The app's side runs in process (both backends) and asks the CAS server's `/p3/serviceValidate` over real HTTP; the
browser's side of the round trip (the CAS sign-in form, its redirect with a ticket) is a real HTTP client, and once
in Chromium against a real `python wsgi.py`."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .browser import WAIT, expect, expect_live
from .sso_support import CAS_NAMES, CAS_PEOPLE, cas_server, cas_sign_in
from .support import PASSWORD, free_port, running_server


@pytest.fixture(scope="module")
def cas_url(tmp_path_factory):
    with cas_server(tmp_path_factory.mktemp("cas")) as url:
        yield url


def _configure(app, monkeypatch, url: str, **more):
    for key, value in {"CAS_URL": url, "CAS_NAME": CAS_NAMES["en"], "CAS_NAME_ZH": CAS_NAMES["zh"],
                       "CAS_TIMEOUT": 2.0, "CAS_USERNAME_ATTRIBUTE": None, **more}.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def with_cas(app, cas_url, monkeypatch):
    _configure(app, monkeypatch, cas_url)
    return cas_url


def _round_trip(browser, username: str, next_page: str = "/board", language: str = "en"):
    """The browser (a Flask test client) leaves for the CAS server, signs in there as `username` with a real HTTP
    client, and comes back with the ticket: Dispatch's answer to that return."""
    leaving = browser.get(f"/auth/cas/login?next={next_page}", headers={"Accept-Language": language})
    assert leaving.status_code == 302, leaving.get_data(as_text=True)
    back = urlsplit(cas_sign_in(requests.Session(), leaving.location, username))
    assert back.path == "/auth/cas/callback" and "ticket=ST-" in back.query
    return browser.get(f"{back.path}?{back.query}", headers={"Accept-Language": language}), back


def _outcome(answer) -> str | None:
    parts = urlsplit(answer.location or "")
    return parse_qs(parts.query).get("sign_on", [None])[0] if parts.path == "/login" else None


def _signed_in_as(browser) -> str | None:
    answer = browser.get("/api/session")
    return answer.get_json()["user"]["username"] if answer.status_code == 200 else None


def test_a_user_signs_in_through_the_county_cas_and_the_event_names_the_method(with_cas, client_for, duty):
    start = duty.get("/api/events?limit=1").get_json()["last_seq"]
    browser = client_for().client
    answer, back = _round_trip(browser, "psb", next_page="/board")
    assert answer.status_code == 302 and answer.location == "/board"
    assert _signed_in_as(browser) == "psb"
    (event,) = duty.get(f"/api/events?after={start}").get_json()["items"]
    assert event["type"] == "session.started"
    assert event["data"] == {"user_id": browser.get("/api/session").get_json()["user"]["id"], "username": "psb",
                             "method": "cas"}
    ticket = parse_qs(back.query)["ticket"][0]
    assert ticket not in str(event) and CAS_PEOPLE["psb"][0] not in str(event)


@pytest.mark.parametrize("username,outcome,why", [
    ("ghost", "refused", "known to the CAS server, not here: never a new account"),
    ("employee-0001", "refused", "the CAS user is not a username here (unless the attribute is configured)"),
])
def test_only_an_identity_matching_a_user_here_gets_in(with_cas, client_for, admin_client, username, outcome, why):
    users_before = admin_client.get("/api/users?limit=1").get_json()["total"]
    browser = client_for().client
    answer, _ = _round_trip(browser, username)
    assert _outcome(answer) == outcome, why
    page = browser.get(answer.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "not an active user of Dispatch" in page and CAS_NAMES["en"] in page
    assert _signed_in_as(browser) is None
    assert admin_client.get("/api/users?limit=1").get_json()["total"] == users_before


def test_the_username_may_come_from_an_attribute_the_server_releases(app, with_cas, client_for, monkeypatch):
    monkeypatch.setitem(app.config, "CAS_USERNAME_ATTRIBUTE", "first_name")
    browser = client_for().client
    answer, _ = _round_trip(browser, "employee-0001")
    assert answer.location == "/board" and _signed_in_as(browser) == "psb"


def test_a_disabled_user_stays_out_whatever_the_cas_server_says(with_cas, client_for, admin_client):
    lvb = next(u for u in admin_client.get("/api/users?limit=500").get_json()["items"] if u["username"] == "lvb")
    assert admin_client.patch(f"/api/users/{lvb['id']}", json={"active": False}).status_code == 200
    browser = client_for().client
    answer, _ = _round_trip(browser, "lvb")
    assert _outcome(answer) == "refused" and _signed_in_as(browser) is None


def test_a_ticket_meant_for_another_browser_or_used_twice_signs_no_one_in(with_cas, client_for):
    leaving = client_for().client
    answer, back = _round_trip(leaving, "psb")
    assert _signed_in_as(leaving) == "psb"
    again = client_for().client  # another browser, handed the same way back
    replayed = again.get(f"{back.path}?{back.query}")
    assert _outcome(replayed) == "failed" and _signed_in_as(again) is None
    stranger = client_for().client  # a browser that left with its own state, given someone else's ticket
    own = stranger.get("/auth/cas/login")
    state = parse_qs(urlsplit(parse_qs(urlsplit(own.location).query)["service"][0]).query)["state"][0]
    other_ticket = parse_qs(back.query)["ticket"][0]
    forged = stranger.get(f"/auth/cas/callback?state={state}&ticket={other_ticket}")
    assert _outcome(forged) == "failed" and _signed_in_as(stranger) is None


def test_the_administrator_keeps_the_local_password(with_cas, client_for):
    assert client_for().client.post("/api/session", json={"username": "admin",
                                                          "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize("language,words,offer", [("en", "does not answer", f"Sign in with {CAS_NAMES['en']}"),
                                                  ("zh", "没有响应", CAS_NAMES["zh"])])
def test_a_cas_server_that_is_down_is_said_and_the_local_password_still_works(app, client_for, monkeypatch, language,
                                                                              words, offer):
    _configure(app, monkeypatch, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    browser = client_for().client
    page = browser.get(f"/login?lang={language}&next=/board").get_data(as_text=True)
    assert offer in page and "/auth/cas/login?next=/board" in page
    back = browser.get("/auth/cas/login?next=/board")
    assert back.status_code == 302 and urlsplit(back.location).path == "/login"
    page = browser.get(back.location).get_data(as_text=True)
    assert words in page and CAS_NAMES[language] in page
    assert browser.post("/api/session", json={"username": "psb", "password": PASSWORD}).status_code == 200


def test_without_a_cas_server_configured_nothing_is_offered(app, client_for, monkeypatch):
    _configure(app, monkeypatch, None)
    browser = client_for().client
    assert "sign-on-cas" not in browser.get("/login?lang=en").get_data(as_text=True)
    assert browser.get("/auth/cas/login").status_code == 404
    assert browser.get("/auth/cas/callback?state=x&ticket=ST-1").status_code == 404


@pytest.mark.servers
@pytest.mark.browser
def test_chromium_signs_in_through_the_cas_server_from_the_sign_in_page(cas_url, browser, tmp_path):
    env = {"DISPATCH_CAS_URL": cas_url, "DISPATCH_CAS_NAME": CAS_NAMES["en"], "DISPATCH_CAS_NAME_ZH": CAS_NAMES["zh"]}
    with running_server(f"sqlite:///{tmp_path / 'cas.db'}", instance_dir=tmp_path, env=env) as server:
        context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        try:
            page = context.new_page()
            page.goto(f"{server.url}/login?next=/board")
            offer = page.locator("#sign-on-cas")
            expect(offer).to_contain_text(CAS_NAMES["zh"], timeout=WAIT)
            offer.click()
            page.locator("#id_username").fill("psb")
            page.locator("#id_password").fill(CAS_PEOPLE["psb"][0])
            page.locator("form.form-login button, form.form-login input[type=submit]").first.click()
            expect(page).to_have_url(f"{server.url}/board", timeout=WAIT)
            expect_live(page)
        finally:
            context.close()


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")
