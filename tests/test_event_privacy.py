"""Events hold only what every receiver may see (issue 24, finding 1).

Every event type the server appends is made once, with a marker text in every
field whose reading the API restricts: a task's evidence (its file name and
note), identity numbers, phones and addresses, passwords and token secrets. For
a receiver of each role, what it may read through the API's reads decides which
markers it may see; no marker it may not read may reach it in the live push,
`GET /api/events` or an incident's timeline.
"""
from __future__ import annotations

import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dispatch.db import db
from dispatch.duty import sender
from dispatch.duty.models import Notification
from dispatch.instructions.service import flag_overdue_instructions
from dispatch.labels import LABELS
from dispatch.tasks.deadlines import scan_overdue

from .duty_support import GatewayProcess, set_contacts, wait_for
from .support import ROOT, free_port, incident_payload
from .test_attachments import JPEG, PNG, upload
from .test_live import pushed, socket_of

# command; the liaison of the task's unit; the liaison of another unit; a leader; the administrator
RECEIVERS = ("duty", "psb", "hrss", "leader", "admin")
ID_NUMBER, PHONE, ADDRESS = "110101195306153019", "13812345678", "Building 3 Room 502 Hexi Road"
DANGER_ID_NUMBER, DANGER_PHONE = "11010519491231002X", "13987654321"
MARKERS = {
    "evidence file name": "informant-zhang-wei.jpg",
    "evidence note": "informant Zhang Wei lives at building 3, fears retaliation",
    "identity number": ID_NUMBER, "phone": PHONE, "address": ADDRESS,
    "key person's identity number": DANGER_ID_NUMBER, "key person's phone": DANGER_PHONE,
    "password": "a-long-secret-9",
}
# the incident's own file, open to every user: it shows the check can tell the two apart
PUBLIC = {"incident file name": "gate-photo.png", "incident file note": "crowd at the west gate"}


def iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).isoformat()


def appended_types() -> set[str]:
    """Every type named where an event is appended, and every type with a label."""
    named = set(LABELS["event"])
    for source in (ROOT / "dispatch").rglob("*.py"):
        named |= set(re.findall(r'append_event\(\s*"([a-z_]+\.[a-z_]+)"', source.read_text()))
        named |= set(re.findall(r'Transition\([^)]*"([a-z_]+\.[a-z_]+)"\)', source.read_text()))
    return named


def ok(response, status=(200, 201, 204)):
    assert response.status_code in ((status,) if isinstance(status, int) else status), response.get_data(as_text=True)
    return response.get_json(silent=True)


def task_step(client, task_id, **body):
    return ok(client.post(f"/api/tasks/{task_id}/transitions", json=body), 200)


