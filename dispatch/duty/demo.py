"""Demo contacts and rosters: every demo user a work mobile and an e-mail, one head per unit, and this week's
shifts for the command centre and Public Security, so a new user sees who is on duty and (with a gateway set)
what each dispatch sends to whom."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from .. import personal_data
from ..auth.models import Unit, User
from ..db import db, utcnow
from .models import Shift
from .service import week_start

# a head's name on English and Chinese pages
HEAD_NAMES = {"en": "{name} head", "zh": "{name_zh}负责人"}
MAIL_DOMAIN = "county.example"


def _mobile(number: int) -> str:
    return f"139{number:08d}"


def _contact(user: User, number: int) -> None:
    sealed = personal_data.seal_phone(_mobile(number))
    user.phone_encrypted, user.phone_masked = sealed.encrypted, sealed.masked
    user.email = f"{user.username}@{MAIL_DOMAIN}"


def seed(duty: User, _incidents) -> None:
    users = db.session.scalars(select(User).order_by(User.id)).all()
    for number, user in enumerate(users, start=1):
        _contact(user, number)
    password_hash = users[0].password_hash  # the demo's one password
    for offset, unit in enumerate(db.session.scalars(select(Unit).order_by(Unit.id)), start=100):
        head = User(username=f"{unit.code.lower()}-head", role="command" if unit.kind == "command" else "liaison",
                    unit_id=unit.id, display_name=HEAD_NAMES["en"].format(name=unit.name),
                    display_name_zh=HEAD_NAMES["zh"].format(name_zh=unit.name_zh),
                    password_hash=password_hash, active=True, unit_head=True)
        db.session.add(head)
        db.session.flush()
        _contact(head, offset)
    monday = week_start(utcnow())
    for username in ("duty", "psb"):
        user = db.session.scalar(select(User).where(User.username == username))
        for day in range(-7, 7):  # last week and this one: "copy last week" has something to copy
            start = monday + timedelta(days=day, hours=8)
            db.session.add(Shift(unit_id=user.unit_id, user_id=user.id, starts_at=start,
                                 ends_at=start + timedelta(hours=24), created_by_id=duty.id, created_at=utcnow()))
    db.session.commit()
