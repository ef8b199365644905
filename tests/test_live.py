"""The live stream in process (Flask-SocketIO's test client): who may connect, what is pushed, resume, sign-out.

Origin checks and real concurrent clients need a real server: tests/test_live_servers.py.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.auth.models import UserSession
from dispatch.db import db
from dispatch.errors import Invalid
from dispatch.events import unit_of_work
from realtime import follower, socketio

from .support import incident_payload


def socket_of(app, api_client, **kwargs):
    """A Socket.IO test client carrying that API client's cookies (its login session)."""
    return socketio.test_client(app, flask_test_client=api_client.client, **kwargs)


def pushed(socket, name="event"):
    return [message["args"][0] for message in socket.get_received() if message["name"] == name]


def register(duty, **overrides):
    response = duty.post("/api/incidents", json=incident_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def logged_events(api_client, after=0):
    return api_client.get(f"/api/events?after={after}").get_json()["items"]


# -- who may connect ---------------------------------------------------------

@pytest.mark.parametrize("username", ["duty", "leader", "psb", "admin"])
def test_every_signed_in_role_may_connect(app, client_for, username):
    assert socket_of(app, client_for(username)).is_connected()


def test_anonymous_connection_is_refused(app, anonymous):
    assert not socket_of(app, anonymous).is_connected()


def test_forged_session_cookie_is_refused(app, anonymous):
    anonymous.client.set_cookie(app.config["SESSION_COOKIE_NAME"], "eyJzaWQiOiJmb3JnZWQifQ.forged.signature")
    assert not socket_of(app, anonymous).is_connected()


def test_expired_session_is_refused(app, client_for):
    psb = client_for("psb")
    with app.app_context():
        idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
        for row in db.session.query(UserSession).all():
            row.last_seen_at -= idle
        db.session.commit()
    assert not socket_of(app, psb).is_connected()


def test_api_token_connects_and_a_bogus_one_is_refused(app, client_for, anonymous):
    admin = client_for("admin")
    created = admin.post("/api/tokens", json={"user_id": admin.user["id"], "name": "county dashboard"})
    assert created.status_code == 201, created.get_json()
    assert socket_of(app, anonymous, auth={"token": created.get_json()["token"]}).is_connected()
    assert not socket_of(app, anonymous, auth={"token": "not-a-token"}).is_connected()


# -- what is pushed ----------------------------------------------------------

def test_every_signed_in_client_receives_each_committed_event_once(app, duty, client_for):
    sockets = [socket_of(app, client_for(name)) for name in ("leader", "psb", "admin")]
    register(duty, title="Blockade at the county gate")
    logged = logged_events(duty)
    assert [event["type"] for event in logged] == ["incident.registered"]
    for socket in sockets:
        assert pushed(socket) == logged  # once, in the one form of the log


def test_a_commit_with_several_events_pushes_them_in_seq_order(app, ctx, duty, leader):
    socket = socket_of(app, leader)
    with unit_of_work() as uow:
        for n in range(3):
            uow.append_event("incident.updated", data={"changes": {"n": n}})
    seqs = [event["seq"] for event in pushed(socket)]
    assert seqs == [1, 2, 3]


def test_a_rolled_back_transaction_pushes_nothing(app, ctx, leader):
    socket = socket_of(app, leader)
    with pytest.raises(Invalid):
        with unit_of_work() as uow:
            uow.append_event("incident.updated", data={"changes": {"title": "never"}})
            raise Invalid("refused half way")
    assert pushed(socket) == []
    assert logged_events(leader) == []


def test_a_refused_edit_pushes_nothing(app, duty, leader):
    incident = register(duty)
    socket = socket_of(app, leader)
    stale = duty.patch(f"/api/incidents/{incident['id']}", json={"version": 99, "title": "Stale edit"})
    assert stale.status_code == 409
    forbidden = leader.patch(f"/api/incidents/{incident['id']}", json={"version": 1, "title": "Not mine"})
    assert forbidden.status_code == 403
    assert pushed(socket) == []


def test_pushes_are_one_encoded_frame_per_kind(app, duty, client_for, monkeypatch):
    for name in ("leader", "psb", "lvb"):
        socket_of(app, client_for(name))
    socket_of(app, client_for("hrss"), auth={"frames": "batch"})
    sent, encoded = [], []
    fan_out = follower.fan_out
    monkeypatch.setattr(follower, "fan_out", lambda server, name, data, room, chunk=0: sent.append((name, room))
                        or fan_out(server, name, data, room, chunk))
    encode = socketio.server.packet_class.encode
    monkeypatch.setattr(socketio.server.packet_class, "encode", lambda packet: encoded.append(packet) or encode(packet))
    register(duty)
    # to every batch client and to every per-event client, each frame encoded once whatever the sockets
    assert sent == [("events", "frames:batch"), ("event", "frames:each")]
    assert len(encoded) == 2


def test_a_batch_client_gets_each_commit_as_one_events_frame_in_seq_order(app, ctx, leader):
    batch = socket_of(app, leader, auth={"frames": "batch"})
    each = socket_of(app, leader)
    for commit in range(2):
        with unit_of_work() as uow:
            for n in range(3):
                uow.append_event("incident.updated", data={"changes": {"commit": commit, "n": n}})
    frames = pushed(batch, "events")
    assert [[event["seq"] for event in frame] for frame in frames] == [[1, 2, 3], [4, 5, 6]]
    assert pushed(batch) == []  # no single `event` besides the frames
    assert [event["seq"] for event in pushed(each)] == [1, 2, 3, 4, 5, 6]
    assert [event for frame in frames for event in frame] == logged_events(leader)


# -- resume ------------------------------------------------------------------

def test_resume_replays_what_came_after_in_order_then_acknowledges_the_last_seq(app, duty, leader):
    for n in range(4):
        register(duty, title=f"Gathering {n}")
    socket = socket_of(app, leader)
    ack = socket.emit("resume", {"after": 1}, callback=True)
    replayed = pushed(socket)
    assert [event["seq"] for event in replayed] == [2, 3, 4]
    assert replayed == logged_events(leader, after=1)
    assert ack == {"last_seq": 4}


def test_resume_when_up_to_date_sends_nothing(app, duty, leader):
    register(duty)
    socket = socket_of(app, leader)
    assert socket.emit("resume", {"after": 1}, callback=True) == {"last_seq": 1}
    assert pushed(socket) == []


def test_a_batch_client_catches_up_in_pages_of_frames(app, ctx, leader, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_PAGE_SIZE", 4)
    with unit_of_work() as uow:
        for n in range(10):
            uow.append_event("incident.updated", data={"changes": {"n": n}})
    socket = socket_of(app, leader, auth={"frames": "batch"})
    assert socket.emit("resume", {"after": 1}, callback=True) == {"last_seq": 10}
    frames = pushed(socket, "events")
    assert [[event["seq"] for event in frame] for frame in frames] == [[2, 3, 4, 5], [6, 7, 8, 9], [10]]
    assert [event for frame in frames for event in frame] == logged_events(leader, after=1)


@pytest.mark.parametrize("after", [0, 99], ids=["too-far-behind", "ahead-of-the-log"])
def test_resume_beyond_what_can_be_replayed_asks_for_a_reload(app, duty, leader, monkeypatch, after):
    monkeypatch.setitem(app.config, "RESUME_MAX_GAP", 2)
    for _ in range(3):
        register(duty)
    socket = socket_of(app, leader)
    assert socket.emit("resume", {"after": after}, callback=True) == {"reload": True}
    assert pushed(socket) == []


@pytest.mark.parametrize("event,body,field", [
    ("resume", {"after": -1}, "after"),
    ("resume", {"after": "3"}, "after"),
    ("resume", {"after": True}, "after"),
    ("resume", {}, "after"),
    ("resume", "after", "after"),
    ("resume", None, "after"),
    ("resume", [1, 2], "after"),
    ("resume", {"after": 2**31}, "after"),
    ("resume", {"after": 1.5}, "after"),
    ("resume", {"after": 1, "limit": 5}, "limit"),
    ("watch", {"incident_id": "one"}, "incident_id"),
    ("watch", {"incident_id": 0}, "incident_id"),
    ("watch", {"incident_id": 10**40}, "incident_id"),
    ("watch", {"incident_id": 2**31}, "incident_id"),
    ("watch", None, "incident_id"),
    ("unwatch", {}, "incident_id"),
    ("unwatch", {"incident_id": -(10**40)}, "incident_id"),
])
def test_bad_socket_input_is_answered_naming_the_field(app, leader, event, body, field):
    socket = socket_of(app, leader)
    answer = socket.emit(event, body, callback=True)
    assert answer["error"]["code"] == "invalid"
    assert field in answer["error"]["fields"]
    assert socket.is_connected()


@pytest.mark.parametrize("event", ["resume", "watch", "unwatch"])
def test_a_socket_ask_without_an_argument_is_answered_naming_the_field(app, leader, event):
    socket = socket_of(app, leader)
    answer = socket.emit(event, callback=True)
    assert answer["error"]["fields"]
    assert socket.is_connected()


@pytest.mark.parametrize("auth", [{"frames": "all-at-once"}, {"frames": 1}, {"token": 5}, {"shape": "batch"}, "batch"])
def test_a_connection_with_malformed_auth_is_refused(app, leader, auth):
    assert not socket_of(app, leader, auth=auth).is_connected()


def test_watching_an_incident_is_acknowledged(app, duty, leader):
    incident = register(duty)
    socket = socket_of(app, leader)
    assert socket.emit("watch", {"incident_id": incident["id"]}, callback=True) == {"watching": incident["id"]}
    assert socket.emit("unwatch", {"incident_id": incident["id"]}, callback=True) == {"watching": None}
    missing = socket.emit("watch", {"incident_id": incident["id"] + 1000}, callback=True)
    assert missing["error"]["code"] == "not_found" and "incident_id" in missing["error"]["fields"]


# -- sign-out ends sockets ---------------------------------------------------

def test_signing_out_closes_that_sessions_sockets_only(app, client_for):
    laptop, phone = client_for("psb"), client_for("psb")
    laptop_socket, phone_socket = socket_of(app, laptop), socket_of(app, phone)
    assert laptop.delete("/api/session").status_code == 204
    assert not laptop_socket.is_connected()
    assert phone_socket.is_connected()


def test_disabling_a_user_closes_all_their_sockets(app, client_for, anonymous):
    admin, psb = client_for("admin"), client_for("psb")
    token = psb.post("/api/tokens", json={"name": "intake"}).get_json()["token"]
    by_session = socket_of(app, psb)
    by_token = socket_of(app, anonymous, auth={"token": token})
    bystander = socket_of(app, client_for("lvb"))
    assert admin.patch(f"/api/users/{psb.user['id']}", json={"active": False}).status_code == 200
    assert not by_session.is_connected() and not by_token.is_connected()
    assert bystander.is_connected()


def test_revoking_a_token_closes_the_sockets_it_opened_only(app, client_for, anonymous):
    psb = client_for("psb")
    revoked = psb.post("/api/tokens", json={"name": "intake"}).get_json()
    kept = psb.post("/api/tokens", json={"name": "dashboard"}).get_json()
    by_revoked = socket_of(app, anonymous, auth={"token": revoked["token"]})
    by_kept = socket_of(app, anonymous, auth={"token": kept["token"]})
    by_session = socket_of(app, psb)
    assert psb.delete(f"/api/tokens/{revoked['id']}").status_code == 204
    assert not by_revoked.is_connected()
    assert by_kept.is_connected() and by_session.is_connected()


@pytest.mark.parametrize("lang, message, field_text", [
    ("zh", "部分内容有误：请按各项旁的提示修改。", "必填：请发送含此字段的对象。"),
    ("en", "Some fields need correcting: see the message beside each field.", "Required: send an object with this field."),
])
def test_socket_refusals_are_in_the_connections_language_whole(app, duty, leader, lang, message, field_text):
    socket = socket_of(app, leader, headers={"Accept-Language": lang})
    assert socket.emit("resume", "after", callback=True)["error"] == {
        "code": "invalid", "message": message, "fields": {"after": [field_text]}}
    missing = socket.emit("watch", {"incident_id": 999_999}, callback=True)["error"]
    assert missing["message"] == missing["fields"]["incident_id"][0]
    assert ("没有找到该事件" if lang == "zh" else "No such incident") in missing["message"]


def test_a_connection_asking_too_many_long_catch_ups_is_told_to_wait_and_others_are_not(app, duty, leader,
                                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "RESUME_PER_MINUTE", 3)
    monkeypatch.setitem(app.config, "LIVE_PAGE_SIZE", 1)
    register(duty), register(duty)
    busy, other = socket_of(app, leader, headers={"Accept-Language": "en"}), socket_of(app, leader)
    assert [busy.emit("resume", {"after": 0}, callback=True) for _ in range(3)] == [{"last_seq": 2}] * 3
    refused = busy.emit("resume", {"after": 0}, callback=True)["error"]
    assert refused["code"] == "too_many_requests" and 1 <= refused["retry_after"] <= 61
    assert "Too many catch-ups" in refused["message"] and busy.is_connected()
    # filling a small gap (a page or less) is never refused; another connection has its own share
    assert [busy.emit("resume", {"after": 1}, callback=True) for _ in range(5)] == [{"last_seq": 2}] * 5
    assert other.emit("resume", {"after": 0}, callback=True) == {"last_seq": 2}
