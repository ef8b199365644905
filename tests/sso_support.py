"""The county's identity services for the single sign-on tests: real, independent servers started by the tests.

OpenID Connect: the certified `oidc-provider` package from npm, run by Node.js (tests/providers/oidc, installed
by `make sso-providers`); its module starts one provider and one `python wsgi.py` configured for it.
CAS 3.0: django-mama-cas on Django (tests/providers/cas; requirements-dev.txt), its own process with its own users.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from .support import IN_CI, answering_process, free_port, running_server

PROVIDERS = Path(__file__).resolve().parent / "providers"
OIDC_FOLDER = PROVIDERS / "oidc"
CLIENT_ID, CLIENT_SECRET = "dispatch-county", "client-secret-never-in-an-event"
OIDC_NAMES = {"en": "Riverside County ID", "zh": "河畔县统一身份认证"}
CAS_NAMES = {"en": "Riverside County CAS", "zh": "河畔县单点登录"}
# the CAS server's users: username -> (password, first_name); employee-0001 is psb by an attribute alone
CAS_PEOPLE = {"psb": ("psb-cas-pass", ""), "lvb": ("lvb-cas-pass", ""), "ghost": ("ghost-cas-pass", ""),
              "employee-0001": ("employee-cas-pass", "psb")}


def require_oidc_provider() -> str:
    """The node binary, once the provider's package is installed; else a skip (a failure under CI) saying how."""
    node = shutil.which("node")
    if node is None or not (OIDC_FOLDER / "node_modules" / "oidc-provider").is_dir():
        how = "run `make sso-providers` (Node.js 20 and npm; `npm ci` in tests/providers/oidc)"
        if IN_CI:
            pytest.fail(f"the OpenID Connect provider is not installed: {how}")
        pytest.skip(f"the OpenID Connect tests need the oidc-provider package: {how}")
    return node


@contextmanager
def oidc_provider(log: Path, port: int, redirect_uri: str):
    """The certified provider on 127.0.0.1:`port`, its one client sent back to `redirect_uri`; its issuer URL."""
    node = require_oidc_provider()
    issuer = f"http://127.0.0.1:{port}"
    with answering_process([node, "provider.js"], f"{issuer}/.well-known/openid-configuration", log,
                           cwd=OIDC_FOLDER, env={"PATH": "/usr/bin:/bin", "PORT": str(port), "CLIENT_ID": CLIENT_ID,
                                                 "CLIENT_SECRET": CLIENT_SECRET, "REDIRECT_URI": redirect_uri}):
        yield issuer


@contextmanager
def oidc_site(tmp_path: Path, **settings):
    """A provider on a free port and a Dispatch server (the demo data) configured for it: (server, issuer)."""
    require_oidc_provider()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {"DISPATCH_OIDC_ISSUER": issuer, "DISPATCH_OIDC_CLIENT_ID": CLIENT_ID,
           "DISPATCH_OIDC_CLIENT_SECRET": CLIENT_SECRET, "DISPATCH_OIDC_NAME": OIDC_NAMES["en"],
           "DISPATCH_OIDC_NAME_ZH": OIDC_NAMES["zh"], **settings}
    with running_server(f"sqlite:///{tmp_path / 'sso.db'}", instance_dir=tmp_path, env=env) as server:
        with oidc_provider(tmp_path / "oidc-provider.log", port, f"{server.url}/auth/oidc/callback"):
            yield server, issuer


def provider_form(page: requests.Response) -> str:
    """The action of the provider's own sign-in form, as a full URL."""
    found = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert found, f"no sign-in form at {page.url}: {page.text[:500]}"
    return urljoin(page.url, found.group(1))


def sign_in_through_provider(base: str, username: str, next_page: str = "/board",
                             http: requests.Session | None = None) -> tuple[requests.Session, requests.Response]:
    """A browser's round trip with a real HTTP client following every redirect: Dispatch → the provider's sign-in
    form (filled in as `username`) → back to Dispatch's callback → the page asked for (or the sign-in page)."""
    if http is None:
        http = requests.Session()
        http.headers["Accept-Language"] = "en"
    form = http.get(f"{base}/auth/oidc/login", params={"next": next_page}, timeout=10)
    assert form.status_code == 200, form.text[:500]
    landed = http.post(provider_form(form), data={"prompt": "login", "login": username, "password": "anything"},
                       timeout=10)
    return http, landed


def signed_in_as(base: str, http: requests.Session) -> str | None:
    answer = http.get(f"{base}/api/session", timeout=10)
    return answer.json()["user"]["username"] if answer.status_code == 200 else None



@contextmanager
def cas_server(tmp_path: Path):
    """django-mama-cas on a free port, its users CAS_PEOPLE; its base URL. Stopped at the end."""
    try:
        import mama_cas  # noqa: F401 (only whether it is installed)
    except ImportError:
        how = "install the test requirements (`make test` does: requirements-dev.txt has Django and django-mama-cas)"
        if IN_CI:
            pytest.fail(f"the CAS server is not installed: {how}")
        pytest.skip(f"the CAS tests need django-mama-cas: {how}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "cas-server.log"
    with answering_process([sys.executable, str(PROVIDERS / "cas" / "serve.py")], f"{url}/login", log,
                           env={"PATH": "/usr/bin:/bin", "PORT": str(port), "CAS_DATABASE": str(tmp_path / "cas.db"),
                                "USERS": json.dumps(CAS_PEOPLE)}):
        yield url


def cas_sign_in(http: requests.Session, login_url: str, username: str) -> str:
    """At the CAS server's own sign-in form: the user's CAS password; the URL it sends the browser back to."""
    form = http.get(login_url, timeout=10)
    assert form.status_code == 200, form.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    back = http.post(form.url, data={"csrfmiddlewaretoken": token, "username": username,
                                     "password": CAS_PEOPLE[username][0]},
                     headers={"Referer": form.url}, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text[:500]
    return back.headers["Location"]
