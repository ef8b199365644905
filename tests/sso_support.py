"""The county's identity services for the single sign-on tests: real, independent servers started by the tests.

OpenID Connect: the certified `oidc-provider` package from npm, run by Node.js (tests/providers/oidc, installed
by `make sso-providers`). Each module starts one provider and one `python wsgi.py` configured for it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from .support import IN_CI, free_port, running_server

PROVIDERS = Path(__file__).resolve().parent / "providers"
OIDC_FOLDER = PROVIDERS / "oidc"
CLIENT_ID, CLIENT_SECRET = "dispatch-county", "client-secret-never-in-an-event"
OIDC_NAMES = {"en": "Riverside County ID", "zh": "河畔县统一身份认证"}


def require_oidc_provider() -> str:
    """The node binary, once the provider's package is installed; else a skip (a failure under CI) saying how."""
    node = shutil.which("node")
    if node is None or not (OIDC_FOLDER / "node_modules" / "oidc-provider").is_dir():
        how = "run `make sso-providers` (Node.js 20 and npm; `npm ci` in tests/providers/oidc)"
        if IN_CI:
            pytest.fail(f"the OpenID Connect provider is not installed: {how}")
        pytest.skip(f"the OpenID Connect tests need the oidc-provider package: {how}")
    return node


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Poll `url` until it answers 200; the process's own words if it died first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


@contextmanager
def oidc_site(tmp_path: Path, **settings):
    """A provider on a free port and a Dispatch server (the demo data) configured for it: (server, issuer)."""
    node = require_oidc_provider()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {"DISPATCH_OIDC_ISSUER": issuer, "DISPATCH_OIDC_CLIENT_ID": CLIENT_ID,
           "DISPATCH_OIDC_CLIENT_SECRET": CLIENT_SECRET, "DISPATCH_OIDC_NAME": OIDC_NAMES["en"],
           "DISPATCH_OIDC_NAME_ZH": OIDC_NAMES["zh"], **settings}
    with running_server(f"sqlite:///{tmp_path / 'sso.db'}", instance_dir=tmp_path, env=env) as server:
        log = tmp_path / "oidc-provider.log"
        with open(log, "w") as out:
            provider = subprocess.Popen(
                [node, "provider.js"], cwd=OIDC_FOLDER, stdout=out, stderr=subprocess.STDOUT,
                env={"PATH": "/usr/bin:/bin", "PORT": str(port), "CLIENT_ID": CLIENT_ID,
                     "CLIENT_SECRET": CLIENT_SECRET, "REDIRECT_URI": f"{server.url}/auth/oidc/callback"})
        try:
            wait_for(f"{issuer}/.well-known/openid-configuration", provider, log)
            yield server, issuer
        finally:
            provider.terminate()
            provider.wait(10)


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

