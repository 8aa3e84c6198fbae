"""Likely duplicate listings: the same normalized address, or close by with a similar name,
and merging a pair staff found to be one place.

`flag_duplicates` checks a set of saved locations against the whole directory in a few
queries whatever their number, so a single save and a 25,000-row import use the same
code. Each pair found is stored once as a PossibleDuplicate for staff to merge or mark
"not a duplicate"; a pair that is already stored, whatever its status, is left alone,
so a pair staff told apart is never flagged again.
"""

import math
from collections.abc import Iterable

from django.db import connection

from ..domain.addresses import similar_names
from ..domain.geo import EARTH_RADIUS_MILES, METRES_PER_MILE, metres_between
from ..models import Location, PossibleDuplicate

NEARBY_METRES = 50
METRES_PER_DEGREE_LATITUDE = 2 * math.pi * EARTH_RADIUS_MILES * METRES_PER_MILE / 360

# Listings that can still be duplicates: not closed (merged ones are closed too).
ACTIVE = "l.status <> 'closed' AND l.merged_into_id IS NULL"

SAME_ADDRESS_SQL = f"""
SELECT p.id, l.id, l.latitude, l.longitude
FROM unnest(%s::bigint[], %s::text[]) AS p(id, address)
JOIN locations_location l ON l.normalized_address = p.address
WHERE l.id <> p.id AND {ACTIVE}
"""

# Places at a ZIP code's centre are not really anywhere near each other: only listings
# with coordinates of their own are compared by distance. Rows are matched by latitude
# band (1/2000 of a degree, 55 m: a place within 50 m is in the same band or the next
# one), with the expression of the location_latitude_band index; the box is a little
# wider than 50 m, and the exact distance is measured in Python.
BANDS_PER_DEGREE = 2000
NEARBY_SQL = f"""
SELECT p.id, l.id, l.name, l.latitude, l.longitude
FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::float8[], %s::float8[])
  AS p(id, band, lat, lng, dlng)
JOIN locations_location l ON FLOOR((l.latitude * {BANDS_PER_DEGREE})) = p.band
WHERE l.id <> p.id AND {ACTIVE} AND l.location_precision <> 'zip_centroid'
  AND l.latitude BETWEEN p.lat - %s AND p.lat + %s
  AND l.longitude BETWEEN p.lng - p.dlng AND p.lng + p.dlng
"""

INSERT_SQL = """
INSERT INTO locations_possibleduplicate
  (location_id, other_id, reason, distance_m, status, created_at)
SELECT p.location_id, p.other_id, p.reason, p.distance_m, %s, now()
FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::float8[])
  AS p(location_id, other_id, reason, distance_m)
ON CONFLICT DO NOTHING
RETURNING id
"""


def can_be_duplicate(location: Location) -> bool:
    return (
        location.pk is not None
        and location.status != Location.Status.CLOSED
        and location.merged_into_id is None
    )


def has_own_position(location: Location) -> bool:
    return (
        location.latitude is not None
        and location.longitude is not None
        and location.location_precision != Location.Precision.ZIP_CENTROID
    )


