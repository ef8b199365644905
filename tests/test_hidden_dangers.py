"""Hidden dangers: recorded by command or the unit's liaison, visited, resolved, promoted, and raised by themselves
when a key person turns up as a representative."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .support import incident_payload
from .test_task_support import events_of, last_seq, new_incident, unit_ids

ID_A = "110101195306153019"
ID_B = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def units(duty):
    return unit_ids(duty)


def payload(unit_id: int, **overrides) -> dict:
    body = {"title": "东乡镇清水村征地补偿款分配纠纷", "category": "land_acquisition", "location": "东乡镇清水村村委会",
            "unit_id": unit_id, "people_affected": 46, "risk": "medium",
            "description": "村民对第二期补偿款分配方案不满，多次到村委会反映。",
            "persons": [{"name": "王建国", "id_number": ID_A, "phone": PHONE}]}
    body.update(overrides)
    return body


def record(client, unit_id: int, **overrides) -> dict:
    response = client.post("/api/hidden-dangers", json=payload(unit_id, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Shanghai")).year


def test_command_records_a_hidden_danger_with_a_masked_key_person_and_everyone_reads_it(duty, client_for, units):
    danger = record(duty, units["TWN-E"])
    assert danger["ref"] == f"HD-{this_year()}-0001" and danger["status"] == "open" and danger["risk"] == "medium"
    [person] = danger["persons"]
    assert person["id_number"] == "1101**********3019" and person["phone"] == "138****5678"
    [event] = events_of(duty, "hidden_danger.recorded")
    assert event["unit_id"] == units["TWN-E"] and event["data"]["hidden_danger"]["id"] == danger["id"]
    for who in ("leader", "lvb", "admin"):
        shown = client_for(who).get(f"/api/hidden-dangers/{danger['id']}")
        assert shown.status_code == 200 and shown.get_json()["visits"] == []
    assert record(duty, units["PSB"], persons=[])["ref"] == f"HD-{this_year()}-0002"


def test_a_key_person_is_the_same_person_as_a_representative(duty, units):
    incident = new_incident(duty)
    rep = duty.post(f"/api/incidents/{incident['id']}/representatives",
                    json={"name": "王建国", "id_number": ID_A}).get_json()
    danger = record(duty, units["TWN-E"])
    assert danger["persons"][0]["person_id"] == rep["person_id"]


def test_liaison_records_and_visits_its_own_units_hidden_dangers_only(client_for, units):
    twn = client_for("twn-e")
    own = record(twn, units["TWN-E"])
    refused = twn.post("/api/hidden-dangers", json=payload(units["TWN-W"]))
    assert refused.status_code == 403
    other = record(client_for("duty"), units["TWN-W"])
    assert twn.post(f"/api/hidden-dangers/{other['id']}/visits", json={"note": "去看了"}).status_code == 403
    assert twn.post(f"/api/hidden-dangers/{own['id']}/visits", json={"note": "入户走访"}).status_code == 201
    assert client_for("leader").post("/api/hidden-dangers", json=payload(units["TWN-E"])).status_code == 403
    assert twn.post(f"/api/hidden-dangers/{own['id']}/transitions", json={"action": "resolve"}).status_code == 403
    assert twn.get("/api/hidden-dangers?limit=10").get_json()["total"] == 2  # everyone reads the whole register


def test_a_visit_that_moves_the_risk_appends_both_events(duty, client_for, units):
    danger = record(duty, units["TWN-E"])
    twn = client_for("twn-e")
    visit = twn.post(f"/api/hidden-dangers/{danger['id']}/visits", json={"note": "群众情绪激动", "risk": "high"})
    assert visit.status_code == 201
    assert visit.get_json()["risk_before"] == "medium" and visit.get_json()["risk_after"] == "high"
    [changed] = events_of(duty, "hidden_danger.risk_changed")
    assert changed["data"]["from"] == "medium" and changed["data"]["to"] == "high"
    before = last_seq(duty)
    assert twn.post(f"/api/hidden-dangers/{danger['id']}/visits", json={"note": "仍在协商", "risk": "high"}).status_code == 201
    new = [e["type"] for e in duty.get(f"/api/events?after={before}").get_json()["items"]]
    assert new == ["hidden_danger.visited"]
    shown = duty.get(f"/api/hidden-dangers/{danger['id']}").get_json()
    assert shown["risk"] == "high" and [v["note"] for v in shown["visits"]] == ["群众情绪激动", "仍在协商"]


@pytest.mark.parametrize("steps, expected", [
    (["resolve"], (200, "resolved")),
    (["resolve", "reopen"], (200, "open")),
    (["reopen"], (409, "open")),
    (["resolve", "resolve"], (409, "resolved")),
])
def test_resolve_and_reopen_follow_the_table(duty, units, steps, expected):
    danger = record(duty, units["PSB"])
    for action in steps:
        response = duty.post(f"/api/hidden-dangers/{danger['id']}/transitions", json={"action": action, "note": "核实"})
    status, state = expected
    assert response.status_code == status
    if status == 409:
        assert response.get_json()["error"]["current_status"] == state
    assert duty.get(f"/api/hidden-dangers/{danger['id']}").get_json()["status"] == state
    if status == 200:
        assert events_of(duty, f"hidden_danger.{steps[-1]}d" if steps[-1] == "resolve" else "hidden_danger.reopened")


def test_promote_registers_the_incident_and_links_both_once(duty, units):
    danger = record(duty, units["TWN-E"])
    body = incident_payload(title=danger["title"], category=danger["category"])
    response = duty.post(f"/api/hidden-dangers/{danger['id']}/promote", json=body)
    assert response.status_code == 201, response.get_json()
    incident = response.get_json()
    assert incident["hidden_danger_id"] == danger["id"] and incident["ref"].startswith("INC-")
    assert duty.get(f"/api/incidents/{incident['id']}").get_json()["hidden_danger_id"] == danger["id"]
    shown = duty.get(f"/api/hidden-dangers/{danger['id']}").get_json()
    assert shown["status"] == "erupted" and shown["incident_id"] == incident["id"]
    [promoted] = events_of(duty, "hidden_danger.promoted")
    assert promoted["incident_id"] == incident["id"] and promoted["data"]["erupted_as"]["ref"] == incident["ref"]
    assert len(events_of(duty, "incident.registered")) == 1
    again = duty.post(f"/api/hidden-dangers/{danger['id']}/promote", json=body)
    assert again.status_code == 409 and again.get_json()["error"]["current_status"] == "erupted"
    assert duty.get("/api/incidents").get_json()["total"] == 1
    # it is followed on the incident now
    for path, follow_up in (("visits", {"note": "再次走访"}), ("transitions", {"action": "resolve"})):
        refused = duty.post(f"/api/hidden-dangers/{danger['id']}/{path}", json=follow_up)
        assert refused.status_code == 409 and refused.get_json()["error"]["current_status"] == "erupted"


def test_a_resolved_hidden_danger_is_reopened_before_it_is_promoted(duty, units):
    danger = record(duty, units["TWN-E"])
    duty.post(f"/api/hidden-dangers/{danger['id']}/transitions", json={"action": "resolve"})
    refused = duty.post(f"/api/hidden-dangers/{danger['id']}/promote", json=incident_payload())
    assert refused.status_code == 409 and refused.get_json()["error"]["current_status"] == "resolved"
    assert duty.get("/api/incidents").get_json()["total"] == 0


def test_every_client_is_pushed_the_new_hidden_danger_and_the_risk_rise(app, duty, client_for, units):
    from realtime import socketio

    sockets = [socketio.test_client(app, flask_test_client=client_for(name).client) for name in ("leader", "psb")]
    watched = record(duty, units["TWN-E"], risk="low")
    incident = new_incident(duty)
    duty.post(f"/api/incidents/{incident['id']}/representatives", json={"name": "王建国", "id_number": ID_A})
    for socket in sockets:
        pushed = [m["args"][0] for m in socket.get_received() if m["name"] == "event"]
        types = [event["type"] for event in pushed]
        assert types == ["hidden_danger.recorded", "incident.registered", "representative.added",
                         "hidden_danger.risk_changed"]
        assert pushed[-1]["data"]["hidden_danger"]["id"] == watched["id"] and pushed[-1]["data"]["to"] == "high"
        assert ID_A not in json.dumps(pushed)
        socket.disconnect()


def test_a_key_person_recorded_as_a_representative_raises_an_open_hidden_danger_to_high(duty, units):
    watched = record(duty, units["TWN-E"], risk="low")
    settled = record(duty, units["TWN-W"], risk="low")
    duty.post(f"/api/hidden-dangers/{settled['id']}/transitions", json={"action": "resolve"})
    incident = new_incident(duty)
    rep = duty.post(f"/api/incidents/{incident['id']}/representatives",
                    json={"name": "王建国", "id_number": ID_A})
    assert rep.status_code == 201
    assert duty.get(f"/api/hidden-dangers/{watched['id']}").get_json()["risk"] == "high"
    assert duty.get(f"/api/hidden-dangers/{settled['id']}").get_json()["risk"] == "low"
    [event] = events_of(duty, "hidden_danger.risk_changed")
    assert event["incident_id"] == incident["id"] and event["data"]["raised_by"]["ref"] == incident["ref"]
    assert event["data"]["hidden_danger"]["id"] == watched["id"] and event["data"]["from"] == "low"
    timeline = duty.get(f"/api/incidents/{incident['id']}/timeline").get_json()["items"]
    assert "hidden_danger.risk_changed" in [e["type"] for e in timeline]


def test_a_stranger_as_representative_changes_no_hidden_danger(duty, units):
    watched = record(duty, units["TWN-E"], risk="low")
    incident = new_incident(duty)
    duty.post(f"/api/incidents/{incident['id']}/representatives", json={"name": "李秀英", "id_number": ID_B})
    assert duty.get(f"/api/hidden-dangers/{watched['id']}").get_json()["risk"] == "low"
    assert events_of(duty, "hidden_danger.risk_changed") == []


def test_filters_and_a_literal_text_search(duty, units):
    record(duty, units["TWN-E"], title="清水村 100% 补偿", risk="high")
    record(duty, units["HRSS"], title="某建筑公司欠薪", category="wage_arrears", risk="low", persons=[])
    resolved = record(duty, units["EE"], title="化工厂异味", category="environmental_pollution", persons=[])
    duty.post(f"/api/hidden-dangers/{resolved['id']}/transitions", json={"action": "resolve"})

    def titles(query):
        response = duty.get(f"/api/hidden-dangers?{query}")
        assert response.status_code == 200, response.get_json()
        return sorted(item["title"] for item in response.get_json()["items"])

    assert titles("risk=high") == ["清水村 100% 补偿"]
    assert titles(f"unit_id={units['HRSS']}") == ["某建筑公司欠薪"]
    assert titles("category=environmental_pollution&status=resolved") == ["化工厂异味"]
    assert titles("status=open") == ["某建筑公司欠薪", "清水村 100% 补偿"]
    assert titles("q=100%25") == ["清水村 100% 补偿"]
    assert titles("q=%25") == ["清水村 100% 补偿"]
    assert titles("q=_") == []
    assert duty.get("/api/hidden-dangers?risk=severe").status_code == 422


def test_full_numbers_appear_on_no_surface(duty, client_for, units):
    danger = record(duty, units["TWN-E"])
    duty.post(f"/api/hidden-dangers/{danger['id']}/visits", json={"note": "走访", "risk": "high"})
    incident = new_incident(duty)
    duty.post(f"/api/incidents/{incident['id']}/representatives", json={"name": "王建国", "id_number": ID_A})
    surfaces = [
        json.dumps(danger), duty.get("/api/hidden-dangers").get_data(as_text=True),
        duty.get(f"/api/hidden-dangers/{danger['id']}").get_data(as_text=True),
        duty.get("/api/events?limit=1000").get_data(as_text=True),
        duty.get("/hidden-dangers").get_data(as_text=True),
        duty.get(f"/hidden-dangers/{danger['id']}").get_data(as_text=True),
        duty.get("/board").get_data(as_text=True),
        client_for("twn-e").get(f"/hidden-dangers/{danger['id']}").get_data(as_text=True),
    ]
    for text in surfaces:
        assert ID_A not in text and PHONE not in text
    assert "1101**********3019" in surfaces[2]


@pytest.mark.parametrize("change, bad_field", [
    ({"title": ""}, "title"),
    ({"category": "weather"}, "category"),
    ({"risk": "severe"}, "risk"),
    ({"people_affected": -1}, "people_affected"),
    ({"people_affected": "many"}, "people_affected"),
    ({"unit_id": 999999}, "unit_id"),
    ({"persons": [{"name": "王建国", "id_number": "110101195306153018"}]}, "persons.0.id_number"),
    ({"persons": [{"name": "王建国", "id_number": ID_A, "phone": "12"}]}, "persons.0.phone"),
    ({"persons": [{"name": "王", "id_number": ID_A}, {"name": "王", "id_number": ID_A}]}, "persons.1.id_number"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(duty, units, change, bad_field):
    before = last_seq(duty)
    response = duty.post("/api/hidden-dangers", json={**payload(units["TWN-E"]), **change})
    assert response.status_code == 422, response.get_json()
    assert bad_field in response.get_json()["error"]["fields"]
    assert last_seq(duty) == before
    assert duty.get("/api/hidden-dangers").get_json()["total"] == 0
    assert duty.get(f"/api/persons?id_number={ID_A}").get_json()["total"] == 0


@pytest.mark.parametrize("path, body, bad_field", [
    ("visits", {"note": ""}, "note"),
    ("visits", {"note": "走访", "risk": "extreme"}, "risk"),
    ("transitions", {"action": "erupt"}, "action"),
    ("promote", {"title": "x"}, "kind"),
])
def test_bad_follow_ups_are_refused_naming_the_field(duty, units, path, body, bad_field):
    danger = record(duty, units["TWN-E"])
    before = last_seq(duty)
    response = duty.post(f"/api/hidden-dangers/{danger['id']}/{path}", json=body)
    assert response.status_code == 422 and bad_field in response.get_json()["error"]["fields"]
    assert last_seq(duty) == before


def test_a_missing_hidden_danger_is_404(duty):
    assert duty.get("/api/hidden-dangers/999").status_code == 404
    assert duty.post("/api/hidden-dangers/999/visits", json={"note": "x"}).status_code == 404
    assert duty.get("/hidden-dangers/999").status_code == 404


def test_errors_follow_the_language(duty, units):
    response = duty.post("/api/hidden-dangers", json=payload(units["TWN-E"], risk="x"),
                         headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    danger = record(duty, units["TWN-E"])
    duty.post(f"/api/hidden-dangers/{danger['id']}/transitions", json={"action": "resolve"})
    again = duty.post(f"/api/hidden-dangers/{danger['id']}/transitions", json={"action": "resolve"},
                      headers={"Accept-Language": "zh-CN"})
    assert again.status_code == 409 and "已化解" in again.get_json()["error"]["message"]


@pytest.mark.parametrize("username, offered", [("duty", True), ("twn-e", True), ("leader", False), ("admin", False)])
def test_the_pages_render_in_both_languages_and_offer_recording_as_the_permissions_say(client_for, duty, units,
                                                                                       username, offered):
    danger = record(duty, units["TWN-E"])
    client = client_for(username)
    chinese = client.get("/hidden-dangers?lang=zh").get_data(as_text=True)
    english = client.get("/hidden-dangers?lang=en").get_data(as_text=True)
    assert "矛盾隐患" in chinese and "风险等级" in chinese and "Hidden dangers" in english
    assert ('id="new-hidden-danger"' in english) is offered
    detail = client.get(f"/hidden-dangers/{danger['id']}?lang=zh")
    assert detail.status_code == 200 and danger["ref"] in detail.get_data(as_text=True)
    board = client.get("/board?lang=en").get_data(as_text=True)
    assert "High-risk hidden dangers" in board and 'id="hd-board-list"' in board
