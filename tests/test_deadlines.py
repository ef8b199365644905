"""Deadlines run without anyone asking: task.overdue once per task and deadline, in one process or several."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from dispatch.db import utcnow
from dispatch import coordination
from dispatch.tasks import deadlines

from .support import fresh_postgres_database, http_login, incident_payload, running_server, wait_until
from .test_task_support import act, dispatch, events_of, iso, new_incident, unit_ids


@pytest.fixture
def late_task(duty):
    incident = new_incident(duty)
    return dispatch(duty, incident["id"], unit_ids(duty)["PSB"], due_at=iso(timedelta(minutes=-1)), past_due_ok=True)


def test_an_overdue_task_gets_exactly_one_overdue_event_per_deadline(app, duty, client_for, late_task):
    with app.app_context():
        assert deadlines.scan_overdue() == 1
        assert deadlines.scan_overdue() == 0
    [event] = events_of(duty, "task.overdue", task_id=late_task["id"])
    assert event["unit_id"] == late_task["unit_id"] and event["data"]["task"]["overdue"] is True
    assert event["data"]["due_at"] == late_task["due_at"]

    psb = client_for("psb")
    new_deadline = utcnow() + timedelta(hours=2)
    act(psb, late_task["id"], "request_extension", due_at=new_deadline.isoformat())
    moved = act(duty, late_task["id"], "approve_extension").get_json()
    assert moved["overdue"] is False
    with app.app_context():
        assert deadlines.scan_overdue() == 0
        assert deadlines.scan_overdue(now=new_deadline + timedelta(minutes=1)) == 1
        assert deadlines.scan_overdue(now=new_deadline + timedelta(minutes=2)) == 0
    assert len(events_of(duty, "task.overdue", task_id=late_task["id"])) == 2


@pytest.mark.parametrize("state_path", [
    [("psb", "claim", {}), ("psb", "start", {}), ("psb", "submit", {"note": "Done."})],
    [("duty", "cancel", {})],
])
def test_a_handed_in_or_cancelled_task_is_never_overdue(app, duty, client_for, late_task, state_path):
    for username, action, extra in state_path:
        assert act(client_for(username), late_task["id"], action, **extra).status_code == 200
    with app.app_context():
        assert deadlines.scan_overdue() == 0
    assert duty.get(f"/api/tasks/{late_task['id']}").get_json()["overdue"] is False
    assert duty.get("/api/tasks?overdue=true").get_json()["total"] == 0


def test_the_deadline_loop_scans_after_each_sleep_of_the_configured_interval(app, duty, late_task):
    slept = []

    class Stop(Exception):
        pass

    def sleep(seconds):
        if len(slept) == 2:
            raise Stop
        slept.append(seconds)

    with pytest.raises(Stop):
        coordination.run_deadline_loop(app, sleep=sleep)
    assert slept == [app.config["DISPATCH_OVERDUE_SCAN_SECONDS"]] * 2
    assert len(events_of(duty, "task.overdue", task_id=late_task["id"])) == 1


def _overdue_counts(http, base, task_ids) -> dict[int, int]:
    items = http.get(f"{base}/api/events", params={"limit": 1000}, timeout=10).json()["items"]
    counts = {task_id: 0 for task_id in task_ids}
    for event in items:
        if event["type"] == "task.overdue" and event["task_id"] in counts:
            counts[event["task_id"]] += 1
    return counts


@pytest.mark.long
@pytest.mark.servers
def test_two_server_processes_append_task_overdue_exactly_once(tmp_path):
    url = fresh_postgres_database("dispatch_overdue_race")
    env = {"DISPATCH_OVERDUE_SCAN_SECONDS": "0.2"}
    with running_server(url, env=env, instance_dir=tmp_path) as first, \
            running_server(url, env=env, instance_dir=tmp_path) as second:
        duty = http_login(first.url, "duty")
        incident = duty.post(f"{first.url}/api/incidents", json=incident_payload(), timeout=10).json()
        psb = {u["code"]: u["id"] for u in duty.get(f"{first.url}/api/units", timeout=10).json()["items"]}["PSB"]
        # Waves of tasks, each falling due at one moment, so both processes' scans meet a wave together.
        start = utcnow() + timedelta(seconds=3)
        task_ids = []
        for wave in range(5):
            due = (start + timedelta(seconds=0.45 * wave)).isoformat()
            for n in range(12):
                # past_due_ok: on a loaded machine a later wave may already be due when it is dispatched
                response = duty.post(f"{first.url}/api/incidents/{incident['id']}/tasks", timeout=10,
                                     json={"unit_id": psb, "title": f"Task {wave}.{n}", "due_at": due,
                                           "past_due_ok": True})
                assert response.status_code == 201, response.text
                task_ids.append(response.json()["id"])
        watcher = http_login(second.url, "leader")
        wait_until(lambda: min(_overdue_counts(watcher, second.url, task_ids).values()) > 0, 60, every=0.3)
        # several more scans, each proven by a task dispatched late after the last one being flagged
        for n in range(4):
            witness = duty.post(f"{first.url}/api/incidents/{incident['id']}/tasks", timeout=10, json={
                "unit_id": psb, "title": f"Witness {n}", "due_at": (utcnow() - timedelta(minutes=1)).isoformat(),
                "past_due_ok": True}).json()["id"]
            wait_until(lambda: _overdue_counts(watcher, second.url, [witness])[witness] > 0, 30, every=0.1)
        assert first.process.poll() is None and second.process.poll() is None
        assert set(_overdue_counts(watcher, second.url, task_ids).values()) == {1}
        overdue = watcher.get(f"{second.url}/api/tasks", params={"overdue": "true", "limit": 100}, timeout=10).json()
        assert {t["id"] for t in overdue["items"]} >= set(task_ids)
        assert requests.get(f"{first.url}/healthz", timeout=5).status_code == 200
