"""Signing in with the county's OpenID Connect provider: the certified `oidc-provider` package run by Node.js, and a
real `python wsgi.py` configured for it; the whole redirect driven by a real HTTP client and by Chromium.

The provider's own sign-in form lets in any username: whoever it vouches for, Dispatch decides who enters."""
from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from .browser import WAIT, expect, expect_live
from .sso_support import (CLIENT_ID, CLIENT_SECRET, OIDC_NAMES, oidc_provider, oidc_site, provider_form,
                          sign_in_through_provider, signed_in_as)
from .support import PASSWORD, free_port, http_login


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with oidc_site(tmp_path_factory.mktemp("oidc")) as (server, issuer):
        yield server


@pytest.fixture(scope="module")
def admin_http(site):
    return http_login(site.url, "admin")


def _user(admin_http, base: str, username: str) -> dict:
    users = admin_http.get(f"{base}/api/users?limit=500", timeout=10).json()["items"]
    return next(user for user in users if user["username"] == username)


def _events_after(admin_http, base: str, seq: int) -> list[dict]:
    return admin_http.get(f"{base}/api/events", params={"after": seq}, timeout=10).json()["items"]


def _last_seq(admin_http, base: str) -> int:
    return admin_http.get(f"{base}/api/events?limit=1", timeout=10).json()["last_seq"]


def _outcome(landed: requests.Response) -> str | None:
    """What the sign-in page was told on the way back (`sign_on`), or None when it did not land there."""
    parts = urlsplit(landed.url)
    return parse_qs(parts.query).get("sign_on", [None])[0] if parts.path == "/login" else None


@pytest.mark.servers
def test_a_user_signs_in_through_the_county_provider_and_the_event_names_the_method(site, admin_http):
    start = _last_seq(admin_http, site.url)
    http, landed = sign_in_through_provider(site.url, "psb", next_page="/board")
    assert landed.status_code == 200 and urlsplit(landed.url).path == "/board", landed.url
    assert signed_in_as(site.url, http) == "psb"
    # the session is the house's own: its CSRF token works for a change
    csrf = http.get(f"{site.url}/api/session", timeout=10).json()["csrf_token"]
    assert http.delete(f"{site.url}/api/session", headers={"X-CSRF-Token": csrf}, timeout=10).status_code == 204
    assert signed_in_as(site.url, http) is None
    started = [event for event in _events_after(admin_http, site.url, start) if event["type"] == "session.started"]
    psb = _user(admin_http, site.url, "psb")
    assert [event["data"] for event in started] == [{"user_id": psb["id"], "username": "psb", "method": "oidc"}]
    assert CLIENT_SECRET not in str(started) and "code" not in started[0]["data"]


@pytest.mark.servers
@pytest.mark.parametrize("username,why", [
    ("ghost", "known to the provider, not here: never a new account"),
    ("subject-psb", "the provider's subject is not the username claim"),
])
def test_only_an_identity_matching_a_user_here_gets_in(site, admin_http, username, why):
    users_before = admin_http.get(f"{site.url}/api/users?limit=1", timeout=10).json()["total"]
    http, landed = sign_in_through_provider(site.url, username)
    assert _outcome(landed) == "refused", why
    assert "not an active user of Dispatch" in landed.text and OIDC_NAMES["en"] in landed.text
    assert signed_in_as(site.url, http) is None
    assert admin_http.get(f"{site.url}/api/users?limit=1", timeout=10).json()["total"] == users_before


@pytest.mark.servers
def test_a_disabled_user_stays_out_whatever_the_provider_says(site, admin_http):
    lvb = _user(admin_http, site.url, "lvb")
    assert admin_http.patch(f"{site.url}/api/users/{lvb['id']}", json={"active": False}, timeout=10).ok
    try:
        http, landed = sign_in_through_provider(site.url, "lvb")
        assert _outcome(landed) == "refused" and signed_in_as(site.url, http) is None
    finally:
        assert admin_http.patch(f"{site.url}/api/users/{lvb['id']}", json={"active": True}, timeout=10).ok
    http, landed = sign_in_through_provider(site.url, "lvb")
    assert signed_in_as(site.url, http) == "lvb"


@pytest.mark.servers
def test_a_password_set_by_the_administrator_is_changed_first_after_the_provider_too(site, admin_http):
    hrss = _user(admin_http, site.url, "hrss")
    reset = admin_http.post(f"{site.url}/api/users/{hrss['id']}/password-reset", timeout=10)
    assert reset.status_code == 200
    http, landed = sign_in_through_provider(site.url, "hrss", next_page="/board")
    assert urlsplit(landed.url).path == "/password"
    assert http.get(f"{site.url}/api/incidents", timeout=10).json()["error"]["code"] == "password_change_required"


