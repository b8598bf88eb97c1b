"""Deterministic demo geometry: park polygons and points that always lie inside their county."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

KM_PER_DEG_LAT = 111.32


def km_to_deg(lat: float, km: float) -> tuple[float, float]:
    """(Δlon, Δlat) degrees spanning ``km`` at latitude ``lat``."""
    return km / (KM_PER_DEG_LAT * math.cos(math.radians(lat))), km / KM_PER_DEG_LAT


def park_polygon(rng: np.random.Generator, county: BaseGeometry, centre: tuple[float, float], radius_km: float) -> Polygon:
    """An irregular 12-sided polygon around ``centre`` clipped to lie well inside ``county`` (EPSG:4326)."""
    inner = county.buffer(-0.004)
    lon0, lat0 = centre
    if not inner.contains(Point(lon0, lat0)):
        p = inner.representative_point()
        lon0, lat0 = p.x, p.y
    dlon, dlat = km_to_deg(lat0, radius_km)
    angles = np.linspace(0, 2 * math.pi, 12, endpoint=False) + rng.uniform(0, 0.3)
    scale = rng.uniform(0.65, 1.15, size=12)
    ring = [(lon0 + dlon * s * math.cos(a), lat0 + dlat * s * math.sin(a)) for a, s in zip(angles, scale)]
    poly = shapely.make_valid(Polygon(ring)).intersection(inner)
    if poly.geom_type != "Polygon":  # keep the largest piece
        poly = max(getattr(poly, "geoms", [poly]), key=lambda g: g.area)
    return shapely.set_precision(poly, 1e-6)


def points_in(rng: np.random.Generator, area: BaseGeometry, n: int, margin: float = 0.0005) -> list[Point]:
    """``n`` random points inside ``area`` (rejection sampling, rounded to 1e-6° ≈ 0.1 m)."""
    inner = area.buffer(-margin) if area.area > margin * margin * 40 else area
    if inner.is_empty:
        inner = area
    minx, miny, maxx, maxy = inner.bounds
    prepared = shapely.prepared.prep(inner)
    out: list[Point] = []
    while len(out) < n:
        xs = rng.uniform(minx, maxx, size=max(8, 2 * (n - len(out))))
        ys = rng.uniform(miny, maxy, size=xs.size)
        for x, y in zip(xs, ys):
            p = Point(round(x, 6), round(y, 6))
            if prepared.contains(p):
                out.append(p)
                if len(out) == n:
                    break
    return out


def footprint(rng: np.random.Generator, centre: Point, area_m2: float) -> Polygon:
    """A rectangular building footprint of roughly ``area_m2`` around ``centre``."""
    side_ratio = rng.uniform(1.2, 2.5)
    w = math.sqrt(area_m2 * side_ratio)
    h = area_m2 / w
    dlon, dlat = km_to_deg(centre.y, w / 2000)
    _, dlat = km_to_deg(centre.y, h / 2000)
    return Polygon([(centre.x - dlon, centre.y - dlat), (centre.x + dlon, centre.y - dlat),
                    (centre.x + dlon, centre.y + dlat), (centre.x - dlon, centre.y + dlat)])
