"""The statistics page in a real browser: tables and charts in both languages, the period by keyboard,
a download, a phone's screen; only command and the leaders see it."""
from __future__ import annotations

import re

import pytest

from .support import http_login, incident_payload
from .browser import WAIT, expect, shoot, unique

pytestmark = pytest.mark.browser

WORDS = {"zh": {"title": "统计分析", "units": "按单位", "received": "接收任务数", "csv": "下载 CSV", "from": "开始日期"},
         "en": {"title": "Statistics", "units": "By unit", "received": "Tasks received", "csv": "Download CSV",
                "from": "From"}}


@pytest.fixture(scope="module")
def some_work(server):
    """An incident with a task claimed by PSB and one returned by LVB, so every table has rows."""
    http = http_login(server.url, "duty")
    units = {u["code"]: u["id"] for u in http.get(f"{server.url}/api/units?limit=100", timeout=10).json()["items"]}
    incident = http.post(f"{server.url}/api/incidents", json=incident_payload(title=unique("Statistics check")),
                         timeout=10).json()
    for code, action, extra in (("psb", "claim", {}), ("lvb", "return", {"reason": "Not ours."})):
        task = http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10,
                         json={"unit_id": units[code.upper()], "title": "Keep order", "priority": "high"}).json()
        answer = http_login(server.url, code).post(f"{server.url}/api/tasks/{task['id']}/transitions",
                                                   json={"action": action, **extra}, timeout=10)
        assert answer.status_code == 200, answer.text
    return incident


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_statistics_page_shows_tables_and_charts_in_both_languages(open_session, server, some_work, language):
    words = WORDS[language]
    leader = open_session("leader", path=f"/statistics?lang={language}")
    page = leader.page
    expect(page.locator("h1")).to_have_text(words["title"])
    expect(page.locator(".nav a[aria-current=page]")).to_have_text(words["title"])
    expect(page.locator("#stats-units-title")).to_have_text(words["units"])
    expect(page.locator("#stats-units thead th").nth(1)).to_have_text(words["received"])
    expect(page.locator("#stats-units tbody tr").first).to_be_visible()
    lvb = page.locator("#stats-units tbody tr", has_text="信访局" if language == "zh" else "Letters and Visits")
    expect(lvb.locator("td").nth(4)).to_have_text("1")  # its return
    # the charts are drawn (canvas) from the same tables
    for chart in ("#stats-units-chart", "#stats-incidents-chart"):
        expect(page.locator(chart)).to_have_attribute("data-rendered", "true", timeout=WAIT)
        expect(page.locator(f"{chart} canvas").first).to_be_visible()
    shoot(page, f"statistics-{language}")

    # a download: the same table as a file, headed in the page's language
    with page.expect_download() as caught:
        page.locator("a.download", has_text=words["csv"]).first.click()
    download = caught.value
    assert re.fullmatch(r"statistics-units-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv", download.suggested_filename)
    text = open(download.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0].split(",")[1] == words["received"]


def test_the_period_is_chosen_by_keyboard_and_a_bad_one_is_refused_beside_the_field(open_session, server, some_work):
    duty = open_session("duty", path="/statistics?lang=en")
    page = duty.page
    page.locator("#stats-from").focus()
    page.keyboard.type("03022026")  # the date control takes the digits of the day in the browser's order
    page.locator("#stats-to").focus()
    page.keyboard.type("03012026")
    page.keyboard.press("Enter")
    expect(page.locator("#stats-from")).to_have_attribute("aria-invalid", "true", timeout=WAIT)
    expect(page.locator("#stats-from-error")).to_contain_text("starts after it ends")
    page.locator("#stats-from").fill("2020-01-01")
    page.locator("#stats-to").fill("2100-12-31")
    page.locator("#stats-by").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # category -> month -> level
    page.keyboard.press("Tab")
    expect(page.locator(".stats-period button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"from=2020-01-01&to=2100-12-31&by=level"), timeout=WAIT)
    expect(page.locator("#stats-incidents thead th").first).to_have_text("Level")
    expect(page.locator("#stats-incidents tbody tr").first).to_be_visible()


def test_on_a_phone_the_tables_stay_readable(open_session, server, some_work):
    command = open_session("duty", path="/statistics?lang=zh", viewport=(390, 844), is_mobile=True, has_touch=True)
    page = command.page
    expect(page.locator("#stats-units-chart")).to_have_attribute("data-rendered", "true", timeout=WAIT)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px): only the tables' own frames may"
    shoot(page, "statistics-phone-zh")


def test_a_liaison_has_no_statistics(open_session, server):
    liaison = open_session("psb", path="/board?lang=en")
    expect(liaison.page.locator(".nav a", has_text="Statistics")).to_have_count(0)
    answer = liaison.page.goto(f"{server.url}/statistics")
    assert answer.status == 403


ANNOUNCED = """() => { const box = document.getElementById("stats-changed");
    return box.hidden ? 0 : Number(box.textContent.match(/\\d+/)[0]); }"""


def test_new_work_is_announced_on_an_open_statistics_page_and_counted_on_refresh(open_session, server, some_work):
    leader = open_session("leader", path="/statistics?lang=en")
    page = leader.page
    psb = page.locator("#stats-units tbody tr", has_text="Public Security")
    before = int(psb.locator("td").first.inner_text())
    # this browser's server is shared: another test's last writes may still land after the page was computed,
    # so the dispatch below is counted from whatever the page already announces
    already = page.evaluate(ANNOUNCED)
    http = http_login(server.url, "duty")
    units = {u["code"]: u["id"] for u in http.get(f"{server.url}/api/units?limit=100", timeout=10).json()["items"]}
    answer = http.post(f"{server.url}/api/incidents/{some_work['id']}/tasks", timeout=10,
                       json={"unit_id": units["PSB"], "title": "Second cordon", "priority": "high"})
    assert answer.status_code == 201, answer.text
    # announced live, with what to do; the figures do not move under the officer's eyes
    page.wait_for_function(f"({ANNOUNCED})() > {already}", timeout=WAIT)
    expect(page.locator("#stats-changed")).to_contain_text(
        f"Changes since these figures were computed: {page.evaluate(ANNOUNCED)}. Refresh to count them.")
    expect(psb.locator("td").first).to_have_text(str(before))
    page.locator("#stats-refresh").focus()
    page.keyboard.press("Enter")
    expect(psb.locator("td").first).to_have_text(str(before + 1), timeout=WAIT)
    expect(page.locator("#stats-changed")).to_be_hidden()