def walk_every_event_type(app, c, units, secret_tokens: list[str]) -> list[int]:
    """One of each event type, restricted details in every field that holds any; the incidents made."""
    duty, psb, hrss, leader = (c[name] for name in ("duty", "psb", "hrss", "leader"))
    incident = ok(duty.post("/api/incidents", json=incident_payload(headcount=80)))
    iid = incident["id"]
    ok(duty.patch(f"/api/incidents/{iid}", json={"version": incident["version"], "headcount": 90}))
    ok(duty.post(f"/api/incidents/{iid}/headcount-reports", json={"headcount": 120, "note": "More arrive"}))
    rep = ok(duty.post(f"/api/incidents/{iid}/representatives", json={
        "name": "Wang Wu", "id_number": ID_NUMBER, "phone": PHONE, "address": ADDRESS}))
    ok(duty.post(f"/api/persons/{rep['person_id']}/reveal", json={"reason": "Call back", "incident_id": iid}))
    task = ok(duty.post(f"/api/incidents/{iid}/tasks", json={
        "unit_id": units["PSB"], "title": "Keep order", "instructions": "On site", "priority": "high",
        "due_at": iso(timedelta(hours=4))}))
    tid = task["id"]
    for body in ({"action": "claim"}, {"action": "start"}, {"action": "progress", "note": "Half"},
                 {"action": "request_extension", "due_at": iso(timedelta(hours=8))}):
        task_step(psb, tid, **body)
    task_step(duty, tid, action="approve_extension")
    task_step(psb, tid, action="request_extension", due_at=iso(timedelta(hours=9)))
    task_step(duty, tid, action="reject_extension")
    # the liaison's evidence on its own task, and a file on the incident itself
    ok(upload(psb, iid, JPEG, name=MARKERS["evidence file name"], task_id=tid, note=MARKERS["evidence note"]))
    ok(upload(duty, iid, PNG, name=PUBLIC["incident file name"], note=PUBLIC["incident file note"]))
    task_step(psb, tid, action="submit", note="Done")
    task_step(duty, tid, action="reject", note="Not yet")
    for _ in range(app.config["SUPERVISION_ESCALATE_AFTER"]):
        ok(duty.post(f"/api/tasks/{tid}/supervision-notices", json={"note": "Hurry"}))
    task_step(psb, tid, action="submit", note="Done now")
    task_step(duty, tid, action="verify")
    returned = ok(duty.post(f"/api/incidents/{iid}/tasks", json={
        "unit_id": units["LVB"], "title": "Talk to them", "instructions": "Today", "priority": "normal",
        "due_at": iso(timedelta(hours=4))}))
    task_step(c["lvb"], returned["id"], action="return", reason="Not ours")
    task_step(duty, returned["id"], action="reroute", unit_id=units["HRSS"])
    task_step(duty, returned["id"], action="cancel")
    ok(duty.post(f"/api/incidents/{iid}/tasks", json={
        "unit_id": units["HRSS"], "title": "Pay", "instructions": "Now", "priority": "urgent",
        "due_at": iso(-timedelta(minutes=1)), "past_due_ok": True}))
    instruction = ok(leader.post(f"/api/incidents/{iid}/instructions", json={"text": "Go"}))
    ok(hrss.post(f"/api/instructions/{instruction['id']}/acknowledgements"))
    ok(duty.post(f"/api/incidents/{iid}/tasks", json={
        "unit_id": units["JUS"], "title": "Advise", "instructions": "Law", "priority": "low",
        "due_at": iso(timedelta(hours=4))}))  # joins the live instruction's addressees
    with app.app_context():
        scan_overdue()
        flag_overdue_instructions(datetime.now(timezone.utc) + timedelta(days=1))
        db.session.remove()
    meeting = ok(duty.post(f"/api/incidents/{iid}/meetings", json={
        "held_at": iso(-timedelta(minutes=30)), "place": "Room 3", "representative_ids": [rep["id"]],
        "unit_ids": [units["HRSS"]], "raised": "Wages", "answered": "By Friday"}))
    ok(duty.post(f"/api/meetings/{meeting['id']}/commitments", json={
        "text": "Pay the wages", "unit_id": units["HRSS"], "due_at": iso(timedelta(days=3))}))
    ok(duty.post(f"/api/incidents/{iid}/reports", json={"kind": "initial", "summary": "Gathering",
                                                         "next_steps": "Talk"}))
    ok(duty.delete(f"/api/representatives/{rep['id']}"))
    moved = ok(duty.post("/api/incidents", json=incident_payload(title="Moved through every status")))
    for action in ("respond", "contain", "resolve", "close", "reopen"):
        ok(duty.post(f"/api/incidents/{moved['id']}/transitions", json={"action": action}))
    promoted = walk_prevention(c, units)
    secret_tokens += walk_administration(c)
    walk_duty(app, c, units)
    reviewed = walk_leaders(c, units)
    return [iid, moved["id"], promoted, reviewed]


def walk_prevention(c, units) -> int:
    """A hidden danger through every step to the incident it becomes, and a response plan applied to it."""
    duty, hrss, admin = c["duty"], c["hrss"], c["admin"]
    danger = ok(duty.post("/api/hidden-dangers", json={
        "title": "Unpaid builders", "category": "wage_arrears", "location": "North site", "unit_id": units["HRSS"],
        "people_affected": 40, "risk": "medium", "description": "Wages three months late",
        "persons": [{"name": "Li Si", "id_number": DANGER_ID_NUMBER, "phone": DANGER_PHONE}]}))
    ok(hrss.post(f"/api/hidden-dangers/{danger['id']}/visits", json={"note": "Worse", "risk": "high"}))
    moves = f"/api/hidden-dangers/{danger['id']}/transitions"
    ok(duty.post(moves, json={"action": "resolve", "note": "Paid"}))
    ok(duty.post(moves, json={"action": "reopen"}))
    promoted = ok(duty.post(f"/api/hidden-dangers/{danger['id']}/promote",
                            json=incident_payload(occurred_at=iso(-timedelta(minutes=20)))))

    plan = ok(duty.post("/api/response-plans", json={
        "name": "Wage arrears", "category": "wage_arrears", "levels": ["II"],
        "tasks": [{"unit_id": units["HRSS"], "title": "Check the payroll", "instructions": "Today",
                   "priority": "high", "due_in_minutes": 120}]}))
    ok(admin.put(f"/api/response-plans/{plan['id']}", json={**{k: plan[k] for k in ("name", "category", "levels")},
                                                            "tasks": [{k: t[k] for k in ("unit_id", "title",
                                                                       "instructions", "priority", "due_in_minutes")}
                                                                      for t in plan["tasks"]]}))
    ok(duty.post(f"/api/incidents/{promoted['id']}/response-plans/{plan['id']}/apply"))
    ok(duty.delete(f"/api/response-plans/{plan['id']}"))
    return promoted["id"]


