"""The county's roster imported from a real XLSX workbook: a dry run, all or nothing, each bad row named."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from .support import send_workbook

UNITS = ("code", "name", "name_zh", "kind", "parent_code")
USERS = ("username", "display_name", "display_name_zh", "role", "unit_code", "phone", "email", "unit_head")


def workbook(units: list[tuple] | None = None, users: list[tuple] | None = None, *, headings=None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, columns, rows in (("units", UNITS, units), ("users", USERS, users)):
        if rows is None:
            continue
        sheet = book.create_sheet(name)
        sheet.append(list((headings or {}).get(name, columns)))
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(client, data: bytes, dry_run: bool = False, language: str = "en"):
    return send_workbook(client, "/api/admin/import", data, dry_run, language)


@pytest.fixture
def admin(client_for):
    return client_for("admin")


ROSTER = dict(
    units=[("VIL-N1", "North Village", "北村", "township", "TWN-N"),  # its parent is on the next row
           ("TWN-N", "North Township", "北镇", "township", None),
           ("PSB", "County Public Security Bureau", None, "department", None)],  # a rename
    users=[("liu.fang", "Liu Fang", "刘芳", "liaison", "VIL-N1", 13812345678, "liu.fang@county.gov.cn", True),
           ("chen.jie", "Chen Jie", None, "command", "CC", None, None, None),
           ("psb", None, "公安联络员", None, None, None, None, None)],  # an existing user: only the Chinese name
)


def test_a_dry_run_counts_what_would_change_and_stores_nothing(admin, duty):
    before_units = admin.get("/api/units?limit=500").get_json()
    before_seq = duty.get("/api/events?limit=1").get_json()["last_seq"]
    response = send(admin, workbook(**ROSTER), dry_run=True)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"units": {"create": 2, "update": 1}, "users": {"create": 2, "update": 1},
                                   "errors": []}
    assert admin.get("/api/units?limit=500").get_json() == before_units
    assert duty.get("/api/events?limit=1").get_json()["last_seq"] == before_seq


def test_an_import_stores_the_hierarchy_and_users_who_must_change_their_temporary_password(admin, client_for, duty):
    response = send(admin, workbook(**ROSTER))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["units"] == {"create": 2, "update": 1} and body["users"] == {"create": 2, "update": 1}
    temporary = {row["username"]: row["password"] for row in body["temporary_passwords"]}
    assert set(temporary) == {"liu.fang", "chen.jie"}
    units = admin.get("/api/units?limit=500").get_json()["items"]
    codes = [u["code"] for u in units]
    assert codes.index("VIL-N1") == codes.index("TWN-N") + 1
    assert units[codes.index("VIL-N1")]["path"] == ["TWN-N", "VIL-N1"]
    assert units[codes.index("PSB")]["name"] == "County Public Security Bureau"
    users = {u["username"]: u for u in admin.get("/api/users?limit=500").get_json()["items"]}
    assert users["liu.fang"]["phone"] == "138****5678" and users["liu.fang"]["unit_head"] is True
    assert users["liu.fang"]["unit"]["code"] == "VIL-N1" and users["liu.fang"]["must_change_password"] is True
    assert users["psb"]["display_name_zh"] == "公安联络员" and users["psb"]["must_change_password"] is False
    events = duty.get("/api/events?limit=1000").get_json()["items"]
    assert [e["type"] for e in events].count("user.created") == 2
    assert "13812345678" not in json.dumps(events) and temporary["liu.fang"] not in json.dumps(events)

    newcomer = client_for()
    newcomer.login("liu.fang", temporary["liu.fang"])
    refused = newcomer.get("/api/tasks")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "password_change_required"


def test_a_second_import_of_the_same_roster_changes_nothing(admin):
    assert send(admin, workbook(**ROSTER)).status_code == 200
    again = send(admin, workbook(**ROSTER), dry_run=True).get_json()
    assert again == {"units": {"create": 0, "update": 0}, "users": {"create": 0, "update": 0}, "errors": []}


BAD_ROWS = [
    # (units, users, sheet, row, field)
    ([("PSB", "Police again", None, "department", None), ("PSB", "Twice", None, "department", None)], None,
     "units", 3, "code"),
    ([("twn n", "North", None, "township", None)], None, "units", 2, "code"),
    ([("TWN-N", "North", None, "village", None)], None, "units", 2, "kind"),
    ([("TWN-N", None, None, "township", None)], None, "units", 2, "name"),
    ([("TWN-N", "North", None, "township", "NOWHERE")], None, "units", 2, "parent_code"),
    ([("TWN-N", "North", None, "township", "VIL-N"), ("VIL-N", "Village", None, "township", "TWN-N")], None,
     "units", 3, "parent_code"),
    ([("TWN-N", "=HYPERLINK(\"http://x\")", None, "township", None)], None, "units", 2, "name"),
    ([("TWN-N", "North\nTownship", None, "township", None)], None, "units", 2, "name"),
    (None, [("zhao", "Zhao", None, "liaison", "NOPE", None, None, None)], "users", 2, "unit_code"),
    (None, [("zhao", "Zhao", None, "liaison", None, None, None, None)], "users", 2, "unit_code"),
    (None, [("zhao", "Zhao", None, "emperor", "PSB", None, None, None)], "users", 2, "role"),
    (None, [("zhao", "Zhao", None, "liaison", "PSB", "12345", None, None)], "users", 2, "phone"),
    (None, [("zhao", "Zhao", None, "liaison", "PSB", None, "not-an-address", None)], "users", 2, "email"),
    (None, [("zhao", "Zhao", None, "liaison", "PSB", None, None, "perhaps")], "users", 2, "unit_head"),
    (None, [("Zhao Wei!", "Zhao", None, "liaison", "PSB", None, None, None)], "users", 2, "username"),
    (None, [("zhao", "Zhao", None, "liaison", "PSB", None, None, None),
            ("zhao", "Zhao", None, "liaison", "PSB", None, None, None)], "users", 3, "username"),
]


@pytest.mark.parametrize("units,users,sheet,row,field", BAD_ROWS)
def test_any_bad_row_refuses_the_whole_file_naming_sheet_row_and_field(admin, duty, units, users, sheet, row, field):
    good_unit = [("TWN-S", "South Township", "南镇", "township", None)]
    data = workbook(units=(units or []) + good_unit, users=users or [])
    before = (admin.get("/api/units?limit=500").get_json(), admin.get("/api/users?limit=500").get_json(),
              duty.get("/api/events?limit=1").get_json()["last_seq"])
    response = send(admin, data)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert {"sheet": sheet, "row": row, "field": field} in [
        {k: e[k] for k in ("sheet", "row", "field")} for e in errors], errors
    assert all(e["message"] for e in errors)
    after = (admin.get("/api/units?limit=500").get_json(), admin.get("/api/users?limit=500").get_json(),
             duty.get("/api/events?limit=1").get_json()["last_seq"])
    assert after == before
    dry = send(admin, data, dry_run=True)
    assert dry.status_code == 200 and dry.get_json()["errors"] == errors


def test_a_bad_row_is_explained_in_the_users_language(admin):
    data = workbook(users=[("zhao", "Zhao", None, "liaison", "PSB", "12345", None, None)])
    english = send(admin, data, language="en").get_json()["errors"][0]["message"]
    chinese = send(admin, data, language="zh-CN").get_json()["errors"][0]["message"]
    assert english != chinese and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)


@pytest.mark.parametrize("data,status", [
    (b"code,name\nTWN-N,North\n", 415),
    (b"PK\x03\x04 not really a zip", 415),
    (b"", 415),
])
def test_a_file_that_is_not_a_workbook_is_refused_naming_the_file(admin, data, status):
    response = send(admin, data)
    assert response.status_code == status and "file" in response.get_json()["error"]["fields"]


def test_a_workbook_without_the_sheets_or_with_unknown_columns_is_refused(admin):
    book = Workbook()
    book.active.title = "Sheet1"
    out = io.BytesIO()
    book.save(out)
    assert send(admin, out.getvalue()).status_code == 422
    odd = workbook(units=[("TWN-N", "North", None, "township", None)],
                   headings={"units": ("code", "name", "name_zh", "kind", "colour")})
    (error,) = send(admin, odd).get_json()["errors"]
    assert (error["sheet"], error["row"], error["field"]) == ("units", 1, "colour")


@pytest.mark.one_backend  # refused input: what is stored is checked the same on either database
def test_a_20000_row_file_is_refused_at_the_first_row_past_the_limit_and_nothing_is_stored(admin, app):
    rows = [(f"U{n:05d}", f"Unit {n}", None, "department", None) for n in range(20_000)]
    response = send(admin, workbook(units=rows))
    assert response.status_code in (413, 422), response.status_code
    if response.status_code == 422:
        limit = app.config["IMPORT_MAX_ROWS"]
        assert {"sheet": "units", "row": limit + 2, "field": None} in [
            {k: e[k] for k in ("sheet", "row", "field")} for e in response.get_json()["errors"]]
    assert "U00001" not in json.dumps(admin.get("/api/units?limit=500").get_json())


@pytest.mark.parametrize("who", ["duty", "leader", "psb"])
def test_only_the_administrator_imports_or_downloads_the_template(client_for, who):
    client = client_for(who)
    assert send(client, workbook(**ROSTER), dry_run=True).status_code == 403
    assert client.get("/api/admin/import/template.xlsx").status_code == 403


def test_the_template_is_a_workbook_with_the_sheets_and_headings_the_import_reads(admin):
    response = admin.get("/api/admin/import/template.xlsx?lang=zh")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book["units"][1]] == list(UNITS)
    assert [c.value for c in book["users"][1]] == list(USERS)
    assert any("临时密码" in (row[2] or "") for row in book["notes"].iter_rows(values_only=True))
    empty = send(admin, response.data, dry_run=True)
    assert empty.status_code == 200 and empty.get_json()["errors"] == []
