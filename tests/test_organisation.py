"""The county's own organisation through the API: units in their hierarchy, users edited, passwords reset and
changed, sessions ended everywhere, the audit trail."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dispatch.auth.models import Unit
from dispatch.db import db
from dispatch.personal_data import decrypt

from .support import PASSWORD, incident_payload

DUE = "2099-01-01T08:00:00+08:00"


def events_since(client, after: int) -> list[dict]:
    return client.get(f"/api/events?after={after}").get_json()["items"]


def last_seq(client) -> int:
    return client.get("/api/events?limit=1").get_json()["last_seq"]


def unit_ids(client) -> dict[str, int]:
    return {u["code"]: u["id"] for u in client.get("/api/units?limit=500").get_json()["items"]}


@pytest.fixture
def admin(client_for):
    return client_for("admin")


# --- units -----------------------------------------------------------------------------------------------------

def test_a_village_added_under_its_township_is_listed_right_after_it_for_everyone(admin, duty):
    start = last_seq(duty)
    east = unit_ids(admin)["TWN-E"]
    created = admin.post("/api/units", json={"code": "VIL-E1", "name": "Riverside Village", "name_zh": "河畔村",
                                             "kind": "township", "parent_id": east})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["parent_id"] == east and body["active"] is True and body["dingtalk_secret_set"] is False
    listed = duty.get("/api/units?limit=500").get_json()["items"]
    codes = [u["code"] for u in listed]
    assert codes.index("VIL-E1") == codes.index("TWN-E") + 1
    village = listed[codes.index("VIL-E1")]
    assert village["depth"] == 1 and village["path"] == ["TWN-E", "VIL-E1"]
    (event,) = events_since(duty, start)
    assert event["type"] == "unit.created" and event["actor"]["role"] == "admin"
    assert event["data"] == {"unit_id": body["id"], "code": "VIL-E1", "name": "Riverside Village",
                             "name_zh": "河畔村", "kind": "township", "parent_id": east, "active": True}


@pytest.mark.parametrize("payload,field", [
    ({"code": "PSB", "name": "Police again", "kind": "department"}, "code"),
    ({"code": "twn n", "name": "North", "kind": "township"}, "code"),
    ({"code": "TWN-N", "name": "North", "kind": "village"}, "kind"),
    ({"code": "TWN-N", "name": "", "kind": "township"}, "name"),
    ({"code": "TWN-N", "name": "North", "kind": "township", "parent_id": 99999}, "parent_id"),
    ({"code": "TWN-N", "name": "North", "kind": "township", "colour": "red"}, "colour"),
])
def test_a_bad_unit_is_refused_naming_the_field_and_nothing_is_stored(admin, payload, field):
    before = admin.get("/api/units?limit=500").get_json()
    response = admin.post("/api/units", json=payload)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()
    assert admin.get("/api/units?limit=500").get_json() == before


@pytest.mark.parametrize("who", ["duty", "leader", "psb"])
def test_only_the_administrator_adds_or_changes_units(client_for, who):
    client = client_for(who)
    psb = unit_ids(client)["PSB"]
    assert client.post("/api/units", json={"code": "X1", "name": "X", "kind": "department"}).status_code == 403
    assert client.patch(f"/api/units/{psb}", json={"name": "Renamed"}).status_code == 403
    assert client.get("/api/admin/units").status_code == 403


def test_a_units_robots_are_kept_and_the_secret_is_never_shown_again(app, admin, duty):
    start = last_seq(duty)
    psb = unit_ids(admin)["PSB"]
    hook = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
    response = admin.patch(f"/api/units/{psb}", json={"name": "County Public Security Bureau", "dingtalk_webhook": hook,
                                                      "dingtalk_secret": "SECdeadbeef42",
                                                      "wecom_webhook": "http://wecom.intranet/hook?key=k1"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["dingtalk_secret_set"] is True and body["dingtalk_webhook"] == hook
    assert "SECdeadbeef42" not in response.get_data(as_text=True)
    listed = admin.get("/api/admin/units").get_json()
    assert "SECdeadbeef42" not in json.dumps(listed)
    assert "dingtalk_webhook" not in duty.get("/api/units?limit=500").get_json()["items"][0]
    with app.app_context():
        stored = db.session.scalar(select(Unit).where(Unit.id == psb))
        assert stored.dingtalk_secret_encrypted != "SECdeadbeef42"
        assert decrypt(stored.dingtalk_secret_encrypted, field="dingtalk_secret") == "SECdeadbeef42"
    (event,) = events_since(duty, start)
    assert event["type"] == "unit.updated"
    assert event["data"]["changed"] == ["dingtalk_secret", "dingtalk_webhook", "name", "wecom_webhook"]
    assert "abc123" not in json.dumps(event) and "SECdeadbeef42" not in json.dumps(event)
    assert admin.patch(f"/api/units/{psb}", json={"dingtalk_secret": None}).get_json()["dingtalk_secret_set"] is False


@pytest.mark.parametrize("parent", ["itself", "its child", "its grandchild"])
def test_a_unit_cannot_be_put_under_itself_or_its_own_units(admin, parent):
    east = unit_ids(admin)["TWN-E"]
    child = admin.post("/api/units", json={"code": "VIL-E1", "name": "V1", "kind": "township", "parent_id": east})
    grandchild = admin.post("/api/units", json={"code": "GRP-E1", "name": "G1", "kind": "township",
                                                "parent_id": child.get_json()["id"]})
    target = {"itself": east, "its child": child.get_json()["id"], "its grandchild": grandchild.get_json()["id"]}
    response = admin.patch(f"/api/units/{east}", json={"parent_id": target[parent]})
    assert response.status_code == 422 and "parent_id" in response.get_json()["error"]["fields"]
    assert admin.get(f"/api/admin/units").get_json()[0]["parent_id"] is None


def test_a_unit_with_open_tasks_cannot_be_deactivated_until_they_are_settled(admin, duty):
    lvb = unit_ids(admin)["LVB"]
    incident = duty.post("/api/incidents", json=incident_payload()).get_json()
    task = duty.post(f"/api/incidents/{incident['id']}/tasks", json={
        "unit_id": unit_ids(duty)["PSB"], "co_unit_ids": [lvb], "title": "Talk", "instructions": "Hear them.",
        "priority": "normal", "due_at": DUE}).get_json()
    refused = admin.patch(f"/api/units/{lvb}", json={"active": False, "name": "Renamed"})
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"]["open_tasks"] == 1
    listed = {u["code"]: u for u in admin.get("/api/units?limit=500").get_json()["items"]}
    assert listed["LVB"]["active"] is True and listed["LVB"]["name"] != "Renamed"
    duty.post(f"/api/tasks/{task['id']}/transitions", json={"action": "cancel", "note": "Not needed."})
    done = admin.patch(f"/api/units/{lvb}", json={"active": False})
    assert done.status_code == 200 and done.get_json()["active"] is False
    # a deactivated unit is no parent for a new one
    orphan = admin.post("/api/units", json={"code": "LVB-1", "name": "Desk", "kind": "department", "parent_id": lvb})
    assert orphan.status_code == 422 and "parent_id" in orphan.get_json()["error"]["fields"]


# --- users -----------------------------------------------------------------------------------------------------

def test_the_administrator_edits_every_field_of_a_user_and_the_event_names_fields_not_values(admin, duty, client_for):
    start = last_seq(duty)
    psb = client_for("psb").user
    response = admin.patch(f"/api/users/{psb['id']}", json={
        "display_name": "Wang Qiang", "display_name_zh": "王强", "role": "liaison", "unit_code": "LVB",
        "phone": "138 1234 5678", "email": "wang.qiang@county.gov.cn", "unit_head": True})
    assert response.status_code == 200, response.get_json()
    user = response.get_json()
    assert user["display_name_zh"] == "王强" and user["unit"]["code"] == "LVB" and user["unit_head"] is True
    assert user["phone"] == "138****5678" and user["email"] == "wang.qiang@county.gov.cn"
    assert "13812345678" not in json.dumps(admin.get("/api/users?limit=500").get_json())
    (event,) = events_since(duty, start)
    assert event["type"] == "user.updated" and event["unit_id"] == user["unit_id"]
    assert event["data"]["changed"] == ["display_name", "display_name_zh", "email", "phone", "unit_code",
                                       "unit_head"]
    assert "5678" not in json.dumps(event) and "wang.qiang" not in json.dumps(event)
    # the same again changes nothing and records nothing
    again = admin.patch(f"/api/users/{psb['id']}", json={"phone": "13812345678", "unit_head": True})
    assert again.status_code == 200 and events_since(duty, start) == [event]


@pytest.mark.parametrize("payload,field", [
    ({"phone": "12345"}, "phone"),
    ({"phone": "057112345678"}, "phone"),  # a landline, not a work mobile
    ({"email": "not-an-address"}, "email"),
    ({"unit_code": "NOPE"}, "unit_code"),
    ({"unit_code": None}, "unit_code"),  # a liaison needs a unit
    ({"role": "emperor"}, "role"),
    ({"password": "sneaky-new-one"}, "password"),
])
def test_a_bad_user_edit_is_refused_naming_the_field_and_changes_nothing(admin, client_for, payload, field):
    psb = client_for("psb").user
    before = admin.get("/api/users?limit=500").get_json()
    response = admin.patch(f"/api/users/{psb['id']}", json={"display_name": "Changed", **payload})
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()
    assert admin.get("/api/users?limit=500").get_json() == before


def test_the_administrator_cannot_disable_or_demote_themself(admin):
    me = admin.user["id"]
    for payload, field in (({"active": False}, "active"), ({"role": "leader"}, "role")):
        response = admin.patch(f"/api/users/{me}", json=payload)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert admin.get("/api/session").status_code == 200


# --- passwords -------------------------------------------------------------------------------------------------

def test_a_reset_password_is_shown_once_ends_the_sessions_and_must_be_changed_first(app, admin, duty, client_for):
    psb = client_for("psb")
    start = last_seq(duty)
    reset = admin.post(f"/api/users/{psb.user['id']}/password-reset")
    assert reset.status_code == 200
    temporary = reset.get_json()["temporary_password"]
    assert len(temporary) >= 12
    assert psb.get("/api/tasks").status_code == 401  # signed out everywhere
    (event,) = events_since(duty, start)
    assert event["type"] == "user.password_reset" and event["data"]["username"] == "psb"
    assert temporary not in json.dumps(event)
    assert client_for().client.post("/api/session", json={"username": "psb", "password": PASSWORD}).status_code == 401

    psb = client_for()
    psb.login("psb", temporary)
    session = psb.get("/api/session").get_json()
    assert session["must_change_password"] is True and session["user"]["must_change_password"] is True
    for method, path in (("get", "/api/tasks"), ("get", "/api/units"), ("post", "/api/tokens")):
        refused = getattr(psb, method)(path, json={"name": "x"}) if method == "post" else psb.get(path)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "password_change_required"
    weak = psb.post("/api/session/password", json={"current_password": temporary, "new_password": "password123"})
    assert weak.status_code == 422 and "new_password" in weak.get_json()["error"]["fields"]
    changed = psb.post("/api/session/password",
                       json={"current_password": temporary, "new_password": "river-lantern-autumn"})
    assert changed.status_code == 204
    psb = client_for()
    psb.login("psb", "river-lantern-autumn")
    assert psb.get("/api/session").get_json()["must_change_password"] is False
    assert psb.get("/api/tasks").status_code == 200


@pytest.mark.parametrize("password,why", [
    ("short-1", "length"),
    ("psb-is-my-password", "username"),
    ("PSB2026-winter", "username"),
    ("qwertyuiop", "common"),
    ("Password123", "common"),
    ("aaaaaaaaaaaaaa", "one letter repeated"),
])
def test_the_weakest_passwords_are_refused_wherever_a_password_is_chosen(admin, client_for, password, why):
    psb = client_for("psb")
    response = psb.post("/api/session/password", json={"current_password": PASSWORD, "new_password": password})
    assert response.status_code == 422 and "new_password" in response.get_json()["error"]["fields"], why
    created = admin.post("/api/users", json={"username": "psb2", "password": password.replace("psb", "psb2")
                                             .replace("PSB", "PSB2"), "role": "leader"})
    assert created.status_code == 422 and "password" in created.get_json()["error"]["fields"], why
    assert psb.get("/api/tasks").status_code == 200  # still signed in: nothing changed


def test_signing_out_everywhere_ends_every_session_of_the_user(client_for, duty):
    laptop, phone = client_for("psb"), client_for("psb")
    other = client_for("lvb")
    start = last_seq(duty)
    assert phone.delete(f"/api/users/{phone.user['id']}/sessions").status_code == 204
    assert laptop.get("/api/tasks").status_code == 401 and phone.get("/api/tasks").status_code == 401
    assert other.get("/api/tasks").status_code == 200
    assert events_since(duty, start) == []  # one's own sign-out is not an event
    assert other.delete(f"/api/users/{laptop.user['id']}/sessions").status_code == 403


def test_the_administrator_signs_a_user_out_everywhere_on_the_record(admin, client_for, duty):
    laptop = client_for("psb")
    start = last_seq(duty)
    assert admin.delete(f"/api/users/{laptop.user['id']}/sessions").status_code == 204
    assert laptop.get("/api/tasks").status_code == 401
    (event,) = events_since(duty, start)
    assert event["type"] == "user.signed_out" and event["data"]["sessions"] == 1


# --- the audit trail -------------------------------------------------------------------------------------------

def test_the_audit_trail_holds_administration_and_reveals_filtered_and_the_last_check(app, admin, duty, client_for):
    psb = client_for("psb")
    duty.post("/api/incidents", json=incident_payload())
    incident = duty.post("/api/incidents", json=incident_payload()).get_json()
    person = duty.post(f"/api/incidents/{incident['id']}/representatives",
                       json={"name": "Zhao Min", "id_number": "110105197505150026"}).get_json()
    duty.post(f"/api/persons/{person['person_id']}/reveal", json={"reason": "Calling the family"})
    admin.patch(f"/api/users/{psb.user['id']}", json={"unit_head": True})
    psb.post("/api/tokens", json={"name": "script"})
    trail = admin.get("/api/audit").get_json()
    assert [e["type"] for e in trail["items"]] == ["token.issued", "user.updated", "person.revealed"]
    assert trail["total"] == 3 and trail["verification"] is None
    assert [e["type"] for e in admin.get("/api/audit?type=user").get_json()["items"]] == ["user.updated"]
    assert [e["type"] for e in admin.get("/api/audit?type=user.*").get_json()["items"]] == ["user.updated"]
    assert [e["type"] for e in admin.get(f"/api/audit?actor_id={duty.user['id']}").get_json()["items"]] == [
        "person.revealed"]
    assert admin.get("/api/audit?from=2099-01-01T00:00:00%2B08:00").get_json()["total"] == 0
    assert admin.get("/api/audit?to=2000-01-01").get_json()["total"] == 0
    bad = admin.get("/api/audit?from=yesterday")
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]
    for who in ("duty", "leader", "psb"):
        assert client_for(who).get("/api/audit").status_code == 403

    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    verification = admin.get("/api/audit").get_json()["verification"]
    assert verification["holds"] is True and verification["verified"] == last_seq(duty)
    assert verification["ran_at"]
    again = admin.post("/api/audit/verify")
    assert again.status_code == 200 and again.get_json()["holds"] is True


def test_a_user_who_must_change_their_password_meets_the_form_on_every_page(admin, client_for):
    psb = client_for("psb")
    temporary = admin.post(f"/api/users/{psb.user['id']}/password-reset").get_json()["temporary_password"]
    psb = client_for()
    psb.login("psb", temporary)
    for path in ("/", "/queue", "/board"):
        response = psb.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/password")
    form = psb.get("/password?lang=en").get_data(as_text=True)
    assert "choose your own before you go on" in form and 'id="new-password"' in form
    assert "请先设置您自己的密码" in psb.get("/password?lang=zh").get_data(as_text=True)


@pytest.mark.parametrize("language,heading", [("en", "Audit trail"), ("zh", "审计记录")])
def test_the_administration_page_is_the_administrators_and_named_in_the_nav_for_them_alone(client_for, language,
                                                                                          heading):
    page = client_for("admin").get(f"/admin?lang={language}")
    assert page.status_code == 200 and heading in page.get_data(as_text=True)
    assert 'href="/admin"' in page.get_data(as_text=True)
    for who in ("duty", "leader"):
        board = client_for(who).get("/board").get_data(as_text=True)
        assert 'href="/admin"' not in board
        assert client_for(who).get("/admin").status_code == 403
