"""The permission matrix: every route of the app × every role, own unit and another unit, as one table.

The routes come from `app.url_map`, so a route added without a row here fails
the test. A cell is allowed when the request gets past the permission check
(any answer but 401, 403 or the sign-in redirect); each cell starts from the
same arranged state, with a body the route accepts, so a refusal can only be
the permission's.
"""
from __future__ import annotations

import io
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dispatch import events
from dispatch.db import db
from dispatch.demo import seed_units_and_users
from dispatch.extensions import limiter

from .conftest import reset_database
from .support import PASSWORD, ApiClient, incident_payload

# what is checked here does not depend on the database: SQLite alone
pytestmark = pytest.mark.one_backend

# who asks: anonymous, command, a liaison of the task's unit (own), of another unit (other), leader, admin
ROLES = {"anonymous": None, "command": "duty", "own": "psb", "other": "lvb", "leader": "leader", "admin": "admin"}
EVERYONE = {"anonymous", "command", "own", "other", "leader", "admin"}
SIGNED_IN = EVERYONE - {"anonymous"}
DUE = (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(64)


class Upload(dict):
    """A body sent as multipart/form-data with a small photo as `file` (an attachment's upload)."""
DUE_PAST = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
DUE_LATER = (datetime.now(timezone.utc) + timedelta(hours=11)).isoformat()

PLAN = {"name": "Wage arrears: level II", "category": "wage_arrears", "levels": ["II"],
        "tasks": [{"unit_id": "<LVB>", "co_unit_ids": ["<PSB>"], "title": "Receive the representatives",
                   "instructions": "Record each demand.", "priority": "high", "due_in_minutes": 60}]}

# (method, rule): (body or query, who is allowed)
MATRIX = {
    ("GET", "/api/openapi.json"): (None, EVERYONE),
    ("POST", "/api/session"): ({"username": "leader", "password": PASSWORD}, EVERYONE),
    ("GET", "/api/session"): (None, SIGNED_IN),
    ("DELETE", "/api/session"): (None, EVERYONE),
    ("POST", "/api/session/password"): ({"current_password": PASSWORD, "new_password": "another-long-pw"}, SIGNED_IN),
    ("GET", "/api/units"): (None, SIGNED_IN),
    ("GET", "/api/users"): (None, {"admin"}),
    ("POST", "/api/users"): ({"username": "newcomer", "password": "long-enough-pw", "role": "leader"}, {"admin"}),
    ("PATCH", "/api/users/<int:user_id>"): ({"active": False}, {"admin"}),
    ("POST", "/api/users/<int:user_id>/password-reset"): (None, {"admin"}),
    ("DELETE", "/api/users/<int:user_id>/sessions"): (None, {"own", "admin"}),  # the user is the own-unit liaison
    ("POST", "/api/units"): ({"code": "TWN-N", "name": "North Township", "kind": "township"}, {"admin"}),
    ("PATCH", "/api/units/<int:unit_id>"): ({"name": "East Township of the county"}, {"admin"}),
    ("GET", "/api/admin/units"): (None, {"admin"}),
    ("GET", "/api/audit"): ({"type": "user"}, {"admin"}),
    ("POST", "/api/admin/import"): (Upload(), {"admin"}),  # a photo: refused for what it is (415), not who sends it
    ("GET", "/api/admin/import/template.xlsx"): (None, {"admin"}),
    ("POST", "/api/audit/verify"): (None, {"admin"}),
    ("POST", "/api/tokens"): ({"name": "a script"}, SIGNED_IN),
    ("GET", "/api/tokens"): (None, SIGNED_IN),
    ("DELETE", "/api/tokens/<int:token_id>"): (None, {"own", "admin"}),  # the token is the own-unit liaison's
    ("POST", "/api/incidents"): (incident_payload(), {"command"}),
    ("GET", "/api/incidents"): (None, SIGNED_IN),
    ("GET", "/api/incidents/export.xlsx"): (None, {"command", "leader"}),
    ("GET", "/api/incidents/<int:incident_id>"): (None, SIGNED_IN),
    ("PATCH", "/api/incidents/<int:incident_id>"): ({"version": 1, "headcount": 120}, {"command"}),
    ("POST", "/api/incidents/<int:incident_id>/transitions"): ({"action": "respond"}, {"command"}),
    ("GET", "/api/incidents/<int:incident_id>/timeline"): (None, SIGNED_IN),
    # command, or a liaison whose unit has a live task on the incident
    ("POST", "/api/incidents/<int:incident_id>/headcount-reports"): ({"headcount": 150}, {"command", "own"}),
    ("GET", "/api/events"): (None, SIGNED_IN),
    ("GET", "/api/event-types"): (None, SIGNED_IN),
    ("POST", "/api/incidents/<int:incident_id>/representatives"): (
        {"name": "Zhao Min", "id_number": "110105197505150026"}, {"command"}),
    ("GET", "/api/incidents/<int:incident_id>/representatives"): (None, SIGNED_IN),
    ("DELETE", "/api/representatives/<int:representative_id>"): (None, {"command"}),
    ("GET", "/api/persons"): ({"id_number": "310101195803121234"}, {"command"}),
    ("GET", "/api/persons/<int:person_id>"): (None, {"command"}),
    ("POST", "/api/persons/<int:person_id>/reveal"): ({"reason": "Checking the group's list"}, {"command"}),
    ("POST", "/api/incidents/<int:incident_id>/tasks"): (
        {"unit_id": "<LVB>", "title": "Talk to the group", "instructions": "Hear them.", "priority": "normal",
         "due_at": DUE}, {"command"}),
    ("GET", "/api/tasks"): (None, SIGNED_IN),
    ("GET", "/api/tasks/<int:task_id>"): (None, SIGNED_IN),
    ("POST", "/api/tasks/<int:task_id>/transitions"): ({"action": "claim"}, {"own"}),
    ("POST", "/api/tasks/<int:task_id>/supervision-notices"): ({"note": "Report by noon."}, {"command"}),
    ("POST", "/api/incidents/<int:incident_id>/instructions"): ({"text": "Keep the peace."}, {"leader"}),
    ("GET", "/api/instructions"): (None, SIGNED_IN),
    ("GET", "/api/instructions/<int:instruction_id>"): (None, SIGNED_IN),
    # addressed to the task's unit and to CC (answered by command)
    ("POST", "/api/instructions/<int:instruction_id>/acknowledgements"): ({}, {"command", "own"}),
    # hidden dangers: command, or the liaison of the hidden danger's unit (PSB) for records and visits
    ("POST", "/api/hidden-dangers"): (
        {"title": "Wage dispute brewing", "category": "wage_arrears", "location": "Industrial park", "unit_id": "<PSB>",
         "people_affected": 30, "risk": "medium", "description": "Workers unpaid for two months."}, {"command", "own"}),
    ("GET", "/api/hidden-dangers"): (None, SIGNED_IN),
    ("GET", "/api/hidden-dangers/<int:hidden_danger_id>"): (None, SIGNED_IN),
    ("POST", "/api/hidden-dangers/<int:hidden_danger_id>/visits"): ({"note": "Visited the workers."}, {"command", "own"}),
    ("POST", "/api/hidden-dangers/<int:hidden_danger_id>/transitions"): ({"action": "resolve"}, {"command"}),
    ("POST", "/api/hidden-dangers/<int:hidden_danger_id>/promote"): (incident_payload(), {"command"}),
    ("GET", "/hidden-dangers"): (None, SIGNED_IN),
    ("GET", "/hidden-dangers/<int:hidden_danger_id>"): (None, SIGNED_IN),
    # command, or a liaison of a unit with a task on the incident (here: evidence on the PSB task)
    ("POST", "/api/incidents/<int:incident_id>/attachments"): (Upload(task_id="<TASK>"), {"command", "own"}),
    ("GET", "/api/incidents/<int:incident_id>/attachments"): (None, SIGNED_IN),
    # the PSB task's evidence: command, leaders and the task's units
    ("GET", "/api/attachments/<int:attachment_id>"): (None, {"command", "own", "leader"}),
    ("POST", "/api/incidents/<int:incident_id>/reports"): (
        {"kind": "follow_up", "summary": "Calm.", "next_steps": "Keep talking."}, {"command"}),
    ("GET", "/api/incidents/<int:incident_id>/reports"): (None, SIGNED_IN),
    ("GET", "/api/reports/<int:report_id>"): (None, SIGNED_IN),
    # the arranged report is published: command may edit drafts (409 here), a leader or command signs off (409)
    ("PATCH", "/api/reports/<int:report_id>"): ({"summary": "Calmer."}, {"command"}),
    ("POST", "/api/reports/<int:report_id>/approve"): ({}, {"command", "leader"}),
    # after-action review: command records it (409 here: the arranged incident is not over); everyone reads (404)
    ("POST", "/api/incidents/<int:incident_id>/review"): ({"summary": "Calm.", "lessons": "Early talks."}, {"command"}),
    ("GET", "/api/incidents/<int:incident_id>/review"): (None, SIGNED_IN),
    ("GET", "/api/incidents/<int:incident_id>/review.pdf"): ({"lang": "en"}, SIGNED_IN),
    ("GET", "/incidents/<int:incident_id>/review"): (None, SIGNED_IN),
    ("GET", "/api/reports/<int:report_id>.pdf"): ({"lang": "en"}, SIGNED_IN),
    ("GET", "/reports/<int:report_id>"): (None, SIGNED_IN),
    ("POST", "/api/incidents/<int:incident_id>/meetings"): (
        {"held_at": DUE_PAST, "place": "Reception room", "representative_ids": ["representative_id"],
         "unit_ids": ["<LVB>"], "raised": "Unpaid wages.", "answered": "Figures by Friday."}, {"command"}),
    ("GET", "/api/incidents/<int:incident_id>/meetings"): (None, SIGNED_IN),
    ("GET", "/api/meetings/<int:meeting_id>"): (None, SIGNED_IN),
    ("POST", "/api/meetings/<int:meeting_id>/commitments"): (
        {"text": "Publish the arrears figures.", "unit_id": "<LVB>", "due_at": DUE}, {"command"}),
    # response plans: everyone reads; command and the administrator write; command applies
    ("GET", "/api/response-plans"): (None, SIGNED_IN),
    ("POST", "/api/response-plans"): (PLAN, {"command", "admin"}),
    ("GET", "/api/response-plans/<int:plan_id>"): (None, SIGNED_IN),
    ("PUT", "/api/response-plans/<int:plan_id>"): (PLAN, {"command", "admin"}),
    ("DELETE", "/api/response-plans/<int:plan_id>"): (None, {"command", "admin"}),
    ("POST", "/api/incidents/<int:incident_id>/response-plans/<int:plan_id>/apply"): ({}, {"command"}),
    ("GET", "/response-plans"): (None, SIGNED_IN),
    # statistics: command and the leaders (permissions.MAY["read_statistics"])
    ("GET", "/api/statistics/units"): ({"from": "2026-01-01", "to": "2026-01-31"}, {"command", "leader"}),
    ("GET", "/api/statistics/units.csv"): (None, {"command", "leader"}),
    ("GET", "/api/statistics/units.xlsx"): (None, {"command", "leader"}),
    ("GET", "/api/statistics/incidents"): ({"by": "month"}, {"command", "leader"}),
    ("GET", "/api/statistics/incidents.csv"): ({"by": "level"}, {"command", "leader"}),
    ("GET", "/api/statistics/incidents.xlsx"): (None, {"command", "leader"}),
    ("GET", "/statistics"): (None, {"command", "leader"}),
    ("GET", "/duty"): (None, SIGNED_IN),
    ("GET", "/duty/handover"): (None, SIGNED_IN),
    # the duty roster: command and the administrator for every unit, a liaison for their own (PSB here)
    ("POST", "/api/units/<int:unit_id>/shifts"): (
        {"user_id": "user_id", "starts_at": DUE, "ends_at": DUE_LATER}, {"command", "own", "admin"}),
    ("GET", "/api/units/<int:unit_id>/shifts"): (None, SIGNED_IN),
    ("GET", "/api/shifts"): (None, SIGNED_IN),
    ("POST", "/api/units/<int:unit_id>/shifts/copy-last-week"): ({"week_of": DUE}, {"command", "own", "admin"}),
    ("DELETE", "/api/shifts/<int:shift_id>"): (None, {"command", "own", "admin"}),
    ("GET", "/api/duty"): (None, SIGNED_IN),
    ("GET", "/api/escalation-policies"): (None, SIGNED_IN),
    ("PUT", "/api/escalation-policies/<level>"): (
        {"steps": [{"after_seconds": 0, "notify": "on_duty"}]}, {"command", "admin"}),
    ("GET", "/api/notifications"): (None, {"command", "leader", "admin"}),
    # the county's places: everyone reads, the administrator keeps them
    ("GET", "/api/places"): (None, SIGNED_IN),
    ("POST", "/api/places"): ({"name": "Square", "kind": "square", "lat": 30.27, "lng": 120.15}, {"admin"}),
    ("PATCH", "/api/places/<int:place_id>"): ({"lat": 30.28}, {"admin"}),
    ("POST", "/api/places/import"): (Upload(), {"admin"}),  # a photo: refused for what it is (415), not who sends it
    ("GET", "/api/places/import/template.xlsx"): (None, {"admin"}),
    ("DELETE", "/api/places/<int:place_id>"): (None, {"admin"}),
    ("GET", "/healthz"): (None, EVERYONE),
    ("GET", "/"): (None, SIGNED_IN),
    ("GET", "/login"): (None, EVERYONE),
    # the round trip to the county's identity service: anyone may start it (404 while it is not configured)
    ("GET", "/auth/oidc/login"): (None, EVERYONE),
    ("GET", "/auth/oidc/callback"): (None, EVERYONE),
    ("GET", "/auth/cas/login"): (None, EVERYONE),
    ("GET", "/auth/cas/callback"): (None, EVERYONE),
    ("GET", "/password"): (None, SIGNED_IN),
    ("GET", "/admin"): (None, {"admin"}),
    ("GET", "/board"): (None, SIGNED_IN),
    ("GET", "/wall"): (None, SIGNED_IN),
    ("GET", "/incidents/<int:incident_id>"): (None, SIGNED_IN),
    ("GET", "/queue"): (None, SIGNED_IN),
}


def routes_of(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def arrange(app) -> dict:
    """The same state for every cell: an incident with a representative, a task for PSB, an instruction."""
    with app.app_context():
        reset_database()
        seed_units_and_users(app.config["TEST_PASSWORD_HASH"])
        db.session.remove()
    limiter.reset()
    duty, leader, psb = (ApiClient(app.test_client(), name) for name in ("duty", "leader", "psb"))
    units = {u["code"]: u["id"] for u in duty.get("/api/units?limit=100").get_json()["items"]}
    incident = duty.post("/api/incidents", json=incident_payload()).get_json()
    representative = duty.post(f"/api/incidents/{incident['id']}/representatives",
                               json={"name": "Chen Jianguo", "id_number": "310101195803121234"}).get_json()
    task = duty.post(f"/api/incidents/{incident['id']}/tasks",
                     json={"unit_id": units["PSB"], "title": "Keep the road open", "instructions": "Divert traffic.",
                           "priority": "high", "due_at": DUE}).get_json()
    instruction = leader.post(f"/api/incidents/{incident['id']}/instructions", json={"text": "Calm."}).get_json()
    token = psb.post("/api/tokens", json={"name": "script"}).get_json()
    danger = duty.post("/api/hidden-dangers", json={
        "title": "Unpaid wages", "category": "wage_arrears", "location": "Industrial park", "unit_id": units["PSB"],
        "people_affected": 30, "risk": "medium", "description": "Two months unpaid."}).get_json()
    evidence = psb.client.post(f"/api/incidents/{incident['id']}/attachments", headers=psb._headers(None),
                               data={"file": (io.BytesIO(PHOTO), "evidence.png"), "task_id": str(task["id"])},
                               content_type="multipart/form-data").get_json()
    report = duty.post(f"/api/incidents/{incident['id']}/reports",
                       json={"kind": "initial", "next_steps": "Talk to the group."}).get_json()
    meeting = duty.post(f"/api/incidents/{incident['id']}/meetings",
                        json={"held_at": DUE_PAST, "place": "Reception room", "representative_ids": [representative["id"]],
                              "raised": "Unpaid wages."}).get_json()
    shift = duty.post(f"/api/units/{units['PSB']}/shifts", json={
        "user_id": psb.user["id"], "starts_at": DUE, "ends_at": DUE_LATER}).get_json()
    place = ApiClient(app.test_client(), "admin").post("/api/places", json={
        "name": "People's Square", "kind": "square", "lat": 30.27, "lng": 120.15}).get_json()
    plan = duty.post("/api/response-plans", json={**PLAN, "tasks": [
        {**PLAN["tasks"][0], "unit_id": units["LVB"], "co_unit_ids": [units["PSB"]]}]}).get_json()
    return {"place_id": place["id"], "plan_id": plan["id"], "attachment_id": evidence["id"], "<TASK>": task["id"], "meeting_id": meeting["id"],
            "incident_id": incident["id"], "representative_id": representative["id"],
            "person_id": representative["person_id"], "task_id": task["id"], "instruction_id": instruction["id"],
            "token_id": token["id"], "user_id": psb.user["id"], "<LVB>": units["LVB"], "report_id": report["id"],
            "hidden_danger_id": danger["id"], "<PSB>": units["PSB"], "unit_id": units["PSB"],
            "shift_id": shift["id"]}


class Arranged:
    """The arranged state, made once through the API and put back after each write that got in by copying the
    database back (SQLite's backup; the matrix runs on SQLite alone), with the log's anchor beside it."""

    def __init__(self, app):
        self.app, self.ids, self.snapshot, self.anchor, self.last_seq = app, None, None, None, 0

    def again(self) -> dict:
        anchor = Path(self.app.config["AUDIT_ANCHOR"])
        with self.app.app_context():
            if self.snapshot is None:
                self.ids = arrange(self.app)
                self.snapshot = sqlite3.connect(":memory:")
                self._copy(db.engine.raw_connection(), into_snapshot=True)
                self.anchor = anchor.read_bytes() if anchor.exists() else None
                self.last_seq = events.last_seq()
            else:
                db.session.remove()
                self._copy(db.engine.raw_connection(), into_snapshot=False)
                anchor.unlink(missing_ok=True)
                if self.anchor is not None:
                    anchor.write_bytes(self.anchor)
                limiter.reset()
                assert events.last_seq() == self.last_seq, "the arranged state was not put back"
        return dict(self.ids)

    def _copy(self, raw, into_snapshot: bool) -> None:
        try:
            source, target = (raw.driver_connection, self.snapshot)[::1 if into_snapshot else -1]
            source.backup(target)
        finally:
            raw.close()


def ask(app, role: str, method: str, rule: str, body, ids: dict):
    client = ApiClient(app.test_client(), ROLES[role])
    path = rule
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", str(value))
    if method == "GET":
        return client.get(path, query_string=body)
    def filled(value):
        if isinstance(value, list):
            return [filled(item) for item in value]
        if isinstance(value, dict):
            return {key: filled(item) for key, item in value.items()}
        return ids.get(value, value) if isinstance(value, str) else value

    payload = {key: filled(value) for key, value in (body or {}).items()}
    if isinstance(body, Upload):
        form = {"file": (io.BytesIO(PHOTO), "photo.png"), **{key: str(value) for key, value in payload.items()}}
        return client.client.post(path, data=form, content_type="multipart/form-data",
                                  headers=client._headers(None))
    send = {"POST": client.post, "PATCH": client.patch, "PUT": client.put}.get(method)
    return send(path, json=payload) if send else client.delete(path)


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


@pytest.mark.long
def test_every_route_times_every_role_is_allowed_or_refused_as_the_table_says(app):
    routes = routes_of(app)
    assert routes == set(MATRIX), {"routes without a row": sorted(routes - set(MATRIX)),
                                   "rows without a route": sorted(set(MATRIX) - routes)}
    unexpected_allows, unexpected_denies, cells = [], [], 0
    lines = []
    arranged = Arranged(app)
    for (method, rule), (body, allowed) in sorted(MATRIX.items(), key=lambda item: (item[0][1], item[0][0])):
        marks = []
        ids = None
        for role in ROLES:
            # a read or a refusal changes nothing (test_bad_input holds refusals to that): the next cell
            # starts from the same state without arranging it again
            ids = ids or arranged.again()
            response = ask(app, role, method, rule, body, ids)
            cells += 1
            got_in = not refused(response)
            if got_in and method != "GET":
                ids = None
            assert response.status_code < 500, (method, rule, role, response.get_data(as_text=True))
            if got_in and role not in allowed:
                unexpected_allows.append((method, rule, role, response.status_code))
            if not got_in and role in allowed:
                unexpected_denies.append((method, rule, role, response.status_code))
            marks.append(f"{'Y' if got_in else '.'}{response.status_code}")
        lines.append(f"{method:6} {rule:58} " + " ".join(f"{m:>5}" for m in marks))
    print(f"\npermission matrix: {len(MATRIX)} routes x {len(ROLES)} roles = {cells} cells; "
          f"unexpected allows {len(unexpected_allows)}, unexpected denies {len(unexpected_denies)}")
    print(f"{'':66}" + " ".join(f"{role[:5]:>5}" for role in ROLES))
    print("\n".join(lines))
    assert unexpected_allows == [] and unexpected_denies == []


# Socket messages: every signed-in user sees the whole log (DESIGN.md: one stream, personal data masked in the
# events themselves), so each message is open to every role and to no stranger, own unit or not.
SOCKET_MATRIX = {"connect": SIGNED_IN, "resume": SIGNED_IN, "watch": SIGNED_IN, "unwatch": SIGNED_IN}


def socket_asks(app, role: str, message: str, ids: dict) -> bool:
    from realtime import socketio

    client = ApiClient(app.test_client(), ROLES[role])
    socket = socketio.test_client(app, flask_test_client=client.client)
    if not socket.is_connected():
        return False
    if message == "connect":
        return True
    body = {"after": 0} if message == "resume" else {"incident_id": ids["incident_id"]}
    answer = socket.emit(message, body, callback=True)
    socket.disconnect()
    return isinstance(answer, dict) and "error" not in answer


def test_every_socket_message_times_every_role_is_allowed_or_refused_as_the_table_says(app):
    from realtime import socketio

    handled = set(socketio.server.handlers["/"]) - {"disconnect"}
    assert handled == set(SOCKET_MATRIX), {"messages without a row": sorted(handled - set(SOCKET_MATRIX))}
    ids = arrange(app)
    outcome = {(message, role): socket_asks(app, role, message, ids) for message in SOCKET_MATRIX for role in ROLES}
    print(f"\nsocket matrix: {len(SOCKET_MATRIX)} messages x {len(ROLES)} roles = {len(outcome)} cells")
    wrong = {cell: got for cell, got in outcome.items() if got != (cell[1] in SOCKET_MATRIX[cell[0]])}
    assert wrong == {}
