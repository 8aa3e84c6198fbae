"""The search's page of places within a radius, in one SQL statement written once.

The search page and the API's search run this on every request the public cache does
not answer, so it is not rebuilt with the ORM each time: the statement for each set of
filters is put together once per process (`statement`, cached), and a request only
fills in its parameters. One statement brings the page, the number of places within
the radius (a window count over the same rows), each place's distance and its opening
hours; the rows become `Location` instances with `distance`, `hours_list` and `open_now`
(read from the hours at the search's moment), as `Location.objects.for_listing()` gives
them.

It says the same as `published().for_listing().with_open_now(moment)` followed by
`.near(point, miles)` (tests/models/test_nearby.py compares the two): the bounding box
lets PostgreSQL use the partial (latitude, longitude) index on published rows, the
great-circle distance trims the box's corners, and the order is distance, name, id.

The same way, written once: the search fallback's nearest matches (`nearest_matches`, a
walk of the GiST index of positions nearest first), places by id, and the mail-based
programs the fallback lists (`mail_based_serving`), which the fallback reads in the same
statement as its places (`with_mail_based`).
"""

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import connections, router
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils.translation import get_language

from ..domain.geo import EARTH_RADIUS_MILES, Point, bounding_box
from ..domain.open_status import OPEN_AT_SQL
from .places import OFFERINGS, Location

MAIL_BASED = Location.Kind.MAIL_BASED.value

# The columns a list shows, in the model's field order (what Location.from_db expects).
COLUMNS = tuple(
    field.attname
    for field in Location._meta.concrete_fields
    if field.attname in Location.LISTING_FIELDS
)
OFFERING_COLUMNS = frozenset(name for name, _label in OFFERINGS)
SELECTED_COLUMNS = ", ".join(f'"locations_location"."{name}"' for name in COLUMNS)

# Haversine, as domain.geo.great_circle_miles writes it for the ORM; LEAST guards ASIN
# against a rounding error just above 1.
DISTANCE_SQL = (
    f"{2 * EARTH_RADIUS_MILES!r} * ASIN(SQRT(LEAST("
    "POWER(SIN((RADIANS(latitude) - %(lat0)s) / 2), 2)"
    " + %(cos_lat0)s * COS(RADIANS(latitude))"
    " * POWER(SIN((RADIANS(longitude) - %(lng0)s) / 2), 2), 1.0)))"
)

# The hours as text, "0 09:00:00 17:00:00,1 09:00:00 17:00:00": a third of what building
# JSON costs PostgreSQL, for the twenty places of every page (read by `hours_of`).
HOURS_SQL = """COALESCE((
  SELECT string_agg(h.weekday || ' ' || h.opens || ' ' || h.closes, ','
                    ORDER BY h.weekday, h.opens)
  FROM locations_openinghours h WHERE h.location_id = "locations_location"."id"
), '')"""


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides the distance. `offerings` are column names of
    OFFERINGS that must be true; `kinds` the kinds kept (none: all); `languages` the
    spellings of which staff must speak one; `open_now` keeps places open at the
    search's moment."""

    kinds: tuple[str, ...] = ()
    offerings: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()
    without_kinds: tuple[str, ...] = ()  # kinds left out (no police; no mail in a fallback)
    open_now: bool = False

    def shape(self) -> tuple:
        """What decides the statement's text (the values are parameters)."""
        return (
            bool(self.kinds),
            tuple(sorted(self.offerings)),
            bool(self.languages),
            bool(self.without_kinds),
            self.open_now,
        )


