"""Administration is on the record: users and tokens change only with an event everyone sees, never a secret."""
from __future__ import annotations

import json

import pytest

from .support import PASSWORD


def events_of(client, after: int = 0) -> list[dict]:
    return client.get(f"/api/events?after={after}").get_json()["items"]


def last_seq(client) -> int:
    return client.get("/api/events?limit=1").get_json()["last_seq"]


def assert_no_secret(events, *secrets):
    text = json.dumps(events)
    for secret in secrets:
        assert secret not in text
    assert "password" not in text and "hash" not in text.replace('"hash"', "")


def test_creating_disabling_and_enabling_a_user_appends_events_everyone_sees(client_for):
    admin, duty = client_for("admin"), client_for("duty")
    start = last_seq(duty)
    created = admin.post("/api/users", json={"username": "zhao", "password": "long-enough-pw", "role": "liaison",
                                             "unit_code": "PSB"}).get_json()
    assert admin.patch(f"/api/users/{created['id']}", json={"active": False}).status_code == 200
    assert admin.patch(f"/api/users/{created['id']}", json={"active": False}).status_code == 200  # no change
    assert admin.patch(f"/api/users/{created['id']}", json={"active": True}).status_code == 200
    events = events_of(duty, start)
    assert [e["type"] for e in events] == ["user.created", "user.disabled", "user.enabled"]
    assert all(e["actor"]["role"] == "admin" and e["data"]["user_id"] == created["id"] for e in events)
    assert events[0]["data"] == {"user_id": created["id"], "username": "zhao", "display_name": "zhao",
                                 "role": "liaison", "unit_id": created["unit_id"]}
    assert events[0]["unit_id"] == created["unit_id"]
    assert_no_secret(events, "long-enough-pw")


