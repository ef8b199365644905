"""Who may do what: the one place the API, the pages and the sockets ask."""
from __future__ import annotations

from flask_babel import gettext as _

from ..errors import Forbidden, Unauthorized
from ..labels import either, label
from .models import User


# Who may do what, by role: the services require these, and the pages receive them (`for_pages`) to
# decide which buttons to offer, so a page never restates a rule. Per-unit rules (a liaison acts for
# their own unit) are checked by the services against the row, with `require_unit_member`.
MAY = {
    "register_incident": ("command",), "edit_incident": ("command",), "move_incident": ("command",),
    "report_headcount": ("command", "liaison"),
    "record_representative": ("command",), "look_up_persons": ("command",), "reveal_person": ("command",),
    "dispatch_task": ("command",), "act_on_task": ("command", "liaison"), "supervise_task": ("command",),
    "issue_instruction": ("leader",), "acknowledge_instruction": ("liaison", "command"),
    "export_register": ("command", "leader"),
    # hidden dangers: a liaison only for their own unit's (checked against the row by the service)
    "record_hidden_danger": ("command", "liaison"), "visit_hidden_danger": ("command", "liaison"),
    "move_hidden_danger": ("command",), "promote_hidden_danger": ("command",),
    # a liaison only where their unit has a task (checked against the incident's tasks)
    "add_attachment": ("command", "liaison"), "read_task_evidence": ("command", "leader"),
    "publish_report": ("command",),
    # a draft report is signed off (签发) by a leader or the command centre; liaisons never see drafts
    "approve_report": ("leader", "command"), "read_report_drafts": ("leader", "command"),
    "record_review": ("command",),
    "record_meeting": ("command",), "make_commitment": ("command",),
    # response plans: everyone reads them; command and the administrator keep them; command applies one
    "edit_response_plans": ("command", "admin"), "apply_response_plan": ("command",),
    # figures per unit and per category, month and level, and their files and charts
    "read_statistics": ("command", "leader"),
    "administer": ("admin",),
    # the duty roster: command and the administrator for every unit, a liaison for their own (checked by the
    # service); the escalation policies; the trail of SMS, e-mail and robot messages
    "keep_roster": ("admin", "command", "liaison"), "edit_escalation_policies": ("admin", "command"),
    "read_notifications": ("admin", "command", "leader"),
}


def may(actor: User | None, ability: str) -> bool:
    return actor is not None and actor.active and actor.role in MAY[ability]


def require(actor: User | None, ability: str) -> User:
    """The actor, if their role may do this (401 signed out, 403 otherwise)."""
    return require_role(actor, *MAY[ability])


def for_pages(actor: User | None) -> dict[str, bool]:
    return {ability: may(actor, ability) for ability in MAY}


def require_user(actor: User | None) -> User:
    if actor is None or not actor.active:
        raise Unauthorized(_("Sign in first."))
    return actor


def require_role(actor: User | None, *roles: str) -> User:
    actor = require_user(actor)
    if actor.role not in roles:
        raise Forbidden(_("Only {roles} may do this: ask them to, or sign in as one.").format(roles=either([label("role", role) for role in roles])))
    return actor


def require_unit_member(actor: User | None, unit_id: int) -> User:
    """A liaison acts only for the unit they belong to."""
    actor = require_role(actor, "liaison")
    if actor.unit_id != unit_id:
        raise Forbidden(_("This belongs to another unit: only that unit's liaison may act on it."))
    return actor


def require_token_holder(actor: User | None, user_id: int) -> User:
    """An API token is issued by the user it acts as, or by the administrator for a user (API.md:
    other systems are set up by the administrator). Either way it is on the record: `token.issued`
    names who issued it and for whom, every screen (command included) sees it, and the holder finds
    it in their own `GET /api/tokens` and may revoke it. Nobody else issues one for another user.
    """
    actor = require_user(actor)
    if actor.id != user_id and actor.role != "admin":
        raise Forbidden(_("An API token is issued by the user it acts as, or by the administrator."),
                        fields={"user_id": [_("Only your own.")]})
    return actor


def require_self_or_admin(actor: User | None, user_id: int) -> User:
    """One's own tokens, or any as the administrator (listing and revoking take power away, never give it)."""
    actor = require_user(actor)
    if actor.id != user_id and actor.role != "admin":
        raise Forbidden(_("This belongs to another user: only they or the administrator may do this."))
    return actor
