"""The incident register as a workbook: incidents, their representatives and their tasks.

Personal data leaves only masked (the same masked forms every screen shows);
times are shown in the configured zone. Headings carry both languages, as the
sheet is read by people of both.
"""
from __future__ import annotations

from io import BytesIO
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

from ..schemas import shown_time

INCIDENT_COLUMNS = [
    ("Reference 事件编号", "ref"), ("Title 标题", "title"), ("Kind 类型", "kind"), ("Category 类别", "category"),
    ("Level 级别", "level"), ("Status 状态", "status"), ("Headcount 现场人数", "headcount"),
    ("Peak 最高人数", "peak_headcount"), ("Location 地点", "location"), ("Occurred at 发生时间", "occurred_at"),
    ("Demands 诉求", "demands"), ("Open tasks 在办任务", "open_tasks"), ("Overdue tasks 超期任务", "overdue_tasks"),
]
REPRESENTATIVE_COLUMNS = ["Reference 事件编号", "Name 姓名", "Identity number 身份证号码（脱敏）",
                          "Phone 电话（脱敏）", "Note 备注"]
TASK_COLUMNS = ["Reference 事件编号", "Unit 单位", "Title 任务", "Priority 优先级", "Status 状态",
                "Deadline 办理时限", "Overdue 超期"]


def _sheet(workbook: Workbook, title: str, headings: list[str], rows: Iterable[list]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"


def workbook_bytes(incidents: list[dict], representatives: list[dict], tasks: list[dict]) -> bytes:
    """Rows are plain dicts already masked and counted by the service."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "Incidents 事件", [heading for heading, _ in INCIDENT_COLUMNS],
           ([shown_time(row[key]) if key == "occurred_at" else row[key] for _, key in INCIDENT_COLUMNS]
            for row in incidents))
    _sheet(workbook, "Representatives 信访代表", REPRESENTATIVE_COLUMNS,
           ([row["ref"], row["name"], row["id_number"], row["phone"], row["note"]] for row in representatives))
    _sheet(workbook, "Tasks 任务", TASK_COLUMNS,
           ([row["ref"], row["unit"], row["title"], row["priority"], row["status"], shown_time(row["due_at"]),
             "yes 是" if row["overdue"] else ""] for row in tasks))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
