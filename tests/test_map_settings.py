"""The map's settings: DISPATCH_MAP_TILES is an XYZ template of the intranet's tile server (its origin admitted by
the content policy) or nothing (the county outline shipped); DISPATCH_WALL_TURN_SECONDS a positive number."""
from __future__ import annotations

import pytest

from sqlalchemy import text

from config import load_config
from dispatch.db import db
from dispatch.demo import DEMO_PASSWORD, seed_units_and_users
from dispatch.models import metadata

from .support import another_app


@pytest.mark.parametrize("name, value", [
    ("DISPATCH_MAP_TILES", "tiles.intranet/{z}/{x}/{y}.png"), ("DISPATCH_MAP_TILES", "http://tiles.intranet/map.png"),
    ("DISPATCH_MAP_TILES", "javascript:alert(1)//{z}{x}{y}"), ("DISPATCH_WALL_TURN_SECONDS", "0"),
    ("DISPATCH_WALL_TURN_SECONDS", "soon")])
def test_a_bad_map_setting_stops_the_server_naming_it(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        load_config("test")


def test_the_intranet_tiles_are_the_base_layer_and_the_only_other_origin_of_images(monkeypatch, tmp_path):
    monkeypatch.setenv("DISPATCH_MAP_TILES", "http://tiles.county.intranet:8080/{z}/{x}/{y}.png")
    monkeypatch.setenv("DISPATCH_WALL_TURN_SECONDS", "7")
    with another_app(f"sqlite:///{tmp_path / 'tiles.db'}") as app, app.app_context():
        metadata.create_all(db.engine)
        db.session.execute(text("INSERT INTO event_counter (id, last_seq) VALUES (1, 0)"))
        db.session.commit()
        seed_units_and_users()
        page = _wall_as_leader(app)
    policy = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data: http://tiles.county.intranet:8080" in policy
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    body = page.get_data(as_text=True)
    assert '"tiles": "http://tiles.county.intranet:8080/{z}/{x}/{y}.png"' in body and '"turn_seconds": 7.0' in body


def _wall_as_leader(app):
    client = app.test_client()
    assert client.post("/api/session", json={"username": "leader", "password": DEMO_PASSWORD}).status_code == 200
    return client.get("/wall")
