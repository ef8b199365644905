"""Arranging people's work mobiles, e-mails and unit heads and units' group robots (holds no tests).

`PATCH /api/users/<id>` and `PATCH /api/units/<id>` are the administrator's way; here the rows are set as those
endpoints store them (the mobile sealed as a petitioner's phone is), so these tests need nothing else."""
from __future__ import annotations

import json
import mailbox
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from dispatch import personal_data
from dispatch.auth.models import Unit, User
from dispatch.db import db

from .support import ROOT, free_port, wait_until


def set_contacts(username: str, *, phone: str | None = None, email: str | None = None,
                 unit_head: bool | None = None) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if phone is not None:
        sealed = personal_data.seal_phone(phone)
        user.phone_encrypted, user.phone_masked = sealed.encrypted, sealed.masked
    if email is not None:
        user.email = email
    if unit_head is not None:
        user.unit_head = unit_head
    db.session.commit()
    return user


def set_robots(code: str, *, dingtalk: str | None = None, dingtalk_secret: str | None = None,
               wecom: str | None = None) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    unit.dingtalk_webhook, unit.wecom_webhook = dingtalk, wecom
    unit.dingtalk_secret_encrypted = (personal_data.encrypt(dingtalk_secret, field="dingtalk_secret")
                                      if dingtalk_secret else None)
    db.session.commit()
    return unit


def add_user(username: str, role: str, unit_code: str, name: str, password_hash: str, **contacts) -> User:
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    db.session.add(User(username=username, role=role, unit_id=unit.id, display_name=name, active=True,
                        password_hash=password_hash))
    db.session.commit()
    return set_contacts(username, **contacts)


class GatewayProcess:
    """tests/sms_gateway.py as its own process on a fixed port, to stop (down) and start (back) at will."""

    def __init__(self, folder: Path, dingtalk_secret: str = ""):
        self.port = free_port()
        self.record = folder / f"gateway-{self.port}.jsonl"
        self.refuse_file = folder / f"gateway-{self.port}.refuse"
        self.secret = dingtalk_secret
        self.process = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "sms_gateway.py"), str(self.port), str(self.record),
             "--refuse-file", str(self.refuse_file), "--dingtalk-secret", self.secret],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True, text=True)
        assert self.process.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def refuse(self, refusing: bool = True) -> None:
        if refusing:
            self.refuse_file.write_text("500")
        else:
            self.refuse_file.unlink(missing_ok=True)

    def requests(self, path: str | None = None) -> list[dict]:
        if not self.record.exists():
            return []
        lines = [json.loads(line) for line in self.record.read_text().splitlines() if line]
        return [line for line in lines if path is None or line["path"] == path]

    def accepted(self, path: str = "/sms") -> list[dict]:
        return [line for line in self.requests(path) if line["status"] == 200 and not line["errcode"]]


class SmtpProcess:
    """aiosmtpd as its own process, keeping every message it accepts in a Maildir."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.maildir = folder / f"maildir-{self.port}"
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: _listening(self.port), "the SMTP server to listen")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def messages(self) -> list:
        if not self.maildir.exists():
            return []
        return list(mailbox.Maildir(str(self.maildir), create=False))


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for(condition, what: str, timeout: float = 30.0, every: float = 0.05):
    """Poll until `condition()` is truthy; its value, or a failure naming what never happened."""
    value = wait_until(condition, timeout, every)
    if not value:
        raise AssertionError(f"waited {timeout:g} s for {what}")
    return value
