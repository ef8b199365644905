"""What a real deployment expects: health check, OpenAPI, request log, a hub that never blocks."""
from __future__ import annotations

import logging
import threading

import pytest
import requests
from sqlalchemy import create_engine, text

from dispatch import create_app
from dispatch.db import driver_url

from .support import PASSWORD, fresh_postgres_database, http_login, incident_payload, running_server


def test_health_check_answers_200_when_the_database_answers(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "up"


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:1/nowhere", "sqlite:////nonexistent/dir/x.db"])
def test_health_check_answers_503_when_the_database_does_not(url):
    down = create_app("test", DATABASE_URL=url)
    response = down.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "down"


def test_openapi_is_generated_from_the_schemas(anonymous):
    spec = anonymous.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/incidents", "/api/incidents/{incident_id}", "/api/events", "/api/session"} <= set(spec["paths"])
    create = spec["components"]["schemas"]["IncidentCreate"]
    assert set(create["required"]) >= {"kind", "title", "category", "headcount", "level", "occurred_at"}
    assert create["properties"]["level"]["enum"] == ["I", "II", "III", "IV"]


def test_openapi_describes_errors_as_they_are_sent(duty):
    spec = duty.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert set(schemas["Error"]["properties"]) == {"error"}
    documented = set(schemas["ErrorDetail"]["properties"])
    sent = duty.post("/api/incidents", json={"kind": "riot"}).get_json()
    assert set(sent) == {"error"} and {"code", "message", "fields"} <= documented
    assert set(sent["error"]) <= documented


def test_one_log_line_per_request_without_secrets(client_for, caplog):
    caplog.set_level(logging.INFO, logger="dispatch.request")
    client = client_for()
    client.client.post("/api/session", json={"username": "duty", "password": PASSWORD})
    client.get("/api/incidents")
    lines = [record.getMessage() for record in caplog.records if record.name == "dispatch.request"]
    assert len(lines) == 2
    assert lines[0].startswith("POST /api/session 200 user=") and lines[1].startswith("GET /api/incidents 200 user=")
    assert all(PASSWORD not in line and "ms" in line for line in lines)


@pytest.mark.postgres
@pytest.mark.servers
def test_a_slow_query_does_not_stall_other_requests_in_the_same_process(tmp_path):
    """One request waits on PostgreSQL (a row held by another transaction) while others are served."""
    url = fresh_postgres_database("dispatch_green")
    with running_server(url, instance_dir=tmp_path) as server:
        duty = http_login(server.url, "duty")
        incident = duty.post(f"{server.url}/api/incidents", json=incident_payload(), timeout=10).json()
        holder = create_engine(driver_url(url)).connect()
        transaction = holder.begin()
        holder.execute(text("SELECT id FROM incidents WHERE id = :id FOR UPDATE"), {"id": incident["id"]})
        slow_result = {}

        def slow_edit():
            slow_result["response"] = duty.patch(f"{server.url}/api/incidents/{incident['id']}",
                                                 json={"version": 1, "headcount": 500}, timeout=30)

        slow = threading.Thread(target=slow_edit)
        slow.start()
        others = http_login(server.url, "psb")
        answered_while_waiting = []
        for _ in range(5):
            answered_while_waiting.append(others.get(f"{server.url}/api/incidents", timeout=5).status_code)
            answered_while_waiting.append(requests.get(f"{server.url}/healthz", timeout=5).status_code)
        still_waiting = slow.is_alive()
        holder.execute(text("SELECT pg_sleep(2)"))
        transaction.commit()
        holder.close()
        slow.join(30)
    assert answered_while_waiting == [200] * 10
    assert still_waiting, "the slow request should still have been waiting for its row"
    assert slow_result["response"].status_code == 200
    assert slow_result["response"].json()["headcount"] == 500


@pytest.mark.long
@pytest.mark.servers
def test_ctrl_c_stops_the_server_cleanly_and_a_restart_keeps_the_data(tmp_path):
    import signal

    url = f"sqlite:///{tmp_path / 'kept.db'}"
    with running_server(url, instance_dir=tmp_path) as server:
        duty = http_login(server.url, "duty")
        created = duty.post(f"{server.url}/api/incidents", json=incident_payload(title="Kept across restarts"),
                            timeout=10).json()
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(15) == 0
        assert "Dispatch stopped." in server.log.read_text()
    with running_server(url, instance_dir=tmp_path) as again:
        duty = http_login(again.url, "duty")
        kept = duty.get(f"{again.url}/api/incidents/{created['id']}", timeout=10)
        assert kept.status_code == 200 and kept.json()["title"] == "Kept across restarts"
        assert "Demo users" not in again.log.read_text()  # the demo loads only into an empty database


@pytest.mark.servers
def test_gevent_replaces_eventlet_by_configuration(tmp_path):
    """DISPATCH_ASYNC_MODE=gevent: the same server serves the API and the live stream."""
    from realtime.client import LiveClient

    url = f"sqlite:///{tmp_path / 'gevent.db'}"
    with running_server(url, instance_dir=tmp_path, env={"DISPATCH_ASYNC_MODE": "gevent"}) as server:
        duty = http_login(server.url, "duty")
        start = duty.get(f"{server.url}/api/events", timeout=10).json()["last_seq"]
        cookie = "; ".join(f"{c.name}={c.value}" for c in duty.cookies)
        live = LiveClient(server.url, cookie=cookie, after=start).connect()
        try:
            created = duty.post(f"{server.url}/api/incidents", json=incident_payload(), timeout=10).json()
            assert live.wait_for(start + 1, timeout=10)
        finally:
            live.close()
    assert [event["type"] for event in live.events] == ["incident.registered"]
    assert live.events[0]["incident_id"] == created["id"]


def test_a_write_the_database_drops_midway_is_503_and_logged_with_who_asked(duty, caplog, monkeypatch):
    """The database going away rolls the session back and detaches the signed-in user's row; the answer is
    still the 503 that says try again (seen as a bare 500 in the restart drill before), and its log line."""
    from sqlalchemy.exc import OperationalError

    from dispatch.db import db
    from dispatch.incidents import views

    def dropped(**_):
        db.session.rollback()  # what a lost connection does to the session: every row it held is expired
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(views.service, "register_incident", dropped)
    caplog.set_level(logging.INFO, logger="dispatch.request")
    response = duty.post("/api/incidents", json=incident_payload())
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json()["error"]["code"] == "unavailable"
    lines = [record.getMessage() for record in caplog.records if record.name == "dispatch.request"]
    assert lines[-1].startswith(f"POST /api/incidents 503 user={duty.user['id']} ")


@pytest.mark.parametrize("lost", ["pending-rollback", "invalidated"])
def test_a_connection_lost_in_any_form_is_503_in_the_users_language(duty, monkeypatch, lost):
    """However the driver reports the cut (a session left needing a rollback, or a connection invalidated
    mid-statement), the answer is 503 with a message in the asker's language."""
    from sqlalchemy.exc import DBAPIError, PendingRollbackError

    from dispatch.incidents import views

    def dropped(**_):
        if lost == "pending-rollback":
            raise PendingRollbackError("This Session's transaction has been rolled back")
        raise DBAPIError("INSERT", {}, Exception("terminating connection"), connection_invalidated=True)

    monkeypatch.setattr(views.service, "register_incident", dropped)
    response = duty.post("/api/incidents", json=incident_payload(), headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "数据库" in response.get_json()["error"]["message"]
