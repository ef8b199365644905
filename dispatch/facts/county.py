"""Where the county is: the box around its outline, widened by a margin, that every coordinate must fall in.

A point can be valid WGS 84 and still a slip that puts an incident in another
province (latitude and longitude swapped, a digit dropped, a place copied from
a map of somewhere else). Places, incidents and hidden dangers take only points
within the bounding box of the county's outline, the GeoJSON the map draws when
there is no tile server (`static/geo/townships.geojson`; a real county replaces
the file with its own), plus `COUNTY_MARGIN_KM` on every side. The box is read
from the file once per version of it (its modification time), not per request.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError, fields

from ..schemas import LAT, LNG

# under the static folder: the map fetches the same file (dispatch/pages/views.py)
OUTLINE = "geo/townships.geojson"
KM_PER_DEGREE_OF_LATITUDE = 111.32


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    def widened(self, km: float) -> "Box":
        """The box with `km` more on every side (a degree of longitude shrinks towards the poles)."""
        dlat = km / KM_PER_DEGREE_OF_LATITUDE
        widest = max(abs(self.south), abs(self.north))
        dlng = km / (KM_PER_DEGREE_OF_LATITUDE * max(math.cos(math.radians(widest)), 0.01))
        return Box(max(self.south - dlat, -90), max(self.west - dlng, -180), min(self.north + dlat, 90),
                   min(self.east + dlng, 180))

    def holds(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east


class NoOutline(ValueError):
    """The county's outline cannot be read, or holds no point."""


def outline_path() -> Path:
    return Path(current_app.static_folder or "static") / OUTLINE


def _positions(coordinates: Any) -> Iterator[tuple[float, float]]:
    """Every [lng, lat] of a GeoJSON geometry's coordinates, however deeply nested."""
    if isinstance(coordinates, list) and len(coordinates) >= 2 and all(
            isinstance(n, (int, float)) and not isinstance(n, bool) for n in coordinates[:2]):
        yield float(coordinates[0]), float(coordinates[1])
    elif isinstance(coordinates, list):
        for part in coordinates:
            yield from _positions(part)


def _geometries(geo: Any) -> Iterator[dict]:
    if not isinstance(geo, dict):
        return
    if geo.get("type") == "FeatureCollection":
        for feature in geo.get("features") or []:
            yield from _geometries(feature)
    elif geo.get("type") == "Feature":
        yield from _geometries(geo.get("geometry"))
    elif geo.get("type") == "GeometryCollection":
        for geometry in geo.get("geometries") or []:
            yield from _geometries(geometry)
    elif "coordinates" in geo:
        yield geo


@lru_cache(maxsize=4)
def _outline_box(path: str, version: int) -> Box:
    try:
        geo = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as failure:
        raise NoOutline(f"the county's outline {path} cannot be read: {failure}") from None
    points = [(lng, lat) for geometry in _geometries(geo) for lng, lat in _positions(geometry["coordinates"])]
    points = [(lng, lat) for lng, lat in points if -180 <= lng <= 180 and -90 <= lat <= 90]
    if not points:
        raise NoOutline(f"the county's outline {path} holds no WGS 84 point")
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    return Box(south=min(lats), west=min(lngs), north=max(lats), east=max(lngs))


def outline_box() -> Box:
    """The bounding box of the county's outline file, as it is now."""
    path = outline_path()
    try:
        version = path.stat().st_mtime_ns
    except OSError as failure:
        raise NoOutline(f"the county's outline {path} cannot be read: {failure}") from None
    return _outline_box(str(path), version)


def county_box() -> Box:
    """Where a point of this county may be: its outline's box and COUNTY_MARGIN_KM around it."""
    return outline_box().widened(current_app.config["COUNTY_MARGIN_KM"])


def _in_county(axis: str):
    def check(value: float | None) -> None:
        if value is None or not (-90 <= value <= 90 if axis == "lat" else -180 <= value <= 180):
            return  # outside WGS 84: the range check names it
        box = county_box()
        low, high = (box.south, box.north) if axis == "lat" else (box.west, box.east)
        if not low <= value <= high:
            km = f"{current_app.config['COUNTY_MARGIN_KM']:g}"
            message = (_("Far outside the county: a latitude here lies between {low} and {high} (the county's "
                         "outline and {km} km around it).") if axis == "lat" else
                       _("Far outside the county: a longitude here lies between {low} and {high} (the county's "
                         "outline and {km} km around it)."))
            raise ValidationError(message.format(low=f"{low:.4f}", high=f"{high:.4f}", km=km))
    return check


def latitude(**kwargs: Any) -> fields.Float:
    """A latitude in WGS 84 and in the county (a field of an input schema)."""
    return fields.Float(validate=[LAT, _in_county("lat")], allow_nan=False, **kwargs)


def longitude(**kwargs: Any) -> fields.Float:
    """A longitude in WGS 84 and in the county (a field of an input schema)."""
    return fields.Float(validate=[LNG, _in_county("lng")], allow_nan=False, **kwargs)
