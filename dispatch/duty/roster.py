"""Who is on duty, who heads a unit, who is command and who the leaders are, at a moment: the one answer the
duty page, `GET /api/duty` and the notifications share."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Unit, User
from .models import Shift

# With no shift at that time, a unit's own people are on duty: its liaisons (command's, for the command centre),
# but not its head, who is told at the head's own step; a unit whose only liaison is its head has the head.
FALLBACK_ROLES = ("liaison", "command")


def rostered(session: Session, unit_ids: list[int], at: datetime) -> dict[int, list[User]]:
    """The people whose shift covers `at`, per unit (active users only)."""
    rows = session.execute(
        select(Shift.unit_id, User).join(User, User.id == Shift.user_id)
        .where(Shift.unit_id.in_(unit_ids), Shift.starts_at <= at, Shift.ends_at > at, User.active)
        .order_by(Shift.starts_at, User.id)).all()
    out: dict[int, list[User]] = {}
    for unit_id, user in rows:
        if user not in out.setdefault(unit_id, []):
            out[unit_id].append(user)
    return out


def _members(session: Session, unit_ids: list[int], *criteria) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {}
    for user in session.scalars(select(User).where(User.unit_id.in_(unit_ids), User.active, *criteria)
                                .order_by(User.id)):
        out.setdefault(user.unit_id, []).append(user)
    return out


def on_duty(session: Session, unit_ids: list[int], at: datetime) -> dict[int, tuple[bool, list[User]]]:
    """Per unit: (from the roster?, the people on duty at `at`)."""
    on_roster = rostered(session, unit_ids, at)
    fallback = _members(session, [u for u in unit_ids if u not in on_roster], User.role.in_(FALLBACK_ROLES))
    for unit_id, users in fallback.items():
        fallback[unit_id] = [user for user in users if not user.unit_head] or users
    return {unit_id: (True, on_roster[unit_id]) if unit_id in on_roster else (False, fallback.get(unit_id, []))
            for unit_id in unit_ids}


def heads(session: Session, unit_ids: list[int]) -> dict[int, list[User]]:
    return _members(session, unit_ids, User.unit_head)


def command_units(session: Session) -> list[int]:
    return list(session.scalars(select(Unit.id).where(Unit.kind == "command", Unit.active).order_by(Unit.id)))


def leaders(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == "leader", User.active).order_by(User.id)))


def people(session: Session, notify: str, unit_id: int | None, at: datetime) -> list[tuple[int | None, User]]:
    """Whom one step of a policy reaches for a unit's silence: (the unit they answer for, the person)."""
    if notify == "on_duty":
        return [(unit_id, user) for user in on_duty(session, [unit_id], at)[unit_id][1]] if unit_id else []
    if notify == "unit_head":
        return [(unit_id, user) for user in heads(session, [unit_id]).get(unit_id, [])] if unit_id else []
    if notify == "command":
        centres = command_units(session)
        return [(centre, user) for centre, (_from_roster, users) in on_duty(session, centres, at).items()
                for user in users]
    return [(user.unit_id, user) for user in leaders(session)]