@pytest.mark.servers
def test_an_answer_meant_for_another_browser_signs_no_one_in(site):
    """Login CSRF: the way back carries a state only the browser that left holds; another browser is refused."""
    leaving = requests.Session()
    form = leaving.get(f"{site.url}/auth/oidc/login", timeout=10)
    back = leaving.post(provider_form(form),
                        data={"prompt": "login", "login": "psb", "password": "x"}, timeout=10, allow_redirects=False)
    while urlsplit(back.headers["Location"]).path != "/auth/oidc/callback":  # through the provider's own steps
        back = leaving.get(urljoin(back.url, back.headers["Location"]), timeout=10,
                           allow_redirects=False)
    callback = urljoin(back.url, back.headers["Location"])
    other = requests.Session()
    landed = other.get(callback, timeout=10)
    assert _outcome(landed) == "failed" and signed_in_as(site.url, other) is None
    forged = leaving.get(f"{site.url}/auth/oidc/callback", params={"code": "made-up", "state": "made-up"},
                         timeout=10)
    assert _outcome(forged) == "failed" and signed_in_as(site.url, leaving) is None


@pytest.mark.servers
def test_the_administrator_keeps_the_local_password(site):
    assert signed_in_as(site.url, http_login(site.url, "admin")) == "admin"


@pytest.mark.servers
@pytest.mark.browser
@pytest.mark.parametrize("locale,button", [("en-GB", f"Sign in with {OIDC_NAMES['en']}"),
                                           ("zh-CN", OIDC_NAMES["zh"])])
def test_chromium_signs_in_through_the_provider_from_the_sign_in_page(site, browser, locale, button):
    language = "zh-CN,zh;q=0.9" if locale.startswith("zh") else "en-GB,en;q=0.9"
    context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": language})
    try:
        page = context.new_page()
        page.goto(f"{site.url}/board")
        expect(page).to_have_url(f"{site.url}/login?next=/board", timeout=WAIT)
        offer = page.locator("#sign-on-oidc")
        expect(offer).to_contain_text(button, timeout=WAIT)
        offer.click()
        page.locator("input[name=login]").fill("duty")
        page.locator("input[name=password]").fill("anything")
        page.locator("button[type=submit]").click()
        expect(page).to_have_url(f"{site.url}/board", timeout=WAIT)
        expect_live(page)
    finally:
        context.close()


# In-process: the sign-in page itself, with no provider running.

def _configure(app, monkeypatch, issuer: str | None):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", issuer)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setitem(app.config, "OIDC_NAME", OIDC_NAMES["en"])
    monkeypatch.setitem(app.config, "OIDC_NAME_ZH", OIDC_NAMES["zh"])
    monkeypatch.setitem(app.config, "OIDC_TIMEOUT", 1.0)


@pytest.mark.parametrize("language,offer", [("en", f"Sign in with {OIDC_NAMES['en']}"),
                                            ("zh", OIDC_NAMES["zh"])])
def test_the_sign_in_page_offers_the_provider_by_its_name_in_each_language(app, client_for, monkeypatch, language,
                                                                          offer):
    _configure(app, monkeypatch, f"http://127.0.0.1:{free_port()}")
    page = client_for().get(f"/login?lang={language}&next=/board").get_data(as_text=True)
    assert offer in page and "/auth/oidc/login?next=/board" in page
    monkeypatch.setitem(app.config, "OIDC_ISSUER", None)
    anonymous = client_for()
    assert "sign-on-oidc" not in anonymous.get(f"/login?lang={language}").get_data(as_text=True)
    assert anonymous.get("/auth/oidc/login").status_code == 404


@pytest.mark.parametrize("language,words", [("en", "does not answer"), ("zh", "没有响应")])
def test_a_provider_that_is_down_is_said_and_the_local_password_still_works(app, client_for, monkeypatch, language,
                                                                            words):
    _configure(app, monkeypatch, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    anonymous = client_for()
    anonymous.get(f"/login?lang={language}")  # the language chosen, as a person would
    back = anonymous.get("/auth/oidc/login?next=/board")
    assert back.status_code == 302 and urlsplit(back.location).path == "/login"
    page = anonymous.get(back.location).get_data(as_text=True)
    assert words in page and OIDC_NAMES[language] in page
    assert anonymous.client.post("/api/session", json={"username": "psb", "password": PASSWORD}).status_code == 200


@pytest.mark.servers
def test_a_provider_that_goes_down_after_a_sign_in_is_said_too(app, client_for, monkeypatch, tmp_path):
    port = free_port()
    _configure(app, monkeypatch, f"http://127.0.0.1:{port}")
    anonymous = client_for()
    with oidc_provider(tmp_path / "provider.log", port, "http://localhost/auth/oidc/callback"):
        leaving = anonymous.get("/auth/oidc/login")
        assert leaving.status_code == 302 and leaving.location.startswith(f"http://127.0.0.1:{port}/auth?")
        assert "code_challenge_method=S256" in leaving.location and "nonce=" in leaving.location
    back = anonymous.get("/auth/oidc/login", headers={"Accept-Language": "en"})
    assert urlsplit(back.location).path == "/login"
    assert "does not answer" in anonymous.get(back.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
