"""The sender: delivers the outbox's pending notifications, off the request path, for as long as the server runs.

A pass claims a batch of due rows (locked, `SKIP LOCKED`, so two processes never take the same one) and leases
them: `next_attempt_at` moves past the time their tries can take, so a process killed mid-send leaves them to
be tried again after the lease, with the same key. The batch's tries run side by side (threads: green ones in
the server, where they only wait on the network), so a slow gateway holds a batch for one timeout, not many. Each outcome is recorded with its event
(`notification.sent`, or `notification.failed` after the last try); a refused try waits longer each time.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import events as log
from .. import personal_data
from ..auth.models import Unit, User
from ..db import db, utcnow
from . import channels
from .models import Notification

logger = logging.getLogger("dispatch.notifications")
# set by every commit that may have written notifications, so the sender does not wait for its poll
wake = threading.Event()
# the first line of the text, as an e-mail's subject
SUBJECT_LENGTH = 40
# what one try reads of the settings
SETTINGS = ("NOTIFY_TIMEOUT_SECONDS", "DISPATCH_SMS_URL", "DISPATCH_SMTP_URL", "DISPATCH_SMTP_FROM")


@dataclass
class Delivery:
    id: int
    key: str
    channel: str
    text: str
    address: str | None  # phone, e-mail or robot webhook, read at the moment of sending, kept nowhere else
    secret: str | None = None


def configured(app: Flask) -> list[str]:
    """The server-wide channels set up (the robots are per unit)."""
    return [name for name, setting in (("SMS", "DISPATCH_SMS_URL"), ("e-mail", "DISPATCH_SMTP_URL"))
            if app.config.get(setting)]


def retry_delay(attempts: int) -> timedelta:
    config = current_app.config
    seconds = config["NOTIFY_RETRY_SECONDS"] * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, config["NOTIFY_RETRY_MAX_SECONDS"]))


def _address(row: Notification) -> tuple[str | None, str | None]:
    if row.channel in ("dingtalk", "wecom"):
        unit = db.session.get(Unit, int(row.recipient.split(":", 1)[1]))
        if unit is None:
            return None, None
        if row.channel == "wecom":
            return unit.wecom_webhook, None
        secret = (personal_data.decrypt(unit.dingtalk_secret_encrypted, field="dingtalk_secret")
                  if unit.dingtalk_secret_encrypted else None)
        return unit.dingtalk_webhook, secret
    user = db.session.get(User, row.recipient_user_id)
    if user is None or not user.active:
        return None, None
    if row.channel == "sms":
        return (personal_data.decrypt(user.phone_encrypted, field="phone") if user.phone_encrypted else None), None
    return user.email, None


def claim(now: datetime, limit: int) -> list[Delivery]:
    """Due notifications, leased to this process for as long as their tries can take."""
    config = current_app.config
    # an SMTP exchange may take a few timeouts (connect, greeting, data); the tries run side by side
    lease = timedelta(seconds=config["NOTIFY_TIMEOUT_SECONDS"] * 4 + 5)
    with log.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id).limit(limit)
            .with_for_update(skip_locked=True)).all()
        out = []
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + lease
            address, secret = _address(row)
            out.append(Delivery(row.id, row.key, row.channel, row.text, address, secret))
    return out


def deliver(delivery: Delivery, config: dict) -> str | None:
    """One try; None when the channel accepted it, else the reason. Network only: `config` is handed in, so it
    runs on any thread."""
    timeout = config["NOTIFY_TIMEOUT_SECONDS"]
    if not delivery.address:
        return "no address: the person or unit has none now"
    try:
        if delivery.channel == "sms":
            if not config.get("DISPATCH_SMS_URL"):
                return "no SMS gateway configured (DISPATCH_SMS_URL)"
            channels.send_sms(config["DISPATCH_SMS_URL"], phone=delivery.address, text=delivery.text,
                              key=delivery.key, timeout=timeout)
        elif delivery.channel == "email":
            if not config.get("DISPATCH_SMTP_URL"):
                return "no SMTP server configured (DISPATCH_SMTP_URL)"
            channels.send_email(config["DISPATCH_SMTP_URL"], sender=config["DISPATCH_SMTP_FROM"],
                                to=delivery.address, subject=delivery.text[:SUBJECT_LENGTH], text=delivery.text,
                                key=delivery.key, timeout=timeout)
        elif delivery.channel == "dingtalk":
            channels.send_dingtalk(delivery.address, delivery.secret, text=delivery.text, key=delivery.key,
                                   timeout=timeout)
        else:
            channels.send_wecom(delivery.address, text=delivery.text, key=delivery.key, timeout=timeout)
    except channels.Refused as refused:
        return str(refused)
    return None


def _facts(row: Notification) -> dict:
    """What the log says of a delivery: never a phone number or an address."""
    return {"notification_id": row.id, "kind": row.kind, "channel": row.channel,
            "recipient_user_id": row.recipient_user_id, "step": row.step}


def record(outcomes: list[tuple[Delivery, str | None]], now: datetime) -> None:
    attempts = current_app.config["NOTIFY_ATTEMPTS"]
    with log.unit_of_work() as uow:
        for delivery, error in outcomes:
            row = uow.session.get(Notification, delivery.id, with_for_update=True)
            if row is None or row.status != "pending":
                continue
            if error is None:
                row.status, row.sent_at, row.error = "sent", now, None
            elif row.attempts >= attempts:
                row.status, row.error = "failed", error
            else:
                row.error, row.next_attempt_at = error, now + retry_delay(row.attempts)
                continue
            uow.append_event(f"notification.{row.status}", incident=row.incident_id, task=row.task_id,
                             unit_id=row.unit_id, data=_facts(row))


def send_due(now: datetime | None = None) -> int:
    """One pass: claim, try each, record; how many were tried."""
    now = now or utcnow()
    if db.session.scalar(select(Notification.id).where(Notification.status == "pending",
                                                       Notification.next_attempt_at <= now).limit(1)) is None:
        return 0  # a read, so an idle server never takes the write lock for nothing
    config = current_app.config
    deliveries = claim(now, config["NOTIFY_BATCH"])
    if deliveries:
        settings = {name: config.get(name) for name in SETTINGS}
        with ThreadPoolExecutor(max_workers=len(deliveries), thread_name_prefix="notify") as pool:
            errors = list(pool.map(lambda delivery: deliver(delivery, settings), deliveries))
        record(list(zip(deliveries, errors)), utcnow())
    return len(deliveries)


def run_sender(app: Flask, *, sleep: Callable[[float], object]) -> None:
    """Deliver for as long as the server runs: at once while work is due, else on a commit or the poll.

    Handed its sleep function, so nothing here imports the green-thread library."""
    log.events_committed.connect(_woken, weak=False)
    while True:
        tried = 0
        with app.app_context():
            try:
                tried = send_due()
            except SQLAlchemyError:
                logger.exception("notification pass failed")  # the database went away: the next pass catches up
            finally:
                db.session.remove()
        if tried:
            sleep(0)
            continue
        waited = 0.0
        poll = app.config["NOTIFY_POLL_SECONDS"]
        while not wake.is_set() and waited < poll:
            sleep(0.05)
            waited += 0.05
        wake.clear()


def _woken(_sender, events=(), **_kwargs) -> None:
    wake.set()
