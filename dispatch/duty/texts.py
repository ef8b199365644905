"""The words of an SMS, e-mail or robot message: Chinese, short, signed, with the incident's reference, what to
do and by when (API.md)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..schemas import display_zone

KIND_ZH = {"petition": "集体访", "mass_incident": "群体性事件"}
LONGEST_QUOTE = 30


def _signed(body: str) -> str:
    return f"{current_app.config['DISPATCH_SMS_SIGNATURE']}{body}"


def _when(moment: datetime | str | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(display_zone())
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _quote(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= LONGEST_QUOTE else text[:LONGEST_QUOTE - 1] + "…"


def task_dispatched(ref: str, unit: str, title: str, due_at) -> str:
    return _signed(f"{ref}交办{unit}任务「{_quote(title)}」，请立即登录系统签收，{_when(due_at)}前办结。")


def task_unclaimed(ref: str, unit: str, title: str, due_at, minutes: int) -> str:
    return _signed(f"{ref}任务「{_quote(title)}」交办{unit}已{minutes}分钟未签收，请督促立即签收，"
                   f"{_when(due_at)}前办结。")


def instruction_issued(ref: str, text: str, by) -> str:
    return _signed(f"{ref}领导批示：「{_quote(text)}」请登录系统于{_when(by)}前签收。")


def instruction_unacknowledged(ref: str, unit: str, minutes: int, by) -> str:
    return _signed(f"{ref}领导批示发{unit}已{minutes}分钟未签收，请督促于{_when(by)}前签收。")


def task_overdue(ref: str, unit: str, title: str, due_at) -> str:
    return _signed(f"{ref}{unit}任务「{_quote(title)}」已超过办理时限（{_when(due_at)}），请立即办理并反馈。")


def incident_registered(ref: str, level: str, kind: str, title: str, location: str) -> str:
    return _signed(f"{ref}{level}级{KIND_ZH.get(kind, '事件')}：「{_quote(title)}」，地点：{_quote(location)}。"
                   f"请立即关注并按预案处置。")
