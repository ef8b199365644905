"""Every type of event the log holds, each in one entry: the fields of its `data`, its labels, who sees it.

`UnitOfWork.append_event` refuses a type not listed here, or a `data` field not
declared for it (a declared field may be absent); `GET /api/event-types`
serves the catalogue; the pages and the printed report name events by these
labels. A field's type is one of FIELD_TYPES; what an object or list holds
inside is the area's own schema (a task event carries the dumped task).

Who sees an event: today the live push and `GET /api/events` give every event
to every signed-in screen, so every type is for "everyone" and its data holds
only what everyone may see (masked numbers, never a phone, address or secret);
details stay behind the API's permissions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

FIELD_TYPES = ("string", "integer", "boolean", "datetime", "object", "list")
AUDIENCES = ("everyone",)


@dataclass(frozen=True)
class EventType:
    type: str
    label: str
    label_zh: str
    data: Mapping[str, str] = field(default_factory=dict)
    audience: str = "everyone"


class UnknownEvent(TypeError):
    """A programming error: an event type, or a field of its data, that the catalogue does not declare."""


# the fields shared by events of one kind
_MOVED = {"from": "string", "to": "string", "note": "string"}
_INCIDENT = {"incident": "object"}
_TASK = {"task": "object"}
_TASK_MOVED = {**_MOVED, **_TASK}
_INSTRUCTION = {"instruction": "object"}
_HIDDEN_DANGER = {"hidden_danger": "object"}
_REPRESENTATIVE = {"representative": "object", "repeat": "boolean", "repeat_of": "list",
                   "repeat_count": "integer", "incident": "object", "relinked": "list"}
_USER = {"user_id": "integer", "username": "string", "display_name": "string", "role": "string",
         "unit_id": "integer"}
_TOKEN = {"token_id": "integer", "name": "string", "user_id": "integer", "username": "string", "role": "string"}
_PLAN = {"response_plan": "object"}
_UNIT = {"unit_id": "integer", "code": "string", "name": "string", "name_zh": "string", "kind": "string",
         "parent_id": "integer", "active": "boolean"}
_SHIFT = {"shift_id": "integer", "user_id": "integer", "starts_at": "datetime", "ends_at": "datetime"}
_NOTIFICATION = {"notification_id": "integer", "kind": "string", "channel": "string", "recipient_user_id": "integer",
                 "step": "integer"}

_ENTRIES = [
    # incidents
    EventType("incident.registered", "Incident registered", "事件登记", _INCIDENT),
    EventType("incident.updated", "Incident updated", "事件信息更新", {"changes": "object", **_INCIDENT}),
    EventType("incident.responded", "Response started", "开始处置", {**_MOVED, **_INCIDENT}),
    EventType("incident.contained", "Contained", "已控制", {**_MOVED, **_INCIDENT}),
    EventType("incident.resolved", "Resolved", "已化解", {**_MOVED, **_INCIDENT}),
    EventType("incident.closed", "Closed", "已结案", {**_MOVED, **_INCIDENT}),
    EventType("incident.reopened", "Reopened", "重新打开", {**_MOVED, **_INCIDENT}),
    EventType("incident.headcount_reported", "Headcount reported from the scene", "现场人数上报",
              {"from": "integer", "to": "integer", "note": "string", **_INCIDENT}),
    # representatives and persons
    EventType("representative.added", "Representative recorded", "登记信访代表", _REPRESENTATIVE),
    EventType("representative.removed", "Representative removed", "移除信访代表", _REPRESENTATIVE),
    EventType("person.revealed", "Identity numbers viewed", "查看明文证件号码", {"person": "object", "reason": "string"}),
    # tasks
    EventType("task.dispatched", "Task dispatched", "任务交办", _TASK),
    EventType("task.claimed", "Task claimed", "任务签收", {"from": "string", "to": "string", **_TASK}),
    EventType("task.started", "Task started", "开始办理", _TASK_MOVED),
    EventType("task.progressed", "Progress reported", "进展反馈", _TASK_MOVED),
    EventType("task.submitted", "Task submitted", "提交办结", _TASK_MOVED),
    EventType("task.returned", "Task returned", "任务退回（非本单位职责）", {"reason": "string", **_TASK_MOVED}),
    EventType("task.rerouted", "Task rerouted", "任务改派",
              {"from_unit_id": "integer", "to_unit_id": "integer", **_TASK_MOVED}),
    EventType("task.extension_requested", "Extension requested", "申请延期",
              {"requested_due_at": "datetime", **_TASK_MOVED}),
    EventType("task.extension_approved", "Extension approved", "同意延期",
              {"previous_due_at": "datetime", **_TASK_MOVED}),
    EventType("task.extension_rejected", "Extension rejected", "不同意延期",
              {"refused_due_at": "datetime", **_TASK_MOVED}),
    EventType("task.verified", "Task verified", "审核通过（已办结）", _TASK_MOVED),
    EventType("task.rejected", "Submission rejected", "退回重办", _TASK_MOVED),
    EventType("task.cancelled", "Task cancelled", "任务撤销", _TASK_MOVED),
    EventType("task.overdue", "Task overdue", "任务超期", {"due_at": "datetime", **_TASK}),
    EventType("supervision.issued", "Supervision notice issued", "发出督办通知", {"notice": "object", **_TASK}),
    EventType("supervision.escalated", "Escalated to leaders", "升级督办（报领导）",
              {"notice": "object", "notices": "integer", **_TASK}),
    # instructions
    EventType("instruction.issued", "Leader's instruction issued", "领导批示下达", _INSTRUCTION),
    EventType("instruction.addressed", "Instruction addressed to more units", "批示增加签收单位",
              {"unit_ids": "list", **_INSTRUCTION}),
    EventType("instruction.acknowledged", "Instruction acknowledged", "签收批示", {"note": "string", **_INSTRUCTION}),
    EventType("instruction.overdue", "Instruction not acknowledged in time", "批示逾时未签收", _INSTRUCTION),
    # meetings, reports, attachments
    EventType("meeting.held", "Meeting with representatives recorded", "已登记代表座谈", {"meeting": "object"}),
    EventType("commitment.made", "Commitment made", "已登记承诺事项", {"meeting_id": "integer", "commitment": "object"}),
    EventType("report.published", "Situation report published", "情况报告已报送",
              {"report": "object", "incident_ref": "string", "incident_title": "string"}),
    EventType("attachment.added", "Attachment added", "已添加附件", {"attachment": "object"}),
    # hidden dangers
    EventType("hidden_danger.recorded", "Hidden danger recorded", "矛盾隐患已登记", _HIDDEN_DANGER),
    EventType("hidden_danger.visited", "Hidden danger visited", "矛盾隐患已回访", {"visit": "object", **_HIDDEN_DANGER}),
    EventType("hidden_danger.risk_changed", "Hidden danger risk changed", "矛盾隐患风险等级变更",
              {"from": "string", "to": "string", "visit_id": "integer", "person_id": "integer", "raised_by": "object",
               **_HIDDEN_DANGER}),
    EventType("hidden_danger.promoted", "Hidden danger erupted: incident registered", "矛盾隐患激化：已登记为事件",
              {"from": "string", "to": "string", "erupted_as": "object", **_HIDDEN_DANGER}),
    EventType("hidden_danger.resolved", "Hidden danger resolved", "矛盾隐患已化解", {**_MOVED, **_HIDDEN_DANGER}),
    EventType("hidden_danger.reopened", "Hidden danger reopened", "矛盾隐患重新打开", {**_MOVED, **_HIDDEN_DANGER}),
    # response plans
    EventType("response_plan.saved", "Response plan saved", "预案已保存", {"created": "boolean", **_PLAN}),
    EventType("response_plan.deleted", "Response plan deleted", "预案已删除", _PLAN),
    EventType("response_plan.applied", "Response plan applied", "已启动预案", {"task_ids": "list", **_PLAN}),
    # administration (API.md, "Trust")
    EventType("user.created", "User created", "用户已创建", _USER),
    EventType("user.disabled", "User disabled", "用户已停用", _USER),
    EventType("user.enabled", "User enabled again", "用户已重新启用", _USER),
    EventType("token.issued", "API token issued", "已签发接口令牌", _TOKEN),
    EventType("token.revoked", "API token revoked", "接口令牌已吊销", _TOKEN),
    EventType("user.updated", "User updated", "用户信息已修改", {**_USER, "changed": "list"}),
    EventType("user.password_reset", "Password reset", "密码已重置", _USER),
    EventType("user.signed_out", "Signed out everywhere", "已在所有设备退出登录", {**_USER, "sessions": "integer"}),
    EventType("session.started", "Signed in with the county's identity", "已通过统一身份认证登录",
              {"user_id": "integer", "username": "string", "method": "string"}),
    EventType("unit.created", "Unit created", "单位已创建", _UNIT),
    EventType("unit.updated", "Unit updated", "单位信息已修改", {**_UNIT, "changed": "list"}),
    # the leaders' picture (API.md)
    EventType("review.recorded", "After-action review recorded", "复盘已记录",
              {"review": "object", "incident_ref": "string", "incident_title": "string"}),
    EventType("place.saved", "Place saved", "地点已保存", {"place": "object"}),
    EventType("place.deleted", "Place removed", "地点已删除", {"place": "object"}),
    # on duty and notifications (API.md, "On duty")
    EventType("shift.added", "Shift added to the duty roster", "值班表新增班次", _SHIFT),
    EventType("shift.removed", "Shift removed from the duty roster", "值班表删除班次", _SHIFT),
    EventType("escalation_policy.updated", "Escalation policy changed", "升级提醒规则已修改",
              {"level": "string", "steps": "list"}),
    EventType("notification.sent", "Notification delivered", "提醒已送达", _NOTIFICATION),
    EventType("notification.failed", "Notification failed", "提醒发送失败", _NOTIFICATION),
]

# Any event may be made by the administrator through a token issued for someone else: it then names that
# person too (dispatch/events.py).
ON_BEHALF_OF = {"on_behalf_of": "object"}
CATALOGUE: Mapping[str, EventType] = MappingProxyType({
    entry.type: EventType(entry.type, entry.label, entry.label_zh, {**entry.data, **ON_BEHALF_OF}, entry.audience)
    for entry in _ENTRIES})


def check(type: str, data: Mapping | None) -> None:
    """Refuse (UnknownEvent) a type not in the catalogue, or a field of `data` not declared for it."""
    entry = CATALOGUE.get(type)
    if entry is None:
        raise UnknownEvent(f"event type {type!r} is not in the catalogue (dispatch/facts/event_types.py)")
    undeclared = sorted(set(data or {}) - set(entry.data))
    if undeclared:
        raise UnknownEvent(f"{type} declares no field {', '.join(undeclared)} (dispatch/facts/event_types.py)")


def label(type: str, locale: str) -> str:
    """The type's name for people in that language (the type itself when it is not in the catalogue)."""
    entry = CATALOGUE.get(type)
    if entry is None:
        return type
    return entry.label_zh if locale.startswith("zh") else entry.label