def find_duplicates(locations: Iterable[Location]) -> dict[tuple[int, int], tuple[str, float]]:
    """{(lower id, higher id): (reason, metres)} for each likely duplicate of these saved
    locations among the active listings; two queries whatever the number of locations."""
    sources = {location.pk: location for location in locations if can_be_duplicate(location)}
    pairs: dict[tuple[int, int], tuple[str, float | None]] = {}
    if not sources:
        return pairs
    addressed = [location for location in sources.values() if location.normalized_address]
    placed = [location for location in sources.values() if has_own_position(location)]
    with connection.cursor() as cursor:
        if addressed:
            cursor.execute(
                SAME_ADDRESS_SQL,
                [[x.pk for x in addressed], [x.normalized_address for x in addressed]],
            )
            for source_id, other_id, latitude, longitude in cursor.fetchall():
                source = sources[source_id]
                metres = metres_between(source.latitude, source.longitude, latitude, longitude)
                key = (min(source_id, other_id), max(source_id, other_id))
                pairs[key] = (PossibleDuplicate.Reason.SAME_ADDRESS, metres)
        if placed:
            lat_span = NEARBY_METRES / METRES_PER_DEGREE_LATITUDE * 1.01
            # Each place looks in its own band and the two either side.
            probes = [
                (x, band)
                for x in placed
                for middle in [math.floor(x.latitude * BANDS_PER_DEGREE)]
                for band in (middle - 1, middle, middle + 1)
            ]
            cursor.execute(
                NEARBY_SQL,
                [
                    [x.pk for x, _band in probes],
                    [float(band) for _x, band in probes],
                    [x.latitude for x, _band in probes],
                    [x.longitude for x, _band in probes],
                    [
                        lat_span / max(math.cos(math.radians(x.latitude)), 0.01)
                        for x, _band in probes
                    ],
                    lat_span,
                    lat_span,
                ],
            )
            for source_id, other_id, name, latitude, longitude in cursor.fetchall():
                key = (min(source_id, other_id), max(source_id, other_id))
                if key in pairs:
                    continue
                source = sources[source_id]
                metres = metres_between(source.latitude, source.longitude, latitude, longitude)
                if metres <= NEARBY_METRES and similar_names(source.name, name):
                    pairs[key] = (PossibleDuplicate.Reason.NEARBY, metres)
    return pairs


def flag_duplicates(locations: Iterable[Location]) -> list[int]:
    """Store the likely duplicates of these saved locations; return the ids of the pairs
    flagged now (a pair stored before, open or resolved, is not flagged again)."""
    pairs = find_duplicates(locations)
    if not pairs:
        return []
    keys = sorted(pairs)
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_SQL,
            [
                PossibleDuplicate.Status.OPEN,
                [low for low, _high in keys],
                [high for _low, high in keys],
                [pairs[key][0] for key in keys],
                [pairs[key][1] for key in keys],
            ],
        )
        return [pk for (pk,) in cursor.fetchall()]


OPEN_PAIRS_SQL = """
SELECT d.location_id, d.other_id, a.status, b.status
FROM locations_possibleduplicate d
JOIN locations_location a ON a.id = d.location_id
JOIN locations_location b ON b.id = d.other_id
WHERE d.status = %s AND (d.location_id = ANY(%s) OR d.other_id = ANY(%s))
"""


def to_hold(ids: Iterable[int]) -> set[int]:
    """Which of these listings, being published, must wait as drafts: those with an open
    possible-duplicate pair whose other listing is published. When both listings of a
    pair are being published at once, the newer one (the higher id) waits. One query."""
    ids = set(ids)
    if not ids:
        return set()
    held = set()
    published = Location.Status.PUBLISHED
    with connection.cursor() as cursor:
        cursor.execute(OPEN_PAIRS_SQL, [PossibleDuplicate.Status.OPEN, list(ids), list(ids)])
        for low, high, low_status, high_status in cursor.fetchall():
            if low in ids and high in ids:
                if low_status == high_status == published:
                    held.add(max(low, high))
            elif low in ids and low_status == published and high_status == published:
                held.add(low)
            elif high in ids and high_status == published and low_status == published:
                held.add(high)
    return held


def held_if_published(ids: Iterable[int]) -> set[int]:
    """Which of these unpublished listings would be held (see to_hold) if published now:
    those with an open pair whose other listing is published. One query."""
    ids = set(ids)
    if not ids:
        return set()
    held = set()
    published = Location.Status.PUBLISHED
    with connection.cursor() as cursor:
        cursor.execute(OPEN_PAIRS_SQL, [PossibleDuplicate.Status.OPEN, list(ids), list(ids)])
        for low, high, low_status, high_status in cursor.fetchall():
            if low in ids and high_status == published:
                held.add(low)
            if high in ids and low_status == published:
                held.add(high)
    return held
