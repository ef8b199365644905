"""Signing in and out, sessions that end on the server, users, units and API tokens."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..db import db, utcnow
from ..errors import Conflict, Forbidden, Invalid, Unauthorized, Unavailable, found
from ..events import unit_of_work
from ..offload import run_off_loop
from . import directory, passwords, permissions, throttle
from .models import ROLES, ApiToken, Unit, User, UserSession

_hasher = PasswordHasher()
signals = Namespace()
# Sent after a user's sessions were ended (logout, password change, disabled):
# realtime/ closes their open sockets.
sessions_ended = signals.signal("sessions-ended")
# A fixed hash to verify against when the username is unknown, so timing does not tell; made at the first
# such sign-in, not at start: an argon2 hash costs every process that never needs it a fifth of a second.
_DUMMY_HASH: str | None = None
# A flood of sign-ins queues here instead of taking every core and the database pool.
_hash_slots = threading.BoundedSemaphore(2)


def configure_hasher(time_cost: int, memory_cost: int, concurrency: int = 2) -> None:
    global _hasher, _DUMMY_HASH, _hash_slots
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
    _DUMMY_HASH = None
    _hash_slots = threading.BoundedSemaphore(max(1, concurrency))


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not-a-real-password")
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    with _hash_slots:
        return run_off_loop(_hasher.hash, password)


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, InvalidHashError):
        return False


def _password_matches(stored_hash: str | None, password: str) -> bool:
    """Argon2 on a real thread, a few at a time. Call it holding no database connection:
    a sign-in waiting for a hash slot must not keep one of the pool's connections."""
    with _hash_slots:
        return run_off_loop(_verify, stored_hash, password)


