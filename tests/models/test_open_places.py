"""The places open in a minute, kept per process: the "open now" fallback finds among
them what the SQL fallback finds, reads them once a minute and data version, and leaves
the work to SQL when too many are open."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict

from locations.domain.geo import Point
from locations.models import OFFERINGS, Location
from locations.models import open_places as kept_module
from locations.models.nearby import Filters
from locations.models.open_places import OFFERING_BITS, OpenPlaces, open_places
from locations.search import SearchForm, run_search
from locations.services import cache_version
from tests.factories import make_location

# Monday 00:30 in New York: the places open past midnight, and those open all day.
NIGHT = datetime(2026, 12, 7, 5, 30, 20, tzinfo=UTC)
MAIL = Location.Kind.MAIL_BASED.value


def row(place_id, latitude, longitude, kind="pharmacy", languages=(), **offerings):
    """A row as the statement reads it: id, position, kind, languages, the offerings."""
    flags = [offerings.get(name, False) for name in OFFERING_BITS]
    return (place_id, latitude, longitude, kind, list(languages), *flags)


OPEN = Filters(open_now=True, without_kinds=(MAIL,))


def test_the_nearest_is_on_the_globe_not_on_a_flat_map():
    """In Alaska a degree of longitude is half a degree of latitude: the place a degree
    east (35 miles) is nearer than five 0.8 of a degree north (55 miles)."""
    north = [row(n, 60.8 + n / 1000, -150.0) for n in range(1, 6)]
    kept = OpenPlaces([*north, row(9, 60.0, -149.0)])

    assert kept.nearest(Point(60.0, -150.0), OPEN, 5) == [9, 1, 2, 3, 4]


def test_the_nearest_across_the_date_line():
    kept = OpenPlaces([row(1, 52.0, -179.9), row(2, 52.0, 178.0), row(3, 52.0, 175.0)])

    assert kept.nearest(Point(52.0, 179.9), OPEN, 2) == [1, 2]


def test_every_place_as_near_as_the_last_is_kept_for_the_tie():
    """Two places at one spot (a ZIP code's centre) tie for fifth: both come back, and
    the list orders them by name, as the page does."""
    places = [row(n, 40.0 + n / 10, -75.0) for n in range(1, 5)]
    kept = OpenPlaces([*places, row(8, 40.5, -75.0), row(9, 40.5, -75.0), row(10, 41.0, -75.0)])

    assert kept.nearest(Point(40.0, -75.0), OPEN, 5) == [1, 2, 3, 4, 8, 9]


def test_the_filters_are_the_searchs():
    kept = OpenPlaces(
        [
            row(1, 40.01, -75.0, kind="law_enforcement", free_naloxone=True),
            row(2, 40.02, -75.0, kind="mail_based", free_naloxone=True),
            row(3, 40.03, -75.0, languages=["Español"], free_naloxone=True, walk_in=True),
            row(4, 40.04, -75.0, kind="clinic", free_naloxone=True),
            row(5, 40.05, -75.0),
        ]
    )
    here = Point(40.0, -75.0)

    assert kept.nearest(here, OPEN, 9) == [1, 3, 4, 5]
    free = Filters(offerings=frozenset({"free_naloxone"}), without_kinds=(MAIL,), open_now=True)
    assert kept.nearest(here, free, 9) == [1, 3, 4]
    both = Filters(offerings=frozenset({"free_naloxone", "walk_in"}), open_now=True)
    assert kept.nearest(here, both, 9) == [3]
    assert kept.nearest(here, Filters(kinds=("clinic", "pharmacy"), open_now=True), 9) == [
        3, 4, 5,
    ]  # fmt: skip
    no_police = Filters(without_kinds=("law_enforcement", MAIL), open_now=True)
    assert kept.nearest(here, no_police, 9) == [3, 4, 5]
    assert kept.nearest(here, Filters(languages=("Español", "español"), open_now=True), 9) == [3]
    assert kept.nearest(here, Filters(languages=("Spanish",), open_now=True), 9) == []


def test_far_away_and_nothing_at_all():
    kept = OpenPlaces([row(1, 21.3, -157.8), row(2, 64.8, -147.7)])

    # From Miami, Fairbanks (about 4,100 miles) before Honolulu (about 4,700).
    assert kept.nearest(Point(25.8, -80.2), OPEN, 5) == [2, 1]
    assert OpenPlaces([]).nearest(Point(25.8, -80.2), OPEN, 5) == []


def scatter(rng: random.Random, count: int) -> None:
    """Places over the East and in Alaska, some at one spot, with hours that are open at
    NIGHT or not, and mixed kinds and offerings."""
    kinds = [Location.Kind.PHARMACY, Location.Kind.LAW_ENFORCEMENT, Location.Kind.CLINIC]
    spots = [(40.7 + rng.uniform(-4, 4), -74.0 + rng.uniform(-6, 6)) for _ in range(count - 12)]
    spots += [spots[0]] * 4 + [(61.2 + rng.uniform(-1, 1), -149.9 + rng.uniform(-3, 3))] * 8
    for n, (latitude, longitude) in enumerate(spots):
        make_location(
            name=f"Place {n % 7}",
            kind=rng.choice(kinds),
            latitude=latitude,
            longitude=longitude,
            hours=rng.choice(
                [
                    [(d, (9, 0), (17, 0)) for d in range(5)],  # closed at night
                    [(6, (20, 0), (2, 0))],  # Sunday 8 pm to Monday 2 am
                    [(d, (0, 0), (0, 0)) for d in range(7)],  # all day
                ]
            ),
            **{name: rng.random() < 0.5 for name, _label in OFFERINGS},
        )


def fallback(near: str, moment: datetime, query: str = "") -> list[tuple]:
    form = SearchForm(QueryDict(f"near={near}&radius=1&open_now=1&{query}"))
    assert form.is_valid(), form.errors
    return [
        (p.pk, round(p.distance, 9), p.name)
        for p in run_search(form.cleaned_data, moment).nearest_beyond
    ]


@pytest.mark.django_db
def test_the_fallback_finds_what_the_sql_fallback_finds(monkeypatch):
    rng = random.Random(5)
    scatter(rng, 70)
    cache_version.current()
    searches = [
        "40.75,-74.0", "39.95,-75.16", "42.36,-71.06", "38.9,-77.04", "42.89,-78.88",
        "61.2,-149.9", "64.8,-147.7",
    ]  # fmt: skip
    queries = ["", "free=1", "kind=clinic", "no_police=1&walk_in=1"]

    kept = {(near, query): fallback(near, NIGHT, query) for near in searches for query in queries}
    monkeypatch.setattr(kept_module, "MAX_KEPT", 0)  # too many to keep: SQL's own fallback
    kept_module.kept.clear()
    walked = {(near, query): fallback(near, NIGHT, query) for near in searches for query in queries}

    assert kept == walked
    assert sum(len(places) == 5 for places in kept.values()) >= 20  # most find five


@pytest.mark.django_db
def test_the_open_places_are_read_once_a_minute_and_data_version(django_assert_num_queries):
    make_location(name="Late", latitude=42.65, longitude=-73.75, hours=[(6, (20, 0), (2, 0))])
    make_location(name="Office", latitude=40.8, longitude=-74.0, hours=[(0, (9, 0), (17, 0))])
    cache_version.current()

    # 1 ZIP, 2 the page (empty), 3 the places open this minute, 4 them by id with the
    # mail-based programs.
    with django_assert_num_queries(4):
        assert [name for _id, _miles, name in fallback("40.7484,-73.9967", NIGHT)] == ["Late"]
    with django_assert_num_queries(3):  # later that minute, from elsewhere: kept
        assert [
            name for _id, _miles, name in fallback("42.65,-73.9", NIGHT + timedelta(seconds=30))
        ] == ["Late"]
    with django_assert_num_queries(4):  # the next minute: read again
        fallback("40.7484,-73.9967", NIGHT + timedelta(minutes=1))
    make_location(name="Later", latitude=40.9, longitude=-74.0, hours=[(6, (20, 0), (3, 0))])
    with django_assert_num_queries(4):  # a write: a new data version, read again
        assert [name for _id, _miles, name in fallback("40.7484,-73.9967", NIGHT)] == [
            "Later",
            "Late",
        ]


@pytest.mark.django_db
def test_too_many_open_leaves_the_fallback_to_sql(monkeypatch):
    monkeypatch.setattr(kept_module, "MAX_KEPT", 1)
    for n in range(2):
        make_location(name=f"All day {n}", latitude=41 + n, hours=[(0, (0, 0), (0, 0))])
    version = cache_version.current()

    assert open_places(version, NIGHT) is None
    assert kept_module.kept.get((version, NIGHT.replace(second=0))) is kept_module.TOO_MANY
    assert [name for _id, _miles, name in fallback("40.7484,-73.9967", NIGHT)] == [
        "All day 0",
        "All day 1",
    ]
