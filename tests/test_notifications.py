"""The sender against real components, each its own process: an SMS gateway (tests/sms_gateway.py) that records
what it receives, refuses or is down, and checks DingTalk's signature; an SMTP server (aiosmtpd). A notification
is sent with one key however often it is tried, retried with growing delays, and `failed` with the reason."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.db import db
from dispatch.duty import sender
from dispatch.duty.models import Notification

from .duty_support import GatewayProcess, SmtpProcess, set_contacts, set_robots, wait_for
from .test_task_support import dispatch, events_of, new_incident, unit_ids

# real processes (the gateway, the SMTP server) keep the real clock: DingTalk's signature carries the time
pytestmark = pytest.mark.servers

SECRET = "SEC0123456789abcdef"


@pytest.fixture
def gateway(tmp_path):
    process = GatewayProcess(tmp_path, dingtalk_secret=SECRET)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def smtp(tmp_path):
    process = SmtpProcess(tmp_path)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def wired(app, ctx, gateway, smtp):
    """The server's settings pointed at the real gateway and SMTP server; PSB's liaison reachable both ways."""
    saved = {k: app.config[k] for k in ("DISPATCH_SMS_URL", "DISPATCH_SMTP_URL", "NOTIFY_RETRY_SECONDS",
                                         "NOTIFY_ATTEMPTS", "NOTIFY_TIMEOUT_SECONDS")}
    app.config.update(DISPATCH_SMS_URL=f"{gateway.url}/sms", DISPATCH_SMTP_URL=smtp.url, NOTIFY_RETRY_SECONDS=0.05,
                      NOTIFY_ATTEMPTS=3, NOTIFY_TIMEOUT_SECONDS=2)
    set_contacts("psb", phone="13800000001", email="psb@county.example")
    yield app
    app.config.update(saved)


def deliver_all(max_passes: int = 200) -> list[Notification]:
    """Run the sender's passes (as its background loop does) until nothing is pending."""
    def settled():
        sender.send_due()
        db.session.expire_all()
        return db.session.query(Notification).filter_by(status="pending").count() == 0
    wait_for(settled, "every notification to be sent or failed", timeout=30, every=0.02)
    return db.session.query(Notification).order_by(Notification.id).all()


def test_a_dispatch_reaches_the_on_duty_by_sms_and_email_with_one_key_each(wired, duty, gateway, smtp):
    units = unit_ids(duty)
    incident = new_incident(duty, level="IV")
    task = dispatch(duty, incident["id"], units["PSB"], title="维护现场秩序")
    rows = deliver_all()
    assert {(row.channel, row.status, row.attempts) for row in rows} == {("sms", "sent", 1), ("email", "sent", 1)}
    [sms] = gateway.accepted("/sms")
    sms_row = next(row for row in rows if row.channel == "sms")
    assert sms["key"] == sms["body"]["key"] == sms_row.key
    assert sms["body"]["phone"] == "13800000001"
    assert sms["body"]["text"].startswith("【指挥中心】" + incident["ref"]) and "维护现场秩序" in sms["body"]["text"]
    [mail] = smtp.messages()
    assert mail["To"] == "psb@county.example" and mail["X-Dispatch-Key"] == next(
        row.key for row in rows if row.channel == "email")
    sent = events_of(duty, "notification.sent")
    assert {tuple(sorted(e["data"])) for e in sent} == {
        ("channel", "kind", "notification_id", "recipient_user_id", "step")}
    assert {e["task_id"] for e in sent} == {task["id"]}
    assert "13800000001" not in str(sent) and "psb@county.example" not in str(sent)
    listed = duty.get(f"/api/notifications?task_id={task['id']}&status=sent").get_json()
    assert listed["total"] == 2 and all(n["sent_at"] and n["error"] is None for n in listed["items"])


