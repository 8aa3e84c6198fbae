"""The search's hand-written page query says what the ORM's listing query says."""

import random
from datetime import UTC, datetime

import pytest
from django.db.models import F, Q
from django.db.models.signals import post_init

from locations.domain.geo import Point
from locations.models import OFFERINGS, Location
from locations.models.nearby import (
    COLUMNS,
    Filters,
    count_nearby,
    mail_based_serving,
    nearby_page,
    nearby_page_and_mail_based,
    places_by_id_and_mail_based,
    statement,
)
from tests.factories import make_location

pytestmark = pytest.mark.django_db

MOMENTS = [
    datetime(2026, 12, 7, 15, 0, tzinfo=UTC),  # Monday 10:00 in New York
    datetime(2026, 12, 12, 6, 30, tzinfo=UTC),  # Saturday 01:30 in New York
]
CENTRE = Point(40.7484, -73.9967, "10001", "NY")


def scatter(count: int = 60) -> None:
    """Places around the centre with mixed kinds, offerings, languages and hours, some
    sharing a name and a spot (ties are ordered by name, then id)."""
    rng = random.Random(7)
    kinds = [Location.Kind.PHARMACY, Location.Kind.LAW_ENFORCEMENT, Location.Kind.CLINIC]
    for n in range(count):
        hours = rng.choice(
            [
                [],
                [(d, (9, 0), (17, 0)) for d in range(5)],
                [(4, (20, 0), (2, 0)), (5, (20, 0), (2, 0))],
                [(d, (0, 0), (0, 0)) for d in range(7)],
            ]
        )
        make_location(
            name=f"Place {n % 40}",
            kind=rng.choice(kinds),
            latitude=40.7484 + rng.uniform(-0.3, 0.3),
            longitude=-73.9967 + rng.uniform(-0.3, 0.3),
            languages=rng.choice([[], ["Spanish"], ["spanish", "English"], ["Chinese"]]),
            hours=hours,
            **{name: rng.random() < 0.5 for name, _label in OFFERINGS},
        )
    make_location(name="Draft", status=Location.Status.DRAFT, latitude=40.75, longitude=-74.0)


def orm_page(miles: float, filters: Filters, moment: datetime, offset: int, limit: int):
    rows = Location.objects.published().for_listing().with_open_now(moment)
    if filters.kinds:
        rows = rows.filter(kind__in=filters.kinds)
    for column in filters.offerings:
        rows = rows.filter(**{column: True})
    if filters.languages:
        rows = rows.filter(languages__overlap=list(filters.languages))
    if filters.without_kinds:
        rows = rows.exclude(kind__in=filters.without_kinds)
    if filters.open_now:
        rows = rows.filter(open_now=True)
    within = rows.near(CENTRE, miles)
    return list(within[offset : offset + limit]), within.count()


def described(places) -> list[tuple]:
    return [
        (p.pk, round(p.distance, 9), p.open_now, p.hours_list, p.name, p.phone, p.kind)
        for p in places
    ]


FILTER_CASES = [
    Filters(),
    Filters(kinds=("pharmacy", "clinic")),
    Filters(offerings=frozenset({"free_naloxone", "walk_in"})),
    Filters(languages=("SPANISH", "Spanish", "spanish")),
    Filters(without_kinds=("law_enforcement",)),
    Filters(without_kinds=("law_enforcement", "clinic"), languages=("Spanish",)),
    Filters(open_now=True),
    Filters(kinds=("pharmacy",), offerings=frozenset({"training"}), open_now=True),
]


def test_every_page_matches_the_orm_query():
    scatter()
    for filters in FILTER_CASES:
        for moment in MOMENTS:
            for miles in (1, 10, 25):
                for offset in (0, 20, 50):
                    places, total = nearby_page(CENTRE, miles, filters, moment, offset, 20)
                    expected, expected_total = orm_page(miles, filters, moment, offset, 20)

                    assert described(places) == described(expected)
                    assert total == (expected_total if expected else None)
                    assert count_nearby(CENTRE, miles, filters, moment) == expected_total
    # The cases reach pages that are full, part full and empty.
    assert {len(orm_page(25, Filters(), MOMENTS[0], 0, 20)[0])} == {20}
    assert 0 < len(orm_page(25, Filters(), MOMENTS[0], 50, 20)[0]) < 20


def orm_mail_based(point: Point, moment: datetime, limit: int) -> list:
    serving = Q(states_served=[])
    if point.state:
        serving |= Q(states_served__contains=[point.state])
    rows = (
        Location.objects.published()
        .for_listing()
        .with_open_now(moment)
        .filter(serving, kind=Location.Kind.MAIL_BASED)
        .with_distance(point)
    )
    return list(rows.order_by(F("distance").asc(nulls_last=True), "name", "pk")[:limit])


def mail_described(places) -> list[tuple]:
    return [
        (
            p.pk,
            None if p.distance is None else round(p.distance, 9),
            p.open_now,
            p.hours_list,
            p.name,
            p.states_served,
        )
        for p in places
    ]


