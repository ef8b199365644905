"""The incident register as a workbook: what command and leaders take away, personal data masked."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from .support import incident_payload

CHEN = "310101195803121234"
PHONE = "13812345678"


def _workbook(client, query=""):
    response = client.get(f"/api/incidents/export.xlsx{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(BytesIO(response.data))


def _cells(sheet):
    return [[cell for cell in row] for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def register_with_people(duty):
    gate = duty.post("/api/incidents", json=incident_payload(title="Workers at the gate", level="I")).get_json()
    duty.post("/api/incidents", json=incident_payload(title="Odour complaint", level="IV"))
    response = duty.post(f"/api/incidents/{gate['id']}/representatives",
                         json={"name": "Chen Jianguo", "id_number": CHEN, "phone": PHONE, "note": "speaker"})
    assert response.status_code == 201
    units = {unit["code"]: unit["id"] for unit in duty.get("/api/units").get_json()["items"]}
    duty.post(f"/api/incidents/{gate['id']}/tasks", json={"unit_id": units["PSB"], "title": "Keep the road open",
                                                           "instructions": "Now", "priority": "urgent"})
    return gate


@pytest.mark.parametrize("username", ["duty", "leader"])
def test_the_register_exports_incidents_representatives_masked_and_tasks(client_for, register_with_people, username):
    workbook = _workbook(client_for(username))
    assert workbook.sheetnames == ["Incidents 事件", "Representatives 信访代表", "Tasks 任务"]
    incidents = _cells(workbook["Incidents 事件"])
    assert sorted(row[1] for row in incidents) == ["Odour complaint", "Workers at the gate"]
    gate = next(row for row in incidents if row[1] == "Workers at the gate")
    assert gate[0] == register_with_people["ref"] and gate[4] == "I" and gate[11] == 1  # one open task
    assert gate[9].endswith("+08:00")  # shown in the configured zone
    [representative] = _cells(workbook["Representatives 信访代表"])
    assert representative[:5] == [register_with_people["ref"], "Chen Jianguo", "3101**********1234",
                                  "138****5678", "speaker"]
    [task] = _cells(workbook["Tasks 任务"])
    assert task[1] == "Public Security" and task[2] == "Keep the road open" and task[4] == "dispatched"
    everything = " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)
    assert CHEN not in everything and PHONE not in everything


def test_the_export_takes_the_lists_filters(duty, register_with_people):
    incidents = _cells(_workbook(duty, "?level=IV")["Incidents 事件"])
    assert [row[1] for row in incidents] == ["Odour complaint"]


@pytest.mark.parametrize("username,status", [("psb", 403), ("admin", 403), (None, 401)])
def test_only_command_and_leaders_export_the_register(client_for, register_with_people, username, status):
    assert client_for(username).get("/api/incidents/export.xlsx").status_code == status
