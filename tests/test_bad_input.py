"""Whatever a client sends, the answer is a clear 4xx naming the field, never a 500, and nothing changes."""
from __future__ import annotations

import json

import pytest

from .support import incident_payload

# refused before the database is asked (the schemas and services); what a database's own limits make of an id is
# tests/test_fuzz_api.py's, on both
pytestmark = pytest.mark.one_backend

HUGE = "x" * 100_000
NESTED = "[" * 100_000 + "]" * 100_000


def _state(duty):
    """What a refused request must leave exactly as it was."""
    return (duty.get("/api/events?limit=1000").get_json()["items"],
            duty.get("/api/incidents?limit=500").get_json()["items"],
            duty.get("/api/users").status_code)


# (method, path, body, field the error must name)
FIELD_CASES = [
    ("POST", "/api/incidents", incident_payload(headcount="300"), "headcount"),
    ("POST", "/api/incidents", incident_payload(headcount=0), "headcount"),
    ("POST", "/api/incidents", incident_payload(headcount=-5), "headcount"),
    ("POST", "/api/incidents", incident_payload(headcount=10**12), "headcount"),
    ("POST", "/api/incidents", incident_payload(headcount=2.5), "headcount"),
    ("POST", "/api/incidents", incident_payload(headcount=True), "headcount"),
    ("POST", "/api/incidents", incident_payload(level="V"), "level"),
    ("POST", "/api/incidents", incident_payload(kind="riot"), "kind"),
    ("POST", "/api/incidents", incident_payload(category="Wage arrears"), "category"),
    ("POST", "/api/incidents", incident_payload(title=HUGE), "title"),
    ("POST", "/api/incidents", incident_payload(title=""), "title"),
    ("POST", "/api/incidents", incident_payload(title=None), "title"),
    ("POST", "/api/incidents", incident_payload(title=["a"]), "title"),
    ("POST", "/api/incidents", incident_payload(demands=HUGE), "demands"),
    ("POST", "/api/incidents", incident_payload(location={"a": 1}), "location"),
    ("POST", "/api/incidents", incident_payload(lat=91), "lat"),
    ("POST", "/api/incidents", incident_payload(lng="east"), "lng"),
    ("POST", "/api/incidents", incident_payload(occurred_at="yesterday"), "occurred_at"),
    ("POST", "/api/incidents", incident_payload(occurred_at="2026-02-30T10:00:00+08:00"), "occurred_at"),
    ("POST", "/api/incidents", incident_payload(occurred_at="0001-01-01T00:00:00+00:00"), "occurred_at"),
    ("POST", "/api/incidents", incident_payload(occurred_at=1732400000), "occurred_at"),
    ("POST", "/api/incidents", incident_payload(extra="field"), "extra"),
    # text no column can hold: PostgreSQL refuses NUL, and a lone surrogate is not UTF-8
    ("POST", "/api/incidents", incident_payload(title="Workers\x00 at the gate"), "title"),
    ("POST", "/api/incidents", incident_payload(demands="Unpaid \ud800 wages"), "demands"),
    ("POST", "/api/incidents/{id}/instructions", {"text": "Open the road\x00"}, "text"),
    ("POST", "/api/session", {"username": "du\x00ty", "password": "dispatch-demo"}, "username"),
    ("POST", "/api/incidents", {k: v for k, v in incident_payload().items() if k != "title"}, "title"),
    ("POST", "/api/incidents", {k: v for k, v in incident_payload().items() if k != "occurred_at"}, "occurred_at"),
    ("PATCH", "/api/incidents/{id}", {"title": "no version"}, "version"),
    ("PATCH", "/api/incidents/{id}", {"version": "1", "title": "x"}, "version"),
    ("PATCH", "/api/incidents/{id}", {"version": 1, "headcount": -1}, "headcount"),
    ("PATCH", "/api/incidents/{id}", {"version": 1, "status": "closed"}, "status"),
    ("PATCH", "/api/incidents/{id}", {"version": 1, "ref": "INC-1999-0001"}, "ref"),
    ("PATCH", "/api/incidents/{id}", {"version": 1, "level": HUGE}, "level"),
    ("PATCH", "/api/incidents/{id}", {"version": 2**63, "title": "x"}, "version"),
    ("POST", "/api/incidents/{id}/transitions", {"action": "explode"}, "action"),
    ("POST", "/api/incidents/{id}/transitions", {}, "action"),
    ("POST", "/api/incidents/{id}/transitions", {"action": "respond", "note": HUGE}, "note"),
    ("POST", "/api/incidents/{id}/transitions", {"action": 5}, "action"),
    ("POST", "/api/session/password", {"current_password": "x"}, "new_password"),
    ("POST", "/api/session/password", {"current_password": "dispatch-demo", "new_password": "short"}, "new_password"),
]


@pytest.mark.parametrize("method,path,body,field", FIELD_CASES,
                         ids=[f"{m} {p} {f} {i}" for i, (m, p, _b, f) in enumerate(FIELD_CASES)])
