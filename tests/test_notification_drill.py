"""The drill of issue 21, with real processes on PostgreSQL: the SMS gateway down, tasks dispatched, one server
killed with SIGKILL and started again, the gateway back; meanwhile a second server scans and sends the same
database. Every notification reaches the gateway once, with one key each, and no escalation step is sent twice."""
from __future__ import annotations

import os
import signal
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from dispatch.db import driver_url

from .duty_support import GatewayProcess, wait_for
from .support import fresh_postgres_database, http_login, running_server

pytestmark = [pytest.mark.servers, pytest.mark.postgres, pytest.mark.long]

TASKS = 12
UNITS = ("PSB", "LVB", "HRSS", "EM")
# every level climbs fast in the drill: on duty at once, the head after 2 s, command after 4 s
STEPS = [{"after_seconds": 0, "notify": "on_duty"}, {"after_seconds": 2, "notify": "unit_head"},
         {"after_seconds": 4, "notify": "command"}]


def rows(url: str, query: str) -> list:
    engine = create_engine(driver_url(url))
    with engine.connect() as conn:
        out = conn.execute(text(query)).all()
    engine.dispose()
    return out


def test_gateway_down_a_server_killed_and_a_second_one_running_every_notification_is_sent_once(tmp_path):
    url = fresh_postgres_database("dispatch_drill")
    gateway = GatewayProcess(tmp_path)  # down: not started yet
    env = {"DISPATCH_SMS_URL": f"{gateway.url}/sms", "DISPATCH_NOTIFY_RETRY_SECONDS": "0.2",
           "DISPATCH_NOTIFY_RETRY_MAX_SECONDS": "1", "DISPATCH_NOTIFY_ATTEMPTS": "100",
           "DISPATCH_OVERDUE_SCAN_SECONDS": "0.5", "DISPATCH_NOTIFY_TIMEOUT_SECONDS": "2"}
    instance = tmp_path / "instance"
    with ExitStack() as stack:
        first = stack.enter_context(running_server(url, env=env, instance_dir=instance))
        second = stack.enter_context(running_server(url, env=env, instance_dir=instance))
        duty = http_login(first.url, "duty")
        for level in ("I", "II", "III", "IV"):
            assert duty.put(f"{first.url}/api/escalation-policies/{level}", json={"steps": STEPS}).status_code == 200
        units = {u["code"]: u["id"] for u in duty.get(f"{first.url}/api/units").json()["items"]}
        incident = duty.post(f"{first.url}/api/incidents", json={
            "kind": "mass_incident", "title": "演练：群众聚集", "category": "wage_arrears", "location": "县政府",
            "occurred_at": datetime.now(timezone.utc).isoformat(), "headcount": 50, "demands": "演练",
            "level": "III"}).json()
        due = (datetime.now(timezone.utc) + timedelta(hours=4)).isoformat()
        for n in range(TASKS):
            response = duty.post(f"{first.url}/api/incidents/{incident['id']}/tasks", json={
                "unit_id": units[UNITS[n % len(UNITS)]], "title": f"演练任务{n + 1}", "instructions": "",
                "priority": "high", "due_at": due})
            assert response.status_code == 201, response.text  # never a 500 to the dispatcher
        # both servers try the gateway, which is down; the steps keep climbing meanwhile
        wait_for(lambda: rows(url, "SELECT count(*) FROM notifications WHERE attempts >= 2 "
                                   "AND error LIKE 'cannot connect%'")[0][0] >= TASKS,
                 "refused tries while the gateway is down")
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        wait_for(lambda: rows(url, "SELECT count(*) FROM escalations WHERE next_at IS NOT NULL "
                                   f"AND incident_id = {incident['id']}")[0][0] == 0,
                 "every step to have fired", timeout=60)
        gateway.start()
        stack.callback(gateway.stop)
        again = stack.enter_context(running_server(url, env=env, instance_dir=instance))
        wait_for(lambda: rows(url, "SELECT count(*) FROM notifications WHERE status <> 'sent'")[0][0] == 0,
                 "every notification sent", timeout=90)
        assert again.process.poll() is None and second.process.poll() is None
    keys = [key for (key,) in rows(url, "SELECT key FROM notifications")]
    accepted = Counter(line["key"] for line in gateway.accepted("/sms"))
    assert set(accepted) == set(keys) and len(keys) == len(set(keys))
    assert max(accepted.values()) == 1, [k for k, n in accepted.items() if n > 1]
    # every task: its unit's on-duty (step 0), its head (step 1), command (step 2): one SMS each
    per_step = Counter(step for (step,) in rows(
        url, f"SELECT step FROM notifications WHERE incident_id = {incident['id']} AND channel = 'sms'"))
    assert per_step == {0: TASKS, 1: TASKS, 2: TASKS}
    sent_events = rows(url, "SELECT count(*) FROM events WHERE type = 'notification.sent'")[0][0]
    assert sent_events == len(keys)
