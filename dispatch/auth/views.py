from __future__ import annotations

from flask import g, request, session
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..errors import Unauthorized
from ..schemas import PageArgs, page_of, paged
from . import service, throttle
from .current import actor, begin_browser_session, through_token
from .schemas import (LoginSchema, PasswordChangeSchema, SessionSchema, TokenCreateSchema,
                      TokenListedSchema, TokenSchema, UnitSchema, UserCreateSchema, UserSchema)

blp = Blueprint("auth", __name__, url_prefix="/api", description="Sessions, units, users, tokens")


def _session_body():
    current = actor()
    if current is None:
        raise Unauthorized(_("Not signed in: sign in first."))
    # the token itself is only in the signed session cookie; the database keeps its hash
    csrf = session.get("csrf") if g.user_session is not None else None
    return {"user": current, "csrf_token": csrf, "must_change_password": current.must_change_password}


@blp.route("/session", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
def sign_in(data):
    # the client's address as the reverse proxy saw it (ProxyFix, DISPATCH_PROXY_HOPS)
    opened = service.login(data["username"], data["password"], request.remote_addr,
                           request.cookies.get(throttle.DEVICE_COOKIE))
    begin_browser_session(opened)
    return _session_body()


@blp.route("/session", methods=["GET"])
@blp.response(200, SessionSchema)
def current_session():
    return _session_body()


@blp.route("/session", methods=["DELETE"])
@blp.response(204)
def sign_out():
    service.logout(session.get("sid"))
    session.clear()


@blp.route("/session/password", methods=["POST"])
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(data):
    service.change_password(actor=actor(), **data)
    session.clear()


@blp.route("/units", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(UnitSchema))
def units(args):
    return paged(service.list_units(actor=actor()), args)


@blp.route("/users", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(UserSchema))
def users(args):
    return paged(service.list_users(actor=actor()), args)


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(data):
    return service.create_user(actor=actor(), **data)


@blp.route("/users/<int:user_id>/sessions", methods=["DELETE"])
@blp.response(204)
def end_sessions(user_id):
    """Sign out everywhere: every session of the user ends (their own, or any user's as the administrator)."""
    service.end_sessions(actor=actor(), user_id=user_id)
    if g.actor is not None and g.actor.id == user_id:
        session.clear()


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenCreateSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    row, secret = service.create_token(actor=actor(), through_token=through_token(), **data)
    return {"id": row.id, "user_id": row.user_id, "name": row.name, "token": secret}


@blp.route("/tokens", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(TokenListedSchema))
def tokens(args):
    return paged(service.list_tokens(actor=actor()), args)


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
def revoke_token(token_id):
    service.revoke_token(actor=actor(), token_id=token_id)