def walk_leaders(c, units) -> int:
    """A place kept by the administrator; a resolved incident's after-action review with an improvement."""
    admin, duty = c["admin"], c["duty"]
    place = ok(admin.post("/api/places", json={"name": "West Gate Square", "kind": "square", "lat": 30.27,
                                               "lng": 120.15}))
    ok(admin.patch(f"/api/places/{place['id']}", json={"lat": 30.28}))
    ok(admin.delete(f"/api/places/{place['id']}"))
    incident = ok(duty.post("/api/incidents", json=incident_payload(title="Reviewed afterwards")))
    for action in ("respond", "contain", "resolve"):
        ok(duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": action}))
    ok(duty.post(f"/api/incidents/{incident['id']}/review", json={
        "summary": "Talks at the gate worked", "lessons": "Call the representatives sooner",
        "improvements": [{"text": "A hotline for wage claims", "unit_id": units["HRSS"],
                          "due_at": iso(timedelta(days=30))}]}))
    return incident["id"]


def walk_duty(app, c, units) -> None:
    """A shift added and removed, a policy changed, and a notification sent (SMS, to a real gateway) and one
    failed (e-mail, to a server that is not there): the on-duty's phone is a marker."""
    duty = c["duty"]
    user_id = c["psb"].user["id"]
    shift = ok(duty.post(f"/api/units/{units['PSB']}/shifts", json={
        "user_id": user_id, "starts_at": iso(-timedelta(hours=1)), "ends_at": iso(timedelta(hours=1))}))
    ok(duty.delete(f"/api/shifts/{shift['id']}"))
    ok(c["admin"].put("/api/escalation-policies/IV", json={"steps": [
        {"after_seconds": 0, "notify": "on_duty"}, {"after_seconds": 900, "notify": "command"}]}))
    gateway = GatewayProcess(Path(tempfile.mkdtemp(prefix="dispatch-gateway-")))
    gateway.start()
    saved = {k: app.config[k] for k in ("DISPATCH_SMS_URL", "DISPATCH_SMTP_URL", "NOTIFY_ATTEMPTS")}
    try:
        app.config.update(DISPATCH_SMS_URL=f"{gateway.url}/sms", DISPATCH_SMTP_URL=f"smtp://127.0.0.1:{free_port()}",
                          NOTIFY_ATTEMPTS=1)
        with app.app_context():
            set_contacts("psb", phone=PHONE, email="psb-liaison@county.example")
            db.session.remove()
        incident = ok(duty.post("/api/incidents", json=incident_payload(level="IV")))
        ok(duty.post(f"/api/incidents/{incident['id']}/tasks", json={
            "unit_id": units["PSB"], "title": "Call the workers' leaders", "instructions": "Now", "priority": "high",
            "due_at": iso(timedelta(hours=4))}))
        with app.app_context():
            wait_for(lambda: sender.send_due() == 0 and not db.session.query(Notification).filter_by(
                status="pending").count(), "every notification sent or failed")
            db.session.remove()
    finally:
        app.config.update(saved)
        gateway.stop()


ROBOT_URL = "https://oapi.dingtalk.com/robot/send?access_token=north-township-robot"
ROBOT_SECRET = "SECnorth-township-signing-key"
WORK_PHONE, WORK_EMAIL = "13900001111", "hotline-officer@county.example"


def walk_administration(c) -> list[str]:
    """Users and tokens on the record; the token secrets issued."""
    duty, admin = c["duty"], c["admin"]
    user = ok(admin.post("/api/users", json={"username": "hotline", "password": MARKERS["password"],
                                             "role": "command", "unit_code": "CC"}))
    token = ok(admin.post("/api/tokens", json={"user_id": user["id"], "name": "Hotline intake"}))
    ok(admin.patch(f"/api/users/{user['id']}", json={"active": False}))
    ok(admin.patch(f"/api/users/{user['id']}", json={"active": True}))
    own = ok(duty.post("/api/tokens", json={"name": "Wall screen"}))
    ok(duty.delete(f"/api/tokens/{own['id']}"))
    # the county's own organisation: a unit with its robot's secret, a user's work mobile, a password reset
    unit = ok(admin.post("/api/units", json={"code": "TWN-N", "name": "North Township", "kind": "township"}))
    ok(admin.patch(f"/api/units/{unit['id']}", json={"name_zh": "北镇", "dingtalk_webhook": ROBOT_URL,
                                                     "dingtalk_secret": ROBOT_SECRET}))
    ok(admin.patch(f"/api/users/{user['id']}", json={"phone": WORK_PHONE, "email": WORK_EMAIL}))
    temporary = ok(admin.post(f"/api/users/{user['id']}/password-reset"))["temporary_password"]
    ok(admin.delete(f"/api/users/{user['id']}/sessions"))
    return [token["token"], own["token"], temporary, ROBOT_SECRET, ROBOT_URL, WORK_PHONE, WORK_EMAIL]


def readable_through_the_api(client, incident_ids: list[int]) -> str:
    """Everything this receiver may read with the API's GETs (the lists it may see, the records it may open)."""
    reads = ["/api/incidents?limit=1000", "/api/tasks?limit=1000", "/api/hidden-dangers?limit=1000",
             "/api/response-plans", "/api/users?limit=1000", "/api/tokens", "/api/units", "/api/audit?limit=1000"]
    for iid in incident_ids:
        reads += [f"/api/incidents/{iid}", f"/api/incidents/{iid}/representatives",
                  f"/api/incidents/{iid}/attachments", f"/api/incidents/{iid}/reports"]
    listed = {path: client.get(f"/api/{path}?limit=1000") for path in ("hidden-dangers", "tasks")}
    for path, answer in listed.items():
        reads += [f"/api/{path}/{row['id']}" for row in answer.get_json().get("items", [])]
    answers = [client.get(path) for path in reads]
    return "\n".join(answer.get_data(as_text=True) for answer in answers if answer.status_code == 200)


def received_from_the_log(client, socket, incident_ids: list[int]) -> dict[str, str]:
    timelines = [client.get(f"/api/incidents/{iid}/timeline?limit=1000") for iid in incident_ids]
    assert all(answer.status_code == 200 for answer in timelines)
    return {
        "the live push": str(pushed(socket)),
        "GET /api/events": client.get("/api/events?limit=1000").get_data(as_text=True),
        "the incident's timeline": "\n".join(answer.get_data(as_text=True) for answer in timelines),
    }


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "attachments"))


