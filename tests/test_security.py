"""What a browser and the disk are told: strict headers, secure cookies, secrets kept as hashes, private files."""
from __future__ import annotations

import stat

import pytest
import requests
from sqlalchemy import select

from config import load_config
from dispatch.auth.models import UserSession
from dispatch.db import db, make_engine

from .support import PASSWORD, another_app, incident_payload, running_server

PAGES = ["/login", "/", "/queue", "/wall", "/api/session"]


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_forbids_framing_sniffing_inline_script_and_referrers(duty, path):
    response = duty.get(path)
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";")
                  if part.strip())
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_page_carries_an_inline_script_or_style(duty):
    for path in ["/login", "/", "/queue", "/wall"]:
        html = duty.get(path).get_data(as_text=True)
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, opening
        assert " style=" not in html and " onclick=" not in html


def test_behind_https_the_session_cookie_is_secure_and_the_browser_is_told_to_stay(client_for):
    client = client_for()
    response = client.client.post("/api/session", json={"username": "duty", "password": PASSWORD},
                                  base_url="https://dispatch.county.example")
    assert response.status_code == 200
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_session_ids_and_csrf_tokens_are_stored_only_as_hashes(app, duty):
    cookie_sid = None
    with duty.client.session_transaction() as cookie:
        cookie_sid, csrf = cookie["sid"], cookie["csrf"]
    with app.app_context():
        row = db.session.scalars(select(UserSession)).one()
        assert cookie_sid not in (row.id, row.csrf_hash) and csrf not in (row.id, row.csrf_hash)
        assert len(row.id) == len(row.csrf_hash) == 64
        db.session.remove()
    assert duty.post("/api/incidents", json=incident_payload()).status_code == 201  # the token still works
    forged = duty.post("/api/incidents", json=incident_payload(), headers={"X-CSRF-Token": row.csrf_hash})
    assert forged.status_code == 403  # the stored hash is no token


def test_files_under_instance_are_readable_by_the_owner_only(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "left-by-an-old-version.db").write_text("")
    (instance / "left-by-an-old-version.db").chmod(0o644)
    monkeypatch.setenv("DISPATCH_INSTANCE_DIR", str(instance))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DISPATCH_PERSONAL_DATA_KEY", raising=False)
    settings = load_config("test")
    engine = make_engine(settings["DATABASE_URL"])
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
    engine.dispose()
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in instance.iterdir()}
    assert {"secret_key", "personal_data_key", "dispatch.db", "left-by-an-old-version.db"} <= set(modes)
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.parametrize("q", ["%", "_", "\\", "100%"])
def test_like_wildcards_in_a_search_match_only_themselves(duty, q):
    duty.post("/api/incidents", json=incident_payload(title="Workers at the gate"))
    duty.post("/api/incidents", json=incident_payload(title="Pay rise of 100% promised"))
    titles = [row["title"] for row in duty.get("/api/incidents", query_string={"q": q}).get_json()["items"]]
    assert titles == (["Pay rise of 100% promised"] if "%" in q else [])


# -- the small ones of issue 24 (finding 8) --------------------------------------------------

@pytest.mark.servers
def test_the_live_sockets_polling_answers_carry_the_security_headers(tmp_path):
    """Engine.IO answers long-polling before Flask sees the request: the real server (eventlet) must add them."""
    with running_server(f"sqlite:///{tmp_path / 'dispatch.db'}", instance_dir=tmp_path) as server:
        answers = [requests.get(f"{server.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10),
                   requests.get(f"{server.url}/socket.io/", params={"EIO": "4", "transport": "polling",
                                                                    "sid": "not-a-session"}, timeout=10)]
    assert [answer.status_code for answer in answers] == [200, 400]
    for answer in answers:
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in answer.headers  # plain HTTP


@pytest.mark.parametrize("hops, forwarded, told", [
    (0, {}, False),
    (0, {"X-Forwarded-Proto": "https"}, False),  # anyone may send it: no proxy is trusted to
    (1, {"X-Forwarded-Proto": "https"}, True),   # the one trusted proxy says the browser came over HTTPS
    (1, {"X-Forwarded-Proto": "http"}, False),
])
def test_the_browser_is_told_to_stay_on_https_only_when_the_request_really_was(app, hops, forwarded, told):
    with another_app(app.config["DATABASE_URL"], PROXY_HOPS=hops) as served:
        response = served.test_client().get("/login", headers=forwarded)
    assert response.status_code == 200
    assert ("Strict-Transport-Security" in response.headers) is told


def test_a_csv_answer_names_its_charset_once(client_for):
    response = client_for("leader").get("/api/statistics/units.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
