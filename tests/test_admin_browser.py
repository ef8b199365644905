"""The administrator's page in a real browser: a unit added under its township by keyboard, a user's password reset
and the temporary one shown once, then changed by that user first thing; the roster imported after a dry run; the
audit trail checked and filtered; in both languages and on a phone."""
from __future__ import annotations



import pytest
import requests
from openpyxl import Workbook

from .browser import WAIT, expect, expect_live, shoot, unique

pytestmark = pytest.mark.browser


def roster_file(tmp_path, code: str, username: str):
    book = Workbook()
    book.remove(book.active)
    units = book.create_sheet("units")
    units.append(["code", "name", "name_zh", "kind", "parent_code"])
    units.append([code, "Hill Village", "山村", "township", "TWN-W"])
    users = book.create_sheet("users")
    users.append(["username", "display_name", "display_name_zh", "role", "unit_code", "phone", "email", "unit_head"])
    users.append([username, "Hill liaison", "山村联络员", "liaison", code, "13900001111", None, True])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_administrator_adds_a_village_under_its_township_by_keyboard(open_session, language):
    admin = open_session("admin", path=f"/admin?lang={language}", locale="zh-CN" if language == "zh" else "en-GB")
    page = admin.page
    code = unique("V").upper().replace(" ", "-")[:12]
    page.locator("#unit-new").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(page.locator("#f-code")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Tab")
    page.keyboard.type("Pine Village")
    page.locator("#f-parent_id").select_option(label=page.locator("#f-parent_id option", has_text="TWN-E").inner_text())
    shoot(page, f"admin-unit-new-{language}")
    dialog.locator("button[type=submit]").press("Enter")
    expect(dialog).to_have_count(0, timeout=WAIT)
    rows = page.locator("#units-table tbody tr")
    row = page.locator(f"#units-table tr[data-code='{code}']")
    expect(row).to_be_visible(timeout=WAIT)
    codes = rows.evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert codes.index("TWN-E") < codes.index(code) < codes.index("TWN-W")  # under its township, not after the next
    expect(row.locator(".tree-indent")).to_contain_text("└")
    expect(page.locator("#audit-table")).to_be_visible()
    shoot(page, f"admin-units-{language}")


def test_a_reset_password_is_shown_once_and_the_user_changes_it_before_anything_else(open_session, server):
    admin = open_session("admin", path="/admin?lang=en")
    page = admin.page
    row = page.locator("#users-table tr[data-username='hurd']")
    row.get_by_role("button", name="Reset password hurd").click()
    page.locator("dialog[open] button[type=submit]").click()
    secret = page.locator("#shown-once")
    expect(secret).to_be_focused(timeout=WAIT)
    temporary = secret.inner_text().strip()
    assert len(temporary) >= 12
    shoot(page, "admin-temporary-password")
    page.keyboard.press("Enter")
    expect(row).to_contain_text("Must change the password", timeout=WAIT)

    user = open_session(None)
    user.page.goto(f"{server.url}/login?lang=en")
    user.page.fill("#username", "hurd")
    user.page.fill("#password", temporary)
    user.page.press("#password", "Enter")
    user.page.wait_for_url("**/password", timeout=WAIT)
    expect(user.page.locator("#password-required")).to_be_visible()
    user.page.goto(f"{server.url}/board")
    assert user.page.url.endswith("/password")  # no other page before the password is changed
    user.page.fill("#current-password", temporary)
    user.page.fill("#new-password", "password123")
    user.page.fill("#repeat-password", "password123")
    user.page.press("#repeat-password", "Enter")
    expect(user.page.locator("#password-error")).to_contain_text("common", timeout=WAIT)
    shoot(user.page, "password-refused")
    user.page.fill("#new-password", "lantern-river-autumn")
    user.page.fill("#repeat-password", "lantern-river-autumn")
    user.page.press("#repeat-password", "Enter")
    user.page.wait_for_url("**/queue", timeout=WAIT)
    expect_live(user.page)


def test_the_roster_is_checked_then_imported_and_the_audit_trail_shows_it(open_session, tmp_path):
    admin = open_session("admin", path="/admin?lang=zh", locale="zh-CN")
    page = admin.page
    code, username = unique("H").upper().replace(" ", "-")[:12], unique("hill").lower().replace(" ", ".")[:30]
    page.set_input_files("#import-file", roster_file(tmp_path, code, username))
    page.locator("#import-check").click()
    expect(page.locator("#import-result")).to_contain_text("所有行都正确", timeout=WAIT)
    expect(page.locator("#import-result")).to_contain_text("单位：新增 1 个")
    assert page.locator(f"#units-table tr[data-code='{code}']").count() == 0  # a dry run stores nothing
    page.locator("#import-apply").click()
    expect(page.locator("#import-passwords tr")).to_have_count(1, timeout=WAIT)
    expect(page.locator(f"#units-table tr[data-code='{code}']")).to_be_visible(timeout=WAIT)
    expect(page.locator(f"#users-table tr[data-username='{username}']")).to_contain_text("139****1111")
    shoot(page, "admin-import-zh")

    page.locator("#audit-verify").click()
    # the whole log of the run's shared server recomputed: give a loaded machine time
    expect(page.locator("#audit-verification")).to_contain_text("日志完整", timeout=3 * WAIT)
    page.locator("#audit-type").select_option("unit")
    page.locator("#audit-filters button[type=submit]").click()
    expect(page.locator("#audit-table tbody tr").first).to_contain_text(code, timeout=WAIT)
    types = page.locator("#audit-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert types and all(t.startswith("unit.") for t in types)
    shoot(page, "admin-audit-zh")


def test_places_are_checked_then_imported_by_keyboard_in_chinese(open_session, tmp_path):
    admin = open_session("admin", path="/admin?lang=zh", locale="zh-CN")
    page = admin.page
    name = unique("Hill Temple")
    book = Workbook()
    book.active.title = "places"
    book.active.append(["name", "name_zh", "kind", "lat", "lng"])
    book.active.append([name, "山神庙", "村", 30.3101, 120.0502])
    path = tmp_path / "places.xlsx"
    book.save(path)
    page.set_input_files("#places-import-file", path)
    page.locator("#places-import-file").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#places-import-check")).to_be_focused()
    page.keyboard.press("Enter")
    result = page.locator("#places-import-result")
    expect(result).to_contain_text("所有行都正确", timeout=WAIT)
    expect(result).to_contain_text("地点：新增 1 个")
    expect(page.locator("#places-import-changes")).to_contain_text(name)
    row = page.locator("#places-table tr", has_text=name)
    assert row.count() == 0  # a dry run stores nothing
    page.keyboard.press("Tab")
    expect(page.locator("#places-import-apply")).to_be_focused()
    page.keyboard.press("Enter")
    expect(result).to_contain_text("已导入", timeout=WAIT)
    expect(row).to_contain_text("山神庙", timeout=WAIT)
    expect(row).to_contain_text("村")
    shoot(page, "admin-places-import-zh")


def test_a_bad_roster_row_is_named_on_the_page(open_session, tmp_path):
    admin = open_session("admin", path="/admin?lang=en")
    page = admin.page
    book = Workbook()
    book.active.title = "users"
    book.active.append(["username", "role", "unit_code", "phone"])
    book.active.append(["bad.phone", "liaison", "PSB", "12345"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    page.set_input_files("#import-file", path)
    page.locator("#import-check").click()
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1, timeout=WAIT)
    expect(errors.first).to_contain_text("users")
    expect(errors.first).to_contain_text("phone")
    expect(page.locator("#import-apply")).to_be_disabled()


def test_the_administration_page_reads_on_a_phone_and_is_not_offered_to_others(open_session, server):
    admin = open_session("admin", path="/admin?lang=zh", locale="zh-CN", viewport=(390, 844), is_mobile=True,
                         has_touch=True, device_scale_factor=2)
    page = admin.page
    expect(page.locator("#admin-units-title")).to_have_text("单位")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width  # nothing wider than the phone: the tables scroll inside their frame
    shoot(page, "admin-phone-zh")
    duty = open_session("duty", path="/board")
    expect(duty.page.locator("nav.nav a[href='/admin']")).to_have_count(0)
    assert requests.get(f"{server.url}/admin", timeout=10, allow_redirects=False).status_code == 302
