"""Who may do what: the one place the API, the pages and the sockets ask."""
from __future__ import annotations

from flask_babel import gettext as _

from ..errors import Forbidden, Unauthorized
from ..labels import either, label
from .models import User


def require_user(actor: User | None) -> User:
    if actor is None or not actor.active:
        raise Unauthorized(_("Sign in first."))
    return actor


def require_role(actor: User | None, *roles: str) -> User:
    actor = require_user(actor)
    if actor.role not in roles:
        raise Forbidden(_("Only {roles} may do this.").format(roles=either([label("role", role) for role in roles])))
    return actor


def require_unit_member(actor: User | None, unit_id: int) -> User:
    """A liaison acts only for the unit they belong to."""
    actor = require_role(actor, "liaison")
    if actor.unit_id != unit_id:
        raise Forbidden(_("This belongs to another unit: only that unit's liaison may act on it."))
    return actor
