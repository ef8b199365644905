"""The county's places from a real XLSX workbook (a dry run, all or nothing, each bad row named), and coordinates
far outside the county refused on every surface that takes them."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from dispatch.facts import county
from dispatch.places.demo import PLACES

from .support import incident_payload, send_workbook
from .test_places import GATE, _danger

COLUMNS = ("name", "name_zh", "kind", "lat", "lng")
# a point of the county, and one in another province (Beijing)
SQUARE = ("People's Square", "人民广场", "square", 30.2745, 120.1570)
ELSEWHERE = {"lat": 39.9042, "lng": 116.4074}


def workbook(rows: list[tuple], columns=COLUMNS, sheet: str = "places") -> bytes:
    book = Workbook()
    book.active.title = sheet
    book.active.append(list(columns))
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(client, data: bytes, dry_run: bool = False, language: str = "en"):
    return send_workbook(client, "/api/places/import", data, dry_run, language)


@pytest.fixture
def admin(client_for):
    return client_for("admin")


def state(admin) -> tuple:
    return admin.get("/api/places").get_json(), admin.get("/api/events?limit=1").get_json()["last_seq"]


def test_a_dry_run_says_what_would_change_then_the_import_stores_it_with_its_events(admin, duty):
    gate = admin.post("/api/places", json=GATE).get_json()
    rows = [SQUARE,
            ("Qingshui village", "东乡镇清水村", "村", "30.2900", 120.25),  # the kind by its Chinese name, text degrees
            (GATE["name"], None, None, 30.2715, None)]  # a known place: only its latitude moves
    before = state(admin)
    dry = send(admin, workbook(rows), dry_run=True)
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json() == {"places": {"create": 2, "update": 1}, "errors": [], "changes": [
        {"row": 2, "name": "People's Square", "action": "create", "fields": []},
        {"row": 3, "name": "Qingshui village", "action": "create", "fields": []},
        {"row": 4, "name": GATE["name"], "action": "update", "fields": ["lat"]}]}
    assert state(admin) == before

    done = send(admin, workbook(rows))
    assert done.status_code == 200 and done.get_json()["places"] == {"create": 2, "update": 1}
    places = {p["name"]: p for p in duty.get("/api/places").get_json()["items"]}
    assert places["Qingshui village"]["kind"] == "village" and places["Qingshui village"]["lat"] == 30.29
    assert places[GATE["name"]] == {**gate, "lat": 30.2715}
    events = duty.get(f"/api/events?after={before[1]}").get_json()["items"]
    assert [(e["type"], e["data"]["place"]["name"]) for e in events] == [
        ("place.saved", "People's Square"), ("place.saved", "Qingshui village"), ("place.saved", GATE["name"])]
    again = send(admin, workbook(rows), dry_run=True).get_json()
    assert again == {"places": {"create": 0, "update": 0}, "changes": [], "errors": []}


BAD_ROWS = [
    # (row sent beside a good one, row number, field)
    (("North gate", None, "office", "north", 120.15), 3, "lat"),  # not a number
    (("North gate", None, "office", 95, 120.15), 3, "lat"),  # outside WGS 84
    (("North gate", None, "office", 30.27, -181), 3, "lng"),
    (("North gate", None, "office", ELSEWHERE["lat"], 120.15), 3, "lat"),  # another province
    (("North gate", None, "office", 30.27, ELSEWHERE["lng"]), 3, "lng"),
    (SQUARE, 3, "name"),  # twice in the file
    (("=HYPERLINK(\"http://x\")", None, "office", 30.27, 120.15), 3, "name"),  # a formula
    (("North gate", "北门\t", "office", 30.27, 120.15), 3, "name_zh"),  # a control character
    (("North gate", None, "castle", 30.27, 120.15), 3, "kind"),
    (("North gate", None, "office", None, 120.15), 3, "lat"),  # a new place needs its point
    ((None, "北门", "office", 30.27, 120.15), 3, "name"),
]


@pytest.mark.one_backend
@pytest.mark.parametrize("bad,row,field", BAD_ROWS)
def test_any_bad_row_refuses_the_whole_file_naming_sheet_row_and_field(admin, bad, row, field):
    data = workbook([SQUARE, bad])
    before = state(admin)
    response = send(admin, data)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert [{k: e[k] for k in ("sheet", "row", "field")} for e in errors] == [
        {"sheet": "places", "row": row, "field": field}] and errors[0]["message"]
    assert state(admin) == before
    dry = send(admin, data, dry_run=True)
    assert dry.status_code == 200 and dry.get_json()["errors"] == errors


@pytest.mark.one_backend
def test_a_bad_row_is_explained_in_the_users_language(admin):
    data = workbook([("North gate", None, "office", ELSEWHERE["lat"], 120.15)])
    english = send(admin, data, language="en").get_json()["errors"][0]["message"]
    chinese = send(admin, data, language="zh-CN").get_json()["errors"][0]["message"]
    assert "county" in english and "本县" in chinese


@pytest.mark.one_backend
def test_a_file_that_is_not_a_workbook_or_too_long_is_refused_and_nothing_stored(admin, app, monkeypatch):
    for data in (b"name,lat,lng\nGate,30.27,120.15\n", b"PK\x03\x04 not really a zip", b""):
        response = send(admin, data)
        assert response.status_code == 415 and "file" in response.get_json()["error"]["fields"]
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    rows = [(f"Village {n}", None, "village", 30.27, 120.15) for n in range(5)]
    response = send(admin, workbook(rows))
    assert response.status_code == 422
    assert {"sheet": "places", "row": 5, "field": None} in [
        {k: e[k] for k in ("sheet", "row", "field")} for e in response.get_json()["errors"]]
    (error,) = send(admin, workbook([SQUARE], sheet="Sheet1")).get_json()["errors"]
    assert "places" in error["message"]
    assert admin.get("/api/places").get_json()["total"] == 0


@pytest.mark.one_backend
def test_the_template_is_a_workbook_the_import_reads(admin):
    response = admin.get("/api/places/import/template.xlsx?lang=zh")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book["places"][1]] == list(COLUMNS)
    assert any("纬度" in (row[2] or "") for row in book["notes"].iter_rows(values_only=True))
    empty = send(admin, response.data, dry_run=True)
    assert empty.status_code == 200 and empty.get_json()["errors"] == []


@pytest.mark.one_backend
@pytest.mark.parametrize("field", ["lat", "lng"])
def test_a_point_in_another_province_is_refused_on_every_surface_and_one_in_the_county_taken(admin, duty, field):
    far = {field: ELSEWHERE[field]}
    surfaces = [(admin, "/api/places", GATE), (duty, "/api/incidents", incident_payload(lat=30.27, lng=120.15)),
                (duty, "/api/hidden-dangers", _danger(duty))]
    for client, path, body in surfaces:
        refused = client.post(path, json={**body, **far})
        assert refused.status_code == 422 and list(refused.get_json()["error"]["fields"]) == [field], path
        assert client.get(path).get_json()["total"] == 0
        assert client.post(path, json=body).status_code == 201, path
    incident = duty.get("/api/incidents").get_json()["items"][0]
    moved = duty.patch(f"/api/incidents/{incident['id']}", json={"version": incident["version"], **far})
    assert moved.status_code == 422 and field in moved.get_json()["error"]["fields"]


def test_every_demo_place_is_in_the_county_and_the_outline_is_read_once(app):
    with app.app_context():
        county.outline_box()
        misses = county._outline_box.cache_info().misses
        box = county.county_box()
        assert all(box.holds(lat, lng) for _kind, _name, _zh, lat, lng in PLACES)
        assert not box.holds(ELSEWHERE["lat"], ELSEWHERE["lng"])
        county.county_box()
        assert county._outline_box.cache_info().misses == misses
