"""Signing in through the county's identity service: the browser's round trip to OpenID Connect or CAS and back.

Each way is off (404) unless configured. The way back ends as a password sign-in does (current.begin_browser_session):
a new session cookie, its CSRF token, the device cookie; then the page asked for, where a password still to be
changed comes first. Whatever goes wrong sends the browser back to the sign-in page with a word of what happened
(`sign_on`: down, refused, failed, throttled), said there in the user's language; local sign-in still works.
"""
from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, redirect, request, session, url_for

from ..errors import TooManyRequests, Unauthorized
from . import service, throttle
from .cas import Server as CasServer
from .federation import IdentityRefused, ProviderDown
from .oidc import Provider as OidcProvider
from .current import begin_browser_session

blp = Blueprint("sign_on", __name__, url_prefix="/auth")
log = logging.getLogger(__name__)
NEXT = "sign_on_next"  # the page asked for before the round trip, kept in the signed session cookie
CAS_STATE = "sign_on_cas_state"


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target[:2] in {"//", "/\\"}:
        return "/"
    return target


def _back_to_login(outcome: str, method: str, fault: Exception | None = None):
    if fault is not None:
        log.warning("sign-in through %s: %s (%s)", method, outcome, fault)
    return redirect(url_for("pages.login", sign_on=outcome, method=method, next=session.pop(NEXT, None)))


def _finish(method: str, username_of):
    """The identity the service sends back, checked, becomes a session here (or the sign-in page says why not)."""
    try:
        username = username_of()
        opened = service.sign_in_vouched(username, method, request.remote_addr,
                                         request.cookies.get(throttle.DEVICE_COOKIE))
    except ProviderDown as fault:
        return _back_to_login("down", method, fault)
    except IdentityRefused as fault:
        return _back_to_login("failed", method, fault)
    except TooManyRequests as fault:
        return _back_to_login("throttled", method, fault)
    except Unauthorized:
        return _back_to_login("refused", method)
    target = _safe_next(session.pop(NEXT, None))
    begin_browser_session(opened)
    return redirect(target)


def _oidc() -> OidcProvider:
    return OidcProvider.from_config(current_app.config) or abort(404)


@blp.route("/oidc/login")
def oidc_login():
    provider = _oidc()
    session[NEXT] = _safe_next(request.args.get("next"))
    try:
        return provider.redirect(url_for(".oidc_callback", _external=True))
    except ProviderDown as fault:
        return _back_to_login("down", "oidc", fault)


@blp.route("/oidc/callback")
def oidc_callback():
    provider = _oidc()
    return _finish("oidc", provider.username)


def _cas() -> CasServer:
    return CasServer.from_config(current_app.config) or abort(404)


def _cas_service(state: str) -> str:
    return url_for(".cas_callback", state=state, _external=True)


@blp.route("/cas/login")
def cas_login():
    server = _cas()
    session[NEXT] = _safe_next(request.args.get("next"))
    session[CAS_STATE] = state = server.new_state()
    try:
        return redirect(server.login_url(_cas_service(state)))
    except ProviderDown as fault:
        return _back_to_login("down", "cas", fault)


@blp.route("/cas/callback")
def cas_callback():
    server = _cas()
    state, expected = request.args.get("state", ""), session.pop(CAS_STATE, None)

    def username() -> str:
        if not expected or state != expected:
            raise IdentityRefused("the state does not match the one this browser was sent with")
        return server.username(_cas_service(state), request.args.get("ticket", ""))

    return _finish("cas", username)
