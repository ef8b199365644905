"""The roster workbook's sheets: `units` and `users`, read and written by the shared workbook code (dispatch/workbook.py)."""
from __future__ import annotations

from ..workbook import Sheet

SHEETS = (
    Sheet("units", ("code", "name", "name_zh", "kind", "parent_code"), required=("code",)),
    Sheet("users", ("username", "display_name", "display_name_zh", "role", "unit_code", "phone", "email",
                    "unit_head"), required=("username",)),
)
