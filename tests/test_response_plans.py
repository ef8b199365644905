"""Response plans: kept by command and the administrator, read by everyone, applied by command in one step (every
task dispatched at once, exactly as by hand), and never twice to the same incident."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from .test_task_support import events_of, last_seq, new_incident, unit_ids


@pytest.fixture
def units(duty):
    return unit_ids(duty)


def plan_body(units: dict, **overrides) -> dict:
    body = {"name": "欠薪群体性事件Ⅱ级响应预案", "category": "wage_arrears", "levels": ["II"], "tasks": [
        {"unit_id": units["HRSS"], "co_unit_ids": [units["JUS"]], "title": "核实欠薪情况并约谈用工单位",
         "instructions": "调取工资台账。", "priority": "urgent", "due_in_minutes": 120},
        {"unit_id": units["LVB"], "title": "接待群众代表", "instructions": "登记诉求。", "priority": "high",
         "due_in_minutes": 60},
        {"unit_id": units["PSB"], "title": "维护现场秩序", "instructions": "", "priority": "high",
         "due_in_minutes": 45},
    ]}
    body.update(overrides)
    return body


def create(client, units: dict, **overrides) -> dict:
    response = client.post("/api/response-plans", json=plan_body(units, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def apply(client, incident_id: int, plan_id: int):
    return client.post(f"/api/incidents/{incident_id}/response-plans/{plan_id}/apply", json={})


def test_command_writes_a_plan_everyone_reads_it_and_the_log_records_it(duty, client_for, units):
    plan = create(duty, units)
    assert plan["levels"] == ["II"] and [t["title"] for t in plan["tasks"]][0] == "核实欠薪情况并约谈用工单位"
    assert plan["tasks"][0]["co_unit_ids"] == [units["JUS"]] and plan["tasks"][1]["co_unit_ids"] == []
    [saved] = events_of(duty, "response_plan.saved")
    assert saved["data"]["created"] is True and saved["data"]["response_plan"]["id"] == plan["id"]
    for who in ("leader", "psb", "admin"):
        listed = client_for(who).get("/api/response-plans").get_json()
        assert listed["total"] == 1 and listed["items"][0]["id"] == plan["id"]
        assert client_for(who).get(f"/api/response-plans/{plan['id']}").get_json()["name"] == plan["name"]


def test_plans_are_filtered_by_category_and_level(duty, units):
    wage = create(duty, units, levels=["I", "II"])
    land = create(duty, units, name="征地拆迁Ⅲ级", category="land_acquisition", levels=["III"])
    listed = lambda query: [p["id"] for p in duty.get(f"/api/response-plans?{query}").get_json()["items"]]  # noqa: E731
    assert listed("category=wage_arrears") == [wage["id"]]
    assert listed("level=III") == [land["id"]]
    assert listed("level=I&category=wage_arrears") == [wage["id"]]
    assert listed("level=IV") == []
    assert duty.get("/api/response-plans?level=V").status_code == 422


def test_the_administrator_edits_and_deletes_a_plan_and_the_levels_come_most_severe_first(client_for, units):
    admin = client_for("admin")
    plan = create(admin, units)
    changed = admin.put(f"/api/response-plans/{plan['id']}",
                        json=plan_body(units, name="改名", levels=["III", "I"], tasks=plan_body(units)["tasks"][:1],
                                       version=plan["version"]))
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["levels"] == ["I", "III"] and len(changed.get_json()["tasks"]) == 1
    assert changed.get_json()["version"] == plan["version"] + 1
    stale = admin.put(f"/api/response-plans/{plan['id']}", json=plan_body(units, version=plan["version"]))
    assert stale.status_code == 409 and stale.get_json()["error"]["current_version"] == plan["version"] + 1
    assert admin.delete(f"/api/response-plans/{plan['id']}").status_code == 204
    assert admin.get(f"/api/response-plans/{plan['id']}").status_code == 404
    assert admin.get("/api/response-plans").get_json()["total"] == 0
    assert [e["data"]["response_plan"]["id"] for e in events_of(admin, "response_plan.deleted")] == [plan["id"]]
    assert admin.delete(f"/api/response-plans/{plan['id']}").status_code == 404


def _task(units, **change):
    return [{**plan_body(units)["tasks"][1], **change}]


@pytest.mark.parametrize("change, field", [
    (lambda u: {"name": "  "}, "name"),
    (lambda u: {"category": "weather"}, "category"),
    (lambda u: {"levels": []}, "levels"),
    (lambda u: {"levels": ["II", "II"]}, "levels"),
    (lambda u: {"levels": ["V"]}, "levels.0"),
    (lambda u: {"tasks": []}, "tasks"),
    (lambda u: {"tasks": _task(u, due_in_minutes=0)}, "tasks.0.due_in_minutes"),
    (lambda u: {"tasks": _task(u, due_in_minutes="soon")}, "tasks.0.due_in_minutes"),
    (lambda u: {"tasks": _task(u, priority="asap")}, "tasks.0.priority"),
    (lambda u: {"tasks": _task(u, title="")}, "tasks.0.title"),
    (lambda u: {"tasks": _task(u, co_unit_ids=[u["LVB"]])}, "tasks.0.co_unit_ids"),
    (lambda u: {"tasks": _task(u, colour="red")}, "tasks.0.colour"),
    (lambda u: {"colour": "red"}, "colour"),
])
def test_bad_plans_are_refused_naming_the_field_and_nothing_is_kept(duty, units, change, field):
    before = last_seq(duty)
    response = duty.post("/api/response-plans", json=plan_body(units, **change(units)))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert duty.get("/api/response-plans").get_json()["total"] == 0 and last_seq(duty) == before


@pytest.mark.parametrize("field", ["unit_id", "co_unit_ids"])
def test_an_unknown_unit_is_refused_naming_the_task_row(duty, units, field):
    tasks = plan_body(units)["tasks"]
    tasks[2][field] = 999999 if field == "unit_id" else [999999]
    response = duty.post("/api/response-plans", json=plan_body(units, tasks=tasks))
    assert response.status_code == 422
    assert f"tasks.2.{field}" in response.get_json()["error"]["fields"]
    assert duty.get("/api/response-plans").get_json()["total"] == 0


def test_applying_dispatches_every_task_at_once_exactly_as_by_hand(duty, units):
    plan = create(duty, units)
    incident = new_incident(duty)
    before = last_seq(duty)
    started = datetime.now().astimezone()
    response = apply(duty, incident["id"], plan["id"])
    assert response.status_code == 201, response.get_json()
    tasks = response.get_json()["tasks"]
    assert [(t["unit_id"], t["title"], t["priority"], t["status"]) for t in tasks] == [
        (units["HRSS"], "核实欠薪情况并约谈用工单位", "urgent", "dispatched"),
        (units["LVB"], "接待群众代表", "high", "dispatched"), (units["PSB"], "维护现场秩序", "high", "dispatched")]
    assert tasks[0]["co_unit_ids"] == [units["JUS"]] and tasks[0]["instructions"] == "调取工资台账。"
    for task, minutes in zip(tasks, (120, 60, 45)):
        due = datetime.fromisoformat(task["due_at"])
        assert started + timedelta(minutes=minutes - 1) < due < datetime.now().astimezone() + timedelta(minutes=minutes + 1)
    new = duty.get(f"/api/events?after={before}").get_json()["items"]
    assert [e["type"] for e in new] == ["task.dispatched"] * 3 + ["response_plan.applied"]
    assert len({e["seq"] for e in new}) == 4
    for event, task in zip(new, tasks):  # the same event a hand-dispatched task appends
        assert event["task_id"] == task["id"] and event["unit_id"] == task["unit_id"]
        assert event["incident_id"] == incident["id"] and event["data"]["task"]["id"] == task["id"]
        assert set(event["data"]) == {"task"}
    assert new[-1]["data"]["task_ids"] == [t["id"] for t in tasks]
    assert new[-1]["data"]["response_plan"]["name"] == plan["name"]
    shown = duty.get(f"/api/incidents/{incident['id']}").get_json()
    assert sorted(t["id"] for t in shown["tasks"]) == sorted(t["id"] for t in tasks)


def test_a_plan_applied_twice_is_refused_and_changes_nothing(duty, units):
    plan = create(duty, units)
    incident = new_incident(duty)
    assert apply(duty, incident["id"], plan["id"]).status_code == 201
    before, tasks = last_seq(duty), duty.get(f"/api/tasks?incident_id={incident['id']}").get_json()["total"]
    again = apply(duty, incident["id"], plan["id"])
    assert again.status_code == 409
    assert again.get_json()["error"]["applied_at"] and again.get_json()["error"]["current_status"] == "reported"
    assert last_seq(duty) == before
    assert duty.get(f"/api/tasks?incident_id={incident['id']}").get_json()["total"] == tasks == 3
    # the same plan on another incident is a first time
    assert apply(duty, new_incident(duty)["id"], plan["id"]).status_code == 201


def test_the_live_task_deadline_and_supervision_treat_plan_tasks_like_any_other(app, duty, client_for, units):
    from realtime import socketio

    plan = create(duty, units)
    incident = new_incident(duty)
    sockets = {name: socketio.test_client(app, flask_test_client=client_for(name).client) for name in ("hrss", "psb")}
    [first, _, psb_task] = apply(duty, incident["id"], plan["id"]).get_json()["tasks"]
    for name, socket in sockets.items():
        pushed = [m["args"][0] for m in socket.get_received() if m["name"] == "event"]
        assert [e["type"] for e in pushed].count("task.dispatched") == 3
    # the unit works it as any task, and command supervises it as any task
    assert client_for("psb").post(f"/api/tasks/{psb_task['id']}/transitions", json={"action": "claim"}).status_code == 200
    assert duty.post(f"/api/tasks/{first['id']}/supervision-notices", json={"note": "请尽快反馈"}).status_code == 201
    queue = client_for("jus").get(f"/api/tasks?unit_id={units['JUS']}&status=open").get_json()["items"]
    assert [t["id"] for t in queue] == [first["id"]]  # the co-handling unit has it in its queue


def test_an_instruction_to_the_units_working_the_incident_reaches_every_unit_of_the_plan(duty, leader, units):
    plan = create(duty, units)
    incident = new_incident(duty)
    instruction = leader.post(f"/api/incidents/{incident['id']}/instructions", json={"text": "依法处置"}).get_json()
    apply(duty, incident["id"], plan["id"])
    shown = duty.get(f"/api/instructions/{instruction['id']}").get_json()
    assert {units[c] for c in ("HRSS", "JUS", "LVB", "PSB")} <= {a["unit_id"] for a in shown["addressees"]}


@pytest.mark.parametrize("action", ["resolve", "close"])
def test_a_settled_incident_refuses_a_plan(duty, units, action):
    plan = create(duty, units)
    incident = new_incident(duty)
    for step in ("resolve", "close")[:("resolve", "close").index(action) + 1]:
        assert duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": step}).status_code == 200
    before = last_seq(duty)
    refused = apply(duty, incident["id"], plan["id"])
    assert refused.status_code == 409 and refused.get_json()["error"]["current_status"] == f"{action}d"
    assert last_seq(duty) == before
    # reopened, it takes the plan
    duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "reopen"})
    assert apply(duty, incident["id"], plan["id"]).status_code == 201


def test_a_missing_plan_or_incident_is_404_and_a_deleted_plan_is_no_longer_applied(duty, units):
    plan = create(duty, units)
    incident = new_incident(duty)
    assert apply(duty, 999999, plan["id"]).status_code == 404
    assert apply(duty, incident["id"], 999999).status_code == 404
    duty.delete(f"/api/response-plans/{plan['id']}")
    assert apply(duty, incident["id"], plan["id"]).status_code == 404
    assert duty.get(f"/api/tasks?incident_id={incident['id']}").get_json()["total"] == 0


def test_applying_takes_no_fields(duty, units):
    plan = create(duty, units)
    incident = new_incident(duty)
    response = duty.post(f"/api/incidents/{incident['id']}/response-plans/{plan['id']}/apply", json={"force": True})
    assert response.status_code == 422 and "force" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("who, write, apply_", [
    ("duty", True, True), ("admin", True, False), ("leader", False, False), ("psb", False, False),
])
def test_who_may_write_and_apply_plans(client_for, duty, units, who, write, apply_):
    client = client_for(who)
    plan = create(duty, units)
    incident = new_incident(duty)
    expected = lambda allowed, ok: ok if allowed else 403  # noqa: E731
    assert client.post("/api/response-plans", json=plan_body(units)).status_code == expected(write, 201)
    assert client.put(f"/api/response-plans/{plan['id']}", json=plan_body(units, name="新名称")).status_code == \
        expected(write, 200)
    assert apply(client, incident["id"], plan["id"]).status_code == expected(apply_, 201)
    assert client.delete(f"/api/response-plans/{plan['id']}").status_code == expected(write, 204)
    assert client.get("/api/response-plans").status_code == 200
    if not write:
        assert duty.get(f"/api/response-plans/{plan['id']}").get_json()["name"] == plan["name"]


def test_signed_out_is_401(client_for):
    assert client_for(None).get("/api/response-plans").status_code == 401


@pytest.mark.parametrize("language", ["zh", "en"])
def test_refusals_speak_the_users_language(duty, units, language):
    from .test_messages import LANGUAGES, assert_in_language

    headers = LANGUAGES[language]
    bad = duty.post("/api/response-plans", json=plan_body(units, levels=["II", "II"]), headers=headers)
    assert_in_language(bad.get_json()["error"], language)
    unknown = duty.post("/api/response-plans", json=plan_body(units, tasks=_task(units, unit_id=999999)),
                        headers=headers)
    assert_in_language(unknown.get_json()["error"], language)
    plan, incident = create(duty, units), new_incident(duty)
    apply(duty, incident["id"], plan["id"])
    twice = duty.post(f"/api/incidents/{incident['id']}/response-plans/{plan['id']}/apply", json={}, headers=headers)
    assert twice.status_code == 409
    assert_in_language(twice.get_json()["error"], language)
    if language == "zh":
        assert twice.get_json()["error"]["message"].startswith("本事件已启动过这个预案")


def test_the_same_plan_applied_concurrently_dispatches_its_tasks_once(app, duty, units):
    """Four duty officers press the key at once (real threads; on PostgreSQL too): one is answered 201, the
    others 409, and the incident has the plan's tasks once."""
    from .test_representatives import _concurrently

    plan, incident = create(duty, units), new_incident(duty)
    codes = _concurrently(app, [lambda c: apply(c, incident["id"], plan["id"])] * 4)
    assert sorted(codes) == [201, 409, 409, 409]
    assert duty.get(f"/api/tasks?incident_id={incident['id']}").get_json()["total"] == 3
    assert len(events_of(duty, "response_plan.applied")) == 1


@pytest.mark.parametrize("who, link, writes, applies", [
    ("duty", True, True, True), ("admin", True, True, False), ("leader", True, False, False), ("psb", False, False, False),
])
def test_the_pages_offer_what_the_permissions_module_says(client_for, duty, units, who, link, writes, applies):
    from .test_pages import page_state

    plan, incident = create(duty, units), new_incident(duty)
    apply(duty, incident["id"], plan["id"])
    client = client_for(who)
    plans_page = client.get("/response-plans?lang=en")
    html = plans_page.get_data(as_text=True)
    assert plans_page.status_code == 200 and page_state(plans_page)["response_plans"][0]["id"] == plan["id"]
    assert ('href="/response-plans"' in html) is link
    assert ('id="new-response-plan"' in html) is writes
    incident_page = client.get(f"/incidents/{incident['id']}?lang=zh")
    state = page_state(incident_page)
    assert [p["id"] for p in state["response_plans"]] == [plan["id"]] and state["applied_plan_ids"] == [plan["id"]]
    assert ('id="rp-apply-button"' in incident_page.get_data(as_text=True)) is applies
    assert "启动预案" in incident_page.get_data(as_text=True) or not applies