def _token_hash(token: str) -> str:
    """SHA-256 of a random secret (API token, session id, CSRF token): the form it is stored in."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    """A login just opened: the secrets go to the browser once, their hashes to the database."""

    session_id: str
    csrf_token: str
    device_cookie: str  # the browser's sign-in device cookie for this username (throttle.py)


def csrf_matches(user_session: UserSession, sent: str) -> bool:
    return hmac.compare_digest(_token_hash(sent), user_session.csrf_hash)


def login(username: str, password: str, address: str | None = None, device: str | None = None) -> NewSession:
    """Check the password and open a new server-side session (a fresh id every login).

    With the county's directory configured (DISPATCH_LDAP_URL), a user other than the administrator is checked
    first by a bind as them; the password kept here still works, so a directory that is down locks nobody out.
    Failures slow further attempts from that address or browser (`device`, its sign-in cookie), and from
    addresses new to the username together (throttle.py); someone guessing elsewhere never delays the owner."""
    attempt = throttle.admit(username, address, device)
    try:
        user = db.session.scalar(select(User).where(User.username == username))
        known = user is not None and user.active
        stored_hash = user.password_hash if known else None
        uses_directory = known and user.role != "admin" and current_app.config.get("LDAP_URL")
        db.session.close()  # the connection goes back to the pool before the slow hash (or the bind)
        method, directory_down = None, False
        if uses_directory:
            try:
                method = "ldap" if _directory().password_matches(username, password) else None
            except directory.DirectoryDown:
                directory_down = True
        if method is None and _password_matches(stored_hash, password):
            method = "password"
    except BaseException:
        throttle.release(attempt)  # not judged: its places are given back
        raise
    if method is None:
        throttle.failed(attempt)
        if directory_down:
            raise Unavailable(_("The county's directory does not answer: sign in with your Dispatch password, "
                                "or try again in a few minutes."))
        raise Unauthorized(_("Wrong username or password: check both and try again."))
    throttle.succeeded(attempt)
    return open_session(user.id, method, device)


def sign_in_vouched(username: str, method: str, address: str | None = None, device: str | None = None) -> NewSession:
    """The county's identity service (OpenID Connect, CAS) vouched for `username`: an active user of that name
    here gets a new session, as after a password (the same throttle and device cookie); anyone else is refused
    with a message, never given a new account, whatever the provider says."""
    attempt = throttle.admit(username, address, device)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        throttle.failed(attempt)
        raise Unauthorized(_("Your account with the county's identity service is not an active user of Dispatch: "
                             "ask the administrator, or sign in with your Dispatch password."))
    throttle.succeeded(attempt)
    return open_session(user.id, method, device)


def _directory() -> directory.Directory:
    config = current_app.config
    return directory.Directory(config["LDAP_URL"], config["LDAP_USER_DN"], config["LDAP_TIMEOUT"])


def open_session(user_id: int, method: str, device: str | None = None) -> NewSession:
    """A new server-side session for a user already checked. Signing in with the county's identity (LDAP, OpenID
    Connect, CAS) is on the record as `session.started` naming the method; a Dispatch password sign-in is not."""
    user = db.session.get(User, user_id)
    now = utcnow()
    opened = NewSession(session_id=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32),
                        device_cookie=throttle.device_cookie(user.username, device))
    user_session = UserSession(
        id=_token_hash(opened.session_id), user_id=user.id, csrf_hash=_token_hash(opened.csrf_token),
        created_at=now, last_seen_at=now,
    )
    with unit_of_work() as uow:
        uow.session.add(user_session)
        if method != "password":
            uow.append_event("session.started", actor=user, unit_id=user.unit_id,
                             data={"user_id": user.id, "username": user.username, "method": method})
    return opened


def logout(session_id: str | None) -> None:
    if not session_id:
        return
    user_session = db.session.get(UserSession, _token_hash(session_id))
    if user_session is None:
        return
    user_id = user_session.user_id
    with unit_of_work() as uow:
        uow.session.execute(delete(UserSession).where(UserSession.id == user_session.id))
    sessions_ended.send(None, user_id=user_id, session_id=session_id)


def end_all_sessions(user_id: int) -> int:
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount or 0


def session_user(session_id: str | None) -> tuple[User, UserSession] | None:
    """The user behind a session id, if the session is still alive (idle and absolute limits)."""
    if not session_id:
        return None
    # one round trip a request: the session with its user
    row = db.session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                             .where(UserSession.id == _token_hash(session_id))).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if now - user_session.last_seen_at > idle or now - user_session.created_at > absolute:
        with unit_of_work() as uow:
            uow.session.execute(delete(UserSession).where(UserSession.id == user_session.id))
        return None
    if not user.active:
        return None
    # Touch at most once a minute: a write per request would serialise every read.
    if now - user_session.last_seen_at > timedelta(minutes=1):
        with unit_of_work():
            user_session.last_seen_at = now
    return user, user_session


def token_user(token: str | None) -> User | None:
    found = token_login(token)
    return found[0] if found else None


def token_login(token: str | None) -> tuple[User, str] | None:
    """The token's user and the login session it stands for (a revoked token ends it, as a sign-out does)."""
    found = token_holder(token)
    return (found[0], token_session(found[1].id)) if found else None


def token_holder(token: str | None) -> tuple[User, ApiToken] | None:
    """The live token's user (still active) and its row."""
    if not token:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked:
        return None
    user = db.session.get(User, row.user_id)
    return (user, row) if user is not None and user.active else None


def issuer_acting_for(row: ApiToken) -> dict | None:
    """Who the events made through a token issued for someone else name as acting (the issuer, for the holder)."""
    if row.issued_by_id is None or row.issued_by_id == row.user_id:
        return None
    issuer = db.session.get(User, row.issued_by_id)
    return {"id": issuer.id, "name": issuer.display_name, "role": issuer.role} if issuer is not None else None


def token_session(token_id: int) -> str:
    return f"token:{token_id}"


