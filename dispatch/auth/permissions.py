"""Who may do what: the one place the API, the pages and the sockets ask."""
from __future__ import annotations

from ..errors import Forbidden, Unauthorized
from .models import User


def require_user(actor: User | None) -> User:
    if actor is None or not actor.active:
        raise Unauthorized("Sign in first.")
    return actor


def require_role(actor: User | None, *roles: str) -> User:
    actor = require_user(actor)
    if actor.role not in roles:
        raise Forbidden(f"This needs the role {' or '.join(roles)}.")
    return actor


def require_unit_member(actor: User | None, unit_id: int) -> User:
    """A liaison acts only for the unit they belong to."""
    actor = require_role(actor, "liaison")
    if actor.unit_id != unit_id:
        raise Forbidden("This belongs to another unit.")
    return actor


def require_token_holder(actor: User | None, user_id: int) -> User:
    """An API token is issued by the user it acts as, to themself.

    Least privilege: the administrator has no operational powers, and a token
    made for another user would let them act as that user (a duty officer's
    token reveals identity numbers). A system that needs its own access gets a
    user of its own, whose creation is on the record; the server's command
    line (`flask tokens create`) stays for the operator who runs the server.
    """
    actor = require_user(actor)
    if actor.id != user_id:
        raise Forbidden("An API token is issued only by the user it acts as.",
                        fields={"user_id": ["Only your own."]})
    return actor


def require_self_or_admin(actor: User | None, user_id: int) -> User:
    """One's own tokens, or any as the administrator (listing and revoking take power away, never give it)."""
    actor = require_user(actor)
    if actor.id != user_id and actor.role != "admin":
        raise Forbidden("This belongs to another user.")
    return actor