def filter_conditions(shape: tuple) -> list[str]:
    """The SQL conditions of one shape of filters (see Filters.shape), the distance aside."""
    has_kinds, offerings, has_languages, has_without, open_now = shape
    unknown = set(offerings) - OFFERING_COLUMNS
    if unknown:  # column names go into the text: only the model's own
        raise ValueError(f"not an offering: {sorted(unknown)}")
    conditions = []
    if has_kinds:
        conditions.append("kind = ANY(%(kinds)s::varchar[])")
    conditions.extend(f'"{column}"' for column in offerings)
    if has_languages:
        conditions.append("languages && %(languages)s::varchar[]")
    if has_without:
        conditions.append("kind <> ALL(%(without_kinds)s::varchar[])")
    if open_now:
        conditions.append(OPEN_AT_SQL.replace("%s", "%(moment)s").strip())
    return conditions


@lru_cache(maxsize=256)
def statement(shape: tuple) -> str:
    """The SQL for one shape of filters (see Filters.shape): the page of rows, each with
    distance, its hours (HOURS_SQL) and the total within the radius. Whether a listed
    place is open is read from its hours in Python (the same rule, domain.open_status),
    not asked of PostgreSQL again for each row; the "open now" filter is SQL."""
    conditions = [
        "status = 'published'",
        "latitude BETWEEN %(min_lat)s AND %(max_lat)s",
        "longitude BETWEEN %(min_lng)s AND %(max_lng)s",
        f"{DISTANCE_SQL} <= %(miles)s",
        *filter_conditions(shape),
    ]
    where = "\n  AND ".join(conditions)
    return (
        f"SELECT {SELECTED_COLUMNS},\n  {DISTANCE_SQL} AS distance,\n"
        f"  {HOURS_SQL} AS hours,\n  COUNT(*) OVER () AS total\n"
        f'FROM "locations_location"\nWHERE {where}\n'
        'ORDER BY distance, "locations_location"."name", "locations_location"."id"\n'
        "LIMIT %(limit)s OFFSET %(offset)s"
    )


# The position the location_published_point index (GiST) holds, on a flat map of
# degrees: its <-> operator walks the index nearest first, and the filters are tested
# on the way, place by place, until enough match.
FLAT_POSITION = 'point("locations_location"."longitude", "locations_location"."latitude")'


@lru_cache(maxsize=256)
def nearest_statement(shape: tuple) -> str:
    """The SQL of nearest_matches for one shape of filters."""
    conditions = [
        "status = 'published'",
        "latitude IS NOT NULL",
        "longitude IS NOT NULL",
        *filter_conditions(shape),
    ]
    where = "\n  AND ".join(conditions)
    return (
        f'SELECT "locations_location"."id", {DISTANCE_SQL}\nFROM "locations_location"\n'
        f"WHERE {where}\nORDER BY {FLAT_POSITION} <-> point(%(lng)s, %(lat)s)\nLIMIT %(limit)s"
    )


def nearest_parameters(point: Point, filters: Filters, moment: datetime, count: int) -> dict:
    params = parameters(point, 0, filters, moment)
    params.update(lat=point.latitude, lng=point.longitude, limit=count)
    return params


