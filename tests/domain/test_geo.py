"""The search's bounding box holds the whole circle it stands for."""

import math
import random

from locations.domain.geo import EARTH_RADIUS_MILES, Point, bounding_box, miles_between


def point_at(lat: float, lng: float, miles: float, bearing: float) -> tuple[float, float]:
    """The point `miles` from (lat, lng) along `bearing` (radians) on the sphere."""
    angle = miles / EARTH_RADIUS_MILES
    phi, lam = math.radians(lat), math.radians(lng)
    phi2 = math.asin(
        math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(bearing)
    )
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lam2) + 180) % 360 - 180


def test_every_point_of_the_circle_is_in_the_box():
    rng = random.Random(3)
    for _ in range(300):
        lat, lng = rng.uniform(18, 65), rng.uniform(-160, -65)
        miles = rng.choice([1, 5, 25, 100, 700, 1500])
        min_lat, max_lat, min_lng, max_lng = bounding_box(Point(lat, lng), miles)
        for step in range(360):
            edge_lat, edge_lng = point_at(lat, lng, miles * (1 - 1e-9), math.radians(step))
            assert miles_between(lat, lng, edge_lat, edge_lng) <= miles
            assert min_lat <= edge_lat <= max_lat, (lat, lng, miles, step)
            assert min_lng <= edge_lng <= max_lng, (lat, lng, miles, step)


def test_the_box_reaches_east_and_west_no_further_than_it_must():
    # 711 miles from New York: Chicago's longitude is inside the box, just, as it is
    # within 711 miles; a box as wide as the angle over the cosine of the latitude
    # (the flat-map estimate) would have left it out.
    min_lat, max_lat, min_lng, max_lng = bounding_box(Point(40.7484, -73.9967), 712)

    assert miles_between(40.7484, -73.9967, 41.88, -87.63) < 712
    assert min_lng < -87.63
    assert min_lng > -87.9  # not much wider than the circle


def test_near_a_pole_the_box_is_every_longitude():
    assert bounding_box(Point(70.0, -150.0), 1500)[2:] == (-180.0, 180.0)
