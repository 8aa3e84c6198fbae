"""The places open in one minute, kept per process for the search fallback's "open now".

When a search for places open now finds none within its radius, the fallback lists the
nearest open ones farther away. In the hours when few places are open (at US night a
few percent of them), finding those in SQL walks thousands of closed places nearest
first, then reads every place within the farthest of the five it found, working out for
each whether it is open: about 12 ms of PostgreSQL's time a search.

Instead, the first such search in a minute reads every published place open then, with a
position (one statement, unless more than MAX_KEPT are open: then the SQL fallback
stays), and this process keeps their positions and the columns the filters test on a
grid of one-degree cells, per data version and minute (`open_places`). The fallbacks of
that minute find their nearest in a few cells (`OpenPlaces.nearest`) and read only
those places, by id.

`nearest` finds what the SQL fallback finds (tests/models/test_open_places.py): the
distance is the search's great-circle distance, the filters are its filters, and every
place as near as the last one kept is kept too, so that the list can break ties by name
as the search does. "Open" is read at the start of the minute, as the public cache keeps
an "open now" answer through its minute.
"""

import math
from datetime import datetime

from django.db import connections, router

from ..domain.geo import EARTH_RADIUS_MILES, Point
from ..domain.lru import LRU
from ..domain.open_status import OPEN_AT_SQL
from .nearby import Filters
from .places import OFFERINGS, Location

# More open places than this (daytime, when open places are near every search) are not
# kept: the SQL fallback finds open places quickly then.
MAX_KEPT = 10_000

# The offerings as bits of one number, in the order of OFFERINGS.
OFFERING_BITS = {name: 1 << number for number, (name, _label) in enumerate(OFFERINGS)}

OPEN_PLACES_SQL = (
    'SELECT "id", "latitude", "longitude", "kind", "languages", '
    + ", ".join(f'"{name}"' for name in OFFERING_BITS)
    + ' FROM "locations_location" '
    "WHERE status = 'published' AND latitude IS NOT NULL AND longitude IS NOT NULL AND "
    + OPEN_AT_SQL.replace("%s", "%(moment)s").strip()
    + " LIMIT %(limit)s"
)


def offering_mask(offerings) -> int:
    mask = 0
    for name in offerings:
        mask |= OFFERING_BITS[name]
    return mask


