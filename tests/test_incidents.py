"""The incident registry through the API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dispatch.incidents.models import STATUSES
from dispatch.incidents.schemas import ACTIONS
from dispatch.incidents.service import INCIDENT_TRANSITIONS

from .support import incident_payload


def register(duty, **overrides):
    response = duty.post("/api/incidents", json=incident_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_duty_registers_an_incident_with_a_reference_and_reported_status(duty):
    incident = register(duty)
    # the year of the reference is the year of registration in the configured zone, whatever today is
    assert incident["ref"].startswith(f"INC-{incident['created_at'][:4]}-") and len(incident["ref"].split("-")[2]) >= 4
    assert incident["status"] == "reported"
    assert incident["version"] == 1
    assert incident["peak_headcount"] == 300
    assert incident["representatives"] == [] and incident["tasks"] == [] and incident["instructions"] == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_registration_answers_the_incident_as_reading_it_shows_it(duty, lang):
    """The answer is built from what the registration wrote, not read back: it must be the detail a read gives."""
    for overrides in ({}, {"level": "IV", "lat": 30.27, "lng": 120.15}):
        response = duty.post(f"/api/incidents?lang={lang}", json=incident_payload(**overrides))
        assert response.status_code == 201, response.get_json()
        registered = response.get_json()
        assert duty.get(f"/api/incidents/{registered['id']}?lang={lang}").get_json() == registered


def test_references_run_without_gaps_within_a_year(duty):
    refs = [register(duty)["ref"] for _ in range(3)]
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_incident_can_be_read_by_every_role(client_for, duty):
    incident = register(duty)
    for username in ("psb", "leader", "admin"):
        response = client_for(username).get(f"/api/incidents/{incident['id']}")
        assert response.status_code == 200 and response.get_json()["ref"] == incident["ref"]


@pytest.mark.parametrize("username", ["psb", "leader", "admin"])
def test_only_command_registers_edits_and_moves_incidents(client_for, duty, username):
    incident = register(duty)
    other = client_for(username)
    assert other.post("/api/incidents", json=incident_payload()).status_code == 403
    assert other.patch(f"/api/incidents/{incident['id']}", json={"version": 1, "title": "x"}).status_code == 403
    assert other.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "respond"}).status_code == 403
    assert duty.get(f"/api/incidents/{incident['id']}").get_json()["version"] == 1


def test_missing_incident_is_404(duty):
    assert duty.get("/api/incidents/999999").status_code == 404
    assert duty.patch("/api/incidents/999999", json={"version": 1, "title": "x"}).status_code == 404
    assert duty.get("/api/incidents/999999/timeline").status_code == 404


def test_list_filters_search_and_pages(duty):
    register(duty, title="Textile mill workers", level="I", category="wage_arrears", kind="mass_incident")
    register(duty, title="Hexi villagers", level="III", category="land_acquisition", kind="petition",
             location="Hexi village")
    register(duty, title="Chemical odour", level="IV", category="environmental_pollution", kind="petition")

    def refs(query):
        body = duty.get(f"/api/incidents?{query}").get_json()
        return body["total"], [item["title"] for item in body["items"]]

    assert refs("level=I") == (1, ["Textile mill workers"])
    assert refs("category=land_acquisition")[1] == ["Hexi villagers"]
    assert refs("kind=petition")[0] == 2
    assert refs("q=hexi")[1] == ["Hexi villagers"]
    assert refs("q=ODOUR")[1] == ["Chemical odour"]
    assert refs("status=reported")[0] == 3
    assert refs("status=active")[0] == 3
    total, first_page = refs("limit=2&offset=0")
    assert total == 3 and len(first_page) == 2
    assert len(refs("limit=2&offset=2")[1]) == 1


def test_edit_with_the_current_version_changes_the_incident_and_keeps_headcount_history(duty):
    incident = register(duty, headcount=300)
    response = duty.patch(f"/api/incidents/{incident['id']}", json={"version": 1, "headcount": 450, "level": "I"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 2 and body["level"] == "I" and body["headcount"] == 450
    body = duty.patch(f"/api/incidents/{incident['id']}", json={"version": 2, "headcount": 200}).get_json()
    assert body["headcount"] == 200 and body["peak_headcount"] == 450
    assert [entry["headcount"] for entry in body["headcount_history"]] == [300, 450, 200]


def test_a_stale_version_is_409_and_changes_nothing(duty):
    incident = register(duty)
    duty.patch(f"/api/incidents/{incident['id']}", json={"version": 1, "title": "First edit"})
    response = duty.patch(f"/api/incidents/{incident['id']}", json={"version": 1, "title": "Lost update"})
    assert response.status_code == 409
    assert response.get_json()["error"]["current_version"] == 2
    assert duty.get(f"/api/incidents/{incident['id']}").get_json()["title"] == "First edit"


def _set_status(app, incident_id, status):
    from dispatch.db import db
    from dispatch.incidents.models import Incident

    with app.app_context():
        db.session.get(Incident, incident_id).status = status
        db.session.commit()
        db.session.remove()


def _event_count(duty):
    return len(duty.get("/api/events?limit=1000").get_json()["items"])


TABLE_CASES = [(state, action) for state in STATUSES for action in ACTIONS]


@pytest.mark.parametrize("state,action", TABLE_CASES)
def test_every_status_and_action_pair_follows_the_transition_table(app, duty, state, action):
    incident = register(duty)
    _set_status(app, incident["id"], state)
    before = _event_count(duty)
    response = duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": action, "note": "n"})
    step = INCIDENT_TRANSITIONS.get((state, action))
    after = duty.get(f"/api/incidents/{incident['id']}").get_json()
    if step is None:
        assert response.status_code == 409
        assert response.get_json()["error"]["current_status"] == state
        assert after["status"] == state and _event_count(duty) == before
    else:
        assert response.status_code == 200, response.get_json()
        assert after["status"] == step.to
        events = duty.get(f"/api/incidents/{incident['id']}/timeline").get_json()["items"]
        assert events[-1]["type"] == step.event and events[-1]["data"]["to"] == step.to


def test_an_incident_walks_from_reported_to_closed_and_a_reopened_one_is_responding_again(duty):
    incident = register(duty)
    path = [("respond", "responding"), ("contain", "contained"), ("resolve", "resolved"),
            ("close", "closed"), ("reopen", "responding"), ("contain", "contained")]
    for action, status in path:
        response = duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": action})
        assert response.status_code == 200 and response.get_json()["status"] == status


def test_the_timeline_tells_the_story_oldest_first(duty, client_for):
    incident = register(duty)
    duty.patch(f"/api/incidents/{incident['id']}", json={"version": 1, "headcount": 320})
    duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "respond", "note": "PSB on the way"})
    items = client_for("psb").get(f"/api/incidents/{incident['id']}/timeline").get_json()["items"]
    assert [event["type"] for event in items] == ["incident.registered", "incident.updated", "incident.responded"]
    assert items[1]["data"]["changes"]["headcount"] == [300, 320]
    assert items[2]["data"]["note"] == "PSB on the way"
    assert items[0]["actor"] == {"id": duty.user["id"], "name": duty.user["display_name"], "role": "command"}
    assert [event["seq"] for event in items] == sorted(event["seq"] for event in items)


def test_the_board_list_counts_open_and_overdue_tasks_and_unacknowledged_instructions(app, duty, leader):
    from datetime import timedelta

    from dispatch.db import db, utcnow
    from dispatch.tasks.models import Task

    incident = register(duty)
    units = {unit["code"]: unit["id"] for unit in duty.get("/api/units").get_json()["items"]}
    task_ids = []
    for code in ("PSB", "HRSS"):
        response = duty.post(f"/api/incidents/{incident['id']}/tasks", json={
            "unit_id": units[code], "title": f"{code} on site", "instructions": "Go now", "priority": "urgent"})
        assert response.status_code == 201, response.get_json()
        task_ids.append(response.get_json()["id"])
    with app.app_context():
        db.session.get(Task, task_ids[0]).due_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        db.session.remove()
    assert leader.post(f"/api/incidents/{incident['id']}/instructions", json={"text": "Keep calm"}).status_code == 201
    row = duty.get("/api/incidents").get_json()["items"][0]
    assert (row["open_tasks"], row["overdue_tasks"], row["unacknowledged_instructions"]) == (2, 1, 1)
    detail = duty.get(f"/api/incidents/{incident['id']}").get_json()
    assert detail["open_tasks"] == 2 and len(detail["tasks"]) == 2 and len(detail["instructions"]) == 1


def test_every_list_pages_with_limit_and_offset(duty):
    incident = register(duty)
    duty.patch(f"/api/incidents/{incident['id']}", json={"version": 1, "headcount": 320})
    duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "respond"})
    page = duty.get(f"/api/incidents/{incident['id']}/timeline?limit=1&offset=1").get_json()
    assert page["total"] == 3 and [event["type"] for event in page["items"]] == ["incident.updated"]
    units = duty.get("/api/units?limit=2&offset=1").get_json()
    assert units["total"] == 12 and [unit["code"] for unit in units["items"]] == ["PSB", "LVB"]
    representatives = duty.get(f"/api/incidents/{incident['id']}/representatives?limit=5").get_json()
    assert representatives == {"items": [], "total": 0}
    persons = duty.get("/api/persons?id_number=110101199003074514&limit=1&offset=0").get_json()
    assert persons == {"items": [], "total": 0}


def test_the_unit_filter_finds_incidents_where_the_unit_leads_or_co_handles_a_task(duty):
    led, co_handled, untouched = register(duty, title="Led"), register(duty, title="Co"), register(duty, title="None")
    units = {unit["code"]: unit["id"] for unit in duty.get("/api/units").get_json()["items"]}
    task = {"title": "On site", "instructions": "Go", "priority": "high"}
    duty.post(f"/api/incidents/{led['id']}/tasks", json={**task, "unit_id": units["HLTH"]})
    duty.post(f"/api/incidents/{co_handled['id']}/tasks",
              json={**task, "unit_id": units["PSB"], "co_unit_ids": [units["HLTH"]]})
    found = duty.get(f"/api/incidents?unit_id={units['HLTH']}").get_json()
    assert sorted(item["title"] for item in found["items"]) == ["Co", "Led"] and found["total"] == 2


def test_an_incident_cannot_have_happened_in_the_future(duty):
    ahead = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    refused = duty.post("/api/incidents", json=incident_payload(occurred_at=ahead))
    assert refused.status_code == 422 and "occurred_at" in refused.get_json()["error"]["fields"]
    # a clock a few minutes fast at the scene is fine
    almost_now = (datetime.now(timezone.utc) + timedelta(minutes=3)).isoformat()
    assert duty.post("/api/incidents", json=incident_payload(occurred_at=almost_now)).status_code == 201
