"""Signing in and out, sessions that end on the server, users, units and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..db import db, utcnow
from ..errors import Conflict, Invalid, Unauthorized, found
from ..events import unit_of_work
from . import permissions
from .models import ROLES, ApiToken, Unit, User, UserSession

_hasher = PasswordHasher()
signals = Namespace()
# Sent after a user's sessions were ended (logout, password change, disabled):
# realtime/ closes their open sockets.
sessions_ended = signals.signal("sessions-ended")
# A fixed hash to verify against when the username is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure_hasher(time_cost: int, memory_cost: int) -> None:
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerifyMismatchError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(username: str, password: str) -> UserSession:
    """Check the password and open a new server-side session (a fresh id every login)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if not _password_matches(user, password) or not user.active:
        raise Unauthorized(_("Wrong username or password: check both and try again."))
    now = utcnow()
    user_session = UserSession(
        id=secrets.token_urlsafe(32), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
        created_at=now, last_seen_at=now,
    )
    with unit_of_work() as uow:
        uow.session.add(user_session)
    return user_session


def logout(session_id: str | None) -> None:
    if not session_id:
        return
    user_session = db.session.get(UserSession, session_id)
    if user_session is None:
        return
    user_id = user_session.user_id
    with unit_of_work() as uow:
        uow.session.execute(delete(UserSession).where(UserSession.id == session_id))
    sessions_ended.send(None, user_id=user_id, session_id=session_id)


def _end_all_sessions(user_id: int) -> None:
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def session_user(session_id: str | None) -> tuple[User, UserSession] | None:
    """The user behind a session id, if the session is still alive (idle and absolute limits)."""
    if not session_id:
        return None
    user_session = db.session.get(UserSession, session_id)
    if user_session is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if now - user_session.last_seen_at > idle or now - user_session.created_at > absolute:
        with unit_of_work() as uow:
            uow.session.execute(delete(UserSession).where(UserSession.id == session_id))
        return None
    user = db.session.get(User, user_session.user_id)
    if user is None or not user.active:
        return None
    # Touch at most once a minute: a write per request would serialise every read.
    if now - user_session.last_seen_at > timedelta(minutes=1):
        with unit_of_work():
            user_session.last_seen_at = now
    return user, user_session


def token_user(token: str | None) -> User | None:
    if not token:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked:
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.active else None


def change_password(*, actor: User, current_password: str, new_password: str) -> None:
    """The user's own password; every session of theirs ends, this one too."""
    permissions.require_user(actor)
    if not _password_matches(actor, current_password):
        raise Invalid(_("The current password is wrong: enter the one you signed in with."),
                      fields={"current_password": [_("Wrong password.")]})
    with unit_of_work():
        actor.password_hash = hash_password(new_password)
        _end_all_sessions(actor.id)
    sessions_ended.send(None, user_id=actor.id, session_id=None)


def create_user(*, actor: User | None, username: str, password: str, role: str,
                display_name: str | None = None, display_name_zh: str | None = None,
                unit_code: str | None = None) -> User:
    """An admin adds a user (actor None: from the command line of the server)."""
    if actor is not None:
        permissions.require_role(actor, "admin")
    if role not in ROLES:
        raise Invalid(_("Unknown role: choose one of the roles listed."),
                      fields={"role": [_("One of: {roles}.").format(roles=", ".join(ROLES))]})
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise Invalid(_("Unknown unit: use the code of an existing unit."),
                          fields={"unit_code": [_("No unit has this code.")]})
    if role == "liaison" and unit is None:
        raise Invalid(_("A liaison belongs to one unit: give the unit's code."),
                      fields={"unit_code": [_("Required for a liaison.")]})
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("That username is taken: choose another."), fields={"username": [_("Already taken.")]})
    user = User(username=username, display_name=display_name or username, display_name_zh=display_name_zh or "",
                role=role,
                unit_id=unit.id if unit else None, password_hash=hash_password(password), active=True)
    with unit_of_work() as uow:
        uow.session.add(user)
    return user


def set_user_active(*, actor: User, user_id: int, active: bool) -> User:
    """An admin disables (or restores) a user; a disabled user is signed out everywhere."""
    permissions.require_role(actor, "admin")
    user = found(db.session.get(User, user_id), "user")
    with unit_of_work():
        user.active = active
        if not active:
            _end_all_sessions(user.id)
    if not active:
        sessions_ended.send(None, user_id=user.id, session_id=None)
    return user


def create_token(*, actor: User | None, user_id: int, name: str) -> tuple[ApiToken, str]:
    """A bearer token for another system; the secret is shown once."""
    if actor is not None:
        permissions.require_role(actor, "admin")
    found(db.session.get(User, user_id), "user")
    secret = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, name=name, token_hash=_token_hash(secret))
    with unit_of_work() as uow:
        uow.session.add(row)
    return row, secret


def list_units(*, actor: User) -> list[Unit]:
    permissions.require_user(actor)
    return list(db.session.scalars(select(Unit).order_by(Unit.id)))


def list_names(*, actor: User) -> list[User]:
    """Every user, for naming who acted (screens read only the names: the list of users is the admin's)."""
    permissions.require_user(actor)
    return list(db.session.scalars(select(User).order_by(User.id)))


def list_users(*, actor: User) -> list[User]:
    permissions.require_role(actor, "admin")
    return list(db.session.scalars(select(User).order_by(User.id)))