class OpenPlaces:
    """Places (all open at one moment) on a grid of one-degree cells of latitude and
    longitude: each place kept as (latitude, longitude, id, kind, offerings as bits,
    languages)."""

    def __init__(self, rows):
        self.cells: dict[tuple[int, int], list[tuple]] = {}
        # The lowest cosine of any kept place's latitude: how short a degree of longitude
        # can be anywhere among them (for the lower bound of a cell's distance).
        self.least_cosine = 1.0
        for place_id, latitude, longitude, kind, languages, *offerings in rows:
            mask = offering_mask(
                name for name, has in zip(OFFERING_BITS, offerings, strict=True) if has
            )
            place = (latitude, longitude, place_id, kind, mask, tuple(languages or ()))
            self.cells.setdefault(cell_of(latitude, longitude), []).append(place)
            self.least_cosine = min(self.least_cosine, math.cos(math.radians(latitude)))
        self.least_cosine = max(self.least_cosine, 0.0)

    def nearest(self, point: Point, filters: Filters, count: int) -> list[int]:
        """The ids of the `count` places nearest `point` that match `filters` (their
        "open now" aside: all of these are open), and of any other as near as the last of
        them; all that match when fewer do. Nearest first."""
        lat0 = math.radians(point.latitude)
        lng0 = math.radians(point.longitude)
        cos_lat0 = math.cos(lat0)
        kinds = set(filters.kinds)
        without = set(filters.without_kinds)
        needed = offering_mask(filters.offerings)
        languages = set(filters.languages)
        row, column = cell_of(point.latitude, point.longitude)
        found: list[tuple[float, int]] = []
        seen: set[tuple[int, int]] = set()
        unseen = len(self.cells)  # cells holding places not looked at yet
        for ring in range(0, 182):
            if 8 * ring > unseen:
                # Fewer cells hold places than this ring has cells: look at them all.
                cells = [cell for cell in self.cells if cell not in seen]
            else:
                cells = [cell for cell in ring_cells(row, column, ring) if cell in self.cells]
            for cell in cells:
                if cell in seen:
                    continue
                seen.add(cell)
                unseen -= 1
                for latitude, longitude, place_id, kind, mask, spoken in self.cells[cell]:
                    if kinds and kind not in kinds:
                        continue
                    if kind in without or mask & needed != needed:
                        continue
                    if languages and languages.isdisjoint(spoken):
                        continue
                    found.append((distance(lat0, lng0, cos_lat0, latitude, longitude), place_id))
            if not unseen:
                break  # every kept place was looked at
            if len(found) >= count:
                found.sort()
                farthest = found[count - 1][0]
                if farthest < self.beyond_ring(ring, cos_lat0):
                    break
        found.sort()
        if len(found) > count:
            farthest = found[count - 1][0]
            found = [(miles, place_id) for miles, place_id in found if miles <= farthest]
        return [place_id for _miles, place_id in found]

    def beyond_ring(self, ring: int, cos_lat0: float) -> float:
        """Miles that every place in a cell beyond `ring` (rings of cells around the
        searched point's cell) is at least from the point: such a place is more than
        `ring` degrees of latitude or of longitude away."""
        gap = math.radians(ring)
        # Latitude: a great circle is never shorter than the difference of latitudes.
        by_latitude = EARTH_RADIUS_MILES * gap
        # Longitude: sin²(θ/2) ≥ cos φ0 · cos φ · sin²(Δλ/2), cos φ at least least_cosine.
        reach = math.sqrt(cos_lat0 * self.least_cosine) * math.sin(min(gap, math.pi) / 2)
        by_longitude = 2 * EARTH_RADIUS_MILES * math.asin(min(reach, 1.0))
        return min(by_latitude, by_longitude)


def cell_of(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude), math.floor(longitude)


def ring_cells(row: int, column: int, ring: int):
    """The cells `ring` steps (in either direction) from (row, column), longitude wrapping
    round the globe."""
    if ring == 0:
        yield row, column
        return
    for step in range(-ring, ring + 1):
        for dr, dc in ((-ring, step), (ring, step), (step, -ring), (step, ring)):
            yield row + dr, (column + dc + 180) % 360 - 180


def distance(lat0: float, lng0: float, cos_lat0: float, latitude: float, longitude: float):
    """Miles, as the search's SQL works them out (nearby.DISTANCE_SQL)."""
    lat = math.radians(latitude)
    lng = math.radians(longitude)
    inner = (
        math.sin((lat - lat0) / 2) ** 2 + cos_lat0 * math.cos(lat) * math.sin((lng - lng0) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(inner, 1.0)))


# Per process: the last few minutes' open places, or TOO_MANY to keep.
kept = LRU(4)
TOO_MANY = False


def open_places(version: str, moment: datetime) -> OpenPlaces | None:
    """The places open at the start of `moment`'s minute under data version `version`,
    read once per process (one statement); None when more than MAX_KEPT are open."""
    minute = moment.replace(second=0, microsecond=0)
    key = (version, minute)
    places = kept.get(key)
    if places is not None:
        return places or None
    alias = router.db_for_read(Location)
    with connections[alias].prepared_cursor() as cursor:
        cursor.execute(OPEN_PLACES_SQL, {"moment": minute, "limit": MAX_KEPT + 1})
        rows = cursor.fetchall()
    places = OpenPlaces(rows) if len(rows) <= MAX_KEPT else TOO_MANY
    kept.put(key, places)
    return places or None