def change_password(*, actor: User, current_password: str, new_password: str) -> None:
    """The user's own password; every session of theirs ends, this one too. A temporary password
    (reset or imported) stops being required to change."""
    permissions.require_user(actor)
    passwords.require_acceptable(new_password, actor.username, "new_password")
    if new_password == current_password:
        raise Invalid(_("Choose a new password, not the one you have now."),
                      fields={"new_password": [_("Same as the current password.")]})
    stored_hash, user_id = actor.password_hash, actor.id
    db.session.close()
    if not _password_matches(stored_hash, current_password):
        raise Invalid(_("The current password is wrong: enter the one you signed in with."),
                      fields={"current_password": [_("Wrong password.")]})
    new_hash = hash_password(new_password)
    with unit_of_work():
        user = db.session.get(User, user_id)
        user.password_hash, user.must_change_password = new_hash, False
        end_all_sessions(user_id)
    sessions_ended.send(None, user_id=user_id, session_id=None)


def end_sessions(*, actor: User, user_id: int) -> int:
    """Sign out everywhere: every browser session of the user ends at once (their own, or any as the
    administrator); API tokens are revoked one by one. The administrator doing it for another is on the
    record (`user.signed_out`). Returns how many sessions ended."""
    actor = permissions.require_self_or_admin(actor, user_id)
    user = found(db.session.get(User, user_id), "user")
    with unit_of_work() as uow:
        ended = end_all_sessions(user.id)
        if actor.id != user.id:
            uow.append_event("user.signed_out", actor=actor, unit_id=user.unit_id,
                             data={**about_user(user), "sessions": ended})
    sessions_ended.send(None, user_id=user.id, session_id=None)
    return ended


def create_user(*, actor: User | None, username: str, password: str, role: str,
                display_name: str | None = None, display_name_zh: str | None = None,
                unit_code: str | None = None) -> User:
    """An admin adds a user (actor None: from the command line of the server)."""
    if actor is not None:
        permissions.require_role(actor, "admin")
        passwords.require_acceptable(password, username, "password")
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
    password_hash = hash_password(password)
    user = User(username=username, display_name=display_name or username, display_name_zh=display_name_zh or "",
                role=role, unit_id=unit.id if unit else None, password_hash=password_hash, active=True)
    with unit_of_work() as uow:
        uow.session.add(user)
        uow.session.flush()
        uow.append_event("user.created", actor=actor, unit_id=user.unit_id, data=about_user(user))
    return user


def about_user(user: User) -> dict:
    """Who an administration event is about: never a password, hash or token."""
    return {"user_id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "unit_id": user.unit_id}


def set_user_active(*, actor: User, user_id: int, active: bool) -> User:
    """An admin disables (or restores) a user; a disabled user is signed out everywhere.
    Everyone sees it in the log (`user.disabled`, `user.enabled`)."""
    permissions.require_role(actor, "admin")
    user = found(db.session.get(User, user_id), "user")
    if user.active == active:
        return user  # nothing changes, nothing is recorded
    with unit_of_work() as uow:
        user.active = active
        if not active:
            end_all_sessions(user.id)
        uow.append_event("user.enabled" if active else "user.disabled", actor=actor, unit_id=user.unit_id,
                         data=about_user(user))
        if not active:  # for good: enabling the user again gives back none of them
            for row in uow.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                  ApiToken.revoked.is_(False))):
                row.revoked, row.revoked_at = True, utcnow()
                uow.append_event("token.revoked", actor=actor, unit_id=user.unit_id, data=_about_token(row, user))
    if not active:
        sessions_ended.send(None, user_id=user.id, session_id=None)
    return user


def _about_token(row: ApiToken, user: User) -> dict:
    return {"token_id": row.id, "name": row.name, "user_id": user.id, "username": user.username,
            "role": user.role}


