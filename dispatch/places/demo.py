"""The demo county's places (API.md, "Demo data"): its townships' seats, villages, offices and a square, where the
demo incidents and hidden dangers happen. Coordinates are WGS 84; static/geo/townships.geojson outlines the same
county."""
from __future__ import annotations

from sqlalchemy import select

from ..auth.models import User
from ..db import db
from . import service

# (kind, name, Chinese name, lat, lng)
PLACES = [
    ("office", "County government east gate", "县政府东门", 30.2712, 120.1535),
    ("office", "Letters and Visits reception hall", "县信访局接待大厅", 30.2668, 120.1462),
    ("square", "People's Square", "人民广场", 30.2745, 120.1570),
    ("township", "East Township government", "东乡镇人民政府", 30.2650, 120.2350),
    ("township", "West Township government", "西乡镇人民政府", 30.2600, 120.0600),
    ("village", "Qingshui village", "东乡镇清水村", 30.2900, 120.2500),
    ("village", "Xinhe village", "西乡镇新河村", 30.2850, 120.0450),
    ("village", "Hexi village", "西乡镇河西村", 30.2350, 120.0800),
    ("village", "Shangwan village", "西乡镇上湾村", 30.2200, 120.0400),
    ("other", "Riverside Garden, Binjiang Road", "滨江路滨江花园", 30.2300, 120.1650),
    ("other", "North Industrial Park", "县城北工业园区", 30.3150, 120.1500),
]
# where each demo incident (dispatch/demo.py FACTS, in order) happened: the first at the government's gate
INCIDENT_PLACES = ("County government east gate", "Letters and Visits reception hall", "Xinhe village",
                   "Riverside Garden, Binjiang Road")
# where each demo hidden danger (dispatch/hidden_dangers/demo.py FACTS, in order) is
HIDDEN_DANGER_PLACES = ("Qingshui village", "North Industrial Park", "Xinhe village", "Shangwan village")


def coordinates(name: str) -> dict[str, float]:
    kind, _name, _zh, lat, lng = next(place for place in PLACES if place[1] == name)
    return {"lat": lat, "lng": lng}


def seed() -> None:
    """Called by dispatch.demo.load_demo before the incidents; the administrator keeps the places."""
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    for kind, name, name_zh, lat, lng in PLACES:
        service.create_place(actor=admin, data={"kind": kind, "name": name, "name_zh": name_zh, "lat": lat, "lng": lng})
