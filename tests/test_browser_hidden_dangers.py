"""Hidden dangers in a real browser: the register, the record form on a phone, the board's live panel and toast."""
from __future__ import annotations

import re

import pytest

from .support import http_login, incident_payload
from .browser import WAIT, expect, expect_live, shoot, unique

pytestmark = pytest.mark.browser

KEY_PERSON = "110101195306153019"


def units(server) -> dict[str, int]:
    http = http_login(server.url, "duty")
    return {u["code"]: u["id"] for u in http.get(f"{server.url}/api/units?limit=100", timeout=10).json()["items"]}


def record_through_api(server, title: str, risk: str, **overrides) -> dict:
    http = http_login(server.url, "duty")
    body = {"title": title, "category": "wage_arrears", "location": "North Industrial Park",
            "unit_id": units(server)["HRSS"], "people_affected": 80, "risk": risk,
            "description": "Workers unpaid for three months.", **overrides}
    answer = http.post(f"{server.url}/api/hidden-dangers", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_register_lists_filters_and_opens_a_hidden_danger_by_keyboard(open_session, server):
    duty = open_session("duty", path="/hidden-dangers")
    page = duty.page
    expect(page.locator("#hd-list li").first).to_be_visible()
    assert page.locator("#hd-list li").count() >= 4  # the demo's
    page.select_option("#hd-risk", "high")
    expect(page.locator("#hd-list li.hd-high").first).to_be_visible()
    assert page.locator("#hd-list li:not(.hd-high)").count() == 0
    assert "risk=high" in page.url
    shoot(page, "hidden-dangers-register-desktop")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/hidden-dangers/\d+$"))
    expect_live(page)
    expect(page.locator("#hd-visits li").first).to_be_visible()
    shoot(page, "hidden-danger-detail-desktop")


def test_a_liaison_records_one_on_a_phone_with_the_key_persons_number_masked(open_session, server):
    liaison = open_session("twn-e", path="/hidden-dangers?lang=zh", locale="zh-CN", viewport=(390, 844),
                           is_mobile=True, has_touch=True)
    page = liaison.page
    title = unique("清水村灌溉用水纠纷")
    page.click("#new-hidden-danger")
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=title]").fill(title)
    dialog.locator("[name=location]").fill("东乡镇清水村")
    dialog.locator("[name=people_affected]").fill("35")
    dialog.locator("[name=risk]").select_option("medium")
    dialog.locator("[name='persons.0.name']").fill("王建国")
    dialog.locator("[name='persons.0.id_number']").fill("110101195306153018")  # a mistyped check digit
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("#f-persons\\.0\\.id_number-error")).not_to_be_empty()
    dialog.locator("[name='persons.0.id_number']").fill(KEY_PERSON)
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0)
    item = page.locator("#hd-list li", has_text=title)
    expect(item).to_be_visible(timeout=WAIT)
    shoot(page, "hidden-dangers-register-phone-zh")
    item.locator("a").click()
    expect(page.locator("#hd-persons")).to_contain_text("1101**********3019")
    assert KEY_PERSON not in page.content()
    page.get_by_role("button", name="记录回访").click()
    page.locator("dialog[open] [name=note]").fill("入户走访，群众情绪平稳")
    page.locator("dialog[open] [name=risk]").select_option("low")
    page.locator("dialog[open] button[type=submit]").click()
    expect(page.locator("#hd-visits li").first).to_contain_text("入户走访", timeout=WAIT)
    expect(page.locator("#hd-head")).to_contain_text("低")
    shoot(page, "hidden-danger-detail-phone-zh")


def test_a_new_high_risk_hidden_danger_and_a_risk_rise_reach_the_board_live(open_session, server):
    duty = open_session("duty", path="/board")
    page = duty.page
    title = unique("Wage arrears at the tile factory")
    danger = record_through_api(server, title, "high")
    panel = page.locator("#hd-board-list li", has_text=title)
    expect(panel).to_be_visible(timeout=WAIT)
    expect(page.locator("#flash")).to_contain_text(danger["ref"], timeout=WAIT)

    # a low-risk one whose key person turns up as a representative rises by itself
    quiet = unique("Quiet grievance at the bus depot")
    watched = record_through_api(server, quiet, "low",
                                 persons=[{"name": "Sun Dewei", "id_number": "11010519491231002X"}])
    expect(page.locator("#hd-board-list li", has_text=quiet)).to_have_count(0)
    http = http_login(server.url, "duty")
    incident = http.post(f"{server.url}/api/incidents", json=incident_payload(title=unique("Depot sit-in")),
                         timeout=10).json()
    answer = http.post(f"{server.url}/api/incidents/{incident['id']}/representatives",
                       json={"name": "Sun Dewei", "id_number": "11010519491231002X"}, timeout=10)
    assert answer.status_code == 201, answer.text
    expect(page.locator("#hd-board-list li", has_text=quiet)).to_be_visible(timeout=WAIT)
    expect(page.locator("#flash")).to_contain_text(watched["ref"], timeout=WAIT)
    expect(page.locator("#flash")).to_contain_text(incident["ref"])
    shoot(page, "board-hidden-dangers-panel")

    # resolving takes it off the board, live
    http.post(f"{server.url}/api/hidden-dangers/{danger['id']}/transitions", json={"action": "resolve"}, timeout=10)
    expect(panel).to_have_count(0, timeout=WAIT)


def test_command_promotes_a_hidden_danger_from_its_page_with_the_form_filled_in(open_session, server):
    title = unique("Homeowners threaten to block the road")
    danger = record_through_api(server, title, "medium")
    duty = open_session("duty", path=f"/hidden-dangers/{danger['id']}")
    page = duty.page
    page.get_by_role("button", name="Erupted: register incident").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("[name=title]")).to_have_value(title)
    expect(dialog.locator("[name=headcount]")).to_have_value("80")
    dialog.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"), timeout=WAIT)
    expect(page.locator("#facts")).to_contain_text(f"#{danger['id']}")