def create_token(*, actor: User | None, user_id: int | None = None, name: str,
                 through_token: bool = False) -> tuple[ApiToken, str]:
    """A bearer token acting as its user, issued by that user (actor None: the server's command
    line); the secret is shown once, and `token.issued` tells everyone, command included.
    A token never issues another (it would outlive its parent's revoking): a person signs in to issue one."""
    if actor is not None:
        user_id = actor.id if user_id is None else user_id
        permissions.require_token_holder(actor, user_id)
        if through_token:
            raise Forbidden(_("An API token cannot issue tokens: sign in with your password to issue one."),
                            fields={"Authorization": [_("Sign in instead of sending a token.")]})
    user = found(db.session.get(User, user_id), "user")
    secret = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(secret),
                   issued_by_id=actor.id if actor is not None else None)
    with unit_of_work() as uow:
        uow.session.add(row)
        uow.session.flush()
        uow.append_event("token.issued", actor=actor, unit_id=user.unit_id, data=_about_token(row, user))
    return row, secret


def list_tokens(*, actor: User) -> list[ApiToken]:
    """One's own tokens; the administrator sees every token (never a secret)."""
    actor = permissions.require_user(actor)
    query = select(ApiToken).order_by(ApiToken.id)
    if actor.role != "admin":
        query = query.where(ApiToken.user_id == actor.id)
    return list(db.session.scalars(query))


def revoke_token(*, actor: User | None, token_id: int) -> ApiToken:
    """The token stops working at once; its user or the administrator revokes it (`token.revoked`).

    Revoking a token already revoked (by hand, or when its user was disabled) is done already:
    the same answer, nothing appended."""
    permissions.require_user(actor)
    row = found(db.session.get(ApiToken, token_id), "token")
    permissions.require_self_or_admin(actor, row.user_id)
    if row.revoked:
        return row
    with unit_of_work() as uow:
        row.revoked, row.revoked_at = True, utcnow()
        uow.append_event("token.revoked", actor=actor, unit_id=row.user.unit_id,
                         data=_about_token(row, row.user))
    sessions_ended.send(None, user_id=row.user_id, session_id=token_session(row.id))
    return row


def require_units(session, unit_ids: list[int], field: str = "unit_ids") -> None:
    """Every unit named exists; the refusal names the field and the first unknown id."""
    known = set(session.scalars(select(Unit.id).where(Unit.id.in_(unit_ids))))
    missing = [unit_id for unit_id in unit_ids if unit_id not in known]
    if missing:
        raise Invalid(_("No such unit: choose one from the list."),
                      fields={field: [_("No unit has the id {id}.").format(id=missing[0])]})


def list_units(*, actor: User) -> list[Unit]:
    """Every unit in the order of the hierarchy: each parent before its children, each with its `depth`."""
    permissions.require_user(actor)
    return in_tree_order(list(db.session.scalars(select(Unit).order_by(Unit.id))))


def in_tree_order(units: list[Unit]) -> list[Unit]:
    """Parents before their children (siblings in the order they were added), each marked with `depth` (0 at the top)
    and `path` (the codes from the top down), so every list, form and filter reads as the county is built."""
    children: dict[int | None, list[Unit]] = {}
    known = {unit.id for unit in units}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in known else None, []).append(unit)
    ordered: list[Unit] = []
    placed: set[int] = set()

    def visit(parent_id: int | None, depth: int, path: list[str]) -> None:
        for unit in children.get(parent_id, []):
            if unit.id in placed:
                continue  # a cycle can never be stored (organisation.service refuses it); never loop on one
            unit.depth, unit.path = depth, [*path, unit.code]
            ordered.append(unit)
            placed.add(unit.id)
            visit(unit.id, depth + 1, unit.path)

    visit(None, 0, [])
    return ordered


def list_names(*, actor: User) -> list[User]:
    """Every user, for naming who acted (screens read only the names: the list of users is the admin's)."""
    permissions.require_user(actor)
    return list(db.session.scalars(select(User).order_by(User.id)))


def list_users(*, actor: User) -> list[User]:
    permissions.require_role(actor, "admin")
    return list(db.session.scalars(select(User).order_by(User.id)))