def explain_nearest(point: Point, filters: Filters, moment: datetime, count: int) -> str:
    """PostgreSQL's plan of nearest_matches's statement (for the index test)."""
    alias = router.db_for_read(Location)
    with connections[alias].prepared_cursor() as cursor:
        cursor.execute(
            f"EXPLAIN {nearest_statement(filters.shape())}",
            nearest_parameters(point, filters, moment, count),
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def nearest_matches(
    point: Point, filters: Filters, moment: datetime, count: int
) -> list[tuple[int, float]]:
    """(id, distance in miles) of the `count` places matching the filters nearest `point`
    on a flat map of degrees, found through the GiST index without reading the places
    around them that do not match; fewer when fewer match anywhere.

    On the globe other places may be nearer than some of these (a degree of longitude is
    shorter than one of latitude), but none is farther than the farthest of them, so a
    search of that radius holds the true nearest."""
    alias = router.db_for_read(Location)
    params = nearest_parameters(point, filters, moment, count)
    with connections[alias].prepared_cursor() as cursor:
        cursor.execute(nearest_statement(filters.shape()), params)
        return cursor.fetchall()


def parameters(point: Point, miles: float, filters: Filters, moment: datetime) -> dict:
    min_lat, max_lat, min_lng, max_lng = bounding_box(point, miles)
    lat0 = math.radians(point.latitude)
    return {
        "lat0": lat0,
        "cos_lat0": math.cos(lat0),
        "lng0": math.radians(point.longitude),
        "min_lat": min_lat,
        "max_lat": max_lat,
        "min_lng": min_lng,
        "max_lng": max_lng,
        "miles": miles,
        "moment": moment,
        "kinds": list(filters.kinds),
        "languages": list(filters.languages),
        "without_kinds": list(filters.without_kinds),
    }


def listed_place(alias: str, values) -> Location:
    """A Location of the COLUMNS `values`, as Location.from_db makes it (the other fields
    deferred, loaded when read), without its per-field __init__: a tenth of the cost, for
    the twenty places of every search. from_db is used whenever something listens for the
    model's init signals, which this way would not send."""
    if pre_init.has_listeners(Location) or post_init.has_listeners(Location):
        return Location.from_db(alias, COLUMNS, values)
    place = Location.__new__(Location)
    state = ModelState()
    state.adding, state.db = False, alias
    place._state = state
    place.__dict__.update(zip(COLUMNS, values, strict=True))
    return place


def hours_of(text: str) -> list[dict]:
    """HOURS_SQL's text as the listing query's hours_list: [{"weekday": 0, "opens":
    "09:00:00", "closes": "17:00:00"}, ...]."""
    if not text:
        return []
    periods = []
    for period in text.split(","):
        weekday, opens, closes = period.split(" ")
        periods.append({"weekday": int(weekday), "opens": opens, "closes": closes})
    return periods


def nearby_page(
    point: Point,
    miles: float,
    filters: Filters,
    moment: datetime,
    offset: int,
    limit: int,
) -> tuple[list[Location], int | None]:
    """The places `offset` to `offset + limit` within `miles` of `point`, nearest first,
    and how many there are in all. The total is None when the page is empty (nothing
    within the radius, or a page past the last): the rows cannot say it then."""
    params = parameters(point, miles, filters, moment)
    params.update(limit=limit, offset=offset)
    return listed(statement(filters.shape()), params, moment)


def listed(sql: str, params: dict, moment: datetime) -> tuple[list[Location], int | None]:
    """Run a statement whose rows are COLUMNS, distance, hours (HOURS_SQL) and total: the
    places, as a list shows them at `moment`, and the last row's total."""
    alias = router.db_for_read(Location)
    with connections[alias].prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    places = []
    width = len(COLUMNS)
    total = None
    language = get_language()
    for row in rows:
        place = listed_place(alias, row[:width])
        place.distance, hours, total = row[width:]
        place.hours_list = hours_of(hours)
        # The page is of one moment, the search's: its cards say open or closed at it.
        status = place.__dict__["open_status_now"] = place.open_status(moment, language)
        place.open_now = status["open"] is True
        places.append(place)
    return places, total


BY_ID_STATEMENT = (
    f"SELECT {SELECTED_COLUMNS},\n  {DISTANCE_SQL} AS distance,\n  {HOURS_SQL} AS hours,\n"
    '  NULL AS total\nFROM "locations_location"\nWHERE "locations_location"."id" = ANY(%(ids)s)\n'
    'ORDER BY distance, "locations_location"."name", "locations_location"."id"'
)


@lru_cache(maxsize=2)
def mail_based_statement(in_a_state: bool) -> str:
    """The SQL of mail_based_serving, for a search in a state or not."""
    serving = "states_served = '{}'"
    if in_a_state:
        serving = f"({serving} OR states_served @> ARRAY[%(state)s]::varchar(2)[])"
    return (
        f"SELECT {SELECTED_COLUMNS},\n  {DISTANCE_SQL} AS distance,\n"
        f"  {HOURS_SQL} AS hours,\n  NULL AS total\n"
        f'FROM "locations_location"\n'
        f"WHERE status = 'published' AND kind = 'mail_based' AND {serving}\n"
        'ORDER BY distance NULLS LAST, "locations_location"."name", "locations_location"."id"\n'
        "LIMIT %(mail_limit)s"
    )


def mail_based_serving(point: Point, moment: datetime, limit: int) -> list[Location]:
    """The published mail-based programs that mail to the searched state (or, with no
    states listed, everywhere), nearest first, those without a position last; `limit` of
    them, as a list shows them (the same as the ORM's listing query says, in a statement
    written once)."""
    params = parameters(point, 0, Filters(), moment)
    params.update(state=point.state, mail_limit=limit)
    places, _total = listed(mail_based_statement(bool(point.state)), params, moment)
    return places


@lru_cache(maxsize=64)
def with_mail_based(sql: str, in_a_state: bool) -> str:
    """`sql` (rows as `listed` reads them, none of a mail-based program) followed by
    mail_based_serving's in the same answer: the places first, in their order, then the
    programs in theirs."""
    return (
        f"SELECT * FROM (\n({sql})\nUNION ALL\n({mail_based_statement(in_a_state)})\n) places\n"
        "ORDER BY kind = 'mail_based', distance NULLS LAST, name, id"
    )


def listed_and_mail_based(
    sql: str, params: dict, point: Point, moment: datetime, mail_limit: int
) -> tuple[list[Location], list[Location]]:
    """The places of `sql` with `params`, as `listed` gives them, and, in the same round
    trip, the mail-based programs mail_based_serving(point, moment, mail_limit) gives."""
    params = {**params, "state": point.state, "mail_limit": mail_limit}
    rows, _total = listed(with_mail_based(sql, bool(point.state)), params, moment)
    places = [place for place in rows if place.kind != MAIL_BASED]
    return places, rows[len(places) :]


def nearby_page_and_mail_based(
    point: Point, miles: float, filters: Filters, moment: datetime, limit: int, mail_limit: int
) -> tuple[list[Location], list[Location]]:
    """nearby_page's first `limit` places (filters that leave mail-based programs out) and
    mail_based_serving's programs, in one statement."""
    params = parameters(point, miles, filters, moment)
    params.update(limit=limit, offset=0)
    return listed_and_mail_based(statement(filters.shape()), params, point, moment, mail_limit)


def places_by_id_and_mail_based(
    point: Point, ids, moment: datetime, mail_limit: int
) -> tuple[list[Location], list[Location]]:
    """The places of these ids (none mail-based), nearest `point` first (as the page
    orders), and mail_based_serving's programs, in one statement."""
    params = parameters(point, 0, Filters(), moment)
    params["ids"] = list(ids)
    return listed_and_mail_based(BY_ID_STATEMENT, params, point, moment, mail_limit)


def count_nearby(point: Point, miles: float, filters: Filters, moment: datetime) -> int:
    """How many places are within `miles` of `point` (for a page past the last)."""
    alias = router.db_for_read(Location)
    params = parameters(point, miles, filters, moment)
    params.update(limit=1, offset=0)
    with connections[alias].prepared_cursor() as cursor:
        cursor.execute(statement(filters.shape()), params)
        row = cursor.fetchone()
    return row[-1] if row else 0


def explain_nearby(
    point: Point,
    miles: float,
    filters: Filters,
    moment: datetime,
    limit: int,
    analyze: bool = False,
) -> str:
    """PostgreSQL's plan of the statement for the first `limit` rows (EXPLAIN, with
    ANALYZE and BUFFERS when `analyze`): for operators, the benchmark and the index
    test."""
    alias = router.db_for_read(Location)
    params = parameters(point, miles, filters, moment)
    params.update(limit=limit, offset=0)
    options = "(ANALYZE, BUFFERS) " if analyze else ""
    with connections[alias].prepared_cursor() as cursor:
        cursor.execute(f"EXPLAIN {options}{statement(filters.shape())}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
