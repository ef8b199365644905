"""The county's OpenID Connect provider: authorization code with PKCE, through Authlib.

Off unless DISPATCH_OIDC_ISSUER is set. The provider's endpoints and keys come from its discovery document
(`<issuer>/.well-known/openid-configuration`); Authlib keeps the state, the nonce and the PKCE verifier in the
signed session cookie, checks the state on the way back and verifies the ID token (signature against the
provider's keys, issuer, audience, expiry, nonce). The username is one claim of the identity
(DISPATCH_OIDC_USERNAME_CLAIM): from the ID token, else from the userinfo answer for the same subject.
The provider only says who someone is; whether they may enter is decided here (service.sign_in_vouched).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from joserfc.errors import JoseError

from .federation import IdentityRefused, ProviderDown

NAME = "oidc"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str
    username_claim: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> Provider | None:
        if not config.get("OIDC_ISSUER") or not config.get("OIDC_CLIENT_ID"):
            return None
        return cls(config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], config.get("OIDC_CLIENT_SECRET"),
                   config["OIDC_SCOPES"], config["OIDC_USERNAME_CLAIM"], config["OIDC_TIMEOUT"])

    def redirect(self, callback_url: str):
        """The browser's way to the provider's sign-in (a redirect response); ProviderDown when discovery fails."""
        client = _client(self)
        # the discovery document is asked again at every start (the keys are kept): a provider gone down since the
        # last sign-in is said on our sign-in page, not as the browser's own error page at the provider
        client.server_metadata.pop("_loaded_at", None)
        with _asking():
            return client.authorize_redirect(callback_url)

    def username(self) -> str:
        """The username of the identity the provider sent back (this request's callback), once every check passed."""
        client = _client(self)
        with _asking():
            token = client.authorize_access_token()
            identity = token.get("userinfo")
            if identity is None:
                raise IdentityRefused("the provider sent no ID token")
            username = identity.get(self.username_claim)
            if username is None and "userinfo_endpoint" in client.load_server_metadata():
                answer = client.userinfo(token=token)
                if answer.get("sub") != identity.get("sub"):  # the userinfo must be about the ID token's subject
                    raise IdentityRefused("the userinfo answer names another subject")
                username = answer.get(self.username_claim)
        if not isinstance(username, str) or not username:
            raise IdentityRefused(f"the identity has no {self.username_claim}")
        return username


class _asking:
    """Turns what can go wrong in a talk with the provider into the two outcomes the sign-in page tells apart."""

    def __enter__(self):
        return self

    def __exit__(self, kind, fault, trace):
        if fault is None or isinstance(fault, (IdentityRefused, ProviderDown)):
            return False
        if isinstance(fault, requests.RequestException) and not _refusal(fault):
            raise ProviderDown(str(fault)) from None
        if isinstance(fault, (OAuthError, JoseError, requests.HTTPError, ValueError, KeyError)):
            raise IdentityRefused(str(fault)) from None
        return False


def _refusal(fault: requests.RequestException) -> bool:
    """A 4xx from the provider (a code refused at the token endpoint) is a refusal; a 5xx, or no answer, is down."""
    response = getattr(fault, "response", None)
    return response is not None and 400 <= response.status_code < 500


_clients: dict[Provider, FlaskOAuth2App] = {}
_clients_lock = threading.Lock()


def _client(provider: Provider) -> FlaskOAuth2App:
    """One Authlib client per configuration, so the discovery document and keys are fetched once, not per sign-in
    (a discovery that failed is not kept: the next sign-in asks again)."""
    with _clients_lock:
        client = _clients.get(provider)
        if client is None:
            client = FlaskOAuth2App(
                FlaskIntegration(NAME), NAME, client_id=provider.client_id, client_secret=provider.client_secret,
                server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
                client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256",
                               "default_timeout": provider.timeout})
            _clients[provider] = client
        return client
