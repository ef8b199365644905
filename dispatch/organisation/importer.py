"""The county's roster imported from a workbook: all or nothing, every bad row named.

Every row goes through the same checks as the forms (service.apply_unit_changes,
apply_user_changes), inside one transaction that a dry run, or any bad row, rolls
back. A unit may name as parent a unit further down the same sheet; a user may
belong to a unit the same file adds. New users get a temporary password each,
shown once in the answer, and must change it at their first sign-in; the hashes
are computed before the transaction opens, so no write lock waits on them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth import passwords, permissions
from ..auth import service as auth
from ..auth.models import ROLES, UNIT_KINDS, Unit, User
from ..errors import DispatchError, Invalid
from ..events import unit_of_work
from ..workbook import ImportRefused, RolledBack, RowError, Rows, refusals
from . import service

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
TRUE, FALSE = {"true", "1", "yes", "y", "是"}, {"false", "0", "no", "n", "否"}
# what a refusal from the form's checks names, as the sheet's column is headed
COLUMN_OF = {"parent_id": "parent_code"}


@dataclass
class Outcome:
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {
        "units": {"create": 0, "update": 0}, "users": {"create": 0, "update": 0}})
    errors: list[RowError] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)
    seen_users: set[str] = field(default_factory=set)

    def body(self) -> dict:
        return {**self.counts, "errors": [error.as_dict() for error in self.errors]}


def _flag(value: str | None, column: str) -> bool:
    if value is None or value.lower() in FALSE:
        return False
    if value.lower() in TRUE:
        return True
    raise Invalid(_("Not yes or no."), fields={column: [_("Write TRUE or FALSE (or 1 / 0).")]})


def _choice(value: str | None, allowed: tuple[str, ...], column: str) -> str:
    if value not in allowed:
        raise Invalid(_("Not one of the accepted values."),
                      fields={column: [_("One of: {choices}.").format(choices=", ".join(allowed))]})
    return value


def _unit_row(session, values: dict, created: set[str]) -> tuple[Unit, bool, list[str]]:
    """The unit of one row, added or changed (its parent comes in a second pass); whether new; what changed."""
    code = values.get("code") or ""
    service.require_unit_code(code)
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if code in created:
        raise Invalid(_("This code is on an earlier row already."), fields={"code": [_("Listed twice.")]})
    name = values.get("name")
    if unit is None and not name:
        raise Invalid(_("A new unit needs a name."), fields={"name": [_("Required: fill this in.")]})
    kind = _choice(values.get("kind") or (unit.kind if unit else None), UNIT_KINDS, "kind")
    created.add(code)
    if unit is None:
        unit = Unit(code=code, name=name, name_zh=values.get("name_zh") or "", kind=kind, active=True)
        session.add(unit)
        session.flush()
        return unit, True, []
    changes = {"kind": kind, **{k: values[k] for k in ("name", "name_zh") if values.get(k)}}
    return unit, False, service.apply_unit_changes(session, unit, changes)


def _parent(session, unit: Unit, values: dict) -> list[str]:
    if "parent_code" not in values:
        return []
    code = values["parent_code"]
    parent = service.unit_by_code(session, code, "parent_code") if code else None
    return service.apply_unit_changes(session, unit, {"parent_id": parent.id if parent else None})


def _import_units(uow, actor, rows, outcome: Outcome) -> None:
    session, created, placed = uow.session, set(), []
    for number, values in rows:
        try:
            placed.append((number, values, *_unit_row(session, values, created)))
        except DispatchError as refusal:
            outcome.errors.extend(refusals("units", number, refusal, COLUMN_OF))
    # parents once every unit of the sheet exists, so a row may name one further down
    for number, values, unit, is_new, changed in placed:
        try:
            changed = sorted({*changed, *_parent(session, unit, values)})
        except DispatchError as refusal:
            outcome.errors.extend(refusals("units", number, refusal, COLUMN_OF))
            continue
        if is_new:
            outcome.counts["units"]["create"] += 1
            uow.append_event("unit.created", actor=actor, unit_id=unit.id, data=service.about_unit(unit))
        elif changed:
            outcome.counts["units"]["update"] += 1
            uow.append_event("unit.updated", actor=actor, unit_id=unit.id, data=service.about_unit(unit, changed))


def _user_row(session, actor, values: dict, hashes: dict[str, str], outcome: Outcome) -> tuple[User, list[str]]:
    username = (values.get("username") or "").lower()
    if not USERNAME.fullmatch(username):
        raise Invalid(_("Not a username."), fields={"username": [
            _("Lower-case letters, digits, dots, dashes and underscores; at most 80.")]})
    if username in outcome.seen_users:
        raise Invalid(_("This username is on an earlier row already."), fields={"username": [_("Listed twice.")]})
    outcome.seen_users.add(username)
    user = session.scalar(select(User).where(User.username == username))
    changes = {k: values[k] for k in ("display_name", "display_name_zh", "phone", "email") if k in values}
    if "unit_code" in values:
        changes["unit_code"] = values["unit_code"]
    if values.get("role") or user is None:
        changes["role"] = _choice(values.get("role"), ROLES, "role")
    if "unit_head" in values:
        changes["unit_head"] = _flag(values["unit_head"], "unit_head")
    changes = {k: v for k, v in changes.items() if v is not None or k in ("phone", "email", "unit_head")}
    if user is None:
        user = User(username=username, display_name=values.get("display_name") or username, display_name_zh="",
                    role=changes["role"], password_hash=hashes.get(username, "!"), active=True,
                    must_change_password=True, unit_head=False, unit_id=None, phone_masked=None, email=None,
                    phone_encrypted=None)
        service.apply_user_changes(session, actor, user, changes)  # checked before it joins the session
        session.add(user)
        session.flush()
        outcome.created_users.append(username)
        return user, []
    return user, service.apply_user_changes(session, actor, user, changes)


def _import_users(uow, actor, rows, hashes: dict[str, str], outcome: Outcome) -> None:
    session = uow.session
    for number, values in rows:
        try:
            user, changed = _user_row(session, actor, values, hashes, outcome)
        except DispatchError as refusal:
            outcome.errors.extend(refusals("users", number, refusal, COLUMN_OF))
            continue
        if user.username in outcome.created_users and not changed:
            outcome.counts["users"]["create"] += 1
            uow.append_event("user.created", actor=actor, unit_id=user.unit_id, data=auth.about_user(user))
        elif changed:
            outcome.counts["users"]["update"] += 1
            uow.append_event("user.updated", actor=actor, unit_id=user.unit_id,
                             data={**auth.about_user(user), "changed": changed})


def _run(actor, roster: Rows, hashes: dict[str, str], store: bool) -> Outcome:
    outcome = Outcome(errors=list(roster.errors))
    try:
        with unit_of_work() as uow:
            _import_units(uow, actor, roster.rows.get("units", []), outcome)
            _import_users(uow, actor, roster.rows.get("users", []), hashes, outcome)
            if outcome.errors or not store:
                raise RolledBack
    except RolledBack:
        pass
    return outcome


def import_roster(*, actor: User, roster: Rows, dry_run: bool) -> tuple[Outcome, list[dict]]:
    """The administrator loads the county's units and users from a workbook: a dry run says what would be created
    and changed; otherwise all of it is stored, or (any bad row) none of it. The temporary passwords of the users
    created come back once, with the counts."""
    permissions.require(actor, "administer")
    outcome = _run(actor, roster, {}, store=False)
    if dry_run:
        return outcome, []
    if outcome.errors:
        raise ImportRefused(outcome.errors)
    temporary = {username: passwords.temporary() for username in outcome.created_users}
    hashes = {username: auth.hash_password(password) for username, password in temporary.items()}
    outcome = _run(actor, roster, hashes, store=True)
    if outcome.errors:  # changed in the meantime by someone else
        raise ImportRefused(outcome.errors)
    return outcome, [{"username": name, "password": temporary[name]} for name in outcome.created_users]


def notes() -> list[tuple[str, str, str]]:
    """The template's sheet of notes, in the requester's language."""
    return [
        ("sheet", "column", _("What it holds")),
        ("units", "code", _("Required. The unit's code: capital letters, digits, - and _ (e.g. TWN-N). An existing "
                            "code updates that unit.")),
        ("units", "name", _("The name in English (required for a new unit).")),
        ("units", "name_zh", _("The name in Chinese.")),
        ("units", "kind", _("One of: {choices}.").format(choices=", ".join(UNIT_KINDS))),
        ("units", "parent_code", _("The code of the unit it belongs to (may be on a later row); empty: top level.")),
        ("users", "username", _("Required. Lower-case letters, digits, dots, dashes and underscores. An existing "
                                "username updates that user.")),
        ("users", "display_name", _("The name shown in English.")),
        ("users", "display_name_zh", _("The name shown in Chinese.")),
        ("users", "role", _("One of: {choices}.").format(choices=", ".join(ROLES))),
        ("users", "unit_code", _("The code of the user's unit (required for a liaison).")),
        ("users", "phone", _("The work mobile, 11 digits.")),
        ("users", "email", _("The e-mail address.")),
        ("users", "unit_head", _("TRUE for the unit's responsible person.")),
        ("", "", _("Each new user gets a temporary password, shown once after the import, to be changed at the "
                   "first sign-in. No formulas; one row per unit or user.")),
    ]
