"""The county's places: everyone reads them, the administrator keeps them; incidents and hidden dangers carry
coordinates checked against WGS 84; a headcount report of 0 says the crowd has gone."""
from __future__ import annotations

import pytest

from dispatch.db import db
from dispatch.demo import load_demo

from .conftest import reset_database
from .support import incident_payload
from .test_task_support import new_incident, unit_ids

GATE = {"name": "County government east gate", "name_zh": "县政府东门", "kind": "office", "lat": 30.2712,
        "lng": 120.1535}


def test_the_administrator_keeps_the_places_and_everyone_reads_them(client_for):
    admin = client_for("admin")
    created = admin.post("/api/places", json=GATE)
    assert created.status_code == 201, created.get_json()
    place = created.get_json()
    assert {k: place[k] for k in GATE} == GATE and place["id"]
    for who in ("duty", "leader", "psb"):
        assert client_for(who).get("/api/places").get_json()["items"] == [place]
    moved = admin.patch(f"/api/places/{place['id']}", json={"lat": 30.2715, "name_zh": "县政府东大门"}).get_json()
    assert moved["lat"] == 30.2715 and moved["name_zh"] == "县政府东大门" and moved["lng"] == GATE["lng"]
    assert admin.delete(f"/api/places/{place['id']}").status_code == 204
    assert client_for("duty").get("/api/places").get_json() == {"items": [], "total": 0}
    types = [e["type"] for e in admin.get("/api/events").get_json()["items"]]
    assert types == ["place.saved", "place.saved", "place.deleted"]


@pytest.mark.parametrize("who", ["duty", "leader", "psb"])
def test_only_the_administrator_writes_places(client_for, who):
    place = client_for("admin").post("/api/places", json=GATE).get_json()
    writer = client_for(who)
    assert writer.post("/api/places", json=GATE).status_code == 403
    assert writer.patch(f"/api/places/{place['id']}", json={"lat": 30.28}).status_code == 403
    assert writer.delete(f"/api/places/{place['id']}").status_code == 403
    assert client_for("admin").get("/api/places").get_json()["items"] == [place]


@pytest.mark.parametrize("field, value", [("lat", 90.5), ("lat", -91), ("lng", 180.01), ("lng", -200),
                                          ("lat", "north"), ("kind", "castle"), ("name", "")])
def test_a_place_out_of_range_is_refused_naming_the_field(client_for, field, value):
    admin = client_for("admin")
    response = admin.post("/api/places", json={**GATE, field: value})
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert admin.get("/api/places").get_json()["total"] == 0


@pytest.mark.parametrize("field, value", [("lat", 95), ("lng", -181)])
def test_incidents_and_hidden_dangers_refuse_coordinates_outside_wgs84(duty, field, value):
    assert new_incident(duty, lat=30.27, lng=120.15)["lat"] == 30.27
    refused = duty.post("/api/incidents", json={**incident_payload(), field: value})
    assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    danger = _danger(duty)
    assert duty.post("/api/hidden-dangers", json=danger).get_json()["lng"] == 120.25
    refused = duty.post("/api/hidden-dangers", json={**danger, field: value})
    assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    assert duty.get("/api/hidden-dangers").get_json()["total"] == 1
    assert duty.get("/api/incidents").get_json()["total"] == 1


def _danger(duty):
    return {"title": "Unpaid wages", "category": "wage_arrears", "location": "Qingshui village",
            "unit_id": unit_ids(duty)["TWN-E"], "people_affected": 30, "risk": "high",
            "description": "Two months unpaid.", "lat": 30.29, "lng": 120.25}


def test_a_headcount_of_zero_says_the_crowd_has_gone(duty):
    incident = new_incident(duty, headcount=120)
    response = duty.post(f"/api/incidents/{incident['id']}/headcount-reports", json={"headcount": 0})
    assert response.status_code == 201, response.get_json()
    shown = duty.get(f"/api/incidents/{incident['id']}").get_json()
    assert shown["headcount"] == 0 and shown["peak_headcount"] == 120
    assert duty.post(f"/api/incidents/{incident['id']}/headcount-reports", json={"headcount": -1}).status_code == 422


def test_the_demo_county_has_places_and_its_incidents_and_dangers_are_on_the_map(app, demo_language, client_for):
    with app.app_context():
        reset_database()
        load_demo()
        db.session.remove()
    duty = client_for("duty")
    places = duty.get("/api/places").get_json()["items"]
    assert len(places) >= 5 and {"township", "village", "office", "square"} <= {p["kind"] for p in places}
    assert all(30.1 < p["lat"] < 30.4 and 119.9 < p["lng"] < 120.4 for p in places)
    incidents = duty.get("/api/incidents").get_json()["items"]
    dangers = duty.get("/api/hidden-dangers").get_json()["items"]
    spots = {(p["lat"], p["lng"]) for p in places}
    assert all((row["lat"], row["lng"]) in spots for row in incidents + dangers)
