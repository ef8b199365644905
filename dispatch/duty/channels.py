"""The wires: an HTTP SMS gateway, an SMTP server, a DingTalk or WeCom group robot. Each `send_*` returns
nothing when the message was accepted and raises `Refused` with the reason when it was not; network I/O only
(the green-thread server waits on it cooperatively)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
import time
import urllib.parse
from email.message import EmailMessage
from email.utils import make_msgid

import requests

# a gateway's or robot's answer quoted in an error, cut to this length
ERROR_QUOTE = 200


class Refused(Exception):
    """The channel did not take the message: the reason is kept on the notification and it is tried again."""


def _post(url: str, body: dict, key: str, timeout: float) -> requests.Response:
    try:
        response = requests.post(url, json=body, headers={"Idempotency-Key": key}, timeout=timeout)
    except requests.Timeout:
        raise Refused(f"no answer within {timeout:g} s") from None
    except requests.ConnectionError as error:
        raise Refused(f"cannot connect: {type(error).__name__}") from None
    except requests.RequestException as error:
        raise Refused(f"request failed: {type(error).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise Refused(f"HTTP {response.status_code}: {response.text[:ERROR_QUOTE]}")
    return response


def send_sms(url: str, *, phone: str, text: str, key: str, timeout: float) -> None:
    """API.md: POST JSON {phone, text, key} with Idempotency-Key; any 2xx accepts."""
    _post(url, {"phone": phone, "text": text, "key": key}, key, timeout)


def dingtalk_signed(url: str, secret: str | None, now_ms: int | None = None) -> str:
    """The webhook with `timestamp` and `sign` as DingTalk documents: base64(HMAC-SHA256(secret,
    "timestamp\\nsecret")), URL-encoded."""
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def _robot_answer(response: requests.Response) -> None:
    """Both robots answer 200 with {"errcode": 0} when they took the message."""
    try:
        answer = response.json()
    except ValueError:
        raise Refused(f"not a robot's answer: {response.text[:ERROR_QUOTE]}") from None
    if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
        raise Refused(f"robot refused: {str(answer)[:ERROR_QUOTE]}")


def send_dingtalk(url: str, secret: str | None, *, text: str, key: str, timeout: float) -> None:
    _robot_answer(_post(dingtalk_signed(url, secret), {"msgtype": "text", "text": {"content": text}}, key, timeout))


def send_wecom(url: str, *, text: str, key: str, timeout: float) -> None:
    _robot_answer(_post(url, {"msgtype": "text", "text": {"content": text}}, key, timeout))


def send_email(smtp_url: str, *, sender: str, to: str, subject: str, text: str, key: str, timeout: float) -> None:
    """One message over SMTP; its Message-ID carries the key, so a resent copy is recognisably the same."""
    parsed = urllib.parse.urlsplit(smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(idstring=key, domain="dispatch")
    message["X-Dispatch-Key"] = key
    message.set_content(text)
    connect = smtplib.SMTP_SSL if parsed.scheme == "smtps" else smtplib.SMTP
    try:
        with connect(parsed.hostname or "127.0.0.1", parsed.port or (465 if parsed.scheme == "smtps" else 25),
                     timeout=timeout) as smtp:
            if parsed.username:
                smtp.login(urllib.parse.unquote(parsed.username), urllib.parse.unquote(parsed.password or ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise Refused(f"SMTP: {type(error).__name__}: {str(error)[:ERROR_QUOTE]}") from None
