"""Who is asking: the session cookie or a bearer token, and the CSRF check.

Resolved once per request into `g.actor`; services receive it as a plain value.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, after_this_request, current_app, g, request, session

from flask_babel import gettext as _

from ..errors import Forbidden, PasswordChangeRequired, Unauthorized
from . import service, throttle

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Signing in is the one unsafe request made before there is a CSRF token.
CSRF_EXEMPT = {("POST", "/api/session")}
# The API answers strangers only here; everything else is 401 before any parsing.
PUBLIC = {("POST", "/api/session"), ("GET", "/api/session"), ("DELETE", "/api/session"),
          ("GET", "/api/openapi.json")}
# All a user whose password was reset or imported may do before changing it (API.md).
BEFORE_PASSWORD_CHANGE = {("GET", "/api/session"), ("DELETE", "/api/session"), ("POST", "/api/session/password")}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def resolve_actor() -> None:
    g.actor = None
    g.user_session = None
    g.token_id = None
    g.acting_for = None
    token = bearer_token()
    if token is not None:
        found = service.token_holder(token)  # a token needs no CSRF header: no browser sends it by itself
        if found is not None:
            g.actor, row = found
            g.token_id = row.id
            # the administrator acting through a token issued for someone else is named in the events
            g.acting_for = service.issuer_acting_for(row)
    else:
        found = service.session_user(session.get("sid"))
        if found is not None:
            g.actor, g.user_session = found
            _check_csrf()
    g.actor_id = g.actor.id if g.actor is not None else None
    if g.actor is None and request.path.startswith("/api/") and (request.method, request.path) not in PUBLIC:
        raise Unauthorized(_("Sign in first."))
    _require_password_changed()


def _require_password_changed() -> None:
    if g.actor is None or not g.actor.must_change_password or not request.path.startswith("/api/"):
        return  # the pages send such a user to the form that changes it (pages/views.py)
    if (request.method, request.path) not in BEFORE_PASSWORD_CHANGE:
        raise PasswordChangeRequired(_("Your password was set by the administrator: choose your own password "
                                       "before anything else."))


def _check_csrf() -> None:
    if request.method not in SAFE_METHODS and (request.method, request.path) not in CSRF_EXEMPT:
        sent = request.headers.get("X-CSRF-Token", "")
        if not service.csrf_matches(g.user_session, sent):
            raise Forbidden(_("The page's security token (X-CSRF-Token) is missing or out of date: reload the page "
                              "and try again."), fields={"X-CSRF-Token": [_("Send the token given at sign-in.")]})


def actor():
    return g.get("actor")


def through_token() -> bool:
    """The request is authenticated by an API token, not by a person's sign-in."""
    return g.get("token_id") is not None


def init_app(app: Flask) -> None:
    service.configure_hasher(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"],
                             app.config["HASH_CONCURRENCY"])
    app.before_request(resolve_actor)


def begin_browser_session(opened: service.NewSession) -> None:
    """The browser holds the session just opened (by a password or the county's identity service): a new
    session cookie, its CSRF token, and the sign-in device cookie."""
    _keep_device_cookie(opened.device_cookie)
    session.clear()  # a new session id at every login
    session["sid"], session["csrf"] = opened.session_id, opened.csrf_token
    session.permanent = True
    g.actor, g.user_session = service.session_user(opened.session_id)


def _keep_device_cookie(value: str) -> None:
    """This browser is known to the username now: someone guessing the name elsewhere never delays it."""
    @after_this_request
    def keep(response):
        response.set_cookie(throttle.DEVICE_COOKIE, value, max_age=timedelta(days=throttle.DEVICE_COOKIE_DAYS),
                            path="/api/session", httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure)
        return response
