"""The administrator's verbs on the county's units and people; each one transaction and one event, never a secret.

The checks on one unit or user are plain functions of a session and the row (`apply_unit_changes`,
`apply_user_changes`), so the spreadsheet import (importer.py) applies exactly the same rules to every
row, in one transaction, as the forms do one at a time.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from marshmallow import ValidationError, validate
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import personal_data
from ..auth import passwords, permissions
from ..auth import service as auth
from ..auth.models import ROLES, Unit, User
from ..facts import rules
from ..db import db
from ..errors import Conflict, Invalid, found
from ..events import unit_of_work
from ..tasks.models import Task, TaskCoUnit

UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,19}")
UNIT_FIELDS = ("code", "name", "name_zh", "kind", "parent_id", "active")
ROBOT_FIELDS = ("dingtalk_webhook", "dingtalk_secret", "wecom_webhook")
_is_email = validate.Email()


# --- units -------------------------------------------------------------------

def about_unit(unit: Unit, changed: list[str] | None = None) -> dict:
    """What a unit event says: the unit as everyone may see it and which fields changed; never a robot's address
    or secret (a webhook address is itself a key to the group)."""
    data = {name: getattr(unit, name) for name in UNIT_FIELDS}
    data["unit_id"] = unit.id
    if changed is not None:
        data["changed"] = changed
    return data


def require_unit_code(code: str, field: str = "code") -> None:
    if not UNIT_CODE.fullmatch(code):
        raise Invalid(_("Not a unit code."), fields={field: [
            _("Capital letters, digits, - and _ only, at most 20 (e.g. TWN-N).")]})


def unit_by_code(session: Session, code: str | None, field: str = "unit_code") -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code)) if code else None
    if unit is None:
        raise Invalid(_("Unknown unit: use the code of an existing unit."), fields={field: [_("No unit has this code.")]})
    return unit


def _check_parent(session: Session, unit: Unit | None, parent_id: int | None, field: str = "parent_id") -> None:
    """The parent exists, is active, and is not the unit itself or one of its descendants (no cycle)."""
    if parent_id is None:
        return
    parent = session.get(Unit, parent_id)
    if parent is None:
        raise Invalid(_("No such unit: choose one from the list."),
                      fields={field: [_("No unit has the id {id}.").format(id=parent_id)]})
    if not parent.active:
        raise Invalid(_("The parent unit is deactivated: choose an active one."),
                      fields={field: [_("Deactivated.")]})
    seen: set[int] = set()
    while parent is not None and parent.id not in seen:
        if unit is not None and parent.id == unit.id:
            raise Invalid(_("A unit cannot sit under itself or under one of its own units: choose another parent."),
                          fields={field: [_("This would make a circle.")]})
        seen.add(parent.id)
        parent = session.get(Unit, parent.parent_id) if parent.parent_id is not None else None


def open_task_count(session: Session, unit_id: int) -> int:
    """Tasks not yet settled that the unit leads or co-handles."""
    co_handled = select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == unit_id)
    return len(session.scalars(select(Task.id).where(
        rules.open_clause(Task.status), or_(Task.unit_id == unit_id, Task.id.in_(co_handled)))).all())


def apply_unit_changes(session: Session, unit: Unit, changes: dict) -> list[str]:
    """Check and apply `changes` to the unit; the names of the fields that really changed."""
    changed = []
    if "parent_id" in changes:
        _check_parent(session, unit, changes["parent_id"])
    if changes.get("active") is False and unit.active:
        if unit.id is not None and (count := open_task_count(session, unit.id)):
            raise Conflict(_("The unit still has {n} open tasks: have them settled or rerouted before deactivating "
                             "it.").format(n=count), current_status="active", open_tasks=count)
    for name, value in changes.items():
        if name == "dingtalk_secret":
            if value:
                unit.dingtalk_secret_encrypted = personal_data.encrypt(value, field="dingtalk_secret")
            elif unit.dingtalk_secret_encrypted is not None:
                unit.dingtalk_secret_encrypted = None
            else:
                continue
            changed.append(name)
            continue
        if name in ROBOT_FIELDS:
            value = value or None
        if getattr(unit, name) != value:
            setattr(unit, name, value)
            changed.append(name)
    return sorted(changed)


def create_unit(*, actor: User, code: str, name: str, kind: str, name_zh: str | None = None,
                parent_id: int | None = None) -> Unit:
    """The administrator adds a unit (a township, a village under it, a department); everyone sees
    `unit.created`, and it appears in every list under its parent."""
    permissions.require(actor, "administer")
    with unit_of_work() as uow:
        session = uow.session
        require_free_code(session, code)
        _check_parent(session, None, parent_id)
        unit = Unit(code=code, name=name, name_zh=name_zh or "", kind=kind, parent_id=parent_id, active=True)
        session.add(unit)
        session.flush()
        uow.append_event("unit.created", actor=actor, unit_id=unit.id, data=about_unit(unit))
    return unit


def require_free_code(session: Session, code: str, field: str = "code") -> None:
    if session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Invalid(_("That unit code is taken: choose another."), fields={field: [_("Already taken.")]})


def update_unit(*, actor: User, unit_id: int, changes: dict) -> Unit:
    """Rename, move under another parent, deactivate (refused while it has open tasks) or restore a unit,
    set its group robots; `unit.updated` names the fields changed, never a robot's address or secret."""
    permissions.require(actor, "administer")
    with unit_of_work() as uow:
        unit = found(uow.session.get(Unit, unit_id), "unit")
        changed = apply_unit_changes(uow.session, unit, changes)
        if changed:
            uow.append_event("unit.updated", actor=actor, unit_id=unit.id, data=about_unit(unit, changed))
    return unit


