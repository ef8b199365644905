"""Signing in and out, sessions that really end, CSRF, tokens, rate limits, users."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from dispatch.auth.models import UserSession
from dispatch.db import db, utcnow

from .support import PASSWORD, another_app, incident_payload


def test_sign_in_returns_the_user_and_a_csrf_token(client_for):
    client = client_for()
    response = client.post("/api/session", json={"username": "duty", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["username"] == "duty" and body["user"]["role"] == "command"
    assert body["csrf_token"]
    assert client.get("/api/session").get_json()["user"]["id"] == body["user"]["id"]


def test_session_cookie_is_httponly_and_samesite_lax(client_for):
    response = client_for().post("/api/session", json={"username": "duty", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only when configured (SESSION_COOKIE_SECURE)


@pytest.mark.parametrize("username,password", [("duty", "wrong-password"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_401_and_say_nothing_more(client_for, username, password):
    response = client_for().post("/api/session", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_anonymous_requests_are_401(anonymous):
    assert anonymous.get("/api/session").status_code == 401
    assert anonymous.get("/api/incidents").status_code == 401
    assert anonymous.post("/api/incidents", json=incident_payload()).status_code == 401


def test_unsafe_request_without_csrf_header_is_refused_and_changes_nothing(duty):
    response = duty.client.post("/api/incidents", json=incident_payload())
    assert response.status_code == 403
    assert "X-CSRF-Token" in response.get_json()["error"]["fields"]
    assert duty.get("/api/incidents").get_json()["total"] == 0


def test_sign_out_ends_the_session_on_the_server(app, duty):
    stolen_cookie = duty.client.get_cookie("dispatch_session").value
    assert duty.delete("/api/session").status_code == 204
    assert duty.get("/api/session").status_code == 401
    replay = app.test_client()
    replay.set_cookie("dispatch_session", stolen_cookie)
    assert replay.get("/api/session").status_code == 401


def test_each_sign_in_gets_a_new_session(client_for):
    client = client_for("duty")
    first = client.client.get_cookie("dispatch_session").value
    client.login("duty")
    assert client.client.get_cookie("dispatch_session").value != first


def test_changing_the_password_ends_every_session_of_that_user(client_for):
    laptop, desk = client_for("duty"), client_for("duty")
    response = laptop.post("/api/session/password",
                           json={"current_password": PASSWORD, "new_password": "a-new-long-password"})
    assert response.status_code == 204
    assert laptop.get("/api/session").status_code == 401
    assert desk.get("/api/session").status_code == 401
    fresh = client_for()
    assert fresh.client.post("/api/session", json={"username": "duty", "password": PASSWORD}).status_code == 401
    fresh.login("duty", "a-new-long-password")


def test_wrong_current_password_changes_nothing(client_for):
    client = client_for("duty")
    response = client.post("/api/session/password",
                           json={"current_password": "nope-nope", "new_password": "a-new-long-password"})
    assert response.status_code == 422 and "current_password" in response.get_json()["error"]["fields"]
    assert client.get("/api/session").status_code == 200


def test_admin_disabling_a_user_signs_them_out_everywhere(client_for):
    liaison, admin = client_for("psb"), client_for("admin")
    response = admin.patch(f"/api/users/{liaison.user['id']}", json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert liaison.get("/api/session").status_code == 401
    assert client_for().client.post("/api/session", json={"username": "psb", "password": PASSWORD}).status_code == 401


def test_only_an_admin_manages_users(client_for):
    duty = client_for("duty")
    assert duty.get("/api/users").status_code == 403
    assert duty.patch("/api/users/1", json={"active": False}).status_code == 403


@pytest.mark.parametrize("field,minutes", [("last_seen_at", 8 * 60 + 1), ("created_at", 25 * 60)])
def test_sessions_expire_after_idle_and_absolute_time(app, client_for, field, minutes):
    client = client_for("duty")
    with app.app_context():
        row = db.session.scalars(select(UserSession)).one()
        setattr(row, field, utcnow() - timedelta(minutes=minutes))
        db.session.commit()
        db.session.remove()
    assert client.get("/api/session").status_code == 401


def test_an_api_token_acts_as_its_user_without_csrf(app, client_for):
    duty = client_for("duty")
    response = duty.post("/api/tokens", json={"name": "hotline intake"})
    assert response.status_code == 201 and response.get_json()["user_id"] == duty.user["id"]
    token = response.get_json()["token"]
    system = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    created = system.post("/api/incidents", json=incident_payload(), headers=headers)
    assert created.status_code == 201
    assert system.get("/api/incidents", headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def sign_in_from(app, address: str, username: str, password: str = "bad-bad-bad", **environ):
    client = app.test_client()
    return client.post("/api/session", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address, **environ})


def test_guessing_one_username_from_many_addresses_is_slowed_then_the_owner_gets_back_in(app):
    codes = [sign_in_from(app, f"198.51.100.{n}", "duty").status_code for n in range(6)]
    assert codes == [401] * 5 + [429]  # the fifth failure made the username wait, whatever the address
    refused = sign_in_from(app, "203.0.113.9", "duty", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["error"]["fields"] == {"username": ["请稍候再试。"]}  # Chinese unless asked otherwise
    # a delay of seconds, not a lock: once the clock has passed it (moved, not waited for), the owner is in
    with time_machine.travel(time.time() + int(refused.headers["Retry-After"]) + 0.1, tick=True):
        assert sign_in_from(app, "203.0.113.9", "duty", PASSWORD).status_code == 200
        assert sign_in_from(app, "203.0.113.9", "duty").status_code == 401  # and the count starts again


def test_the_wait_for_a_guessed_username_grows_with_each_failure(app):
    from dispatch.auth.throttle import Rule, delay_after

    rule = Rule("username", free=5, max_delay=60)
    assert [delay_after(n, rule) for n in (1, 4, 5, 6, 7, 10, 11, 30)] == [0, 0, 1, 2, 4, 32, 60, 60]


def test_failures_at_one_username_from_a_shared_office_address_do_not_lock_out_colleagues(app):
    office = "10.20.30.40"
    assert {sign_in_from(app, office, "duty").status_code for _ in range(8)} == {401, 429}
    for colleague in ("leader", "psb", "lvb"):
        assert sign_in_from(app, office, colleague, PASSWORD).status_code == 200


def test_one_address_trying_many_usernames_is_slowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FREE_FAILURES_PER_ADDRESS", 3)
    codes = [sign_in_from(app, "192.0.2.1", f"user{n}").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    assert sign_in_from(app, "192.0.2.2", "user9").status_code == 401  # another address is not slowed


@pytest.mark.parametrize("hops,second_address_code", [(1, 401), (0, 429)])
def test_behind_the_reverse_proxy_the_client_address_comes_from_x_forwarded_for(app, hops, second_address_code):
    with another_app(app.config["DATABASE_URL"], PROXY_HOPS=hops, LOGIN_FREE_FAILURES_PER_ADDRESS=2) as proxied:
        def attempt(client_address, username):
            return sign_in_from(proxied, "127.0.0.1", username, HTTP_X_FORWARDED_FOR=client_address).status_code

        assert [attempt("203.0.113.7", f"user{n}") for n in range(3)] == [401, 401, 429]
        assert attempt("203.0.113.8", "user9") == second_address_code


def test_users_create_command_adds_a_user_who_can_sign_in(app, client_for):
    result = app.test_cli_runner().invoke(args=["users", "create", "zhang", "--role", "liaison", "--unit", "PSB",
                                                "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    client = client_for()
    client.login("zhang", "long-enough-pw")
    assert client.user["unit"]["code"] == "PSB"


def test_units_are_listed_with_code_name_and_kind(client_for):
    body = client_for("psb").get("/api/units").get_json()
    codes = {unit["code"]: unit["kind"] for unit in body["items"]}
    assert body["total"] == 12
    assert codes["CC"] == "command" and codes["PSB"] == "department" and codes["TWN-E"] == "township"


def test_a_browser_that_signed_in_before_passes_while_the_name_is_guessed_from_many_addresses(app):
    office, other = app.test_client(), app.test_client()
    for browser, username in ((office, "duty"), (other, "leader")):
        signed_in = browser.post("/api/session", json={"username": username, "password": PASSWORD},
                                 environ_base={"REMOTE_ADDR": "10.0.0.5"})
        cookie = next(value for value in signed_in.headers.getlist("Set-Cookie") if value.startswith("dispatch_device="))
        assert "HttpOnly" in cookie and "Path=/api/session" in cookie and "SameSite=Lax" in cookie
    assert [sign_in_from(app, f"198.51.100.{n}", "duty").status_code for n in range(6)] == [401] * 5 + [429]

    def duty_from(browser, address):
        return browser.post("/api/session", json={"username": "duty", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": address}).status_code

    assert duty_from(office, "203.0.113.50") == 200  # the duty officer's own browser, from anywhere
    assert duty_from(other, "203.0.113.51") == 429  # a browser known for another name is new to this one
    assert sign_in_from(app, "203.0.113.52", "duty", PASSWORD).status_code == 429  # and so is a new address


def test_a_name_guessed_across_addresses_past_the_wider_net_waits_everywhere_but_in_its_known_browsers(
        app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FREE_FAILURES_ACROSS_ADDRESSES", 3)
    known = app.test_client()
    assert known.post("/api/session", json={"username": "duty", "password": PASSWORD}).status_code == 200
    codes = [sign_in_from(app, address, "duty").status_code for address in ("192.0.2.10", "192.0.2.10", "192.0.2.11")]
    assert codes == [401, 401, 401]  # the third failure across addresses is the net's last free one
    assert sign_in_from(app, "192.0.2.10", "duty", PASSWORD).status_code == 429  # a failing address waits
    assert sign_in_from(app, "192.0.2.99", "duty", PASSWORD).status_code == 429  # and, past the net, a new one
    assert known.post("/api/session", json={"username": "duty", "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200  # the known browser never
