"""Response plans in a real browser: command applies one on the incident page by keyboard, sees what it dispatches
before confirming, and every task appears live, for command and the units; the plans page writes, edits and
deletes plans, live on a leader's screen."""
from __future__ import annotations

import pytest

from .support import http_login, incident_payload
from .browser import WAIT, expect, shoot, unique

pytestmark = pytest.mark.browser

# the demo's plan for wage arrears at level II (the demo is written in Chinese): four tasks, HRSS leading the first
PLAN_II = "欠薪群体性事件Ⅱ级响应预案"
WORDS = {"zh": {"apply": "启动预案", "done": "预案已启动：已交办 4 项任务", "applied": "（已启动）", "matching": "适用于本事件类别和级别"},
         "en": {"apply": "Apply response plan", "done": "Response plan applied: 4 tasks dispatched",
                "applied": "(applied)", "matching": "For this category and level"}}


def units(http, server) -> dict[str, int]:
    return {u["code"]: u["id"] for u in http.get(f"{server.url}/api/units?limit=100", timeout=10).json()["items"]}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_command_applies_a_plan_by_keyboard_and_every_task_appears_live(open_session, server, language):
    http = http_login(server.url, "duty")
    title = unique("县建筑工地农民工讨薪" if language == "zh" else "Builders ask for unpaid wages")
    incident = http.post(f"{server.url}/api/incidents", json=incident_payload(title=title, level="II"), timeout=10).json()
    hrss = open_session("hrss", path="/queue", locale="zh-CN" if language == "zh" else "en-GB")
    duty = open_session("duty", path=f"/incidents/{incident['id']}?lang={language}")
    page, words = duty.page, WORDS[language]

    select = page.locator("#rp-select")
    expect(select.locator(f"optgroup[label='{words['matching']}'] option").first).to_have_text(PLAN_II)
    page.keyboard.press("p")
    expect(select).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("h2")).to_contain_text(PLAN_II)
    expect(dialog.locator("table.rp-tasks tbody tr")).to_have_count(4)
    expect(dialog.locator("button[type=submit]")).to_be_focused()
    shoot(page, f"response-plan-apply-{language}")

    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0, timeout=WAIT)
    expect(page.locator("#flash")).to_contain_text(words["done"], timeout=WAIT)
    expect(page.locator("#tasks li.task")).to_have_count(4, timeout=WAIT)
    expect(select.locator("option", has_text=PLAN_II)).to_have_text(f"{PLAN_II}{words['applied']}" if language == "zh"
                                                                    else f"{PLAN_II} {words['applied']}")
    expect(select.locator("option", has_text=PLAN_II)).to_be_disabled()
    expect(select).to_have_value("")  # no other plan is chosen for command by default
    expect(page.locator("#timeline li[data-type='response_plan.applied']")).to_contain_text(PLAN_II)
    shoot(page, f"response-plan-applied-{language}")

    # the unit's own screen has its task, live, as for any dispatched task
    mine = hrss.page.locator("#queue-tasks li", has_text=title).filter(has_text="核实欠薪情况并约谈用工单位")
    expect(mine).to_be_visible(timeout=WAIT)
    # and a second time is refused, changing nothing
    plan_id = int(select.locator("option", has_text=PLAN_II).get_attribute("value"))
    again = http.post(f"{server.url}/api/incidents/{incident['id']}/response-plans/{plan_id}/apply", json={}, timeout=10)
    assert again.status_code == 409
    tasks = http.get(f"{server.url}/api/tasks?incident_id={incident['id']}", timeout=10).json()
    assert tasks["total"] == 4


def test_the_plans_page_writes_edits_and_deletes_a_plan_live_for_a_leader(open_session, server):
    leader = open_session("leader", path="/response-plans?lang=en")
    expect(leader.page.locator(".rp-plan")).to_have_count(9)  # the demo's
    expect(leader.page.locator("#new-response-plan")).to_have_count(0)
    expect(leader.page.locator(".rp-plan button")).to_have_count(0)
    duty = open_session("duty", path="/response-plans?lang=en")
    page = duty.page
    page.select_option("#rp-level", "I")
    expect(page.locator(".rp-plan")).to_have_count(3)
    page.select_option("#rp-level", "")

    name = unique("Unpaid wages at a small workshop")
    page.keyboard.press("n")
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=name]").fill(name)
    dialog.locator("[name=category]").select_option("wage_arrears")
    dialog.locator("[name=levels][value=III]").check()
    dialog.locator("[name=levels][value=IV]").check()
    first = units(http_login(server.url, "duty"), server)
    dialog.locator("[name='tasks.0.unit_id']").select_option(str(first["HRSS"]))
    dialog.locator("[name='tasks.0.title']").fill("Talk to the workshop owner")
    dialog.locator("#rp-add-task").click()
    dialog.locator("[name='tasks.1.unit_id']").select_option(str(first["LVB"]))
    dialog.locator("[name='tasks.1.title']").fill("Receive the workers")
    dialog.locator("[name='tasks.1.due_in_minutes']").fill("0")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("#f-tasks\\.1\\.due_in_minutes-error")).not_to_be_empty()
    expect(dialog.locator("[name='tasks.0.title']")).to_have_value("Talk to the workshop owner")  # kept as typed
    dialog.locator("[name='tasks.1.due_in_minutes']").fill("30")
    shoot(page, "response-plan-form-en")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0, timeout=WAIT)

    card = leader.page.locator(".rp-plan", has_text=name)
    expect(card).to_be_visible(timeout=WAIT)
    expect(card.locator("tbody tr")).to_have_count(2)
    expect(card).to_contain_text("within 30 min")

    page.locator(".rp-plan", has_text=name).get_by_role("button", name="Edit").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_role("button", name="Remove this task 2").click()
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0, timeout=WAIT)
    expect(card.locator("tbody tr")).to_have_count(1, timeout=WAIT)
    shoot(leader.page, "response-plans-leader-en")

    page.locator(".rp-plan", has_text=name).get_by_role("button", name="Delete").click()
    page.locator("dialog[open] button[type=submit]").click()
    expect(card).to_have_count(0, timeout=WAIT)
    expect(page.locator(".rp-plan", has_text=name)).to_have_count(0)


def test_the_plans_page_reads_in_chinese_on_a_phone(open_session, server):
    liaison = open_session("hrss", path="/response-plans?lang=zh", locale="zh-CN", viewport=(390, 844),
                           is_mobile=True, has_touch=True)
    page = liaison.page
    expect(page.locator("h1")).to_have_text("应急预案")
    expect(page.locator(".rp-plan").first).to_contain_text("项任务")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "response-plans-phone-zh")