def test_the_server_command_line_creates_users_on_the_record_too(app, duty):
    start = last_seq(duty)
    result = app.test_cli_runner().invoke(args=["users", "create", "li", "--role", "leader",
                                                "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    (event,) = events_of(duty, start)
    assert event["type"] == "user.created" and event["actor"] is None and event["data"]["role"] == "leader"


def test_a_user_issues_a_token_for_themself_and_command_sees_it(client_for):
    psb, duty = client_for("psb"), client_for("duty")
    start = last_seq(duty)
    issued = psb.post("/api/tokens", json={"name": "unit reporting script"})
    assert issued.status_code == 201
    secret = issued.get_json()["token"]
    (event,) = events_of(duty, start)
    assert event["type"] == "token.issued" and event["actor"]["name"] == psb.user["display_name"]
    assert event["data"] == {"token_id": issued.get_json()["id"], "name": "unit reporting script",
                             "user_id": psb.user["id"], "username": "psb", "role": "liaison"}
    assert_no_secret([event], secret)


@pytest.mark.parametrize("issuer", ["duty", "leader", "hrss"])
def test_only_the_admin_issues_a_token_that_acts_as_another_user(client_for, issuer):
    client, duty = client_for(issuer), client_for("duty")
    start = last_seq(duty)
    target = client_for("psb").user["id"]
    refused = client.post("/api/tokens", json={"user_id": target, "name": "act as the liaison"})
    assert refused.status_code == 403 and "user_id" in refused.get_json()["error"]["fields"]
    assert events_of(duty, start) == []


def test_tokens_are_listed_without_secrets_own_for_users_every_one_for_the_admin(client_for):
    psb, duty, admin = client_for("psb"), client_for("duty"), client_for("admin")
    psb_token = psb.post("/api/tokens", json={"name": "script"}).get_json()
    duty.post("/api/tokens", json={"name": "hotline"})
    mine = psb.get("/api/tokens").get_json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == psb_token["id"]
    assert set(mine["items"][0]) == {"id", "user_id", "username", "name", "created_at", "revoked", "revoked_at"}
    every = admin.get("/api/tokens").get_json()
    assert every["total"] == 2 and {row["username"] for row in every["items"]} == {"psb", "duty"}
    assert psb_token["token"] not in json.dumps(every)


@pytest.mark.parametrize("revoker", ["psb", "admin"])
def test_a_revoked_token_stops_working_at_once_and_the_revocation_is_recorded(app, client_for, revoker):
    psb, duty = client_for("psb"), client_for("duty")
    issued = psb.post("/api/tokens", json={"name": "script"}).get_json()
    bearer = {"Authorization": f"Bearer {issued['token']}"}
    system = app.test_client()
    assert system.get("/api/tasks", headers=bearer).status_code == 200
    start = last_seq(duty)
    assert client_for(revoker).delete(f"/api/tokens/{issued['id']}").status_code == 204
    assert system.get("/api/tasks", headers=bearer).status_code == 401
    (event,) = events_of(duty, start)
    assert event["type"] == "token.revoked" and event["data"]["token_id"] == issued["id"]
    assert event["actor"]["role"] == ("liaison" if revoker == "psb" else "admin")
    listed = psb.get("/api/tokens").get_json()["items"][0]
    assert listed["revoked"] is True and listed["revoked_at"]
    # a second revoke is done already: the same answer, nothing more on the record
    assert client_for(revoker).delete(f"/api/tokens/{issued['id']}").status_code == 204
    assert len(events_of(duty, start)) == 1


@pytest.mark.parametrize("other", ["duty", "lvb", "leader"])
def test_another_users_token_cannot_be_revoked_by_anyone_but_the_admin(client_for, other):
    issued = client_for("psb").post("/api/tokens", json={"name": "script"}).get_json()
    assert client_for(other).delete(f"/api/tokens/{issued['id']}").status_code == 403
    assert client_for("duty").delete("/api/tokens/999999").status_code == 404


def test_signing_in_and_out_is_not_an_event(client_for):
    duty = client_for("duty")
    start = last_seq(duty)
    client_for("psb").delete("/api/session")
    client_for().client.post("/api/session", json={"username": "leader", "password": PASSWORD})
    assert events_of(duty, start) == []


def test_a_token_the_admin_issues_for_a_user_is_on_the_record_and_the_holder_sees_and_revokes_it(client_for):
    admin, psb, duty = client_for("admin"), client_for("psb"), client_for("duty")
    start = last_seq(duty)
    issued = admin.post("/api/tokens", json={"user_id": psb.user["id"], "name": "township reporting"})
    assert issued.status_code == 201
    (event,) = [e for e in events_of(duty, start) if e["type"] == "token.issued"]
    assert event["actor"]["role"] == "admin" and event["data"]["username"] == "psb"
    assert [t["id"] for t in psb.get("/api/tokens").get_json()["items"]] == [issued.get_json()["id"]]
    assert psb.delete(f"/api/tokens/{issued.get_json()['id']}").status_code == 204


# -- tokens, round two (issue 24, finding 5) --------------------------------------------

def bearer_client(app, secret: str):
    """A client holding only a token (no cookie, no CSRF header)."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.mark.parametrize("holder, body", [("psb", {"name": "child"}), ("admin", {"user_id": None, "name": "child"})])
def test_a_token_cannot_issue_tokens(app, client_for, holder, body):
    owner = client_for(holder)
    parent = owner.post("/api/tokens", json={"name": "parent"}).get_json()
    through_token = bearer_client(app, parent["token"])
    start = last_seq(owner)
    if body.get("user_id", 0) is None:
        body = {**body, "user_id": client_for("duty").user["id"]}
    refused = through_token.post("/api/tokens", json=body, headers={"Accept-Language": "en"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == ("An API token cannot issue tokens: sign in with your "
                                                      "password to issue one.")
    assert last_seq(owner) == start  # nothing issued, nothing recorded
    assert [t["name"] for t in owner.get("/api/tokens").get_json()["items"] if t["user_id"] == owner.user["id"]] \
        == ["parent"]


def test_disabling_a_user_revokes_their_tokens_for_good(app, client_for):
    admin, duty = client_for("admin"), client_for("duty")
    psb = client_for("psb")
    own = psb.post("/api/tokens", json={"name": "script"}).get_json()
    given = admin.post("/api/tokens", json={"user_id": psb.user["id"], "name": "township reporting"}).get_json()
    assert bearer_client(app, own["token"]).get("/api/session").status_code == 200
    start = last_seq(duty)
    assert admin.patch(f"/api/users/{psb.user['id']}", json={"active": False}).status_code == 200
    assert admin.patch(f"/api/users/{psb.user['id']}", json={"active": True}).status_code == 200
    for token in (own, given):  # enabling the user again brings back none of them
        assert bearer_client(app, token["token"]).get("/api/session").status_code == 401
    events = events_of(duty, start)
    assert [(e["type"], e["data"].get("token_id")) for e in events] == [
        ("user.disabled", None), ("token.revoked", own["id"]), ("token.revoked", given["id"]), ("user.enabled", None)]
    listed = admin.get("/api/tokens").get_json()["items"]
    assert all(t["revoked"] for t in listed if t["id"] in (own["id"], given["id"]))
    assert admin.delete(f"/api/tokens/{own['id']}").status_code == 204  # revoked already: nothing appended
    assert len(events_of(duty, start)) == 4
    assert client_for("psb").post("/api/tokens", json={"name": "new"}).status_code == 201  # a new one, on the record


def test_the_administrator_acting_through_a_token_issued_for_someone_else_is_named_acting_for_them(app, client_for):
    from .support import incident_payload

    admin, duty = client_for("admin"), client_for("duty")
    for_duty = admin.post("/api/tokens", json={"user_id": duty.user["id"], "name": "hotline intake"}).get_json()
    own = duty.post("/api/tokens", json={"name": "wall screen"}).get_json()
    start = last_seq(duty)
    through_admins = bearer_client(app, for_duty["token"]).post("/api/incidents", json=incident_payload())
    assert through_admins.status_code == 201  # the duty officer's permissions
    through_own = bearer_client(app, own["token"]).post("/api/incidents", json=incident_payload())
    assert through_own.status_code == 201
    by_admin, by_duty = events_of(duty, start)
    assert by_admin["actor"] == {"id": admin.user["id"], "name": admin.user["display_name"], "role": "admin"}
    assert by_admin["data"]["on_behalf_of"] == {"id": duty.user["id"], "name": duty.user["display_name"],
                                                "role": "command"}
    assert by_duty["actor"]["id"] == duty.user["id"] and "on_behalf_of" not in by_duty["data"]
