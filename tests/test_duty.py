"""Who is on duty (shifts, the fallback to a unit's liaisons), escalation policies as data, and the outbox: the
notifications a dispatch, an instruction, a late task and a grave incident write, and the steps the deadline scan
climbs while nobody answers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dispatch import coordination
from dispatch.db import db

from .duty_support import add_user, set_contacts, set_robots
from .test_task_support import act, dispatch, events_of, iso, new_incident, unit_ids

GATEWAY = "http://127.0.0.1:9/sms"  # nothing is sent in these tests: the sender does not run in-process


@pytest.fixture
def units(duty):
    return unit_ids(duty)


@pytest.fixture
def reachable(app, ctx):
    """SMS configured; PSB's liaison, a PSB head, command's duty officer and the leader have mobiles."""
    app.config["DISPATCH_SMS_URL"] = GATEWAY
    set_contacts("psb", phone="13800000001", email="psb@county.example")
    add_user("psb-head", "liaison", "PSB", "PSB head", app.config["TEST_PASSWORD_HASH"],
             phone="13800000002", unit_head=True)
    set_contacts("duty", phone="13800000003")
    set_contacts("leader", phone="13800000004")
    yield
    app.config["DISPATCH_SMS_URL"] = None


def shift(client, unit_id: int, user_id: int, start: timedelta, end: timedelta):
    return client.post(f"/api/units/{unit_id}/shifts", json={"user_id": user_id, "starts_at": iso(start),
                                                             "ends_at": iso(end)})


def user_id(client_for, username: str) -> int:
    return client_for(username).user["id"]


def trail(client, **filters) -> list[tuple]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    items = client.get(f"/api/notifications?{query}").get_json()["items"]
    return [(n["kind"], n["step"], n["notify"], n["recipient"]["name"], n["channel"], n["status"]) for n in items]


# --- the roster --------------------------------------------------------------------------------------------

def test_a_unit_without_a_shift_has_all_its_liaisons_on_duty_and_a_shift_replaces_them(app, ctx, duty, client_for,
                                                                                     units):
    add_user("psb2", "liaison", "PSB", "PSB second liaison", app.config["TEST_PASSWORD_HASH"])
    psb = client_for("psb")

    def on_duty(at: str | None = None):
        body = duty.get("/api/duty" + (f"?at={at.replace('+', '%2B')}" if at else "")).get_json()
        row = next(item for item in body["items"] if item["unit_id"] == units["PSB"])
        return row["rostered"], [p["name"] for p in row["on_duty"]]

    assert on_duty() == (False, ["Public Security liaison", "PSB second liaison"])
    response = shift(psb, units["PSB"], user_id(client_for, "psb2"), timedelta(hours=1), timedelta(hours=9))
    assert response.status_code == 201, response.get_json()
    assert set(response.get_json()) >= {"id", "unit_id", "user_id", "starts_at", "ends_at"}
    assert on_duty() == (False, ["Public Security liaison", "PSB second liaison"])  # not yet begun
    assert on_duty(iso(timedelta(hours=2))) == (True, ["PSB second liaison"])
    listed = client_for("leader").get(f"/api/units/{units['PSB']}/shifts").get_json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "PSB second liaison"
    assert events_of(duty, "shift.added")[0]["unit_id"] == units["PSB"]
    assert psb.delete(f"/api/shifts/{response.get_json()['id']}").status_code == 204
    assert on_duty(iso(timedelta(hours=2))) == (False, ["Public Security liaison", "PSB second liaison"])


def test_duty_shows_heads_and_masked_mobiles_only(reachable, duty, units):
    row = next(item for item in duty.get("/api/duty").get_json()["items"] if item["unit_id"] == units["PSB"])
    assert [p["name"] for p in row["heads"]] == ["PSB head"]
    assert row["on_duty"][0]["phone"] == "138****0001"
    assert "13800000001" not in str(duty.get("/api/duty").get_json())


def test_copying_last_week_is_one_action_and_not_twice(duty, client_for, units):
    psb = client_for("psb")
    uid = psb.user["id"]
    now = datetime.now(timezone.utc)
    last_week = now - timedelta(days=7)
    for hours in (0, 24):
        start = last_week.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)
        psb.post(f"/api/units/{units['PSB']}/shifts", json={
            "user_id": uid, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=8)).isoformat()})
    before = duty.get(f"/api/units/{units['PSB']}/shifts").get_json()["total"]
    copied = psb.post(f"/api/units/{units['PSB']}/shifts/copy-last-week", json={"week_of": now.isoformat()})
    assert copied.status_code == 201, copied.get_json()
    again = psb.post(f"/api/units/{units['PSB']}/shifts/copy-last-week", json={"week_of": now.isoformat()})
    assert again.get_json()["total"] == 0
    after = duty.get(f"/api/units/{units['PSB']}/shifts").get_json()["total"]
    assert after == before + copied.get_json()["total"] and after >= before + 1


@pytest.mark.parametrize("who, unit, status", [
    ("psb", "LVB", 403), ("leader", "PSB", 403), ("duty", "PSB", 201), ("admin", "PSB", 201), ("psb", "PSB", 201),
])
def test_who_keeps_a_roster(client_for, units, who, unit, status):
    target = client_for(unit.lower())
    response = shift(client_for(who), units[unit], target.user["id"], timedelta(hours=1), timedelta(hours=2))
    assert response.status_code == status, response.get_json()


# --- refusals: 422 naming the field, nothing stored -----------------------------------------------------------

BAD_SHIFTS = [
    ({"ends_at": "-1h"}, "ends_at"),
    ({"ends_at": "+0h"}, "ends_at"),
    ({"ends_at": "+800h"}, "ends_at"),
    ({"user": "lvb"}, "user_id"),
    ({"user_id": 999999}, "user_id"),
    ({"user_id": "7"}, "user_id"),
    ({"starts_at": "yesterday"}, "starts_at"),
    ({"starts_at": None}, "starts_at"),
    ({"extra": 1}, "extra"),
]


@pytest.mark.parametrize("change, field", BAD_SHIFTS)
def test_a_bad_shift_is_refused_naming_the_field_and_nothing_is_stored(duty, client_for, units, change, field):
    start = datetime.now(timezone.utc) + timedelta(hours=1)
    body = {"user_id": client_for("psb").user["id"], "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=4)).isoformat()}
    for name, value in change.items():
        if name == "ends_at":
            body["ends_at"] = (start + timedelta(hours=float(value[:-1]))).isoformat()
        elif name == "user":
            body["user_id"] = client_for(value).user["id"]
        else:
            body[name] = value
    response = duty.post(f"/api/units/{units['PSB']}/shifts", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert duty.get(f"/api/units/{units['PSB']}/shifts").get_json()["total"] == 0
    assert events_of(duty, "shift.added") == []


BAD_POLICIES = [
    ([{"after_seconds": -1, "notify": "on_duty"}], "steps.0.after_seconds"),
    ([{"after_seconds": 0, "notify": "on_duty"}, {"after_seconds": 0, "notify": "command"}], "steps.1.after_seconds"),
    ([{"after_seconds": 600, "notify": "on_duty"}, {"after_seconds": 300, "notify": "command"}],
     "steps.1.after_seconds"),
    ([{"after_seconds": 0, "notify": "everyone"}], "steps.0.notify"),
    ([{"after_seconds": "10", "notify": "on_duty"}], "steps.0.after_seconds"),
    ([{"after_seconds": 0}], "steps.0.notify"),
    ([], "steps"),
    ("on_duty", "steps"),
]


@pytest.mark.parametrize("steps, field", BAD_POLICIES)
def test_a_bad_policy_is_refused_naming_the_step_and_nothing_changes(duty, steps, field):
    before = duty.get("/api/escalation-policies").get_json()
    response = duty.put("/api/escalation-policies/II", json={"steps": steps})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert duty.get("/api/escalation-policies").get_json() == before
    assert events_of(duty, "escalation_policy.updated") == []


def test_policies_default_as_the_contract_says_and_command_changes_one(duty, client_for):
    default = [{"after_seconds": 0, "notify": "on_duty"}, {"after_seconds": 600, "notify": "unit_head"},
               {"after_seconds": 1200, "notify": "command"}, {"after_seconds": 1800, "notify": "leaders"}]
    listed = client_for("psb").get("/api/escalation-policies").get_json()["items"]
    assert [(p["level"], p["steps"]) for p in listed] == [(level, default) for level in ("I", "II", "III", "IV")]
    steps = [{"after_seconds": 0, "notify": "on_duty"}, {"after_seconds": 120, "notify": "leaders"}]
    assert client_for("psb").put("/api/escalation-policies/I", json={"steps": steps}).status_code == 403
    assert client_for("leader").put("/api/escalation-policies/I", json={"steps": steps}).status_code == 403
    assert duty.put("/api/escalation-policies/V", json={"steps": steps}).status_code == 404
    response = duty.put("/api/escalation-policies/I", json={"steps": steps})
    assert response.status_code == 200 and response.get_json()["steps"] == steps
    assert duty.get("/api/escalation-policies").get_json()["items"][0]["steps"] == steps
    [event] = events_of(duty, "escalation_policy.updated")
    assert event["data"] == {"level": "I", "steps": steps}


# --- what notifies whom -----------------------------------------------------------------------------------

def test_a_dispatch_tells_the_on_duty_at_once_then_climbs_until_claimed(reachable, duty, client_for, units):
    incident = new_incident(duty, level="III")
    task = dispatch(duty, incident["id"], units["PSB"], due_at=iso(timedelta(hours=6)))
    assert trail(duty, task_id=task["id"]) == [("task", 0, "on_duty", "Public Security liaison", "sms", "pending")]
    now = datetime.now(timezone.utc)
    assert coordination.scan(now + timedelta(seconds=300))["escalations"] == 0
    assert coordination.scan(now + timedelta(seconds=610))["escalations"] == 1
    assert coordination.scan(now + timedelta(seconds=611))["escalations"] == 0  # a step fires once
    assert trail(duty, task_id=task["id"])[-1] == ("task", 1, "unit_head", "PSB head", "sms", "pending")
    assert act(client_for("psb"), task["id"], "claim").status_code == 200
    assert coordination.scan(now + timedelta(seconds=3600))["escalations"] == 0
    assert len(trail(duty, task_id=task["id"])) == 2


def test_a_task_left_unclaimed_reaches_command_then_the_leaders(reachable, duty, units):
    incident = new_incident(duty, level="IV")
    task = dispatch(duty, incident["id"], units["PSB"])
    coordination.scan(datetime.now(timezone.utc) + timedelta(hours=1))
    assert [(step, notify, name) for _k, step, notify, name, _c, _s in trail(duty, task_id=task["id"])] == [
        (0, "on_duty", "Public Security liaison"), (1, "unit_head", "PSB head"),
        (2, "command", "Duty Officer Wang"), (3, "leaders", "Deputy County Head Li")]


def test_a_returned_or_cancelled_task_stops_climbing_and_a_reroute_starts_again(reachable, duty, client_for, units):
    incident = new_incident(duty, level="IV")
    task = dispatch(duty, incident["id"], units["PSB"])
    assert act(client_for("psb"), task["id"], "return", reason="Not ours.").status_code == 200
    coordination.scan(datetime.now(timezone.utc) + timedelta(hours=1))
    assert len(trail(duty, task_id=task["id"])) == 1
    set_contacts("lvb", phone="13800000005")
    assert act(duty, task["id"], "reroute", unit_id=units["LVB"]).status_code == 200
    assert trail(duty, task_id=task["id"])[-1][:4] == ("task", 0, "on_duty", "Letters and Visits liaison")


def test_an_instruction_climbs_per_unit_until_that_unit_acknowledges(reachable, duty, leader, client_for, units):
    incident = new_incident(duty, level="IV")
    dispatch(duty, incident["id"], units["PSB"])
    instruction = leader.post(f"/api/incidents/{incident['id']}/instructions",
                              json={"text": "Keep order, no force.", "unit_ids": [units["PSB"], units["CC"]]})
    assert instruction.status_code == 201
    iid = instruction.get_json()["id"]
    at_once = trail(duty, instruction_id=iid)
    assert {(notify, name) for _k, _s, notify, name, _c, _st in at_once} == {
        ("on_duty", "Public Security liaison"), ("on_duty", "Duty Officer Wang")}
    assert client_for("psb").post(f"/api/instructions/{iid}/acknowledgements", json={}).status_code == 201
    coordination.scan(datetime.now(timezone.utc) + timedelta(seconds=700))
    later = trail(duty, instruction_id=iid)[len(at_once):]
    assert later == []  # PSB acknowledged; CC has no head with a mobile: nobody to reach at step 1


def test_an_overdue_task_tells_the_on_duty_and_the_heads(reachable, duty, client_for, units):
    incident = new_incident(duty, level="IV")
    task = dispatch(duty, incident["id"], units["PSB"], due_at=iso(timedelta(minutes=5)))
    act(client_for("psb"), task["id"], "claim")
    coordination.scan(datetime.now(timezone.utc) + timedelta(minutes=10))
    overdue = [row for row in trail(duty, task_id=task["id"]) if row[0] == "overdue"]
    assert {(notify, name) for _k, _s, notify, name, _c, _st in overdue} == {
        ("on_duty", "Public Security liaison"), ("unit_head", "PSB head")}


@pytest.mark.parametrize("level, told", [("I", True), ("II", True), ("III", False), ("IV", False)])
def test_a_grave_incident_tells_the_leaders_and_command_at_once(reachable, duty, level, told):
    incident = new_incident(duty, level=level)
    names = {(notify, name) for _k, _s, notify, name, _c, _st in trail(duty, incident_id=incident["id"])}
    assert names == ({("leaders", "Deputy County Head Li"), ("command", "Duty Officer Wang")} if told else set())


def test_no_channel_configured_writes_no_notification(app, duty, units):
    incident = new_incident(duty, level="I")
    dispatch(duty, incident["id"], units["PSB"])
    assert duty.get("/api/notifications").get_json()["total"] == 0


def test_a_units_group_robot_hears_what_its_on_duty_hears(reachable, duty, units):
    set_robots("PSB", dingtalk="http://127.0.0.1:9/robot/send?access_token=x", dingtalk_secret="SEC123")
    incident = new_incident(duty, level="IV")
    task = dispatch(duty, incident["id"], units["PSB"])
    channels = {(name, channel) for _k, _s, _n, name, channel, _st in trail(duty, task_id=task["id"])}
    assert channels == {("Public Security liaison", "sms"), ("公安局", "dingtalk")}


def test_the_sms_text_is_short_chinese_signed_with_the_ref_what_and_by_when(reachable, duty, units):
    from dispatch.duty.models import Notification

    incident = new_incident(duty, level="IV")
    due = datetime(datetime.now(timezone.utc).year + 2, 3, 4, 7, 30, tzinfo=timezone.utc)  # 15:30 in the county
    task = dispatch(duty, incident["id"], units["PSB"], title="维护县政府门前秩序", due_at=due.isoformat())
    [row] = db.session.query(Notification).filter_by(task_id=task["id"]).all()
    assert row.text.startswith("【指挥中心】" + incident["ref"])
    assert "维护县政府门前秩序" in row.text and "签收" in row.text and "3月4日15:30前" in row.text
    assert len(row.text) <= 70


@pytest.mark.parametrize("who, status", [("admin", 200), ("duty", 200), ("leader", 200), ("psb", 403),
                                         (None, 401)])
def test_who_reads_the_notifications(client_for, who, status):
    assert client_for(who).get("/api/notifications").status_code == status


@pytest.mark.parametrize("path, field", [
    ("/api/duty?at=yesterday", "at"),
    ("/api/duty?at=2026-12-07T10:00:00%2B08:00&extra=1", "extra"),
    ("/api/notifications?status=delivered", "status"),
    ("/api/notifications?task_id=0", "task_id"),
    ("/api/notifications?incident_id=abc", "incident_id"),
    ("/api/shifts?from=2026-12-07T10:00:00%2B08:00&to=2026-12-06T10:00:00%2B08:00", "to"),
    ("/api/units/2/shifts?from=soon", "from"),
])
def test_bad_query_arguments_are_422_naming_the_argument(duty, path, field):
    response = duty.get(path)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_a_copy_into_a_week_needs_the_week_and_a_real_unit(duty, units):
    assert duty.post(f"/api/units/{units['PSB']}/shifts/copy-last-week", json={}).status_code == 422
    assert duty.post("/api/units/9999/shifts/copy-last-week",
                     json={"week_of": "2026-12-07T00:00:00+08:00"}).status_code == 404
    assert duty.post("/api/units/9999/shifts", json={"user_id": 1, "starts_at": iso(timedelta(hours=1)),
                                                      "ends_at": iso(timedelta(hours=2))}).status_code == 404
    assert duty.delete("/api/shifts/9999").status_code == 404