# --- users -------------------------------------------------------------------

def _phone(value: str | None) -> personal_data.Sealed | None:
    if not value:
        return None
    try:
        sealed = personal_data.seal_phone(value)
    except personal_data.InvalidPersonalData as refusal:
        raise Invalid(_("The mobile number is not valid."), fields={"phone": [str(refusal)]}) from None
    number = personal_data.normalize_phone(value)
    if not (len(number) == 11 and number.startswith("1")):
        raise Invalid(_("The mobile number is not valid."),
                      fields={"phone": [_("A work mobile has 11 digits, e.g. 13812345678.")]})
    return sealed


def _email(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return _is_email(value.strip())
    except ValidationError:
        raise Invalid(_("The e-mail address is not valid."),
                      fields={"email": [_("Not an e-mail address, e.g. zhang.wei@county.gov.cn.")]}) from None


def apply_user_changes(session: Session, actor: User | None, user: User, changes: dict) -> list[str]:
    """Check and apply the edits (not `active`: see set_user_active); the names of the fields that changed."""
    changes = dict(changes)
    changed: list[str] = []
    if "unit_code" in changes:
        code = changes.pop("unit_code")
        unit = unit_by_code(session, code) if code else None
        if unit is not None and not unit.active and unit.id != user.unit_id:
            raise Invalid(_("That unit is deactivated: choose an active one."), fields={"unit_code": [_("Deactivated.")]})
        changes["unit_id"] = unit.id if unit else None
    if "phone" in changes:
        sealed = _phone(changes.pop("phone"))
        encrypted, masked = (sealed.encrypted, sealed.masked) if sealed else (None, None)
        if masked != user.phone_masked or (sealed is None) != (user.phone_encrypted is None):
            user.phone_encrypted, user.phone_masked = encrypted, masked
            changed.append("phone")
    if "email" in changes:
        changes["email"] = _email(changes["email"])
    role = changes.get("role", user.role)
    if role not in ROLES:
        raise Invalid(_("Unknown role: choose one of the roles listed."),
                      fields={"role": [_("One of: {roles}.").format(roles=", ".join(ROLES))]})
    if actor is not None and user.id == actor.id and role != "admin":
        raise Invalid(_("You cannot take the administrator's role from yourself: ask another administrator."),
                      fields={"role": [_("Your own role.")]})
    for name, value in changes.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append({"unit_id": "unit_code"}.get(name, name))
    if user.role == "liaison" and user.unit_id is None:
        raise Invalid(_("A liaison belongs to one unit: give the unit's code."),
                      fields={"unit_code": [_("Required for a liaison.")]})
    if user.unit_head and user.unit_id is None:
        raise Invalid(_("A unit head belongs to a unit: give the unit's code."),
                      fields={"unit_head": [_("Give the user a unit first.")]})
    return sorted(changed)


def update_user(*, actor: User, user_id: int, changes: dict) -> User:
    """The administrator edits a user (names, role, unit, mobile, e-mail, unit head) and may disable or enable
    them; `user.updated` names the fields changed, never the mobile or e-mail themselves."""
    permissions.require(actor, "administer")
    changes = dict(changes)
    active = changes.pop("active", None)
    user = found(db.session.get(User, user_id), "user")
    if active is False and user.id == actor.id:
        raise Invalid(_("You cannot disable yourself: ask another administrator."),
                      fields={"active": [_("Your own account.")]})
    if changes:
        with unit_of_work() as uow:
            changed = apply_user_changes(uow.session, actor, user, changes)
            if changed:
                uow.append_event("user.updated", actor=actor, unit_id=user.unit_id,
                                 data={**auth.about_user(user), "changed": changed})
    if active is not None:
        auth.set_user_active(actor=actor, user_id=user.id, active=active)
    user = db.session.get(User, user_id)
    db.session.refresh(user)  # its unit as it is now, if it moved
    return user


def reset_password(*, actor: User, user_id: int) -> str:
    """A temporary password, shown once to the administrator; every session of the user ends, and the user must
    choose their own at the next sign-in. `user.password_reset` says who and when, never the password."""
    permissions.require(actor, "administer")
    found(db.session.get(User, user_id), "user")
    db.session.close()  # no connection held while the hash is computed (off the event loop)
    temporary = passwords.temporary()
    password_hash = auth.hash_password(temporary)
    with unit_of_work() as uow:
        user = uow.session.get(User, user_id)
        user.password_hash, user.must_change_password = password_hash, True
        auth.end_all_sessions(user.id)
        uow.append_event("user.password_reset", actor=actor, unit_id=user.unit_id, data=auth.about_user(user))
    auth.sessions_ended.send(None, user_id=user_id, session_id=None)
    return temporary


def units_for_admin(*, actor: User) -> list[Unit]:
    permissions.require(actor, "administer")
    return auth.list_units(actor=actor)
