"""Points on the map and the distances between them, in Python and in SQL."""

import math

from django.db import models
from django.db.models import F
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0
METRES_PER_MILE = 1609.344


class Point:
    """A place on the map the search measures from, with what to call it."""

    def __init__(
        self,
        latitude: float,
        longitude: float,
        label: str = "",
        state: str = "",
        suggestion: str = "",
        private: bool = False,
    ):
        self.latitude = latitude
        self.longitude = longitude
        self.label = label
        self.state = state
        # What the person may have meant instead ("40.7484,-73.9967" for swapped
        # coordinates), offered as a link; "" when nothing.
        self.suggestion = suggestion
        # Searched from a street address: pages make no link that would repeat it.
        self.private = private

    def __repr__(self) -> str:
        return f"Point({self.latitude}, {self.longitude}, {self.label!r}, {self.state!r})"


def bounding_box(point: Point, miles: float) -> tuple[float, float, float, float]:
    """The latitude/longitude box that holds every place within `miles` of `point`.

    Returns (min_lat, max_lat, min_lng, max_lng). When the box would cross the
    antimeridian or reach a pole, the longitude span is the whole globe and only
    latitude narrows the search.
    """
    lat_span = miles / MILES_PER_DEGREE_LATITUDE  # a little over the exact span
    min_lat, max_lat = point.latitude - lat_span, point.latitude + lat_span
    if abs(point.latitude) + lat_span >= 90:
        return (min_lat, max_lat, -180.0, 180.0)
    # The circle's widest reach east and west is on its poleward side, where degrees of
    # longitude are shortest: asin(sin(angle) / cos(latitude)), not angle / cos(latitude).
    reach = math.sin(math.radians(lat_span)) / math.cos(math.radians(point.latitude))
    if reach >= 1:
        return (min_lat, max_lat, -180.0, 180.0)
    lng_span = math.degrees(math.asin(reach))
    min_lng, max_lng = point.longitude - lng_span, point.longitude + lng_span
    if min_lng < -180 or max_lng > 180:
        return (min_lat, max_lat, -180.0, 180.0)
    return (min_lat, max_lat, min_lng, max_lng)


def miles_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in miles between two points, in Python."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dlat = (phi2 - phi1) / 2
    half_dlng = math.radians(lng2 - lng1) / 2
    a = math.sin(half_dlat) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlng) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def great_circle_miles(point: Point):
    """A SQL expression: haversine distance in miles from `point` to each row."""
    lat0 = math.radians(point.latitude)
    half_dlat = (Radians(F("latitude")) - lat0) / 2
    half_dlng = (Radians(F("longitude")) - math.radians(point.longitude)) / 2
    a = Power(Sin(half_dlat), 2) + math.cos(lat0) * Cos(Radians(F("latitude"))) * Power(
        Sin(half_dlng), 2
    )
    # LEAST guards ASIN against a rounding error just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_MILES * ASin(Sqrt(models.Func(a, 1.0, function="LEAST")))


def metres_between(lat1, lng1, lat2, lng2) -> float | None:
    """Distance in metres, or None when either point has no coordinates."""
    if None in (lat1, lng1, lat2, lng2):
        return None
    return miles_between(lat1, lng1, lat2, lng2) * METRES_PER_MILE
