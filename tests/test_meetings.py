"""Meetings with representatives (代表座谈/接谈) and the commitments made there (承诺事项)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from dispatch.db import db, utcnow
from dispatch.events import Event

from .test_task_support import act, events_of, iso, new_incident, unit_ids, walk

CHEN = "110101195306153019"
WANG = "11010519491231002X"


@pytest.fixture
def units(duty):
    return unit_ids(duty)


def add_rep(duty, incident_id, name, id_number):
    response = duty.post(f"/api/incidents/{incident_id}/representatives",
                         json={"name": name, "id_number": id_number, "phone": "13912345678"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def incident(duty):
    incident = new_incident(duty)
    incident["reps"] = [add_rep(duty, incident["id"], "陈建国", CHEN), add_rep(duty, incident["id"], "王秀兰", WANG)]
    return incident


def meeting_body(incident, units, **overrides):
    return {"held_at": iso(-timedelta(hours=1)), "place": "县信访局二楼接谈室",
            "representative_ids": [r["id"] for r in incident["reps"]], "unit_ids": [units["HRSS"], units["LVB"]],
            "raised": "要求结清2024年以来拖欠的工资。", "answered": "人社局当场承诺三日内公布欠薪数额。", **overrides}


def hold(duty, incident, units, **overrides):
    response = duty.post(f"/api/incidents/{incident['id']}/meetings", json=meeting_body(incident, units, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def commit(duty, meeting_id, unit_id, due=timedelta(days=3), **overrides):
    body = {"text": "三日内公布欠薪数额", "unit_id": unit_id, "due_at": iso(due), **overrides}
    response = duty.post(f"/api/meetings/{meeting_id}/commitments", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def names(response, field) -> bool:
    return response.status_code == 422 and field in {k.split(".")[0] for k in response.get_json()["error"]["fields"]}


def state(duty, incident_id):
    """What a refused request must leave alone."""
    return (duty.get("/api/events?limit=1").get_json()["last_seq"],
            duty.get(f"/api/incidents/{incident_id}/meetings").get_json())


def test_command_records_a_meeting_and_a_commitment_that_is_a_task(duty, client_for, units, incident):
    meeting = hold(duty, incident, units)
    assert meeting["incident_id"] == incident["id"] and meeting["place"] == "县信访局二楼接谈室"
    assert [r["name"] for r in meeting["representatives"]] == ["陈建国", "王秀兰"]
    assert meeting["unit_ids"] == sorted([units["HRSS"], units["LVB"]]) and meeting["commitments"] == []
    [held] = events_of(duty, "meeting.held")
    assert held["incident_id"] == incident["id"] and held["data"]["meeting"]["id"] == meeting["id"]

    commitment = commit(duty, meeting["id"], units["HRSS"])
    assert set(commitment) >= {"id", "meeting_id", "text", "unit_id", "due_at", "task_id"}
    assert commitment["meeting_id"] == meeting["id"] and commitment["kept"] is None
    task = duty.get(f"/api/tasks/{commitment['task_id']}").get_json()
    assert task["unit_id"] == units["HRSS"] and task["status"] == "dispatched" and task["incident_id"] == incident["id"]
    assert task["due_at"] == commitment["due_at"]
    [made] = events_of(duty, "commitment.made")
    [dispatched] = events_of(duty, "task.dispatched", task_id=commitment["task_id"])
    assert made["task_id"] == commitment["task_id"] and made["unit_id"] == units["HRSS"]

    # the liaison of the unit finds it in its queue, like any task
    hrss = client_for("hrss")
    queue = hrss.get(f"/api/tasks?unit_id={units['HRSS']}&status=open").get_json()["items"]
    assert commitment["task_id"] in [t["id"] for t in queue]

    detail = client_for("leader").get(f"/api/incidents/{incident['id']}").get_json()
    assert [m["id"] for m in detail["meetings"]] == [meeting["id"]]
    assert [c["id"] for c in detail["commitments"]] == [commitment["id"]]
    shown = duty.get(f"/api/meetings/{meeting['id']}").get_json()
    assert [c["id"] for c in shown["commitments"]] == [commitment["id"]]
    listed = duty.get(f"/api/incidents/{incident['id']}/meetings").get_json()
    assert listed["total"] == 1 and listed["items"][0]["commitments"][0]["task_id"] == commitment["task_id"]


def kept_of(duty, incident_id):
    return {c["id"]: c["kept"] for c in duty.get(f"/api/incidents/{incident_id}").get_json()["commitments"]}


def test_kept_is_true_on_time_false_when_late_or_overdue_and_null_while_open(app, duty, client_for, units, incident):
    meeting = hold(duty, incident, units)
    actors = {"command": duty, "lead": client_for("hrss")}
    on_time = commit(duty, meeting["id"], units["HRSS"])
    walk(on_time["task_id"], "done", actors)
    open_ = commit(duty, meeting["id"], units["HRSS"], text="一周内组织对账")
    late = commit(duty, meeting["id"], units["HRSS"], text="当天答复", due=timedelta(minutes=30))
    overdue = commit(duty, meeting["id"], units["HRSS"], text="已过期限", due=-timedelta(hours=1), past_due_ok=True)
    walk(late["task_id"], "submitted", actors)
    with app.app_context():  # the verification comes after the commitment's time limit
        from dispatch.meetings.models import Commitment
        db.session.execute(update(Commitment).where(Commitment.id == late["id"])
                           .values(due_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    assert act(duty, late["task_id"], "verify").status_code == 200
    kept = kept_of(duty, incident["id"])
    assert kept == {on_time["id"]: True, open_["id"]: None, late["id"]: False, overdue["id"]: False}
    report = {c["id"]: c for c in duty.get(f"/api/meetings/{meeting['id']}").get_json()["commitments"]}
    assert report[on_time["id"]]["done_at"] and report[open_["id"]]["done_at"] is None
    assert report[overdue["id"]]["overdue"] is True


@pytest.mark.parametrize("change, field", [
    ({"held_at": None}, "held_at"),
    ({"held_at": "yesterday"}, "held_at"),
    ({"place": ""}, "place"),
    ({"raised": ""}, "raised"),
    ({"representative_ids": []}, "representative_ids"),
    ({"representative_ids": [999999]}, "representative_ids"),
    ({"unit_ids": [999999]}, "unit_ids"),
    ({"unit_ids": ["PSB"]}, "unit_ids"),
    ({"minutes": "x"}, "minutes"),
])
def test_bad_meeting_fields_are_422_naming_the_field_and_change_nothing(duty, units, incident, change, field):
    before = state(duty, incident["id"])
    response = duty.post(f"/api/incidents/{incident['id']}/meetings", json=meeting_body(incident, units, **change))
    assert names(response, field), response.get_json()
    assert state(duty, incident["id"]) == before


def test_a_meeting_in_the_future_or_with_another_incidents_representative_is_422(duty, units, incident):
    other = new_incident(duty, title="另一起事件")
    stranger = add_rep(duty, other["id"], "李四", "110105197505150026")
    before = state(duty, incident["id"])
    path = f"/api/incidents/{incident['id']}/meetings"
    response = duty.post(path, json=meeting_body(incident, units, held_at=iso(timedelta(minutes=30))))
    assert response.status_code == 422 and "held_at" in response.get_json()["error"]["fields"]
    assert duty.post(path, json=meeting_body(incident, units, held_at=iso(timedelta(minutes=5)))).status_code == 201
    before = state(duty, incident["id"])
    response = duty.post(path, json=meeting_body(incident, units, representative_ids=[stranger["id"]]))
    assert response.status_code == 422 and "representative_ids" in response.get_json()["error"]["fields"]
    assert state(duty, incident["id"]) == before


@pytest.mark.parametrize("change, field", [
    ({"text": ""}, "text"),
    ({"unit_id": 999999}, "unit_id"),
    ({"unit_id": None}, "unit_id"),
    ({"due_at": None}, "due_at"),
    ({"due_at": "soon"}, "due_at"),
    ({"promise": "x"}, "promise"),
])
def test_bad_commitment_fields_are_422_naming_the_field_and_change_nothing(duty, units, incident, change, field):
    meeting = hold(duty, incident, units)
    before = state(duty, incident["id"])
    body = {"text": "三日内公布", "unit_id": units["HRSS"], "due_at": iso(timedelta(days=1)), **change}
    response = duty.post(f"/api/meetings/{meeting['id']}/commitments", json=body)
    assert names(response, field), response.get_json()
    assert state(duty, incident["id"]) == before


def test_a_past_deadline_needs_past_due_ok_and_a_missing_meeting_is_404(duty, units, incident):
    meeting = hold(duty, incident, units)
    before = state(duty, incident["id"])
    body = {"text": "三日内公布", "unit_id": units["HRSS"], "due_at": iso(-timedelta(hours=2))}
    response = duty.post(f"/api/meetings/{meeting['id']}/commitments", json=body)
    assert response.status_code == 422 and "due_at" in response.get_json()["error"]["fields"]
    assert duty.post("/api/meetings/999999/commitments",
                     json={**body, "past_due_ok": True}).status_code == 404
    assert duty.get("/api/meetings/999999").status_code == 404
    assert duty.get("/api/incidents/999999/meetings").status_code == 404
    assert duty.post("/api/incidents/999999/meetings", json=meeting_body(incident, units)).status_code == 404
    assert state(duty, incident["id"]) == before
    assert commit(duty, meeting["id"], units["HRSS"], due=-timedelta(hours=2), past_due_ok=True)["kept"] is False


def test_a_commitment_on_a_closed_incident_is_409_and_changes_nothing(app, duty, units, incident):
    meeting = hold(duty, incident, units)
    for action in ("respond", "resolve", "close"):
        assert duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": action}).status_code == 200
    before = state(duty, incident["id"])
    response = duty.post(f"/api/meetings/{meeting['id']}/commitments",
                         json={"text": "x", "unit_id": units["HRSS"], "due_at": iso(timedelta(days=1))})
    assert response.status_code == 409
    assert state(duty, incident["id"]) == before


@pytest.mark.parametrize("username", ["leader", "psb", "hrss", "admin"])
def test_only_command_records_meetings_and_commitments_everyone_reads(client_for, duty, units, incident, username):
    meeting = hold(duty, incident, units)
    other = client_for(username)
    before = state(duty, incident["id"])
    assert other.post(f"/api/incidents/{incident['id']}/meetings",
                      json=meeting_body(incident, units)).status_code == 403
    assert other.post(f"/api/meetings/{meeting['id']}/commitments",
                      json={"text": "x", "unit_id": units["HRSS"], "due_at": iso(timedelta(days=1))}).status_code == 403
    assert state(duty, incident["id"]) == before
    assert other.get(f"/api/meetings/{meeting['id']}").status_code == 200
    assert other.get(f"/api/incidents/{incident['id']}/meetings").status_code == 200
    assert client_for(None).get(f"/api/meetings/{meeting['id']}").status_code == 401


def test_no_full_identity_number_or_phone_in_any_response_or_event(duty, units, incident):
    meeting = hold(duty, incident, units)
    commit(duty, meeting["id"], units["HRSS"])
    surfaces = [duty.get(f"/api/meetings/{meeting['id']}").get_json(),
                duty.get(f"/api/incidents/{incident['id']}").get_json(),
                duty.get(f"/api/incidents/{incident['id']}/meetings").get_json(),
                duty.get(f"/api/incidents/{incident['id']}/timeline").get_json(),
                duty.get("/api/events?limit=1000").get_json()]
    text = json.dumps(surfaces, ensure_ascii=False)
    for secret in (CHEN, WANG, WANG.lower(), "13912345678"):
        assert secret not in text
    assert "陈建国" in json.dumps(meeting, ensure_ascii=False)


def test_the_read_side_gives_the_reports_meetings_and_commitments(app, duty, units, incident):
    meeting = hold(duty, incident, units)
    commitment = commit(duty, meeting["id"], units["HRSS"])
    from dispatch.board import service as board
    with app.test_request_context():
        meetings = board.meetings_for_incident(incident["id"])
        commitments = board.commitments_for_incident(incident["id"])
    assert [m["representatives"] for m in meetings] == [[{"id": r["id"], "name": r["name"]} for r in incident["reps"]]]
    assert [(c["id"], c["unit_id"], c["kept"]) for c in commitments] == [(commitment["id"], units["HRSS"], None)]
    with app.app_context():
        assert db.session.query(Event).filter(Event.type == "commitment.made").count() == 1