def test_no_event_tells_a_receiver_of_any_role_what_the_api_would_not(app, client_for, store):
    clients = {name: client_for(name) for name in (*RECEIVERS, "lvb")}
    units = {unit["code"].upper(): unit["id"] for unit in clients["duty"].get("/api/units").get_json()["items"]}
    sockets = {name: socket_of(app, clients[name]) for name in RECEIVERS}
    secrets: list[str] = []
    incident_ids = walk_every_event_type(app, clients, units, secrets)

    logged = clients["duty"].get("/api/events?limit=1000").get_json()["items"]
    # session.started needs the county's identity service (real servers: tests/test_sso_ldap.py, test_sso_oidc.py and
    # test_sso_cas.py check its event)
    missing = appended_types() - {event["type"] for event in logged} - {"session.started"}
    assert not missing, f"the walk made no event of type {sorted(missing)}"
    markers = {**MARKERS, **{f"token secret {n}": secret for n, secret in enumerate(secrets)}}
    leaks, allowed = [], {}
    for name in RECEIVERS:
        readable = readable_through_the_api(clients[name], incident_ids)
        restricted = {what: text for what, text in markers.items() if text not in readable}
        allowed[name] = sorted(set(markers) - set(restricted))
        for where, text in received_from_the_log(clients[name], sockets[name], incident_ids).items():
            leaks += [f"{name} got the {what} in {where}" for what, marker in restricted.items() if marker in text]
        for what, marker in PUBLIC.items():  # not a check that passes by reading nothing
            assert marker in readable, f"{name} cannot read the {what}"
    assert not leaks, "\n".join(leaks)
    # the evidence is readable where the API lets it be (command, the task's unit, leaders), not elsewhere
    assert "evidence note" in allowed["duty"] and "evidence note" in allowed["psb"]
    assert "evidence note" in allowed["leader"] and "evidence note" not in allowed["hrss"]
    assert "evidence file name" not in allowed["admin"]


def test_an_evidence_event_written_before_this_round_shows_no_name_or_note(app, ctx, client_for):
    from dispatch.events import unit_of_work

    with unit_of_work() as uow:
        uow.append_event("attachment.added", incident=1, task=1, data={"attachment": {
            "id": 1, "task_id": 1, "name": MARKERS["evidence file name"], "note": MARKERS["evidence note"],
            "size": 10, "content_type": "image/jpeg", "sha256": "ab" * 32}})
    db.session.remove()
    [event] = client_for("hrss").get("/api/events").get_json()["items"]
    assert event["data"] == {"attachment": {"id": 1, "task_id": 1}}
