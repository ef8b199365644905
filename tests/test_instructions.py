"""Leaders' instructions: addressed to every unit with a task and to CC, acknowledged once by each."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from dispatch.db import db, utcnow
from dispatch.instructions import service as instructions
from dispatch.instructions.models import Instruction
from dispatch import coordination

from .test_task_support import act, dispatch, events_of, new_incident, unit_ids


@pytest.fixture
def units(duty):
    return unit_ids(duty)


@pytest.fixture
def incident(duty, units):
    """An incident where PSB leads a task co-handled by East Township and HRSS's task was cancelled."""
    incident = new_incident(duty)
    dispatch(duty, incident["id"], units["PSB"], co_unit_ids=[units["TWN-E"]])
    act(duty, dispatch(duty, incident["id"], units["HRSS"])["id"], "cancel")
    return incident


def issue(leader, incident_id, text="Publish the arrears figures today."):
    response = leader.post(f"/api/incidents/{incident_id}/instructions", json={"text": text})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def acknowledge(client, instruction_id):
    return client.post(f"/api/instructions/{instruction_id}/acknowledgements", json={})


def backdate(app, instruction_id, minutes):
    with app.app_context():
        db.session.execute(update(Instruction).where(Instruction.id == instruction_id)
                           .values(issued_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def test_a_leaders_instruction_is_addressed_to_every_unit_with_a_task_and_to_cc(leader, duty, units, incident):
    instruction = issue(leader, incident["id"])
    addressed = [a["unit_code"] for a in instruction["addressees"]]
    assert sorted(addressed) == ["CC", "PSB", "TWN-E"]
    assert all(a["acknowledged"] is False and a["waiting_seconds"] >= 0 for a in instruction["addressees"])
    assert {a["waiting_since"] for a in instruction["addressees"]} == {instruction["issued_at"]}
    assert instruction["overdue"] is False
    [event] = events_of(duty, "instruction.issued")
    assert event["incident_id"] == incident["id"] and event["data"]["instruction"] == instruction
    shown = duty.get(f"/api/incidents/{incident['id']}").get_json()["instructions"]
    assert shown == [instruction]


def test_only_a_leader_issues_with_text_on_an_existing_incident(leader, duty, client_for, incident):
    path = f"/api/incidents/{incident['id']}/instructions"
    for client in (duty, client_for("psb"), client_for("admin")):
        assert client.post(path, json={"text": "Hold the line."}).status_code == 403
    for payload, field in (({}, "text"), ({"text": ""}, "text"), ({"text": "ok", "to": "PSB"}, "to")):
        response = leader.post(path, json=payload)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert leader.post("/api/incidents/999999/instructions", json={"text": "x"}).status_code == 404
    assert events_of(duty, "instruction.issued") == []


def test_each_addressed_unit_acknowledges_once_and_command_acknowledges_for_cc(leader, duty, client_for, incident):
    instruction = issue(leader, incident["id"])
    psb = client_for("psb")
    response = acknowledge(psb, instruction["id"])
    assert response.status_code == 201
    by_unit = {a["unit_code"]: a for a in response.get_json()["addressees"]}
    assert by_unit["PSB"]["acknowledged"] is True and by_unit["PSB"]["waiting_seconds"] is None
    assert by_unit["PSB"]["waiting_since"] is None and by_unit["PSB"]["acknowledged_at"]
    assert by_unit["PSB"]["acknowledged_by_id"] == psb.user["id"]
    again = acknowledge(psb, instruction["id"])
    assert again.status_code == 409
    assert acknowledge(duty, instruction["id"]).status_code == 201
    [event] = events_of(duty, "instruction.acknowledged", unit_id=by_unit["PSB"]["unit_id"])
    assert event["data"]["instruction"]["acknowledged_unit_ids"] == [by_unit["PSB"]["unit_id"]]
    shown = leader.get(f"/api/instructions/{instruction['id']}").get_json()
    assert [a["unit_code"] for a in shown["addressees"] if not a["acknowledged"]] == ["TWN-E"]


@pytest.mark.parametrize("username, status", [("hrss", 403), ("lvb", 403), ("leader", 403), ("admin", 403)])
def test_a_unit_not_addressed_cannot_acknowledge(leader, duty, client_for, incident, username, status):
    instruction = issue(leader, incident["id"])
    assert acknowledge(client_for(username), instruction["id"]).status_code == status
    assert acknowledge(client_for("psb"), 999_999).status_code == 404
    assert events_of(duty, "instruction.acknowledged") == []


def test_a_units_queue_lists_only_what_it_has_not_acknowledged(leader, client_for, units, incident):
    first = issue(leader, incident["id"], "First.")
    second = issue(leader, incident["id"], "Second.")
    psb = client_for("psb")
    acknowledge(psb, first["id"])

    def ids(query):
        response = psb.get(f"/api/instructions?{query}")
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    assert ids(f"unacknowledged=true&unit_id={units['PSB']}") == [second["id"]]
    assert ids(f"unacknowledged=false&unit_id={units['PSB']}") == [first["id"]]
    assert ids(f"unit_id={units['HRSS']}") == []
    assert ids("unacknowledged=true") == [second["id"], first["id"]]
    assert ids(f"incident_id={incident['id']}") == [second["id"], first["id"]]
    assert psb.get("/api/instructions?unacknowledged=maybe").status_code == 422


def test_an_instruction_unacknowledged_too_long_is_flagged_once(app, leader, duty, client_for, incident):
    instruction = issue(leader, incident["id"])
    acknowledge(client_for("psb"), instruction["id"])
    limit = app.config["INSTRUCTION_ACK_OVERDUE_MINUTES"]
    backdate(app, instruction["id"], limit + 5)
    with app.app_context():
        assert coordination.scan()["instructions"] == 1
        assert coordination.scan()["instructions"] == 0
    shown = leader.get(f"/api/instructions/{instruction['id']}").get_json()
    assert shown["overdue"] is True
    waiting = {a["unit_code"]: a for a in shown["addressees"]}
    assert waiting["TWN-E"]["overdue"] is True and waiting["TWN-E"]["waiting_seconds"] >= (limit + 5) * 60
    assert waiting["PSB"]["overdue"] is False
    [event] = events_of(duty, "instruction.overdue")
    assert event["data"]["instruction"]["unacknowledged_unit_ids"] == shown["unacknowledged_unit_ids"]
    assert [i["id"] for i in leader.get("/api/instructions?overdue=true").get_json()["items"]] == [instruction["id"]]


def test_a_fully_acknowledged_instruction_is_never_flagged(app, leader, duty, client_for, incident):
    instruction = issue(leader, incident["id"])
    for username in ("psb", "twn-e", "duty"):
        assert acknowledge(client_for(username), instruction["id"]).status_code == 201
    backdate(app, instruction["id"], 600)
    with app.app_context():
        assert coordination.scan()["instructions"] == 0
    assert leader.get(f"/api/instructions/{instruction['id']}").get_json()["overdue"] is False


def test_unacknowledged_counts_give_each_incident_its_waiting_instructions(app, leader, duty, client_for, incident):
    quiet = new_incident(duty)
    done = issue(leader, incident["id"])
    issue(leader, incident["id"])
    for username in ("psb", "twn-e", "duty"):
        acknowledge(client_for(username), done["id"])
    with app.app_context():
        assert instructions.unacknowledged_counts([incident["id"], quiet["id"]]) == {incident["id"]: 1, quiet["id"]: 0}