def test_the_mail_based_programs_match_the_orm_query():
    rng = random.Random(11)
    for n in range(14):
        place = make_location(
            name=f"Mail {n % 6}",
            kind=Location.Kind.MAIL_BASED,
            states_served=rng.choice([[], ["NY"], ["NJ", "NY"], ["CA"]]),
            hours=rng.choice([[], [(d, (9, 0), (17, 0)) for d in range(5)]]),
            latitude=rng.uniform(25, 48),
            longitude=rng.uniform(-120, -70),
        )
        if n % 5 == 0:  # some nationwide programs have no position at all
            Location.objects.filter(pk=place.pk).update(
                latitude=None, longitude=None, states_served=[]
            )
    make_location(name="Mail draft", kind=Location.Kind.MAIL_BASED, status="draft")
    make_location(name="Not by mail")
    for point in (CENTRE, Point(34.05, -118.24, "90012", "CA"), Point(40.0, -100.0, "x", "")):
        for moment in MOMENTS:
            for limit in (3, 10, 20):
                found = mail_based_serving(point, moment, limit)
                expected = orm_mail_based(point, moment, limit)

                assert mail_described(found) == mail_described(expected)
    # The programs without a position are listed, after every placed one.
    listed = [p.latitude is None for p in mail_based_serving(CENTRE, MOMENTS[0], 20)]
    assert listed.count(True) == 3 and listed == sorted(listed)


def test_the_fallback_reads_its_places_and_the_mail_based_programs_in_one_statement(
    django_assert_num_queries,
):
    scatter(40)
    rng = random.Random(3)
    for n in range(8):
        make_location(
            name=f"Mail {n % 3}",
            kind=Location.Kind.MAIL_BASED,
            states_served=rng.choice([[], ["NY"], ["CA"]]),
            latitude=rng.uniform(25, 48),
            longitude=rng.uniform(-120, -70),
            hours=rng.choice([[], [(d, (9, 0), (17, 0)) for d in range(5)]]),
        )
    no_mail = Filters(without_kinds=(Location.Kind.MAIL_BASED,))
    listed = Location.objects.published().exclude(kind="mail_based").order_by("pk")
    ids = list(listed.values_list("pk", flat=True)[:7])
    for point in (CENTRE, Point(40.9, -73.8, "x", "")):
        for moment in MOMENTS:
            for miles, limit, mail_limit in ((5, 5, 10), (30, 20, 2)):
                with django_assert_num_queries(1):
                    places, mail = nearby_page_and_mail_based(
                        point, miles, no_mail, moment, limit, mail_limit
                    )
                alone, _total = nearby_page(point, miles, no_mail, moment, 0, limit)
                assert described(places) == described(alone) and places
                assert mail_described(mail) == mail_described(
                    mail_based_serving(point, moment, mail_limit)
                )
                assert mail

            with django_assert_num_queries(1):
                places, mail = places_by_id_and_mail_based(point, ids, moment, 10)
            everywhere, _total = nearby_page(point, 20_000, Filters(), moment, 0, 1000)
            by_id = [place for place in everywhere if place.pk in ids]
            assert described(places) == described(by_id) and len(places) == 7
            assert mail_described(mail) == mail_described(mail_based_serving(point, moment, 10))


def test_the_rows_are_whole_places_with_their_hours():
    place = make_location(name="Open late", hours=[(4, (20, 0), (2, 0))], phone="2125550100")

    [found], total = nearby_page(CENTRE, 5, Filters(), MOMENTS[0], 0, 20)

    assert (found.pk, total) == (place.pk, 1)
    assert found.hours_list == [{"weekday": 4, "opens": "20:00:00", "closes": "02:00:00"}]
    assert found.get_absolute_url() == place.get_absolute_url()
    assert found.phone_display == place.phone_display
    assert found.open_status(MOMENTS[1])["open"] is True  # Saturday 01:30, Friday's hours
    assert found._state.db == "default" and not found._state.adding


def test_a_filter_is_never_written_into_the_statement_from_outside():
    with pytest.raises(ValueError):
        statement((False, ("free_naloxone; DROP TABLE x",), False, False, False))


def test_a_listed_place_is_what_from_db_makes():
    place = make_location(name="Corner Pharmacy", description="Ask at the counter.")

    [found], _total = nearby_page(CENTRE, 5, Filters(), MOMENTS[0], 0, 20)
    made = Location.from_db("default", COLUMNS, [getattr(place, name) for name in COLUMNS])

    assert {name: getattr(found, name) for name in COLUMNS} == {
        name: getattr(made, name) for name in COLUMNS
    }
    # The columns a list does not load are deferred, as from_db leaves them: read, they
    # are loaded from the database.
    assert found.get_deferred_fields() == made.get_deferred_fields()
    assert "description" in found.get_deferred_fields()
    assert found.description == "Ask at the counter."
    assert found == place and not found._state.adding


def test_a_listed_place_sends_the_init_signals_when_something_listens():
    make_location(name="Corner Pharmacy")
    made = []

    def count(sender, instance, **kwargs):
        made.append(instance)

    post_init.connect(count, sender=Location)
    try:
        [found], _total = nearby_page(CENTRE, 5, Filters(), MOMENTS[0], 0, 20)
    finally:
        post_init.disconnect(count, sender=Location)

    assert made == [found]
