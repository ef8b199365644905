"""Who is asking: the session cookie or a bearer token, and the CSRF check.

Resolved once per request into `g.actor`; services receive it as a plain value.
"""
from __future__ import annotations

import hmac

from flask import Flask, g, request, session

from ..errors import Forbidden
from . import service

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Signing in is the one unsafe request made before there is a CSRF token.
CSRF_EXEMPT = {("POST", "/api/session")}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def resolve_actor() -> None:
    g.actor = None
    g.user_session = None
    token = bearer_token()
    if token is not None:
        g.actor = service.token_user(token)
        return  # a token needs no CSRF header: it is not sent by a browser on its own
    found = service.session_user(session.get("sid"))
    if found is None:
        return
    g.actor, g.user_session = found
    if request.method not in SAFE_METHODS and (request.method, request.path) not in CSRF_EXEMPT:
        sent = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent, g.user_session.csrf_token):
            raise Forbidden("Missing or wrong X-CSRF-Token header.", fields={"X-CSRF-Token": ["Required."]})


def actor():
    return g.get("actor")


def init_app(app: Flask) -> None:
    service.configure_hasher(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"])
    app.before_request(resolve_actor)