def test_a_refusing_gateway_is_tried_again_with_the_same_key_then_failed_with_the_reason(wired, duty, gateway):
    wired.config["DISPATCH_SMTP_URL"] = None
    gateway.refuse()
    units = unit_ids(duty)
    task = dispatch(duty, new_incident(duty, level="IV")["id"], units["PSB"])  # the dispatcher gets 201 all the same
    [row] = deliver_all()
    assert (row.status, row.attempts) == ("failed", 3) and row.error.startswith("HTTP 500")
    tries = gateway.requests("/sms")
    assert len(tries) == 3 and {t["key"] for t in tries} == {row.key}
    [failed] = events_of(duty, "notification.failed")
    assert failed["data"] == {"notification_id": row.id, "kind": "task", "channel": "sms",
                              "recipient_user_id": row.recipient_user_id, "step": 0}
    listed = duty.get(f"/api/notifications?task_id={task['id']}&status=failed").get_json()["items"]
    assert listed[0]["error"].startswith("HTTP 500") and listed[0]["attempts"] == 3


def test_a_gateway_that_is_down_is_retried_and_delivers_once_when_it_is_back(wired, duty, gateway):
    wired.config.update(DISPATCH_SMTP_URL=None, NOTIFY_ATTEMPTS=50)
    gateway.stop()
    units = unit_ids(duty)
    dispatch(duty, new_incident(duty, level="IV")["id"], units["PSB"])
    wait_for(lambda: sender.send_due() or db.session.query(Notification).filter(
        Notification.attempts >= 2).count(), "two refused tries")
    db.session.expire_all()
    row = db.session.query(Notification).one()
    assert row.status == "pending" and row.error.startswith("cannot connect")
    gateway.start()
    [row] = deliver_all()
    assert row.status == "sent" and [t["key"] for t in gateway.accepted()] == [row.key]


def test_a_units_dingtalk_robot_gets_a_signed_message_and_a_wrong_secret_is_refused(wired, duty, gateway):
    wired.config.update(DISPATCH_SMS_URL=None, DISPATCH_SMTP_URL=None, NOTIFY_ATTEMPTS=1)
    units = unit_ids(duty)
    set_robots("PSB", dingtalk=f"{gateway.url}/robot/send?access_token=psb", dingtalk_secret=SECRET)
    set_robots("LVB", dingtalk=f"{gateway.url}/robot/send?access_token=lvb", dingtalk_secret="not-the-secret")
    incident = new_incident(duty, level="IV")
    dispatch(duty, incident["id"], units["PSB"])
    dispatch(duty, incident["id"], units["LVB"])
    rows = deliver_all()
    assert [(row.recipient_name, row.channel, row.status) for row in rows] == [
        ("公安局", "dingtalk", "sent"), ("信访局", "dingtalk", "failed")]
    assert "310000" in rows[1].error
    signed = {r["token"]: r["signed"] for r in gateway.requests("/robot/send")}
    assert signed == {"psb": True, "lvb": False}
    assert gateway.requests("/robot/send")[0]["body"]["msgtype"] == "text"


def test_a_wecom_robot_is_sent_the_text(wired, duty, gateway):
    wired.config.update(DISPATCH_SMS_URL=None, DISPATCH_SMTP_URL=None)
    set_robots("PSB", wecom=f"{gateway.url}/cgi-bin/webhook/send?key=psb")
    dispatch(duty, new_incident(duty, level="IV")["id"], unit_ids(duty)["PSB"])
    [row] = deliver_all()
    assert row.status == "sent"
    [received] = gateway.accepted("/cgi-bin/webhook/send")
    assert received["body"]["text"]["content"].startswith("【指挥中心】")


@pytest.mark.parametrize("attempts, seconds", [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (9, 60)])
def test_retries_wait_longer_each_time_the_first_within_5_s_never_more_than_60_s(app, ctx, attempts, seconds):
    assert sender.retry_delay(attempts) == timedelta(seconds=seconds)
