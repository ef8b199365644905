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
