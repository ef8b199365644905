"""The HTML pages: each renders its starting state; every change goes through the JSON API."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, copy_current_request_context, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..auth import permissions
from ..auth.current import actor
from ..auth.passwords import MIN_LENGTH
from ..facts import rules
from ..errors import DispatchError, NotFound
from ..hidden_dangers.models import RISKS, STATUSES as HIDDEN_DANGER_STATUSES
from ..hidden_dangers.service import HIDDEN_DANGER_TRANSITIONS
from ..incidents.models import CATEGORIES, KINDS, LEVELS, STATUSES
from ..incidents.service import INCIDENT_TRANSITIONS
from ..offload import run_heavy
from ..reports import render as report_render
from ..db import utcnow
from ..schemas import Time, display_zone
from ..statistics.schemas import IncidentArgs
from ..reports import service as reports
from ..board import review_view
from ..reviews import render as review_render
from ..reviews.models import REVIEWABLE_STATUSES
from ..tasks import service as tasks
from ..tasks.models import PRIORITIES
from . import data
from .i18n import catalogue, locale_code

pages = Blueprint("pages", __name__)

HOME = {"liaison": "pages.queue", "leader": "pages.wall"}


def _allowed(table) -> dict[str, list[list[str]]]:
    """A transition table as the scripts read it: state -> [[action, role], ...], so the
    buttons a page offers come from the same table the server applies."""
    allowed: dict[str, list[list[str]]] = {}
    for (state, action), step in table.items():
        allowed.setdefault(state, []).append([action, step.role])
    return allowed


def _map_settings() -> dict:
    """The map's base layer: the intranet's tile server (an XYZ template) when set, else the county's outline."""
    return {"tiles": current_app.config["DISPATCH_MAP_TILES"] or None,
            "outline": url_for("static", filename="geo/townships.geojson"),
            "turn_seconds": current_app.config["DISPATCH_WALL_TURN_SECONDS"]}


def _page(template: str, state: dict, **context):
    client = {"locale": locale_code(), "timezone": current_app.config["DISPATCH_TIMEZONE"],
              "choices": {"status": STATUSES, "level": LEVELS, "category": CATEGORIES, "kind": KINDS,
                          "priority": PRIORITIES, "risk": RISKS, "hidden_danger_status": HIDDEN_DANGER_STATUSES},
              "rules": rules.for_pages(), "may": permissions.for_pages(actor()),
              "max_representatives": current_app.config["MAX_REPRESENTATIVES"],
              "max_attachment_bytes": current_app.config["ATTACHMENT_MAX_BYTES"],
              # which kinds of report command may publish in each incident status (a final one once it is over)
              "report_kinds": {status: reports.kinds_allowed(status) for status in STATUSES},
              # the statuses an incident is reviewed in (after-action review), and the map's base layer
              "reviewable_statuses": REVIEWABLE_STATUSES, "map": _map_settings(),
              "transitions": {"incident": _allowed(INCIDENT_TRANSITIONS),
                              "task": _allowed(tasks.TASK_TRANSITIONS),
                              "hidden_danger": _allowed(HIDDEN_DANGER_TRANSITIONS)}}
    return render_template(template, user=actor(), state=state, client=client, words=catalogue(),
                           may=client["may"], **context)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target[:2] in {"//", "/\\"}:
        return url_for("pages.index")
    return target


@pages.before_request
def _signed_in_only():
    if request.endpoint not in {"pages.login", "static"} and actor() is None:
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    # a reset or imported password: the form that changes it comes before any other page
    if actor() is not None and actor().must_change_password and request.endpoint not in {"pages.password", "static"}:
        return redirect(url_for("pages.password"))
    return None


@pages.errorhandler(DispatchError)
def _refused(error: DispatchError):
    """A page asked for something missing or not allowed: a page that says so, not JSON."""
    return render_template("refused.html", user=actor(), words=catalogue(), error=error), error.status


@pages.route("/")
def index():
    return redirect(url_for(HOME.get(actor().role, "pages.board")))


@pages.route("/login")
def login():
    if actor() is not None:
        return redirect(_safe_next(request.args.get("next")))
    config = current_app.config
    directory = (config["LDAP_NAME"] or _("the county directory")) if config.get("LDAP_URL") else None
    next_page = _safe_next(request.args.get("next"))
    providers = _identity_services(next_page)
    return render_template("login.html", user=None, words=catalogue(), next=next_page, directory=directory,
                           providers=providers, sign_on=_sign_on_outcome(providers))


