"""Situation reports in a real browser: command publishes on the incident page, a leader's wall sees it arrive."""
from __future__ import annotations

import pytest

from .support import http_login
from .browser import WAIT, expect, register_through_api, shoot, unique

pytestmark = pytest.mark.browser

ID_NUMBER = "110101195306153019"
PHONE = "13812345678"


def arrange(server) -> dict:
    title = unique("欠薪农民工聚集县人社局门前 要求结清工程款")
    incident = register_through_api(server, title, level="III", headcount=86,
                                    demands="结清2025年度拖欠的全部工程款；追究包工头责任。")
    http = http_login(server.url, "duty")
    units = {unit["code"]: unit["id"] for unit in http.get(f"{server.url}/api/units", timeout=10).json()["items"]}
    for code, task_title in (("HRSS", "核实欠薪名单并约谈施工企业"), ("PSB", "维护现场秩序，疏导交通")):
        answer = http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10,
                           json={"unit_id": units[code], "title": task_title, "priority": "high"})
        assert answer.status_code == 201, answer.text
    answer = http.post(f"{server.url}/api/incidents/{incident['id']}/representatives", timeout=10,
                       json={"name": "王德明", "id_number": ID_NUMBER, "phone": PHONE, "note": "工人推选代表"})
    assert answer.status_code == 201, answer.text
    answer = http.post(f"{server.url}/api/incidents/{incident['id']}/headcount-reports", json={"headcount": 140},
                       timeout=10)
    assert answer.status_code == 201, answer.text
    return {**incident, "title": title}


def test_command_publishes_a_report_and_the_leaders_wall_sees_it_arrive(open_session, server):
    incident = arrange(server)
    leader = open_session("leader", path="/wall")
    leader_zh = open_session("leader", locale="zh-CN", path="/wall")
    duty = open_session("duty", path=f"/incidents/{incident['id']}")

    duty.page.click("#publish-report")
    kinds = duty.page.locator("#f-kind option")
    expect(kinds).to_have_text(["Initial report", "Follow-up report"])  # no final report before it is resolved
    duty.page.select_option("#f-kind", "initial")
    duty.page.fill("#f-summary", "现场情绪基本平稳，代表已推选。")
    duty.page.fill("#f-next_steps", "人社局今日内公布核实结果；公安局继续维护秩序。")
    shoot(duty.page, "report-publish-form")
    duty.page.locator("dialog button[type=submit]").click()

    expect(duty.page.locator("#reports li")).to_contain_text("Initial report", timeout=WAIT)
    expect(duty.page.locator("#timeline")).to_contain_text("Situation report published", timeout=WAIT)
    expect(duty.page.locator("#timeline")).to_contain_text("Initial report No. 1")
    shoot(duty.page, "report-incident-section")
    # the newest first, above the latest report the wall showed when it opened (the demo's)
    notice = leader.page.locator("#wall-reports .wall-report").first
    expect(notice).to_contain_text(incident["title"], timeout=WAIT)
    expect(notice).to_contain_text("Initial report", timeout=WAIT)
    expect(notice).to_contain_text(incident["title"])
    shoot(leader.page, "report-wall-notice")
    notice_zh = leader_zh.page.locator("#wall-reports .wall-report").first
    expect(notice_zh).to_contain_text("新情况报告", timeout=WAIT)
    expect(notice_zh).to_contain_text("初报 第 1 期")
    shoot(leader_zh.page, "report-wall-notice-zh")

    notice.click()
    leader.page.wait_for_url("**/reports/*")
    expect(leader.page.locator("h1")).to_have_text("Situation report")
    expect(leader.page.locator(".subject")).to_have_text(incident["title"])
    for lang in ("en", "zh"):
        leader.page.goto(f"{leader.page.url.split('?')[0]}?lang={lang}")
        html = leader.page.content()
        assert ID_NUMBER not in html and PHONE not in html and "140" in html
        shoot(leader.page, f"report-printable-{lang}")
    expect(leader.page.locator("h1")).to_have_text("情况报告")
    leader.page.emulate_media(media="print")
    expect(leader.page.locator(".report-tools")).to_be_hidden()


def test_the_printable_page_on_a_phone(open_session, server):
    incident = arrange(server)
    http = http_login(server.url, "duty")
    report = http.post(f"{server.url}/api/incidents/{incident['id']}/reports", timeout=30,
                       json={"kind": "initial", "next_steps": "继续做好疏导。"}).json()
    phone = open_session("psb", locale="zh-CN", viewport=(390, 844), is_mobile=True, has_touch=True)
    phone.page.goto(f"{server.url}/reports/{report['id']}")
    expect(phone.page.locator("h1")).to_have_text("情况报告")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shoot(phone.page, "report-printable-phone")
