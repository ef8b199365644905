"""API.md, row by row, against a real server (`python wsgi.py` on a fresh SQLite database with the demo data).

The later sections of the contract: the additions, situation reports, meetings, commitments, attachments,
hidden dangers, response plans and trust; the demo data; every event type named, as the server appends it
and as a live client receives it. Only what API.md says is checked: field names, status codes, error
bodies (the field named, in the request's language), who may do what, the events appended.
"""
from __future__ import annotations

import http.cookiejar
import inspect
import re
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
import requests

from realtime.client import LiveClient

from .support import PASSWORD, ROOT, incident_payload, running_server, wait_until

pytestmark = pytest.mark.servers

WAIT = 20
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
CJK = re.compile(r"[\u4e00-\u9fff]")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
UNITS = {"CC": "command", "PSB": "department", "LVB": "department", "HRSS": "department", "HURD": "department",
         "NR": "department", "EE": "department", "JUS": "department", "HLTH": "department", "EM": "department",
         "TWN-E": "township", "TWN-W": "township"}
LIAISONS = [code.lower() for code in UNITS if code != "CC"]


SKEW = {"server": timedelta(0)}  # the server's clock less ours (the suite's clock may be moved ahead)


def server_now() -> datetime:
    return datetime.now(timezone.utc) + SKEW["server"]


def iso(delta: timedelta) -> str:
    return (server_now() + delta).isoformat()


def id_number(serial: int) -> str:
    """A valid 18-character resident identity number (checksum included), distinct per serial."""
    body = f"110101198001{(serial % 28) + 1:02d}{serial % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def has_offset(value: str) -> bool:
    return datetime.fromisoformat(value).utcoffset() is not None


def assert_error(response, status: int, field: str | None = None):
    assert response.status_code == status, (response.status_code, response.text)
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["message"]
    if field is not None:
        named = [name for name in error["fields"] if name == field or name.startswith(f"{field}.")]
        assert named, error  # the field itself, or a part of it (`persons.0.id_number`)
        assert all(isinstance(text, str) and text for name in named for text in error["fields"][name]), error
    if status == 409:
        assert "current_status" in error, error
    return error


class Api:
    """A signed-in user of one server: `api.post(path, json)` and the like, CSRF header added."""

    def __init__(self, base: str, username: str):
        self.base, self.username = base, username
        # The session cookie is sent by hand: a cookie jar judges its expiry by this process's clock, which the
        # suite may move a year ahead of the server's.
        self.http = requests.Session()
        self.http.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        signed_in = self.http.post(f"{base}/api/session", json={"username": username, "password": PASSWORD},
                                   timeout=10)
        assert signed_in.status_code == 200, signed_in.text
        self.cookie = signed_in.headers["Set-Cookie"].split(";", 1)[0]
        self.http.headers.update({"Cookie": self.cookie, "X-CSRF-Token": signed_in.json()["csrf_token"]})
        self.user = signed_in.json()["user"]

    def __getattr__(self, method):
        def call(path, **kwargs):
            kwargs.setdefault("timeout", 30)
            return getattr(self.http, method)(f"{self.base}{path}", **kwargs)
        return call


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("contract")
    with running_server(f"sqlite:///{path / 'dispatch.db'}", instance_dir=path,
                        env={"DISPATCH_ATTACHMENT_MAX_BYTES": str(256 * 1024),
                             "DISPATCH_OVERDUE_SCAN_SECONDS": "1"}) as server:
        served = parsedate_to_datetime(requests.get(f"{server.url}/healthz", timeout=10).headers["Date"])
        SKEW["server"] = served - datetime.now(timezone.utc) + timedelta(milliseconds=500)
        yield server


RAN: list[str] = []  # the tests of this module run so far: the last one needs every change made before it


LIVE: dict = {}  # the live client's start, once it follows the stream


@pytest.fixture(autouse=True)
def _ran(request):
    followed = bool(LIVE)  # a change made before the live client followed the stream is not one it saw
    yield
    if followed:
        RAN.append(request.node.name)


@pytest.fixture(scope="module")
def users(server):
    cache = {}

    def user(name: str) -> Api:
        if name not in cache:
            cache[name] = Api(server.url, name)
        return cache[name]
    return user


@pytest.fixture(scope="module")
def units(users):
    return {unit["code"]: unit for unit in users("duty").get("/api/units", params={"limit": 100}).json()["items"]}


@pytest.fixture(scope="module", autouse=True)
def live(server, users):
    """A command client following the stream from before the first change of these tests."""
    duty = users("duty")
    start = duty.get("/api/events", params={"limit": 1}).json()["last_seq"]
    client = LiveClient(server.url, cookie=duty.cookie, after=start).connect()
    client.start = LIVE["start"] = start
    yield client
    client.close()


def events_since(api: Api, after: int) -> list[dict]:
    items = []
    while True:
        page = api.get("/api/events", params={"after": after, "limit": 500}).json()
        if not page["items"]:
            return items
        items += page["items"]
        after = page["items"][-1]["seq"]


def last_seq(api: Api) -> int:
    return api.get("/api/events", params={"limit": 1}).json()["last_seq"]


CLOCK_EVENTS = {"task.overdue", "instruction.overdue"}  # appended by the deadline scan whenever it runs


def types_since(api: Api, after: int) -> list[str]:
    """The types of the events a request appended (the scan's, which may fall in between, aside)."""
    return [event["type"] for event in events_since(api, after) if event["type"] not in CLOCK_EVENTS]