def _identity_services(next_page: str) -> list[dict]:
    """The county's identity services configured (OpenID Connect, CAS), each by its name in the page's language."""
    config, chinese = current_app.config, locale_code().startswith("zh")
    configured = [("oidc", "oidc_login", config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID")),
                  ("cas", "cas_login", config.get("CAS_URL"))]
    services = []
    for method, endpoint, on in configured:
        if not on:
            continue
        prefix = method.upper()
        name = (config[f"{prefix}_NAME_ZH"] if chinese else None) or config[f"{prefix}_NAME"] \
            or config[f"{prefix}_NAME_ZH"] or _("the county's identity service")
        services.append({"method": method, "name": name, "url": url_for(f"sign_on.{endpoint}", next=next_page)})
    return services


def _sign_on_outcome(providers: list[dict]) -> str | None:
    """What happened on the way back from an identity service (sign_on.py), in the page's language."""
    outcome = request.args.get("sign_on")
    name = next((p["name"] for p in providers if p["method"] == request.args.get("method")), None)
    if outcome is None or name is None:
        return None
    messages = {
        "down": _("%(name)s does not answer: sign in with your Dispatch password, or try again in a few minutes.",
                  name=name),
        "refused": _("Your account with %(name)s is not an active user of Dispatch: ask the administrator, or sign "
                     "in with your Dispatch password.", name=name),
        "failed": _("Signing in with %(name)s did not succeed: try again, or sign in with your Dispatch password.",
                    name=name),
        "throttled": _("Too many failed sign-ins: wait a minute and try again."),
    }
    return messages.get(outcome)


@pages.route("/password")
def password():
    """Change one's own password (required first after a reset or an import); sign out everywhere."""
    return render_template("password.html", user=actor(), words=catalogue(), required=actor().must_change_password,
                           min_length=MIN_LENGTH)


@pages.route("/board")
def board():
    return _page("board.html", data.board_page(actor()))


@pages.route("/wall")
def wall():
    state = data.board_page(actor())
    # the latest situation report, shown whenever the wall is opened
    state["latest_report"] = reports.latest_published(actor=actor())
    return _page("wall.html", state)


@pages.route("/incidents/<int:incident_id>")
def incident(incident_id: int):
    return _page("incident.html", data.incident(actor(), incident_id))


@pages.route("/queue")
def queue():
    """A liaison's own unit; others may look at any unit's queue (read-only for them)."""
    user = actor()
    unit_id = request.args.get("unit", type=int) or user.unit_id
    if unit_id is None:
        unit_id = next((u["id"] for u in data.common(user)["units"] if u["kind"] != "command"), None)
        if unit_id is None:
            raise NotFound(_("There is no unit yet: an administrator adds the units first."))
    return _page("queue.html", data.queue(user, unit_id))


@pages.route("/hidden-dangers")
def hidden_dangers():
    return _page("hidden_dangers.html", data.hidden_dangers(actor()))


@pages.route("/hidden-dangers/<int:hidden_danger_id>")
def hidden_danger(hidden_danger_id: int):
    return _page("hidden_danger.html", data.hidden_danger(actor(), hidden_danger_id))
@pages.route("/response-plans")
def response_plans():
    return _page("response_plans.html", data.response_plans(actor()))


@pages.route("/statistics")
def statistics():
    """The statistics tables and charts; the period form is a plain GET, its errors shown beside the field."""
    permissions.require(actor(), "read_statistics")
    asked = {key: value for key, value in request.args.items() if key in ("from", "to", "by") and value}
    try:
        args, errors = IncidentArgs().load(asked), {}
    except ValidationError as error:
        args, errors = {}, error.messages
    who = actor()  # the figures are worked out on a real thread, as the API's are
    state = run_heavy(who.id, copy_current_request_context(lambda: data.statistics(who, args)))
    page = _page("statistics.html", state, asked=asked, errors=errors)
    return page, 422 if errors else 200


@pages.route("/duty")
def duty_roster():
    """The duty roster: a week of every unit's shifts (`?week=` any day of another week), who is on duty now."""
    week = request.args.get("week")
    try:
        week_of = Time().deserialize(week) if week else None
    except ValidationError:
        week_of = None
    return _page("duty.html", data.duty_roster(actor(), week_of))


@pages.route("/duty/handover")
def handover():
    """The duty officer's handover, printable: `?unit=` (default the user's own), `from`/`to` (default the
    user's shift now, else the last twelve hours)."""
    user = actor()
    times = {}
    for name in ("from", "to"):
        try:
            times[name] = Time().deserialize(request.args[name]) if request.args.get(name) else None
        except ValidationError:
            times[name] = None
    unit_id = request.args.get("unit", type=int) or user.unit_id or next(
        (u["id"] for u in data.common(user)["units"] if u["kind"] == "command"), None)
    shown = data.handover(user, unit_id, times["from"], times["to"])
    zone = display_zone()
    return render_template("handover.html", user=user, words=catalogue(), printed_at=utcnow(),
                           when=lambda moment: moment.astimezone(zone).strftime("%m-%d %H:%M") if moment else "",
                           **shown)


@pages.route("/admin")
def administration():
    """Units, users, the roster import, tokens and the audit trail: the administrator's alone."""
    permissions.require(actor(), "administer")
    return _page("admin.html", data.administration(actor()))


@pages.route("/reports/<int:report_id>")
def report(report_id: int):
    """The printable report: the same template as its PDF, with print CSS."""
    return report_render.page_html(reports.get_report(actor=actor(), report_id=report_id))


@pages.route("/incidents/<int:incident_id>/review")
def review(incident_id: int):
    """The printable after-action review: the same template as its PDF."""
    return review_render.page_html(review_view.review_page(actor=actor(), incident_id=incident_id))
