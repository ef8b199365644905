"""Statistics from the event log: a scripted day through the API, figures checked by hand and from the log."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from dispatch.db import db
from dispatch.statistics import projection
from dispatch.statistics.models import TaskHandling
from dispatch.tasks import deadlines

from .test_task_support import act, dispatch, new_incident, unit_ids

ZONE = ZoneInfo("Asia/Shanghai")  # DISPATCH_TIMEZONE in the test settings


def _day() -> date:
    """Yesterday in the configured zone: the whole day is past, whatever the date (and clock shift)."""
    return datetime.now(ZONE).date() - timedelta(days=1)


def _at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZONE)


def _step(day, hh, mm):
    return time_machine.travel(_at(day, hh, mm), tick=False)


@pytest.fixture
def scripted_day(app, client_for):
    """One day of work, each step at a fixed time on the day before today (local):

    08:00 incident A (wage arrears, II, 300 people) registered
    08:10 T1 to PSB, due 10:00          08:20 T2 to LVB, due 09:00
    08:25 PSB claims T1                 08:40 LVB returns T2 (not theirs)
    08:50 T2 rerouted to HRSS, due 12:00
    09:05 PSB starts T1                 09:10 HRSS claims T2
    09:30 PSB submits T1                10:00 T3 to PSB, due 11:00
    11:10 the overdue scan marks T3     11:30, 11:40, 11:50 supervision notices on T3 (the third escalates)
    12:00 PSB claims T3                 13:00 incident B (land acquisition, I, 40 people), a repeat of A
    13:05 T4 to PSB, due 18:00          13:35 PSB claims T4
    """
    day = _day()
    with _step(day, 7, 55):
        duty, psb, lvb, hrss = (client_for(name) for name in ("duty", "psb", "lvb", "hrss"))
        units = unit_ids(duty)
    tasks = {}
    with _step(day, 8, 0):
        a = new_incident(duty, category="wage_arrears", level="II", headcount=300)
    with _step(day, 8, 10):
        tasks["T1"] = dispatch(duty, a["id"], units["PSB"], due_at=_at(day, 10, 0).isoformat())["id"]
    with _step(day, 8, 20):
        tasks["T2"] = dispatch(duty, a["id"], units["LVB"], due_at=_at(day, 9, 0).isoformat())["id"]
    script = [
        ((8, 25), psb, "T1", "claim", {}),
        ((8, 40), lvb, "T2", "return", {"reason": "Not ours: wages are for HRSS."}),
        ((8, 50), duty, "T2", "reroute", {"unit_id": units["HRSS"], "due_at": _at(day, 12, 0).isoformat()}),
        ((9, 5), psb, "T1", "start", {}),
        ((9, 10), hrss, "T2", "claim", {}),
        ((9, 30), psb, "T1", "submit", {"note": "Done."}),
    ]
    for (hh, mm), who, task, action, extra in script:
        with _step(day, hh, mm):
            response = act(who, tasks[task], action, **extra)
            assert response.status_code == 200, (action, response.get_json())
    with _step(day, 10, 0):
        tasks["T3"] = dispatch(duty, a["id"], units["PSB"], due_at=_at(day, 11, 0).isoformat())["id"]
    with _step(day, 11, 10), app.app_context():
        assert deadlines.scan_overdue() == 1  # T3 (T2's turn with LVB ended before 09:00)
    for mm in (30, 40, 50):
        with _step(day, 11, mm):
            response = duty.post(f"/api/tasks/{tasks['T3']}/supervision-notices", json={"note": "Report now."})
            assert response.status_code == 201, response.get_json()
    with _step(day, 12, 0):
        assert act(psb, tasks["T3"], "claim").status_code == 200
    with _step(day, 13, 0):
        b = new_incident(duty, category="land_acquisition", level="I", headcount=40)
    with app.app_context():  # a repeat petition is linked when a representative appeared before; set it directly
        from dispatch.incidents.models import Incident
        db.session.get(Incident, b["id"]).repeat_of_id = a["id"]
        db.session.commit()
    with _step(day, 13, 5):
        tasks["T4"] = dispatch(duty, b["id"], units["PSB"], due_at=_at(day, 18, 0).isoformat())["id"]
    with _step(day, 13, 35):
        assert act(psb, tasks["T4"], "claim").status_code == 200
    return {"day": day, "units": units, "tasks": tasks}


def _period(day: date) -> dict:
    return {"from": day.isoformat(), "to": day.isoformat()}


def test_the_scripted_day_gives_the_figures_worked_out_by_hand(scripted_day, client_for):
    day, units = scripted_day["day"], scripted_day["units"]
    body = client_for("leader").get("/api/statistics/units", query_string=_period(day)).get_json()
    assert body["from"] == body["to"] == day.isoformat()
    by_unit = {item["unit_code"]: item for item in body["items"]}
    assert set(by_unit) == {"PSB", "LVB", "HRSS"}
    # PSB: T1 (claimed after 15 min, submitted after 80, in time), T3 (claimed after 120, overdue, three
    # notices, one escalation), T4 (claimed after 30; due 18:00 yesterday, still not submitted: overdue now)
    assert by_unit["PSB"] == {
        "unit_id": units["PSB"], "unit_code": "PSB", "unit": by_unit["PSB"]["unit"], "tasks_received": 3,
        "median_minutes_to_claim": 30.0, "median_minutes_to_submit": 80.0, "overdue_rate": round(2 / 3, 4),
        "returns": 0, "supervision_notices": 3, "escalations": 1}
    # LVB held T2 from 08:20 to its reroute at 08:50, before its 09:00 deadline: one return, never overdue
    assert {k: by_unit["LVB"][k] for k in ("tasks_received", "median_minutes_to_claim", "overdue_rate", "returns")} \
        == {"tasks_received": 1, "median_minutes_to_claim": None, "overdue_rate": 0.0, "returns": 1}
    # HRSS received T2 at 08:50 and claimed it 20 minutes later; due 12:00, never submitted: overdue
    assert {k: by_unit["HRSS"][k] for k in ("tasks_received", "median_minutes_to_claim", "overdue_rate", "returns")} \
        == {"tasks_received": 1, "median_minutes_to_claim": 20.0, "overdue_rate": 1.0, "returns": 0}

    incidents = client_for("duty").get("/api/statistics/incidents",
                                       query_string={**_period(day), "by": "category"}).get_json()
    assert [(i["key"], i["incidents"], i["peak_headcount_max"], i["repeat_share"], i["median_minutes_to_first_claim"])
            for i in incidents["items"]] == [("land_acquisition", 1, 40, 1.0, 35.0), ("wage_arrears", 1, 300, 0.0, 25.0)]
    by_level = client_for("duty").get("/api/statistics/incidents",
                                      query_string={**_period(day), "by": "level"}).get_json()["items"]
    assert [(i["key"], i["incidents"]) for i in by_level] == [("I", 1), ("II", 1)]
    by_month = client_for("duty").get("/api/statistics/incidents",
                                      query_string={**_period(day), "by": "month"}).get_json()["items"]
    assert by_month == [{"key": day.strftime("%Y-%m"), "label": day.strftime("%Y-%m"), "incidents": 2,
                         "peak_headcount_max": 300, "repeat_share": 0.5, "median_minutes_to_first_claim": 30.0}]
    # the day before has nothing
    before = day - timedelta(days=1)
    assert client_for("duty").get("/api/statistics/units", query_string=_period(before)).get_json()["items"] == []


def test_one_units_figures_recomputed_from_the_events_by_hand(scripted_day, client_for):
    """PSB's figures from GET /api/events alone: its turns start at a dispatch (or reroute) to it; the first
    claim and submission after that; overdue if not handed in (or routed away) before the deadline."""
    day, psb = scripted_day["day"], scripted_day["units"]["PSB"]
    duty = client_for("duty")
    events = duty.get("/api/events?limit=1000").get_json()["items"]
    now = datetime.now(ZONE)
    turns = {}
    for e in events:
        at = datetime.fromisoformat(e["at"])
        if e["type"] in ("task.dispatched", "task.rerouted") and e["unit_id"] == psb:
            turns[e["task_id"]] = {"received": at, "due": datetime.fromisoformat(e["data"]["task"]["due_at"]),
                                   "claim": None, "submit": None, "notices": 0, "escalations": 0, "returns": 0}
        turn = turns.get(e["task_id"])
        if turn is None or e["unit_id"] != psb:
            continue
        if e["type"] == "task.claimed" and turn["claim"] is None:
            turn["claim"] = (at - turn["received"]).total_seconds() / 60
        if e["type"] == "task.submitted" and turn["submit"] is None:
            turn["submit"] = at
        turn["notices"] += e["type"] == "supervision.issued"
        turn["escalations"] += e["type"] == "supervision.escalated"
        turn["returns"] += e["type"] == "task.returned"
    in_day = [t for t in turns.values() if t["received"].date() == day]
    overdue = sum(1 for t in in_day if (t["submit"] or now) > t["due"])
    expected = {
        "tasks_received": len(in_day),
        "median_minutes_to_claim": round(median([t["claim"] for t in in_day if t["claim"] is not None]), 1),
        "median_minutes_to_submit": round(median([(t["submit"] - t["received"]).total_seconds() / 60
                                                  for t in in_day if t["submit"]]), 1),
        "overdue_rate": round(overdue / len(in_day), 4),
        "returns": sum(t["returns"] for t in in_day), "supervision_notices": sum(t["notices"] for t in in_day),
        "escalations": sum(t["escalations"] for t in in_day),
    }
    items = duty.get("/api/statistics/units", query_string=_period(day)).get_json()["items"]
    [figures] = [item for item in items if item["unit_id"] == psb]
    assert {key: figures[key] for key in expected} == expected


def test_the_read_model_rebuilt_from_the_log_is_the_one_kept_in_step(app, scripted_day):
    with app.app_context():
        kept = _turns()
        with db.engine.begin() as connection:
            assert projection.rebuild(connection) == 5  # T1, T2 with LVB, T2 with HRSS, T3, T4
        db.session.remove()
        assert _turns() == kept


def _turns() -> list[tuple]:
    return sorted(tuple(getattr(row, name) for name in projection.COLUMNS)
                  for row in db.session.scalars(select(TaskHandling)))


def test_a_refused_request_leaves_the_read_model_as_it_was(app, scripted_day, client_for):
    """A second claim is a 409: no event, and no turn moved."""
    with app.app_context():
        before = _turns()
    assert act(client_for("psb"), scripted_day["tasks"]["T1"], "claim").status_code == 409
    with app.app_context():
        assert _turns() == before


def test_the_statistics_command_rebuilds_the_read_model(app, scripted_day):
    result = app.test_cli_runner().invoke(args=["statistics", "rebuild"])
    assert result.exit_code == 0 and "5 turns" in result.output


@pytest.mark.parametrize("username,status", [(None, 401), ("duty", 200), ("leader", 200), ("psb", 403),
                                             ("admin", 403)])
@pytest.mark.parametrize("path", ["/api/statistics/units", "/api/statistics/incidents",
                                  "/api/statistics/units.csv", "/api/statistics/incidents.xlsx"])
def test_only_command_and_leaders_read_the_statistics(client_for, username, status, path):
    assert client_for(username).get(path).status_code == status


@pytest.mark.parametrize("query,field", [
    ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
    ({"by": "week"}, "by"),
    ({"from": "2026-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "20260-01-01"}, "from"),
    ({"from": "0001-01-01"}, "from"),
    ({"colour": "red"}, "colour"),
])
@pytest.mark.parametrize("path", ["/api/statistics/incidents", "/api/statistics/incidents.csv"])
def test_bad_input_is_refused_naming_the_field(duty, query, field, path):
    response = duty.get(path, query_string=query, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_from_after_to_is_refused_in_the_requests_language(duty):
    query = {"from": "2026-03-02", "to": "2026-03-01"}
    english = duty.get("/api/statistics/units", query_string=query, headers={"Accept-Language": "en"}).get_json()
    chinese = duty.get("/api/statistics/units", query_string=query, headers={"Accept-Language": "zh-CN"}).get_json()
    assert "starts after it ends" in str(english["error"]["fields"]["from"])
    assert english["error"]["fields"]["from"] != chinese["error"]["fields"]["from"]


def test_the_default_period_is_the_30_days_that_end_today(duty):
    body = duty.get("/api/statistics/units").get_json()
    today = datetime.now(ZONE).date()
    assert body["to"] == today.isoformat() and body["from"] == (today - timedelta(days=29)).isoformat()


def test_the_files_carry_the_table_headed_in_the_users_language_and_never_a_formula(app, scripted_day, client_for):
    day = scripted_day["day"]
    with app.app_context():  # a unit named by a hostile administrator
        from dispatch.auth.models import Unit
        unit = db.session.get(Unit, scripted_day["units"]["PSB"])
        unit.name, unit.name_zh = "=HYPERLINK(\"http://x\",\"PSB\")", "=HYPERLINK(\"http://x\",\"公安\")"
        db.session.commit()
    leader = client_for("leader")
    response = leader.get("/api/statistics/units.csv", query_string=_period(day), headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["单位", "接收任务数", "签收时长中位数（分钟）"]
    psb = [row for row in rows[1:] if "HYPERLINK" in row[0]][0]
    assert psb[0].startswith("'=") and psb[1] == "3"

    response = leader.get("/api/statistics/units.xlsx", query_string=_period(day), headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]][:2] == ["Unit", "Tasks received"]
    hostile = [row for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[0].value)][0]
    assert hostile[0].data_type == "s" and hostile[0].quotePrefix and hostile[1].value == 3
    assert hostile[4].number_format == "0.0%" and hostile[4].value == round(2 / 3, 4)

    by_category = leader.get("/api/statistics/incidents.xlsx", query_string={**_period(day), "by": "category"},
                             headers={"Accept-Language": "zh-CN"})
    sheet = load_workbook(io.BytesIO(by_category.data)).active
    assert sheet["A1"].value == "类别" and sheet["B2"].value == 1


@pytest.mark.parametrize("username,offered", [("duty", True), ("leader", True), ("psb", False), ("admin", False)])
def test_the_pages_offer_statistics_as_the_permissions_module_says(client_for, username, offered):
    board = client_for(username).get("/board?lang=en").get_data(as_text=True)
    assert ('href="/statistics"' in board) is offered
    page = client_for(username).get("/statistics?lang=zh")
    assert page.status_code == (200 if offered else 403)
    if offered:
        assert "统计分析" in page.get_data(as_text=True)


def test_a_bad_period_on_the_page_is_shown_beside_the_field(duty):
    page = duty.get("/statistics?lang=en&from=2026-03-02&to=2026-03-01")
    assert page.status_code == 422
    assert 'id="stats-from-error" class="field-error">The period starts after it ends' in page.get_data(as_text=True)


def test_the_migration_builds_the_read_model_from_a_log_written_before_it(tmp_path):
    """A database at 0012 with a task's events in its log: 0013 derives the task's turns from them."""
    from alembic import command
    from sqlalchemy import create_engine, insert, select as sql_select

    from dispatch.db import driver_url
    from dispatch.events import Event
    from dispatch.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'before.db'}"
    command.upgrade(alembic_config(url), "0012_response_plans")
    base = datetime(2026, 3, 2, 1, 0, tzinfo=ZoneInfo("UTC"))
    due = (base + timedelta(hours=1)).isoformat()

    def event(seq, type_, minutes, unit_id, status):
        return {"seq": seq, "type": type_, "at": base + timedelta(minutes=minutes), "incident_id": 1, "task_id": 7,
                "unit_id": unit_id, "data": {"task": {"status": status, "due_at": due, "priority": "high"}},
                "hash": "0" * 64}

    engine = create_engine(driver_url(url))
    with engine.begin() as connection:
        connection.execute(insert(Event.__table__), [
            event(1, "task.dispatched", 0, 2, "dispatched"), event(2, "task.returned", 10, 2, "returned"),
            event(3, "task.rerouted", 20, 3, "dispatched"), event(4, "task.claimed", 26, 3, "claimed"),
            event(5, "supervision.issued", 90, 3, "claimed")])
    command.upgrade(alembic_config(url), "heads")
    with engine.connect() as connection:
        rows = connection.execute(sql_select(TaskHandling.unit_id, TaskHandling.returns, TaskHandling.claim_seconds,
                                             TaskHandling.overdue, TaskHandling.supervision_notices,
                                             TaskHandling.ended_at.is_not(None))
                                  .order_by(TaskHandling.id)).all()
    engine.dispose()
    # unit 2 returned it before its deadline; unit 3 claimed it after 6 minutes and was pressed once, past due
    assert [tuple(row) for row in rows] == [(2, 1, None, False, 0, True), (3, 0, 360, True, 1, False)]