def new_incident(duty: Api, **overrides) -> dict:
    response = duty.post("/api/incidents", json=incident_payload(occurred_at=iso(-timedelta(hours=1)), **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def dispatch(duty: Api, incident_id: int, unit_id: int, **overrides) -> dict:
    body = {"unit_id": unit_id, "title": "Talk to the workers", "instructions": "On site", "priority": "high",
            "due_at": iso(timedelta(hours=4)), **overrides}
    response = duty.post(f"/api/incidents/{incident_id}/tasks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def settle(duty: Api, liaison: Api, task: dict, then=("verify",)) -> None:
    for action, who in [("claim", liaison), ("start", liaison)]:
        assert who.post(f"/api/tasks/{task['id']}/transitions", json={"action": action}).status_code == 200
    assert liaison.post(f"/api/tasks/{task['id']}/transitions",
                        json={"action": "submit", "note": "Done"}).status_code == 200
    for action in then:
        assert duty.post(f"/api/tasks/{task['id']}/transitions", json={"action": action}).status_code == 200


def move(duty: Api, incident_id: int, *actions: str) -> None:
    for action in actions:
        response = duty.post(f"/api/incidents/{incident_id}/transitions", json={"action": action})
        assert response.status_code == 200, response.text


def add_representative(duty: Api, incident_id: int, serial: int, name="Wang Wu") -> dict:
    response = duty.post(f"/api/incidents/{incident_id}/representatives",
                         json={"name": name, "id_number": id_number(serial), "phone": "13800138000"})
    assert response.status_code == 201, response.text
    return response.json()


# -- demo data -------------------------------------------------------------------

def test_the_demo_data_is_as_the_contract_says(live, users, units):
    assert {code: unit["kind"] for code, unit in units.items()} == UNITS
    assert {code: unit["name"] for code, unit in units.items()} == {
        "CC": "Command Centre", "PSB": "Public Security", "LVB": "Letters and Visits",
        "HRSS": "Human Resources and Social Security", "HURD": "Housing and Urban-Rural Development",
        "NR": "Natural Resources", "EE": "Ecology and Environment", "JUS": "Justice", "HLTH": "Health",
        "EM": "Emergency Management", "TWN-E": "East Township", "TWN-W": "West Township"}
    for unit in units.values():
        assert set(unit) >= {"id", "code", "name", "kind"}
    expected = {"duty": ("command", "CC"), "leader": ("leader", None), "admin": ("admin", None),
                **{name: ("liaison", name.upper()) for name in LIAISONS}}
    for name, (role, code) in expected.items():
        user = users(name).user
        assert user["role"] == role, name
        if code is not None:
            assert user["unit_id"] == units[code]["id"], name
    duty = users("duty")
    incidents = duty.get("/api/incidents", params={"limit": 100}).json()
    assert incidents["total"] >= 2
    assert len({incident["status"] for incident in incidents["items"]}) >= 2
    tasks = duty.get("/api/tasks", params={"limit": 200}).json()
    assert len({task["status"] for task in tasks["items"]}) >= 2


# -- additions (2026-12) ---------------------------------------------------------

def test_errors_follow_accept_language(users):
    duty = users("duty")
    bad = incident_payload(headcount=0)
    english = assert_error(duty.post("/api/incidents", json=bad, headers=EN), 422, "headcount")
    chinese = assert_error(duty.post("/api/incidents", json=bad, headers=ZH), 422, "headcount")
    assert not CJK.search(english["message"] + "".join(english["fields"]["headcount"]))
    assert CJK.search(chinese["message"]) and CJK.search(chinese["fields"]["headcount"][0])


def test_occurred_at_in_the_future_and_due_at_in_the_past(users, units):
    duty = users("duty")
    assert_error(duty.post("/api/incidents", json=incident_payload(occurred_at=iso(timedelta(minutes=30)))),
                 422, "occurred_at")
    assert duty.post("/api/incidents",
                     json=incident_payload(occurred_at=iso(timedelta(minutes=5)))).status_code == 201
    incident = new_incident(duty)
    body = {"unit_id": units["PSB"]["id"], "title": "Late", "instructions": "x", "priority": "low",
            "due_at": iso(-timedelta(hours=1))}
    assert_error(duty.post(f"/api/incidents/{incident['id']}/tasks", json=body), 422, "due_at")
    created = duty.post(f"/api/incidents/{incident['id']}/tasks", json={**body, "past_due_ok": True})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "dispatched"
    reroute = {"action": "reroute", "unit_id": units["HRSS"]["id"], "due_at": iso(-timedelta(hours=1))}
    assert_error(duty.post(f"/api/tasks/{created.json()['id']}/transitions", json=reroute), 422, "due_at")
    assert duty.get(f"/api/tasks/{created.json()['id']}").json()["unit_id"] == units["PSB"]["id"]
    rerouted = duty.post(f"/api/tasks/{created.json()['id']}/transitions", json={**reroute, "past_due_ok": True})
    assert rerouted.status_code == 200 and rerouted.json()["unit_id"] == units["HRSS"]["id"], rerouted.text


def test_instructions_take_unit_ids_and_later_units_join_a_live_instruction(users, units):
    duty, leader = users("duty"), users("leader")
    incident = new_incident(duty)
    dispatch(duty, incident["id"], units["PSB"]["id"])
    default = leader.post(f"/api/incidents/{incident['id']}/instructions", json={"text": "Keep calm"})
    assert default.status_code == 201, default.text
    assert {a["unit_id"] for a in default.json()["addressees"]} == {units["PSB"]["id"], units["CC"]["id"]}
    chosen = leader.post(f"/api/incidents/{incident['id']}/instructions",
                         json={"text": "Health on site", "unit_ids": [units["HLTH"]["id"]]})
    assert chosen.status_code == 201, chosen.text
    assert {a["unit_id"] for a in chosen.json()["addressees"]} == {units["HLTH"]["id"]}
    assert_error(duty.post(f"/api/incidents/{incident['id']}/instructions", json={"text": "x"}), 403)
    assert_error(leader.post(f"/api/incidents/{incident['id']}/instructions",
                             json={"text": "x", "unit_ids": [999999]}), 422, "unit_ids")
    assert_error(leader.post("/api/incidents/999999/instructions", json={"text": "x"}), 404)
    dispatch(duty, incident["id"], units["HURD"]["id"])
    again = duty.get(f"/api/instructions/{default.json()['id']}").json()
    assert units["HURD"]["id"] in {a["unit_id"] for a in again["addressees"]}


def test_an_instructions_default_addressees_are_the_units_with_a_live_task(users, units):
    duty, leader, psb = users("duty"), users("leader"), users("psb")
    incident = new_incident(duty)
    settle(duty, psb, dispatch(duty, incident["id"], units["PSB"]["id"]))  # done: no longer live
    cancelled = dispatch(duty, incident["id"], units["LVB"]["id"])
    assert duty.post(f"/api/tasks/{cancelled['id']}/transitions", json={"action": "cancel"}).status_code == 200
    dispatch(duty, incident["id"], units["EE"]["id"], co_unit_ids=[units["TWN-W"]["id"]])
    issued = leader.post(f"/api/incidents/{incident['id']}/instructions", json={"text": "Report by noon"})
    assert issued.status_code == 201, issued.text
    assert {a["unit_id"] for a in issued.json()["addressees"]} == {
        units["CC"]["id"], units["EE"]["id"], units["TWN-W"]["id"]}


def test_headcount_reports(users, units):
    duty, psb, lvb, leader = users("duty"), users("psb"), users("lvb"), users("leader")
    incident = new_incident(duty, headcount=100)
    dispatch(duty, incident["id"], units["PSB"]["id"])
    before = last_seq(duty)
    path = f"/api/incidents/{incident['id']}/headcount-reports"
    assert duty.post(path, json={"headcount": 250, "note": "More arrive"}).status_code == 201
    assert psb.post(path, json={"headcount": 180}).status_code == 201
    assert_error(lvb.post(path, json={"headcount": 10}), 403)
    assert_error(leader.post(path, json={"headcount": 10}), 403)
    assert_error(duty.post(path, json={"headcount": -1}), 422, "headcount")
    assert_error(duty.post(path, json={"headcount": 5, "extra": 1}), 422, "extra")
    assert_error(duty.post("/api/incidents/999999/headcount-reports", json={"headcount": 5}), 404)
    assert types_since(duty, before) == ["incident.headcount_reported"] * 2
    now = duty.get(f"/api/incidents/{incident['id']}").json()
    assert now["headcount"] == 180 and now["peak_headcount"] == 250


def test_a_returned_task_leaves_the_returning_units_open_queue(users, units):
    duty, psb = users("duty"), users("psb")
    incident = new_incident(duty)
    task = dispatch(duty, incident["id"], units["PSB"]["id"])
    queue = {"unit_id": units["PSB"]["id"], "status": "open", "limit": 500}
    assert task["id"] in [t["id"] for t in duty.get("/api/tasks", params=queue).json()["items"]]
    returned = psb.post(f"/api/tasks/{task['id']}/transitions", json={"action": "return", "reason": "Not ours"})
    assert returned.status_code == 200, returned.text
    assert task["id"] not in [t["id"] for t in duty.get("/api/tasks", params=queue).json()["items"]]
    assert task["id"] in [t["id"] for t in duty.get("/api/tasks", params={"status": "open", "limit": 500}).json()
                          ["items"]]
    rerouted = duty.post(f"/api/tasks/{task['id']}/transitions", json={"action": "reroute",
                                                                       "unit_id": units["HRSS"]["id"]})
    assert rerouted.status_code == 200, rerouted.text
    hrss_queue = {**queue, "unit_id": units["HRSS"]["id"]}
    assert task["id"] in [t["id"] for t in duty.get("/api/tasks", params=hrss_queue).json()["items"]]


# -- situation reports -----------------------------------------------------------

def test_reports(users, units):
    duty, leader, psb = users("duty"), users("leader"), users("psb")
    incident = new_incident(duty)
    add_representative(duty, incident["id"], 11)
    dispatch(duty, incident["id"], units["PSB"]["id"])
    path = f"/api/incidents/{incident['id']}/reports"
    before = last_seq(duty)
    first = duty.post(path, json={"kind": "initial", "summary": "Gathering", "next_steps": "Talk"})
    assert first.status_code == 201, first.text
    report = first.json()
    assert set(report) >= {"id", "incident_id", "kind", "number", "published_at", "content"}
    assert report["incident_id"] == incident["id"] and report["kind"] == "initial" and report["number"] == 1
    assert has_offset(report["published_at"]) and isinstance(report["content"], dict) and report["content"]
    assert id_number(11) not in first.text and "13800138000" not in first.text
    assert types_since(duty, before) == ["report.published"]
    final = assert_error(duty.post(path, json={"kind": "final", "next_steps": "x"}), 409)
    assert final["current_status"] == "reported"
    assert_error(leader.post(path, json={"kind": "initial", "next_steps": "x"}), 403)
    assert_error(psb.post(path, json={"kind": "initial", "next_steps": "x"}), 403)
    assert_error(duty.post(path, json={"kind": "weekly", "next_steps": "x"}), 422, "kind")
    assert_error(duty.post(path, json={"kind": "initial"}), 422, "next_steps")
    assert_error(duty.post("/api/incidents/999999/reports", json={"kind": "initial", "next_steps": "x"}), 404)
    second = duty.post(path, json={"kind": "follow_up", "next_steps": "Later"}).json()
    listed = psb.get(path).json()
    assert [r["id"] for r in listed["items"]] == [second["id"], report["id"]] and listed["total"] == 2
    one = leader.get(f"/api/reports/{report['id']}")
    assert one.status_code == 200 and one.json()["content"] == report["content"]
    assert_error(duty.get("/api/reports/999999"), 404)
    move(duty, incident["id"], "respond", "contain", "resolve")
    assert duty.post(path, json={"kind": "final", "next_steps": "Close"}).status_code == 201


def test_a_report_as_pdf_and_as_a_page(users):
    duty, psb = users("duty"), users("psb")
    incident = new_incident(duty)
    report = duty.post(f"/api/incidents/{incident['id']}/reports",
                       json={"kind": "initial", "next_steps": "Talk"}).json()
    for params, headers in [({}, ZH), ({"lang": "en"}, {}), ({"lang": "zh"}, EN)]:
        pdf = psb.get(f"/api/reports/{report['id']}.pdf", params=params, headers=headers, timeout=60)
        assert pdf.status_code == 200, pdf.text[:300]
        assert pdf.headers["Content-Type"].startswith("application/pdf") and pdf.content.startswith(b"%PDF")
    assert_error(psb.get(f"/api/reports/{report['id']}.pdf", params={"lang": "fr"}), 422, "lang")
    assert_error(psb.get("/api/reports/999999.pdf"), 404)
    page = psb.get(f"/reports/{report['id']}")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]


# -- meetings and commitments ----------------------------------------------------

def test_meetings_and_commitments(users, units):
    duty, leader, psb, hrss = users("duty"), users("leader"), users("psb"), users("hrss")
    incident = new_incident(duty)
    rep = add_representative(duty, incident["id"], 12)
    path = f"/api/incidents/{incident['id']}/meetings"
    body = {"held_at": iso(-timedelta(minutes=30)), "place": "Room 3", "representative_ids": [rep["id"]],
            "unit_ids": [units["HRSS"]["id"]], "raised": "Wages", "answered": "By Friday"}
    before = last_seq(duty)
    created = duty.post(path, json=body)
    assert created.status_code == 201, created.text
    meeting = created.json()
    assert meeting["id"] and meeting["incident_id"] == incident["id"]
    assert types_since(duty, before) == ["meeting.held"]
    assert_error(leader.post(path, json=body), 403)
    assert_error(psb.post(path, json=body), 403)
    assert_error(duty.post(path, json={**body, "held_at": iso(timedelta(days=1))}), 422, "held_at")
    assert_error(duty.post(path, json={**body, "representative_ids": [999999]}), 422, "representative_ids")
    assert_error(duty.post(path, json={**body, "unit_ids": [999999]}), 422, "unit_ids")
    assert_error(duty.post("/api/incidents/999999/meetings", json=body), 404)

    commitments = f"/api/meetings/{meeting['id']}/commitments"
    promise = {"text": "Pay the wages", "unit_id": units["HRSS"]["id"], "due_at": iso(timedelta(days=3))}
    before = last_seq(duty)
    made = duty.post(commitments, json=promise)
    assert made.status_code == 201, made.text
    commitment = made.json()
    assert set(commitment) >= {"id", "meeting_id", "text", "unit_id", "due_at", "task_id"}
    assert commitment["meeting_id"] == meeting["id"] and commitment["unit_id"] == units["HRSS"]["id"]
    assert has_offset(commitment["due_at"])
    assert sorted(types_since(duty, before)) == ["commitment.made", "task.dispatched"]
    task = duty.get(f"/api/tasks/{commitment['task_id']}").json()
    assert task["unit_id"] == units["HRSS"]["id"] and task["incident_id"] == incident["id"]
    assert task["status"] == "dispatched"
    assert_error(leader.post(commitments, json=promise), 403)
    assert_error(hrss.post(commitments, json=promise), 403)
    assert_error(duty.post(commitments, json={**promise, "due_at": iso(-timedelta(days=1))}), 422, "due_at")
    assert_error(duty.post(commitments, json={**promise, "unit_id": 999999}), 422, "unit_id")
    assert_error(duty.post(commitments, json={**promise, "text": ""}), 422, "text")
    assert_error(duty.post("/api/meetings/999999/commitments", json=promise), 404)

    detail = psb.get(f"/api/incidents/{incident['id']}").json()
    assert [m["id"] for m in detail["meetings"]] == [meeting["id"]]
    assert [c["id"] for c in detail["commitments"]] == [commitment["id"]]
    assert detail["commitments"][0]["kept"] is None
    settle(duty, hrss, task)
    detail = psb.get(f"/api/incidents/{incident['id']}").json()
    assert detail["commitments"][0]["kept"] is True


def test_a_commitment_past_its_time_is_not_kept(users, units):
    duty = users("duty")
    incident = new_incident(duty)
    rep = add_representative(duty, incident["id"], 13)
    meeting = duty.post(f"/api/incidents/{incident['id']}/meetings",
                        json={"held_at": iso(-timedelta(hours=2)), "place": "Hall", "representative_ids": [rep["id"]],
                              "unit_ids": [], "raised": "Wages", "answered": ""}).json()
    late = duty.post(f"/api/meetings/{meeting['id']}/commitments",
                     json={"text": "Pay", "unit_id": units["HRSS"]["id"], "due_at": iso(-timedelta(hours=1)),
                           "past_due_ok": True})
    assert late.status_code == 201, late.text
    detail = duty.get(f"/api/incidents/{incident['id']}").json()
    assert detail["commitments"][0]["kept"] is False


# -- attachments -----------------------------------------------------------------

def stored_files(server) -> list:
    return sorted(path for path in (server.instance_dir / "attachments").rglob("*") if path.is_file())


def test_attachments(server, users, units):
    duty, psb, lvb, leader = users("duty"), users("psb"), users("lvb"), users("leader")
    incident = new_incident(duty)
    task = dispatch(duty, incident["id"], units["PSB"]["id"])
    path = f"/api/incidents/{incident['id']}/attachments"
    before = last_seq(duty)
    created = duty.post(path, files={"file": ("photo.png", PNG, "image/png")}, data={"note": "The gate"})
    assert created.status_code == 201, created.text
    attachment = created.json()
    assert set(attachment) >= {"id", "name", "size", "content_type", "sha256"}
    assert attachment["size"] == len(PNG) and attachment["content_type"] == "image/png"
    assert re.fullmatch(r"[0-9a-f]{64}", attachment["sha256"]) and attachment["name"] == "photo.png"
    assert types_since(duty, before) == ["attachment.added"]
    evidence = psb.post(path, files={"file": ("proof.png", PNG, "image/png")}, data={"task_id": str(task["id"])})
    assert evidence.status_code == 201, evidence.text
    assert_error(lvb.post(path, files={"file": ("x.png", PNG, "image/png")}), 403)
    assert_error(leader.post(path, files={"file": ("x.png", PNG, "image/png")}), 403)
    before, files = last_seq(duty), stored_files(server)
    assert_error(duty.post(path, files={"file": ("page.png", b"<html><script>alert(1)</script></html>",
                                                 "image/png")}), 415)
    assert_error(duty.post(path, files={"file": ("big.png", PNG + bytes(300 * 1024), "image/png")}), 413)
    assert_error(duty.post(path, data={"note": "no file"}), 422, "file")
    assert_error(duty.post("/api/incidents/999999/attachments", files={"file": ("x.png", PNG, "image/png")}), 404)
    assert last_seq(duty) == before and stored_files(server) == files  # nothing kept on refusal

    read = lvb.get(f"/api/attachments/{attachment['id']}")
    assert read.status_code == 200 and read.content == PNG
    assert read.headers["Content-Disposition"].startswith("attachment")
    assert "text/html" not in read.headers["Content-Type"]
    assert leader.get(f"/api/attachments/{evidence.json()['id']}").status_code == 200
    assert psb.get(f"/api/attachments/{evidence.json()['id']}").status_code == 200
    assert_error(lvb.get(f"/api/attachments/{evidence.json()['id']}"), 403)
    assert_error(lvb.get("/api/attachments/999999"), 404)


# -- hidden dangers --------------------------------------------------------------

def danger_body(unit_id: int, **overrides) -> dict:
    return {"title": "Unpaid builders", "category": "wage_arrears", "location": "North site", "unit_id": unit_id,
            "people_affected": 40, "risk": "medium", "description": "Wages three months late", **overrides}


def test_hidden_dangers(users, units):
    duty, hrss, psb, leader = users("duty"), users("hrss"), users("psb"), users("leader")
    before = last_seq(duty)
    created = duty.post("/api/hidden-dangers", json=danger_body(
        units["HRSS"]["id"], persons=[{"name": "Li Si", "id_number": id_number(21), "phone": "13900139000"}]))
    assert created.status_code == 201, created.text
    danger = created.json()
    assert re.fullmatch(r"HD-\d{4}-\d{4}", danger["ref"])
    assert danger["status"] == "open" and danger["risk"] == "medium" and isinstance(danger["id"], int)
    assert id_number(21) not in created.text and "13900139000" not in created.text
    assert danger["persons"][0]["name"] == "Li Si"
    assert types_since(duty, before) == ["hidden_danger.recorded"]
    own = hrss.post("/api/hidden-dangers", json=danger_body(units["HRSS"]["id"], risk="low"))
    assert own.status_code == 201, own.text
    assert_error(hrss.post("/api/hidden-dangers", json=danger_body(units["PSB"]["id"])), 403)
    assert_error(leader.post("/api/hidden-dangers", json=danger_body(units["HRSS"]["id"])), 403)
    assert_error(duty.post("/api/hidden-dangers", json=danger_body(units["HRSS"]["id"], risk="extreme")), 422, "risk")
    assert_error(duty.post("/api/hidden-dangers", json=danger_body(999999)), 422, "unit_id")
    assert_error(duty.post("/api/hidden-dangers", json=danger_body(
        units["HRSS"]["id"], persons=[{"name": "X", "id_number": "110101198001010000"}])), 422, "persons")

    listed = psb.get("/api/hidden-dangers", params={"risk": "medium", "unit_id": units["HRSS"]["id"],
                                                    "category": "wage_arrears", "status": "open",
                                                    "q": "builders"}).json()
    assert danger["id"] in [d["id"] for d in listed["items"]] and isinstance(listed["total"], int)
    assert_error(psb.get("/api/hidden-dangers", params={"risk": "extreme"}), 422, "risk")
    assert_error(psb.get("/api/hidden-dangers/999999"), 404)

    visits = f"/api/hidden-dangers/{danger['id']}/visits"
    before = last_seq(duty)
    assert hrss.post(visits, json={"note": "Visited the site"}).status_code == 201
    assert duty.post(visits, json={"note": "Worse", "risk": "high"}).status_code == 201
    assert types_since(duty, before) == ["hidden_danger.visited", "hidden_danger.visited",
                                         "hidden_danger.risk_changed"]
    assert_error(psb.post(visits, json={"note": "Not mine"}), 403)
    assert_error(leader.post(visits, json={"note": "x"}), 403)
    assert_error(duty.post(visits, json={"note": ""}), 422, "note")
    assert_error(duty.post("/api/hidden-dangers/999999/visits", json={"note": "x"}), 404)
    one = leader.get(f"/api/hidden-dangers/{danger['id']}").json()
    assert len(one["visits"]) == 2 and one["risk"] == "high"

    moves = f"/api/hidden-dangers/{danger['id']}/transitions"
    before = last_seq(duty)
    assert duty.post(moves, json={"action": "resolve", "note": "Paid"}).status_code == 200
    assert_error(duty.post(moves, json={"action": "resolve"}), 409)
    assert duty.post(moves, json={"action": "reopen"}).status_code == 200
    assert types_since(duty, before) == ["hidden_danger.resolved", "hidden_danger.reopened"]
    assert_error(hrss.post(moves, json={"action": "resolve"}), 403)
    assert_error(duty.post(moves, json={"action": "explode"}), 422, "action")

    promote = f"/api/hidden-dangers/{danger['id']}/promote"
    fields = {key: value for key, value in incident_payload(occurred_at=iso(-timedelta(minutes=20))).items()}
    assert_error(hrss.post(promote, json=fields), 403)
    assert_error(duty.post(promote, json={**fields, "headcount": 0}), 422, "headcount")
    before = last_seq(duty)
    promoted = duty.post(promote, json=fields)
    assert promoted.status_code == 201, promoted.text
    incident = promoted.json()
    assert incident["hidden_danger_id"] == danger["id"] and incident["status"] == "reported"
    assert re.fullmatch(r"INC-\d{4}-\d{4}", incident["ref"]) and isinstance(incident["version"], int)
    assert sorted(types_since(duty, before)) == ["hidden_danger.promoted", "incident.registered"]
    assert duty.get(f"/api/hidden-dangers/{danger['id']}").json()["status"] == "erupted"
    assert_error(duty.post(promote, json=fields), 409)
    assert_error(duty.post("/api/hidden-dangers/999999/promote", json=fields), 404)


def test_a_key_person_seen_as_a_representative_raises_the_risk(users, units):
    duty = users("duty")
    danger = duty.post("/api/hidden-dangers", json=danger_body(
        units["HURD"]["id"], risk="low", persons=[{"name": "Zhao Liu", "id_number": id_number(31)}])).json()
    incident = new_incident(duty)
    before = last_seq(duty)
    add_representative(duty, incident["id"], 31, name="Zhao Liu")
    events = events_since(duty, before)
    changed = [e for e in events if e["type"] == "hidden_danger.risk_changed"]
    assert len(changed) == 1 and incident["id"] in (changed[0]["incident_id"], changed[0]["data"].get("incident_id"))
    assert duty.get(f"/api/hidden-dangers/{danger['id']}").json()["risk"] == "high"


# -- response plans --------------------------------------------------------------

def plan_body(units, **overrides) -> dict:
    return {"name": "Wage arrears at the gate", "category": "wage_arrears", "levels": ["II", "III"],
            "tasks": [{"unit_id": units["HRSS"]["id"], "title": "Check the payroll", "instructions": "Today",
                       "priority": "high", "due_in_minutes": 120},
                      {"unit_id": units["PSB"]["id"], "co_unit_ids": [units["TWN-E"]["id"]], "title": "Keep order",
                       "instructions": "On site", "priority": "urgent", "due_in_minutes": 30}], **overrides}


def test_response_plans(users, units):
    duty, admin, leader, psb = users("duty"), users("admin"), users("leader"), users("psb")
    for reader in (leader, psb):
        listed = reader.get("/api/response-plans")
        assert listed.status_code == 200 and isinstance(listed.json()["items"], list)
    created = duty.post("/api/response-plans", json=plan_body(units))
    assert created.status_code == 201, created.text
    plan = created.json()
    assert {"name", "category", "levels", "tasks"} <= set(plan) and len(plan["tasks"]) == 2
    assert admin.post("/api/response-plans", json=plan_body(units, name="Admin's")).status_code == 201
    assert_error(leader.post("/api/response-plans", json=plan_body(units)), 403)
    assert_error(psb.post("/api/response-plans", json=plan_body(units)), 403)
    assert_error(duty.post("/api/response-plans", json=plan_body(units, levels=["V"])), 422, "levels")
    assert_error(duty.post("/api/response-plans", json=plan_body(units, tasks=[])), 422, "tasks")
    changed = admin.put(f"/api/response-plans/{plan['id']}", json=plan_body(units, name="Renamed"))
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed"
    assert_error(leader.put(f"/api/response-plans/{plan['id']}", json=plan_body(units)), 403)
    assert_error(duty.put("/api/response-plans/999999", json=plan_body(units)), 404)

    incident = new_incident(duty)
    apply = f"/api/incidents/{incident['id']}/response-plans/{plan['id']}/apply"
    assert_error(admin.post(apply), 403)
    assert_error(leader.post(apply), 403)
    before = last_seq(duty)
    applied = duty.post(apply)
    assert applied.status_code == 201, applied.text
    tasks = applied.json()["tasks"]
    assert len(tasks) == 2 and {t["status"] for t in tasks} == {"dispatched"}
    appended = types_since(duty, before)
    assert appended.count("task.dispatched") == 2 and set(appended) <= {"task.dispatched", "response_plan.applied"}
    due = datetime.fromisoformat(next(t for t in tasks if t["unit_id"] == units["PSB"]["id"])["due_at"])
    assert abs((due - server_now()) - timedelta(minutes=30)) < timedelta(minutes=2)
    assert_error(duty.post(apply), 409)
    assert_error(duty.post(f"/api/incidents/{incident['id']}/response-plans/999999/apply"), 404)
    assert_error(duty.post(f"/api/incidents/999999/response-plans/{plan['id']}/apply"), 404)

    other = duty.post("/api/response-plans", json=plan_body(units, name="To delete")).json()
    assert_error(psb.delete(f"/api/response-plans/{other['id']}"), 403)
    deleted = duty.delete(f"/api/response-plans/{other['id']}")
    assert deleted.status_code == 204 and not deleted.content
    assert_error(duty.delete(f"/api/response-plans/{other['id']}"), 404)


# -- trust -----------------------------------------------------------------------

def test_administration_is_on_the_record_without_secrets(users):
    admin, duty = users("admin"), users("duty")
    before = last_seq(admin)
    # a name of its own each time: the last test of the module may make these changes again
    created = admin.post("/api/users", json={"username": f"hotline-{uuid.uuid4().hex[:6]}",
                                            "password": "a-long-secret-9",
                                            "role": "command", "unit_code": "CC"})
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    token = admin.post("/api/tokens", json={"user_id": user_id, "name": "Hotline intake"})
    assert token.status_code == 201, token.text
    secret = token.json()["token"]
    bearer = requests.get(f"{admin.base}/api/session", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert bearer.status_code == 200 and bearer.json()["user"]["id"] == user_id
    other = admin.post("/api/tokens", json={"user_id": user_id, "name": "Hotline export"}).json()
    revoked = admin.delete(f"/api/tokens/{other['id']}")
    assert revoked.status_code == 204
    # disabling the user revokes its tokens for good: enabling it again brings none back
    assert admin.patch(f"/api/users/{user_id}", json={"active": False}).status_code == 200
    assert admin.patch(f"/api/users/{user_id}", json={"active": True}).status_code == 200
    assert requests.get(f"{admin.base}/api/session", headers={"Authorization": f"Bearer {secret}"},
                        timeout=10).status_code == 401
    # what the deadline scan and the notification sender append meanwhile is not this test's
    events = [e for e in events_since(admin, before)
              if e["type"] not in CLOCK_EVENTS and not e["type"].startswith("notification.")]
    assert [e["type"] for e in events] == ["user.created", "token.issued", "token.issued", "token.revoked",
                                           "user.disabled", "token.revoked", "user.enabled"]
    text = str(events)
    assert secret not in text and "a-long-secret-9" not in text
    assert_error(duty.post("/api/users", json={"username": "x", "password": "a-long-secret-9",
                                               "role": "leader"}), 403)
    assert_error(admin.delete("/api/tokens/999999"), 404)


def test_the_audit_chain_verifies(server, users):
    users("duty")  # at least the demo's events
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"], cwd=ROOT,
                          env={**__import__("os").environ, "DATABASE_URL": server.database_url,
                               "DISPATCH_INSTANCE_DIR": str(server.instance_dir)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\d+", done.stdout)


# -- refusals a person can act on, in their language -----------------------------

@pytest.mark.parametrize("path,body,field", [
    ("/api/hidden-dangers", {"title": "x"}, "category"),
    ("/api/response-plans", {"name": "x", "category": "wage_arrears", "levels": [], "tasks": []}, "levels"),
])
def test_refusals_of_the_new_endpoints_in_both_languages(users, path, body, field):
    duty = users("duty")
    english = assert_error(duty.post(path, json=body, headers=EN), 422, field)
    chinese = assert_error(duty.post(path, json=body, headers=ZH), 422, field)
    assert not CJK.search(english["message"]) and CJK.search(chinese["message"])
    assert CJK.search(chinese["fields"][field][0]) and not CJK.search(english["fields"][field][0])


def test_forbidden_and_conflict_refusals_say_what_to_do_in_both_languages(users, units):
    duty, leader = users("duty"), users("leader")
    incident = new_incident(duty)
    for headers, is_chinese in [(EN, False), (ZH, True)]:
        conflict = assert_error(duty.post(f"/api/incidents/{incident['id']}/reports",
                                          json={"kind": "final", "next_steps": "x"}, headers=headers), 409)
        forbidden = assert_error(leader.post(f"/api/incidents/{incident['id']}/reports",
                                             json={"kind": "initial", "next_steps": "x"}, headers=headers), 403)
        for error in (conflict, forbidden):
            assert bool(CJK.search(error["message"])) is is_chinese, error


def test_a_task_past_its_deadline_is_flagged_overdue_once(users, units):
    duty = users("duty")
    incident = new_incident(duty)
    before = last_seq(duty)
    task = dispatch(duty, incident["id"], units["JUS"]["id"], due_at=iso(-timedelta(minutes=1)), past_due_ok=True)
    flagged = wait_until(lambda: [e for e in events_since(duty, before)
                                  if e["type"] == "task.overdue" and e["task_id"] == task["id"]], WAIT, every=0.3)
    assert flagged and len(flagged) == 1 and flagged[0]["incident_id"] == incident["id"]
    # two more scans (each flags a task dispatched late after the last one) add nothing for this one
    for _ in range(2):
        witness = dispatch(duty, incident["id"], units["JUS"]["id"], due_at=iso(-timedelta(minutes=1)),
                           past_due_ok=True)
        wait_until(lambda: any(e["type"] == "task.overdue" and e["task_id"] == witness["id"]
                               for e in events_since(duty, before)), WAIT, every=0.2)
    assert [e["task_id"] for e in events_since(duty, before) if e["type"] == "task.overdue"].count(task["id"]) == 1
    assert duty.get(f"/api/tasks/{task['id']}").json()["overdue"] is True


# -- every event named reaches a live client, as /api/events has it ---------------

NAMED = {"incident.registered", "incident.updated", "incident.responded", "incident.contained",
         "incident.resolved", "incident.closed", "incident.reopened", "representative.added",
         "representative.removed", "person.revealed", "task.dispatched", "task.claimed", "task.started",
         "task.progressed", "task.submitted", "task.returned", "task.rerouted", "task.extension_requested",
         "task.extension_approved", "task.extension_rejected", "task.verified", "task.rejected", "task.cancelled",
         "supervision.issued", "supervision.escalated", "instruction.issued", "instruction.acknowledged",
         "incident.headcount_reported", "report.published", "meeting.held", "commitment.made", "attachment.added",
         "hidden_danger.recorded", "hidden_danger.visited", "hidden_danger.risk_changed", "hidden_danger.promoted",
         "hidden_danger.resolved", "hidden_danger.reopened", "user.created", "user.disabled", "user.enabled",
         "token.issued", "token.revoked"}


def test_the_remaining_core_events(users, units):
    duty, psb, leader = users("duty"), users("psb"), users("leader")
    incident = new_incident(duty)
    before = last_seq(duty)
    edited = duty.patch(f"/api/incidents/{incident['id']}", json={"version": incident["version"], "headcount": 7})
    assert edited.status_code == 200, edited.text
    rep = add_representative(duty, incident["id"], 41)
    assert duty.post(f"/api/persons/{rep['person_id']}/reveal", json={"reason": "Call back"}).status_code == 200
    assert duty.delete(f"/api/representatives/{rep['id']}").status_code == 204
    task = dispatch(duty, incident["id"], units["PSB"]["id"])
    tid = task["id"]
    steps = [(psb, {"action": "claim"}), (psb, {"action": "start"}), (psb, {"action": "progress", "note": "Half"}),
             (psb, {"action": "request_extension", "due_at": iso(timedelta(hours=8))}),
             (duty, {"action": "approve_extension"}),
             (psb, {"action": "request_extension", "due_at": iso(timedelta(hours=9))}),
             (duty, {"action": "reject_extension"}),
             (psb, {"action": "submit", "note": "Done"}), (duty, {"action": "reject", "note": "Not yet"})]
    for who, body in steps:
        response = who.post(f"/api/tasks/{tid}/transitions", json=body)
        assert response.status_code == 200, (body, response.text)
    for _ in range(4):
        assert duty.post(f"/api/tasks/{tid}/supervision-notices", json={"note": "Hurry"}).status_code == 201
    cancelled = dispatch(duty, incident["id"], units["LVB"]["id"])
    assert duty.post(f"/api/tasks/{cancelled['id']}/transitions", json={"action": "cancel"}).status_code == 200
    instruction = leader.post(f"/api/incidents/{incident['id']}/instructions", json={"text": "Go"}).json()
    assert psb.post(f"/api/instructions/{instruction['id']}/acknowledgements").status_code == 201
    assert_error(psb.post(f"/api/instructions/{instruction['id']}/acknowledgements"), 409)
    for who, body in [(psb, {"action": "submit", "note": "Done now"}), (duty, {"action": "verify"})]:
        response = who.post(f"/api/tasks/{tid}/transitions", json=body)
        assert response.status_code == 200, (body, response.text)
    move(duty, incident["id"], "respond", "contain", "resolve", "close", "reopen")
    types = set(types_since(duty, before))
    assert {"incident.updated", "representative.added", "person.revealed", "representative.removed",
            "task.progressed", "task.extension_requested", "task.extension_approved", "task.extension_rejected",
            "task.rejected", "task.cancelled", "supervision.issued", "supervision.escalated",
            "instruction.issued", "instruction.acknowledged", "task.verified", "incident.closed",
            "incident.reopened"} <= types


def without_clock(value):
    """An event without the flags derived from the clock when it is read or pushed (`waiting_seconds` grows)."""
    if isinstance(value, dict):
        return {key: without_clock(item) for key, item in value.items()
                if key not in ("overdue", "due_soon", "waiting_seconds")}
    if isinstance(value, list):
        return [without_clock(item) for item in value]
    return value


# the tests that between them make every change the contract names
EVERY_CHANGE = ("test_occurred_at_in_the_future_and_due_at_in_the_past",
                "test_a_returned_task_leaves_the_returning_units_open_queue", "test_headcount_reports", "test_reports", "test_meetings_and_commitments", "test_attachments",
                "test_hidden_dangers", "test_a_key_person_seen_as_a_representative_raises_the_risk",
                "test_response_plans", "test_administration_is_on_the_record_without_secrets",
                "test_a_task_past_its_deadline_is_flagged_overdue_once", "test_the_remaining_core_events")


def test_every_event_reaches_a_live_client_as_the_log_has_it(live, server, users, units):
    # whichever of the tests above did not run before this one (run alone, or in another order) runs now
    given = {"server": server, "users": users, "units": units}
    for name in EVERY_CHANGE:
        if name not in RAN:
            test = globals()[name]
            test(*(given[parameter] for parameter in inspect.signature(test).parameters))
    duty = users("duty")
    log = events_since(duty, live.start)
    assert log and live.wait_for(log[-1]["seq"], WAIT), f"stuck at {live.last_seq} of {log[-1]['seq']}"
    for pushed, kept in zip(live.events, log):
        pushed, kept = without_clock(pushed), without_clock(kept)
        assert pushed == kept, [(key, pushed[key], kept[key]) for key in kept if pushed.get(key) != kept[key]]
    seen = {event["type"] for event in log}
    assert NAMED - seen == set()
    text = str(log)
    for serial in (11, 12, 13, 21, 31, 41):  # every identity number and phone these tests sent
        assert id_number(serial) not in text
    assert "13800138000" not in text and "13900139000" not in text
    for event in log:
        assert set(event) >= {"seq", "type", "at", "incident_id", "task_id", "unit_id", "actor", "data"}
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", event["type"]) and has_offset(event["at"])


# -- the OpenAPI document agrees with the page -----------------------------------

DOCUMENTED = [
    ("post", "/api/incidents/{incident_id}/headcount-reports", "201"),
    ("post", "/api/incidents/{incident_id}/reports", "201"), ("get", "/api/incidents/{incident_id}/reports", "200"),
    ("get", "/api/reports/{report_id}", "200"), ("get", "/api/reports/{report_id}.pdf", "200"),
    ("post", "/api/incidents/{incident_id}/meetings", "201"), ("post", "/api/meetings/{meeting_id}/commitments", "201"),
    ("post", "/api/incidents/{incident_id}/attachments", "201"), ("get", "/api/attachments/{attachment_id}", "200"),
    ("post", "/api/hidden-dangers", "201"), ("get", "/api/hidden-dangers", "200"),
    ("get", "/api/hidden-dangers/{hidden_danger_id}", "200"),
    ("post", "/api/hidden-dangers/{hidden_danger_id}/visits", "201"),
    ("post", "/api/hidden-dangers/{hidden_danger_id}/transitions", "200"),
    ("post", "/api/hidden-dangers/{hidden_danger_id}/promote", "201"),
    ("get", "/api/response-plans", "200"), ("post", "/api/response-plans", "201"),
    ("put", "/api/response-plans/{plan_id}", "200"), ("delete", "/api/response-plans/{plan_id}", "204"),
    ("post", "/api/incidents/{incident_id}/response-plans/{plan_id}/apply", "201"),
    ("delete", "/api/tokens/{token_id}", "204"),
    ("post", "/api/units/{unit_id}/shifts", "201"), ("get", "/api/units/{unit_id}/shifts", "200"),
    ("delete", "/api/shifts/{shift_id}", "204"), ("get", "/api/duty", "200"),
    ("get", "/api/escalation-policies", "200"), ("put", "/api/escalation-policies/{level}", "200"),
    ("get", "/api/notifications", "200"),
]


def test_the_openapi_document_has_every_row_with_its_success(server):
    spec = requests.get(f"{server.url}/api/openapi.json", timeout=10).json()
    missing = [(method, path, code) for method, path, code in DOCUMENTED
               if code not in spec["paths"].get(path, {}).get(method, {}).get("responses", {})]
    assert missing == []
    inputs = {"post /api/incidents/{incident_id}/instructions": "unit_ids",
              "post /api/incidents/{incident_id}/tasks": "past_due_ok",
              "post /api/tasks/{task_id}/transitions": "past_due_ok"}
    for operation, field in inputs.items():
        method, path = operation.split(" ")
        schema = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        while "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        assert field in schema["properties"], operation