def test_bad_fields_are_422_naming_the_field_and_change_nothing(duty, method, path, body, field):
    incident = duty.post("/api/incidents", json=incident_payload()).get_json()
    before = _state(duty)
    response = duty.client.open(path.format(id=incident["id"]), method=method, data=json.dumps(body),
                                content_type="application/json", headers={"X-CSRF-Token": duty.csrf})
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert field in error["fields"], error
    assert _state(duty) == before


ADMIN_CASES = [
    ("POST", "/api/users", {"username": "Bad Name!", "password": "long-enough-pw", "role": "command"}, "username"),
    ("POST", "/api/users", {"username": "ok", "password": "long-enough-pw", "role": "emperor"}, "role"),
    ("POST", "/api/users", {"username": "ok", "password": "long-enough-pw", "role": "liaison"}, "unit_code"),
    ("POST", "/api/users", {"username": "ok", "password": "long-enough-pw", "role": "liaison",
                            "unit_code": "NOPE"}, "unit_code"),
    ("POST", "/api/users", {"username": "duty", "password": "long-enough-pw", "role": "command"}, "username"),
    ("PATCH", "/api/users/2", {"active": "maybe"}, "active"),
    ("POST", "/api/tokens", {"user_id": "one", "name": "x"}, "user_id"),
    ("POST", "/api/tokens", {"user_id": 1}, "name"),
    ("POST", "/api/tokens", {"user_id": 2**63, "name": "x"}, "user_id"),
]


@pytest.mark.parametrize("method,path,body,field", ADMIN_CASES)
def test_bad_admin_requests_name_the_field(client_for, method, path, body, field):
    admin = client_for("admin")
    users_before = admin.get("/api/users").get_json()
    response = admin.client.open(path, method=method, json=body, headers={"X-CSRF-Token": admin.csrf})
    assert 400 <= response.status_code < 500
    assert field in response.get_json()["error"]["fields"]
    assert admin.get("/api/users").get_json() == users_before


RAW_BODIES = [
    ("{not json", "application/json"),
    ('{"title": "unterminated', "application/json"),
    (NESTED, "application/json"),
    ('{"a":' * 50_000 + "1" + "}" * 50_000, "application/json"),
    ("[1, 2, 3]", "application/json"),
    ('"just a string"', "application/json"),
    ("null", "application/json"),
    ("\xff\xfe garbage", "application/json"),
    ("kind=petition&title=x", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize("raw,content_type", RAW_BODIES, ids=range(len(RAW_BODIES)))
@pytest.mark.parametrize("method,path", [("POST", "/api/incidents"), ("PATCH", "/api/incidents/{id}"),
                                         ("POST", "/api/incidents/{id}/transitions"), ("POST", "/api/session")])
def test_broken_bodies_are_4xx_never_500(duty, method, path, raw, content_type):
    incident = duty.post("/api/incidents", json=incident_payload()).get_json()
    before = _state(duty)
    response = duty.client.open(path.format(id=incident["id"]), method=method, data=raw.encode("utf-8", "surrogateescape"),
                                content_type=content_type, headers={"X-CSRF-Token": duty.csrf})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert "error" in response.get_json()
    assert _state(duty) == before


QUERY_CASES = [
    ("/api/incidents?level=V", "level"),
    ("/api/incidents?limit=0", "limit"),
    ("/api/incidents?limit=abc", "limit"),
    ("/api/incidents?offset=-1", "offset"),
    ("/api/incidents?status=gone", "status"),
    ("/api/incidents?unit_id=x", "unit_id"),
    ("/api/incidents?q=" + "x" * 5000, "q"),
    ("/api/incidents?staus=closed", "staus"),
    ("/api/tasks?colour=red", "colour"),
    ("/api/units?page=2", "page"),
    ("/api/incidents/1/timeline?limit=0", "limit"),
    ("/api/events?after=-1", "after"),
    ("/api/events?after=abc", "after"),
    ("/api/events?limit=100000", "limit"),
    # past the database's integers: SQLite's driver cannot even bind these
    (f"/api/events?after={2**63}", "after"),
    (f"/api/events?incident_id={2**63}", "incident_id"),
    (f"/api/incidents?unit_id={2**63}", "unit_id"),
    ("/api/incidents?q=gate%00", "q"),
]


@pytest.mark.parametrize("url,field", QUERY_CASES)
def test_bad_query_arguments_name_the_argument(duty, url, field):
    response = duty.get(url)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_every_api_endpoint_refuses_anonymous_callers(app, anonymous):
    """A sweep built from the URL map, so a new endpoint cannot escape it."""
    # signing out twice is harmless, so DELETE /api/session is 204 for anyone
    open_to_all = {("POST", "/api/session"), ("GET", "/api/openapi.json"), ("GET", "/api/session"),
                   ("DELETE", "/api/session")}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "1")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, rule.rule) in open_to_all:
                continue
            response = anonymous.client.open(path, method=method, json={})
            assert response.status_code == 401, (method, rule.rule, response.status_code)
            checked += 1
    assert checked >= 10
