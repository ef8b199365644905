"""Dispatching tasks, reading them, supervising them, and what the incident sees of them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.db import db, utcnow
from dispatch.demo import demo_incidents
from dispatch.incidents import service as incidents
from dispatch.instructions import demo as instructions_demo
from dispatch.tasks import demo as tasks_demo
from dispatch.board import service as board
from dispatch.tasks import service as tasks

from .test_task_support import act, dispatch, events_of, iso, last_seq, new_incident, unit_ids, walk


@pytest.fixture
def units(duty):
    return unit_ids(duty)


@pytest.fixture
def incident(duty):
    return new_incident(duty)


def test_command_dispatches_a_task_that_the_unit_sees_dispatched(duty, client_for, units, incident):
    task = dispatch(duty, incident["id"], units["PSB"], co_unit_ids=[units["TWN-E"]], due_at=iso(timedelta(hours=3)))
    assert task["status"] == "dispatched" and task["version"] == 1
    assert task["unit_id"] == units["PSB"] and task["co_unit_ids"] == [units["TWN-E"]]
    assert task["overdue"] is False and task["extension_pending"] is False
    queue = client_for("psb").get(f"/api/tasks?unit_id={units['PSB']}").get_json()
    assert [t["id"] for t in queue["items"]] == [task["id"]] and queue["total"] == 1
    event = events_of(duty, "task.dispatched", task_id=task["id"])[0]
    assert event["incident_id"] == incident["id"] and event["unit_id"] == units["PSB"]
    assert event["data"]["task"] == task


@pytest.mark.parametrize("level, priority, hours", [("I", "urgent", 1), ("II", "normal", 8), ("IV", "low", 72)])
def test_a_task_without_a_deadline_gets_one_from_the_incident_level_and_priority(duty, units, level, priority, hours):
    incident = new_incident(duty, level=level)
    task = dispatch(duty, incident["id"], units["PSB"], priority=priority)
    due = datetime.fromisoformat(task["due_at"]) - datetime.fromisoformat(task["created_at"])
    assert abs(due - timedelta(hours=hours)) < timedelta(seconds=5)


# (what is wrong with the payload, the field named)
BAD_DISPATCHES = [
    ({"unit_id": None}, "unit_id"),
    ({"unit_id": 999_999}, "unit_id"),
    ({"unit_id": "PSB"}, "unit_id"),
    ({"co_unit_ids": [999_999]}, "co_unit_ids"),
    ({"co_unit_ids": "PSB"}, "co_unit_ids"),
    ({"priority": "asap"}, "priority"),
    ({"title": ""}, "title"),
    ({"due_at": "tomorrow"}, "due_at"),
    ({"colour": "red"}, "colour"),
]


def test_a_bad_dispatch_is_refused_naming_the_field_and_leaves_no_trace(duty, units, incident):
    seq = last_seq(duty)
    for wrong, field in BAD_DISPATCHES + [({"co_unit_ids": [units["PSB"]]}, "co_unit_ids")]:
        payload = {"unit_id": units["PSB"], "title": "Keep order", "priority": "high", **wrong}
        response = duty.post(f"/api/incidents/{incident['id']}/tasks", json=payload)
        assert response.status_code == 422, (wrong, response.get_json())
        assert field in response.get_json()["error"]["fields"], (wrong, response.get_json())
    assert last_seq(duty) == seq
    assert duty.get("/api/tasks").get_json()["total"] == 0


def test_only_command_dispatches_and_only_on_an_existing_open_incident(duty, client_for, units, incident):
    payload = {"unit_id": units["PSB"], "title": "Keep order"}
    for username in ("psb", "leader", "admin"):
        assert client_for(username).post(f"/api/incidents/{incident['id']}/tasks", json=payload).status_code == 403
    assert client_for(None).post(f"/api/incidents/{incident['id']}/tasks", json=payload).status_code == 401
    assert duty.post("/api/incidents/999999/tasks", json=payload).status_code == 404
    for action in ("resolve", "close"):
        assert duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": action}).status_code == 200
    response = duty.post(f"/api/incidents/{incident['id']}/tasks", json=payload)
    assert response.status_code == 409 and response.get_json()["error"]["current_status"] == "closed"


def test_a_task_shows_its_history_from_the_log(duty, client_for, units, incident):
    task = dispatch(duty, incident["id"], units["PSB"])
    walk(task["id"], "in_progress", {"lead": client_for("psb"), "command": duty})
    act(client_for("psb"), task["id"], "progress", note="Road half open.")
    shown = client_for("leader").get(f"/api/tasks/{task['id']}").get_json()
    assert shown["status"] == "in_progress"
    assert [e["type"] for e in shown["history"]] == ["task.dispatched", "task.claimed", "task.started",
                                                      "task.progressed"]
    assert shown["history"][-1]["data"]["note"] == "Road half open."
    assert duty.get("/api/tasks/999999").status_code == 404
    assert client_for(None).get(f"/api/tasks/{task['id']}").status_code == 401


def test_a_units_queue_puts_overdue_first_then_priority_then_deadline(duty, client_for, units, incident):
    made = {}
    for name, priority, hours in [("normal-5h", "normal", 5), ("urgent-3h", "urgent", 3), ("low-late", "low", -1),
                                  ("high-2h", "high", 2), ("urgent-1h", "urgent", 1)]:
        made[name] = dispatch(duty, incident["id"], units["PSB"], priority=priority, title=name,
                              due_at=iso(timedelta(hours=hours)), past_due_ok=hours < 0)["id"]
    dispatch(duty, incident["id"], units["HRSS"], priority="urgent")
    queue = client_for("psb").get(f"/api/tasks?unit_id={units['PSB']}").get_json()
    assert [t["title"] for t in queue["items"]] == ["low-late", "urgent-1h", "urgent-3h", "high-2h", "normal-5h"]
    assert queue["items"][0]["overdue"] is True


def test_tasks_are_filtered_by_status_incident_overdue_and_due_soon(duty, client_for, units, incident):
    other = new_incident(duty)
    late = dispatch(duty, incident["id"], units["PSB"], due_at=iso(timedelta(minutes=-10)), past_due_ok=True)
    soon = dispatch(duty, incident["id"], units["HRSS"], due_at=iso(timedelta(minutes=20)))
    later = dispatch(duty, other["id"], units["PSB"], due_at=iso(timedelta(days=2)))
    act(client_for("psb"), later["id"], "claim")

    def ids(query):
        response = duty.get(f"/api/tasks?{query}")
        assert response.status_code == 200, response.get_json()
        return sorted(t["id"] for t in response.get_json()["items"])

    assert ids("overdue=true") == [late["id"]]
    assert ids("overdue=false") == sorted([soon["id"], later["id"]])
    assert ids("due_soon=true") == [soon["id"]]
    assert ids("status=claimed") == [later["id"]]
    assert ids(f"incident_id={incident['id']}") == sorted([late["id"], soon["id"]])
    assert ids(f"unit_id={units['PSB']}&overdue=true") == [late["id"]]
    shown = {t["id"]: t for t in duty.get("/api/tasks").get_json()["items"]}
    assert shown[soon["id"]]["due_soon"] is True and shown[late["id"]]["due_soon"] is False
    for bad in ("status=lost", "overdue=perhaps", "unit_id=x", "limit=0"):
        assert duty.get(f"/api/tasks?{bad}").status_code == 422, bad


def test_the_third_supervision_notice_escalates_the_task_to_the_leaders(duty, client_for, units, incident):
    task = dispatch(duty, incident["id"], units["PSB"], due_at=iso(timedelta(minutes=-30)), past_due_ok=True)
    numbers = []
    for n in range(1, 5):
        response = duty.post(f"/api/tasks/{task['id']}/supervision-notices", json={"note": f"Reminder {n}"})
        assert response.status_code == 201, response.get_json()
        numbers.append((response.get_json()["number"], response.get_json()["escalated"]))
        if n == 2:
            assert client_for("leader").get("/api/tasks?escalated=true").get_json()["total"] == 0
    assert numbers == [(1, False), (2, False), (3, True), (4, True)]
    issued = events_of(duty, "supervision.issued", task_id=task["id"])
    escalated = events_of(duty, "supervision.escalated", task_id=task["id"])
    assert len(issued) == 4 and issued[0]["unit_id"] == units["PSB"]
    assert len(escalated) == 1 and escalated[0]["data"]["task"]["supervision_count"] == 3
    listed = client_for("leader").get("/api/tasks?escalated=true").get_json()["items"]
    assert [t["id"] for t in listed] == [task["id"]] and listed[0]["escalated"] is True


def test_supervision_is_for_command_on_an_unsettled_task_with_a_note(duty, client_for, units, incident):
    task = dispatch(duty, incident["id"], units["PSB"])
    path = f"/api/tasks/{task['id']}/supervision-notices"
    assert client_for("psb").post(path, json={"note": "Hurry"}).status_code == 403
    assert client_for("leader").post(path, json={"note": "Hurry"}).status_code == 403
    assert duty.post(path, json={}).status_code == 422
    assert duty.post("/api/tasks/999999/supervision-notices", json={"note": "Hurry"}).status_code == 404
    act(duty, task["id"], "cancel")
    response = duty.post(path, json={"note": "Hurry"})
    assert response.status_code == 409 and response.get_json()["error"]["current_status"] == "cancelled"
    assert events_of(duty, "supervision.issued") == []


def test_an_incident_with_unsettled_tasks_cannot_close_and_lists_them(duty, units, incident):
    open_task = dispatch(duty, incident["id"], units["PSB"])
    finished = dispatch(duty, incident["id"], units["HRSS"])
    act(duty, finished["id"], "cancel")
    duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "resolve"})
    refused = duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "close"})
    assert refused.status_code == 409
    assert [t["id"] for t in refused.get_json()["error"]["unsettled_tasks"]] == [open_task["id"]]
    act(duty, open_task["id"], "cancel")
    assert duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "close"}).status_code == 200


def test_the_incident_shows_its_tasks_in_their_current_form(duty, units, incident):
    task = dispatch(duty, incident["id"], units["PSB"])
    shown = duty.get(f"/api/incidents/{incident['id']}").get_json()["tasks"]
    assert shown == [task]


def test_task_counts_give_each_incident_its_open_and_overdue_tasks(app, duty, units, incident):
    quiet = new_incident(duty)
    dispatch(duty, incident["id"], units["PSB"], due_at=iso(timedelta(minutes=-5)), past_due_ok=True)
    dispatch(duty, incident["id"], units["HRSS"])
    act(duty, dispatch(duty, incident["id"], units["EM"])["id"], "cancel")
    with app.app_context():
        counts = board.task_counts([incident["id"], quiet["id"]])
    assert counts == {incident["id"]: {"open": 2, "overdue": 1, "escalated": 0},
                      quiet["id"]: {"open": 0, "overdue": 0, "escalated": 0}}


def seed_demo_work() -> None:
    """The demo's incidents, then this area's demo tasks and instructions (units and users are seeded already)."""
    duty = db.session.scalar(select(User).where(User.username == "duty"))
    registered = [incidents.register_incident(actor=duty, data={**data, "occurred_at": utcnow()})
                  for data in demo_incidents()]
    incidents.transition_incident(actor=duty, incident_id=registered[0].id, action="respond")
    tasks_demo.seed(duty, registered)
    instructions_demo.seed(duty, registered)


def test_the_demo_has_tasks_in_several_states_across_units_and_one_overdue(app, duty, demo_language):
    with app.app_context():
        seed_demo_work()
    items = duty.get("/api/tasks?limit=100").get_json()["items"]
    states = {t["status"] for t in items}
    assert {"dispatched", "claimed", "in_progress", "submitted", "done"} <= states
    assert len({t["unit_id"] for t in items}) >= 5
    overdue = [t for t in items if t["overdue"]]
    assert len(overdue) == 1
    assert len(events_of(duty, "task.overdue", task_id=overdue[0]["id"])) == 1
    instruction = duty.get("/api/instructions").get_json()["items"][0]
    assert instruction["acknowledged_unit_ids"] and instruction["unacknowledged_unit_ids"]


def test_times_are_given_with_an_offset(duty, units, incident):
    # a local time with no offset is read in the county's zone (Asia/Shanghai, UTC+8), in any year to come
    year = datetime.now(timezone.utc).year + 2
    task = dispatch(duty, incident["id"], units["PSB"], due_at=f"{year}-01-01T09:00:00")
    assert datetime.fromisoformat(task["due_at"]) == datetime(year, 1, 1, 1, 0, tzinfo=timezone.utc)


def test_a_deadline_in_the_past_needs_an_explicit_confirmation(duty, units, incident):
    refused = duty.post(f"/api/incidents/{incident['id']}/tasks", json={
        "unit_id": units["PSB"], "title": "Recorded late", "due_at": iso(timedelta(minutes=-30))})
    assert refused.status_code == 422 and "due_at" in refused.get_json()["error"]["fields"]
    assert duty.get(f"/api/incidents/{incident['id']}").get_json()["tasks"] == []
    late = dispatch(duty, incident["id"], units["PSB"], due_at=iso(timedelta(minutes=-30)), past_due_ok=True)
    assert late["overdue"] is True
