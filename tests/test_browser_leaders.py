"""The leaders' picture in a real browser: the county map (served from this server, nothing fetched from outside),
places and map clicks in the forms (by keyboard too), reports signed off, and a wall that never hides.

One server with the demo data for the module (its places, its located incidents and hidden dangers); each test
signs in its own users. Screenshots in both languages, on a phone and at the wall's 1920x1080."""
from __future__ import annotations

import re

import pytest
import requests

from .support import PASSWORD, http_login, running_server
from .test_browser import browser, expect, expect_live, fresh_state, open_session, shoot, unique  # noqa: F401

pytestmark = pytest.mark.browser
WAIT = 15_000
PHONE = dict(viewport=(390, 844), is_mobile=True, has_touch=True, device_scale_factor=2)
WALL = dict(viewport=(1920, 1080))
TURN_SECONDS = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaders")
    with running_server(f"sqlite:///{folder / 'leaders.db'}", instance_dir=folder,
                        env={"DISPATCH_HEARTBEAT_SECONDS": "1",
                             "DISPATCH_WALL_TURN_SECONDS": str(TURN_SECONDS)}) as running:
        yield running


def api(server, username: str) -> requests.Session:
    return http_login(server.url, username)


def located_on_board(server) -> int:
    items = api(server, "duty").get(f"{server.url}/api/incidents?status=on_board&limit=500").json()["items"]
    return sum(1 for item in items if item["lat"] is not None)


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_board_shows_a_map_with_a_pin_per_located_incident_from_this_server_only(open_session, server, locale):
    duty = open_session("duty", locale=locale, path="/board")
    page = duty.page
    expect(page.locator("#situation-map path.township").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#situation-map .incident-pin")).to_have_count(located_on_board(server), timeout=WAIT)
    assert page.locator("#situation-map .danger-pin").count() >= 1  # the demo's high-risk hidden danger
    # a pin is a link reached by keyboard
    pin = page.locator("#situation-map .leaflet-marker-icon").first
    pin.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/(incidents|hidden-dangers)/\d+$"), timeout=WAIT)
    duty.page.goto(f"{server.url}/board")
    expect(page.locator("#situation-map .incident-pin").first).to_be_visible(timeout=WAIT)
    shoot(page, f"leaders-board-map-{locale[:2]}")
    assert any("/static/vendor/leaflet/leaflet.js" in url for url in duty.urls)
    assert any("/static/geo/townships.geojson" in url for url in duty.urls)


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_on_a_phone_the_incident_form_takes_a_place_or_a_point_on_the_map(open_session, server, locale):
    duty = open_session("duty", locale=locale, path="/board", **PHONE)
    page = duty.page
    page.locator("#new-incident").click()
    dialog = page.locator("dialog[open]")
    title = unique("Gathering at the square")
    dialog.locator("#f-title").fill(title)
    dialog.locator("#f-location").fill("People's Square")
    square = "People's Square · Square" if locale.startswith("en") else "人民广场 · 广场"
    expect(dialog.locator("#f-point-place option", has_text=square)).to_have_count(1, timeout=WAIT)
    dialog.locator("#f-point-place").select_option(label=square)
    expect(dialog.locator(".place-point")).to_contain_text("30.27450, 120.15700")
    expect(dialog.locator(".picker-map path.township").first).to_be_visible(timeout=WAIT)
    shoot(page, f"leaders-phone-incident-form-{locale[:2]}")
    dialog.locator("#f-headcount").fill("40")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0, timeout=WAIT)
    session = api(server, "duty")
    [made] = [i for i in session.get(f"{server.url}/api/incidents?q={title.split()[-1]}").json()["items"]]
    assert (made["lat"], made["lng"]) == (30.2745, 120.157)
    # by keyboard: focus the map, move with the arrows, Enter takes the centre
    page.goto(f"{server.url}/incidents/{made['id']}")
    expect_live(page)
    page.locator("#edit-incident, button:has-text('Edit'), button:has-text('编辑')").first.click()
    dialog = page.locator("dialog[open]")
    picker = dialog.locator(".picker-map")
    expect(picker.locator("path.township").first).to_be_visible(timeout=WAIT)
    picker.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(dialog.locator(".place-point")).not_to_contain_text("30.27450, 120.15700")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0, timeout=WAIT)
    moved = session.get(f"{server.url}/api/incidents/{made['id']}").json()
    assert moved["lng"] != 120.157 and 119 < moved["lng"] < 121 and 29 < moved["lat"] < 31
    expect(page.locator("#situation-map .incident-pin")).to_have_count(1, timeout=WAIT)
