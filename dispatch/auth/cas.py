"""The county's CAS 3.0 server: `/login?service=` sends the browser there, `/p3/serviceValidate` checks the ticket.

Off unless DISPATCH_CAS_URL is set. The service URL carries a random state kept in the signed session cookie, so a
ticket someone else obtained cannot sign this browser in. The username is the CAS user, or one of the XML
attributes the server releases (DISPATCH_CAS_USERNAME_ATTRIBUTE). Whether they may enter is decided here.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.etree import ElementTree

import requests

from .federation import IdentityRefused, ProviderDown

NAME = "cas"
CAS_NS = "{http://www.yale.edu/tp/cas}"
MAX_ANSWER_BYTES = 1 << 20  # a validation answer is a few hundred bytes


@dataclass(frozen=True)
class Server:
    url: str
    username_attribute: str | None
    timeout: float

    @classmethod
    def from_config(cls, config) -> Server | None:
        if not config.get("CAS_URL"):
            return None
        return cls(config["CAS_URL"], config.get("CAS_USERNAME_ATTRIBUTE"), config["CAS_TIMEOUT"])

    @staticmethod
    def new_state() -> str:
        return secrets.token_urlsafe(24)

    def login_url(self, service: str) -> str:
        """Where the browser signs in; ProviderDown when the server does not answer now (said on our sign-in page
        rather than as the browser's own error page)."""
        url = f"{self.url}/login?{urlencode({'service': service})}"
        try:
            requests.get(url, timeout=self.timeout, allow_redirects=False).close()
        except requests.RequestException as fault:
            raise ProviderDown(str(fault)) from None
        return url

    def username(self, service: str, ticket: str) -> str:
        """The username the server vouches for with this ticket, issued for exactly this service URL."""
        if not ticket:
            raise IdentityRefused("no ticket")
        try:
            answer = requests.get(f"{self.url}/p3/serviceValidate", params={"service": service, "ticket": ticket},
                                  timeout=self.timeout)
        except requests.RequestException as fault:
            raise ProviderDown(str(fault)) from None
        if answer.status_code >= 500:
            raise ProviderDown(f"the CAS server answered {answer.status_code}")
        return self._username_in(answer.content[:MAX_ANSWER_BYTES])

    def _username_in(self, body: bytes) -> str:
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            raise IdentityRefused("the validation answer is not XML") from None
        success = root.find(f"{CAS_NS}authenticationSuccess")
        if success is None:
            failure = root.find(f"{CAS_NS}authenticationFailure")
            raise IdentityRefused(failure.get("code", "refused") if failure is not None else "no authentication")
        if self.username_attribute:
            found = success.find(f"{CAS_NS}attributes/{CAS_NS}{self.username_attribute}")
        else:
            found = success.find(f"{CAS_NS}user")
        username = (found.text or "").strip() if found is not None else ""
        if not username:
            raise IdentityRefused(f"the answer names no {self.username_attribute or 'user'}")
        return username
