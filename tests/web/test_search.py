"""The search page: distance order, filters, the fallback, and every kind of bad input."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from locations.models import Location, ZipCode
from locations.search import (
    FLAG_COLUMNS,
    OFFERING_FILTERS,
    SearchForm,
    run_search,
)
from locations.services import cache_version
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db

NYC = (40.7484, -73.9967)  # ZIP 10001's centroid


def haversine_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Independent great-circle distance, to check the SQL against."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 3958.8 * math.asin(math.sqrt(h))


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def search(client, query: str):
    return client.get("/search?" + query)


def names(response) -> list[str]:
    return [loc.name for loc in response.context["result"].results]


def test_it_lists_places_nearest_first_with_true_distances(client):
    spots = {
        "Far": (40.80, -73.95),
        "Near": (40.75, -73.99),
        "Middle": (40.70, -74.01),
    }
    for name, (lat, lng) in spots.items():
        make_location(name=name, latitude=lat, longitude=lng)

    response = search(client, "near=10001")

    assert response.status_code == 200
    results = response.context["result"].results
    expected = sorted(spots, key=lambda n: haversine_miles(NYC, spots[n]))
    assert [r.name for r in results] == expected
    for r in results:
        assert r.distance == pytest.approx(haversine_miles(NYC, spots[r.name]), abs=0.01)
    first = results[0]
    assert f"{first.distance:.1f} mi" in response.content.decode()


def test_it_keeps_to_the_radius(client):
    make_location(name="Inside", latitude=40.80, longitude=-73.99)  # ~3.6 mi
    make_location(name="Outside", latitude=40.90, longitude=-73.99)  # ~10.5 mi

    assert names(search(client, "near=10001&radius=5")) == ["Inside"]
    assert names(search(client, "near=10001&radius=25")) == ["Inside", "Outside"]


def test_it_trims_the_corners_of_the_bounding_box(client):
    # Inside the lat/lng box for 10 miles but 13 miles away on the diagonal.
    make_location(name="Corner", latitude=40.7484 + 0.135, longitude=-73.9967 + 0.178)

    response = search(client, "near=10001&radius=10")

    assert response.context["result"].total == 0


def test_it_shows_the_count_and_pages_twenty_at_a_time(client):
    for i in range(45):
        make_location(name=f"P{i:02}", latitude=40.7484 + i * 0.001)

    first = search(client, "near=10001")
    third = search(client, "near=10001&page=3")

    assert first.context["result"].total == 45
    assert len(names(first)) == 20
    assert names(third) == [f"P{i:02}" for i in range(40, 45)]
    assert "45 places within 10 miles" in first.content.decode()
    assert "Page 1 of 3" in first.content.decode()
    assert "page=2" in first.content.decode()


def test_it_never_shows_unpublished_places(client):
    make_location(name="Live")
    make_location(name="Draft", status=Location.Status.DRAFT)
    make_location(name="Closed", status=Location.Status.CLOSED)

    response = search(client, "near=10001")

    assert names(response) == ["Live"]
    assert "Draft" not in response.content.decode()


def test_it_filters_by_several_kinds(client):
    make_location(name="Pharm", kind="pharmacy")
    make_location(name="HR", kind="harm_reduction")
    make_location(name="Clinic", kind="clinic")

    response = search(client, "near=10001&kind=pharmacy&kind=harm_reduction")

    assert sorted(names(response)) == ["HR", "Pharm"]


def test_it_filters_free_and_no_prescription(client):
    make_location(name="Free", free_naloxone=True)
    make_location(name="NoRx", no_prescription=True)
    make_location(name="Neither")

    assert names(search(client, "near=10001&free=1")) == ["Free"]
    assert names(search(client, "near=10001&no_prescription=1")) == ["NoRx"]
    assert len(names(search(client, "near=10001&free=0"))) == 3


def test_it_can_leave_out_law_enforcement(client):
    make_location(name="Police", kind="law_enforcement")
    make_location(name="Pharmacy", kind="pharmacy")

    assert names(search(client, "near=10001&no_police=1")) == ["Pharmacy"]
    assert sorted(names(search(client, "near=10001"))) == ["Pharmacy", "Police"]


def run(query: dict, moment: datetime):
    form = SearchForm(query)
    assert form.is_valid(), form.errors
    return run_search(form.cleaned_data, moment)


def test_open_now_uses_each_places_own_time_zone():
    weekdays_9_to_5 = [(d, (9, 0), (17, 0)) for d in range(5)]
    make_location(name="NY 9-5", hours=weekdays_9_to_5, timezone="America/New_York")
    make_location(name="LA 9-5", hours=weekdays_9_to_5, timezone="America/Los_Angeles")
    # Wednesday 2026-11-25 18:00 UTC = 13:00 in New York, 10:00 in Los Angeles.
    midday = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    # 23:30 UTC = 18:30 in New York (closed), 15:30 in Los Angeles (open).
    evening = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)

    at_midday = run({"near": "10001", "open_now": "1"}, midday).results
    at_evening = run({"near": "10001", "open_now": "1"}, evening).results

    assert sorted(r.name for r in at_midday) == ["LA 9-5", "NY 9-5"]
    assert [r.name for r in at_evening] == ["LA 9-5"]


def test_open_now_follows_hours_past_midnight_and_all_day():
    make_location(name="Late", hours=[(4, (22, 0), (2, 0))])  # Friday 22:00 to Sat 02:00
    make_location(name="AllDay", hours=[(d, (0, 0), (0, 0)) for d in range(7)])
    make_location(name="NoHours")
    # Saturday 2026-11-28 01:30 in New York (06:30 UTC).
    saturday_night = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
    # Saturday 03:00 in New York.
    later = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)

    open_late = run({"near": "10001", "open_now": "1"}, saturday_night).results
    open_later = run({"near": "10001", "open_now": "1"}, later).results

    assert sorted(r.name for r in open_late) == ["AllDay", "Late"]
    assert [r.name for r in open_later] == ["AllDay"]


def test_open_now_in_sql_agrees_with_the_detail_page_rule():
    hours = [(0, (8, 0), (12, 0)), (0, (13, 0), (18, 0)), (5, (20, 0), (3, 0)), (6, (0, 0), (0, 0))]
    place = make_location(name="Split", hours=hours, timezone="America/Chicago")
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    for half_hours in range(7 * 48):
        moment = monday + timedelta(minutes=30 * half_hours)
        in_sql = Location.objects.with_open_now(moment).get(pk=place.pk).open_now
        in_python = Location.objects.prefetch_related("hours").get(pk=place.pk).is_open_at(moment)
        assert in_sql == in_python, moment


def test_each_result_says_whether_it_is_open(client):
    make_location(name="AllDay", hours=[(d, (0, 0), (0, 0)) for d in range(7)])

    response = search(client, "near=10001")

    assert response.context["result"].results[0].open_now is True
    assert "Open now" in response.content.decode()


def test_it_accepts_a_city_and_state(client):
    make_location(name="Chicago place", city="Chicago", state="IL", zip_code="60601",
                  latitude=41.8858, longitude=-87.6181, timezone="America/Chicago")  # fmt: skip

    for near in ["Chicago, IL", "chicago,il", "  Chicago ,  Illinois "]:
        response = search(client, "near=" + near)
        assert response.status_code == 200, near
        assert names(response) == ["Chicago place"]
        assert response.context["result"].point.label == "Chicago, IL"


def test_it_understands_city_names_written_the_short_way(client):
    ZipCode.objects.create(
        code="63101", city="Saint Louis", state="MO", latitude=38.6312, longitude=-90.1922,
        timezone="America/Chicago",
    )  # fmt: skip
    make_location(name="STL", city="Saint Louis", state="MO", zip_code="63101",
                  latitude=38.63, longitude=-90.19, timezone="America/Chicago")  # fmt: skip

    for near in ["St. Louis, MO", "st louis mo", "Saint Louis, Missouri"]:
        response = search(client, "near=" + near)
        assert response.status_code == 200, near
        assert names(response) == ["STL"], near


def test_it_accepts_coordinates_and_a_zip_plus_four(client):
    make_location(name="Here")

    by_point = search(client, "near=40.75,-73.99")
    by_zip4 = search(client, "near=10001-1234")

    assert names(by_point) == ["Here"]
    assert by_point.context["result"].point.state == "NY"
    assert names(by_zip4) == ["Here"]


def test_nothing_nearby_shows_the_nearest_beyond_and_mail_programs(client):
    for i in range(7):
        make_location(name=f"Far {i}", latitude=40.7484 + 1 + i * 0.1)
    make_location(name="Mail NY", kind="mail_based", states_served=["NY", "NJ"], latitude=42.0)
    make_location(name="Mail CA", kind="mail_based", states_served=["CA"], latitude=37.0)

    response = search(client, "near=10001&radius=5")

    result = response.context["result"]
    assert result.total == 0
    assert [r.name for r in result.nearest_beyond] == [f"Far {i}" for i in range(5)]
    assert [r.name for r in result.mail_based] == ["Mail NY"]
    for r in result.nearest_beyond:
        assert r.distance > 5
    page = response.content.decode()
    assert "Nothing within 5 miles" in page
    assert "Naloxone by mail in NY" in page
    assert "Far 0" in page


def test_the_fallback_respects_the_filters(client):
    make_location(name="Far police", kind="law_enforcement", latitude=41.5)
    make_location(name="Far pharmacy", kind="pharmacy", latitude=41.6)

    response = search(client, "near=10001&radius=1&no_police=1")

    assert [r.name for r in response.context["result"].nearest_beyond] == ["Far pharmacy"]


def test_an_empty_directory_is_still_not_a_dead_end(client):
    response = search(client, "near=10001")

    assert response.status_code == 200
    assert "try a larger distance" in response.content.decode().lower()


@pytest.mark.parametrize(
    "query, message",
    [
        ("near=00000", "could not find the ZIP code 00000"),
        ("near=abc", "We could not find abc. Add the state"),
        ("near=%21%21%21", "Enter a 5-digit ZIP code"),
        ("near=1000", "A ZIP code has 5 digits"),
        ("near=100011", "A ZIP code has 5 digits"),
        ("near=", "Enter a ZIP code"),
        ("near=Springfield, ZZ", "did not recognise the state"),
        ("near=Nowhere, NY", "could not find Nowhere, NY"),
        ("near=95,10", "latitude from -90 to 90"),
        ("near=10001&radius=0", "1, 5, 10, 25, 50 or 100 miles"),
        ("near=10001&radius=-5", "1, 5, 10, 25, 50 or 100 miles"),
        ("near=10001&radius=10000", "1, 5, 10, 25, 50 or 100 miles"),
        ("near=10001&radius=ten", "1, 5, 10, 25, 50 or 100 miles"),
        ("near=10001&page=0", "Pages start at 1"),
        ("near=10001&page=-1", "Pages start at 1"),
        ("near=10001&page=99999999999999999999999", "too large"),
        ("near=10001&page=two", "whole number"),
        ("near=10001&page=5", "no page 5"),
        ("near=10001&kind=spaceship", "not a type of place we list"),
        ("near=10001&free=maybe", "Use 1 to turn this filter on"),
        ("near=100%0001", "control character (U+0000)"),
        ("near=" + "9" * 10_000, "too long"),
        ("near=10001&kind=%00", "control character (U+0000)"),
    ],
)
def test_bad_input_gets_a_clear_message_and_a_400(client, query, message):
    make_location(name="Somewhere")

    response = search(client, query)

    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert 'role="alert"' in response.content.decode()


def test_a_search_without_near_shows_the_empty_form(client):
    response = client.get("/search")

    assert response.status_code == 200
    assert 'name="near"' in response.content.decode()


def test_the_form_keeps_the_query_for_sharing_and_editing(client):
    make_location(name="Somewhere")

    page = search(client, "near=10001&radius=25&kind=clinic&free=1").content.decode()

    assert 'value="10001"' in page
    assert '<option value="25" selected>' in page
    assert 'value="clinic" checked' in page
    assert 'name="free" value="1" checked' in page


def test_the_search_page_takes_three_queries_whatever_the_number_of_results(
    client, django_assert_num_queries
):
    for i in range(3):
        make_location(name=f"A{i}", latitude=40.7484 + i * 0.001)
    # 1 ZIP lookup, 2 the page of results with their count, 3 the demo-data check.
    with django_assert_num_queries(3):
        search(client, "near=10001")
    for i in range(40):
        make_location(name=f"B{i}", latitude=40.7484 + i * 0.001)
    with django_assert_num_queries(3):
        search(client, "near=10001")


def test_the_fallback_takes_two_queries_however_far_it_reaches(client, django_assert_num_queries):
    make_location(name="Far", latitude=42.0)
    make_location(name="Mail", kind="mail_based", states_served=["NY"], latitude=42.0)
    # 1 ZIP lookup, 2 the page (empty), 3 how far the nearest five reach (fewer match:
    # all of them), 4 them by id with the mail-based programs, 5 the help lines with the
    # demo-data check.
    with django_assert_num_queries(5):
        response = search(client, "near=10001&radius=1")
    assert [p.name for p in response.context["result"].mail_based] == ["Mail"]
    assert [p.name for p in response.context["result"].nearest_beyond] == ["Far"]

    for i in range(5):
        make_location(name=f"Near {i}", latitude=40.8 + i * 0.01)
    # 4 the page query that far, with the mail-based programs.
    with django_assert_num_queries(5):
        response = search(client, "near=10001&radius=1")
    nearest = [p.name for p in response.context["result"].nearest_beyond]
    assert nearest == [f"Near {i}" for i in range(5)]
    assert [p.name for p in response.context["result"].mail_based] == ["Mail"]


def test_the_fallback_finds_the_nearest_however_far_they_are(client):
    """Two places about 100 miles off and three 400 to 700 miles off: the five nearest
    come from the ring that first holds five, nearest first, the mail program aside."""
    make_location(name="Philadelphia", latitude=39.95, longitude=-75.16)
    make_location(name="Albany", latitude=42.65, longitude=-73.75)
    for i, (lat, lng) in enumerate([(41.88, -87.63), (41.5, -81.7), (39.1, -84.5)]):
        make_location(name=f"Midwest {i}", latitude=lat, longitude=lng)
    make_location(name="Denver", latitude=39.74, longitude=-104.99)
    make_location(name="By mail", kind="mail_based", latitude=40.9, longitude=-74.2)

    result = search(client, "near=10001&radius=5").context["result"]

    names = [place.name for place in result.nearest_beyond]
    assert names[:2] == ["Philadelphia", "Albany"]
    assert sorted(names[2:]) == ["Midwest 0", "Midwest 1", "Midwest 2"]
    distances = [place.distance for place in result.nearest_beyond]
    assert distances == sorted(distances)


def test_the_fallback_is_the_nearest_on_the_globe_not_on_a_flat_map(client):
    """In Alaska a degree of longitude is half a degree of latitude: five places 0.8 of
    a degree north (55 miles) are nearer on a flat map of degrees than one a whole
    degree east, which is 35 miles away. The one to the east is the nearest."""
    ZipCode.objects.create(
        code="99501",
        city="Anchorage",
        state="AK",
        latitude=60.0,
        longitude=-150.0,
        timezone="America/Anchorage",
    )
    for i in range(5):
        make_location(name=f"North {i}", latitude=60.8 + i * 0.001, longitude=-150.0)
    make_location(name="East", latitude=60.0, longitude=-149.0)

    result = search(client, "near=99501&radius=5").context["result"]

    assert [place.name for place in result.nearest_beyond] == [
        "East", "North 0", "North 1", "North 2", "North 3",
    ]  # fmt: skip
    assert round(result.nearest_beyond[0].distance) == 35


def test_the_fallback_is_empty_when_nothing_matches_anywhere(client):
    make_location(name="Not free", free_naloxone=False, latitude=42.0)

    result = search(client, "near=10001&radius=1&free=1").context["result"]

    assert result.total == 0
    assert result.nearest_beyond == []


def fallback_of(near: str, moment: datetime, **filters):
    form = SearchForm({"near": near, "radius": "1", **filters})
    assert form.is_valid(), form.errors
    return run_search(form.cleaned_data, moment).nearest_beyond


def test_filters_few_places_match_are_read_once_per_data_version_and_minute(
    django_assert_num_queries,
):
    """Fewer than five matches anywhere: the walk reads every place to learn it. Another
    search with those filters that minute, from anywhere, lists them by id; after a
    write, or the next minute, the walk runs again."""
    make_location(name="Albany", latitude=42.65, longitude=-73.75, free_naloxone=True)
    make_location(name="Boston", latitude=42.36, longitude=-71.06, free_naloxone=True)
    make_location(name="Not free", latitude=40.8, longitude=-74.0)
    cache_version.current()  # the data version exists, as after any request
    moment = datetime(2026, 12, 7, 15, 0, 0, 250000, tzinfo=UTC)

    # 1 ZIP, 2 the page (empty), 3 the walk (two matches anywhere), 4 them by id with the
    # mail-based programs.
    with django_assert_num_queries(4):
        assert [p.name for p in fallback_of("10001", moment, free="1")] == ["Albany", "Boston"]
    # From near Boston, later in the same minute: no walk; nearest first from there.
    with django_assert_num_queries(3):
        found = fallback_of("42.40,-71.10", moment + timedelta(seconds=40), free="1")
    assert [p.name for p in found] == ["Boston", "Albany"]
    assert found[0].distance < 5

    with django_assert_num_queries(4):  # the next minute: walked again
        fallback_of("10001", moment + timedelta(minutes=1), free="1")
    make_location(name="Newark", latitude=40.73, longitude=-74.17, free_naloxone=True)
    with django_assert_num_queries(4):  # a write: a new data version, walked again
        found = fallback_of("10001", moment, free="1")
    assert [p.name for p in found] == ["Newark", "Albany", "Boston"]


def test_open_now_with_nothing_open_anywhere_costs_one_walk_a_minute(django_assert_num_queries):
    """Nothing is open (the only place keeps office hours): the first search in a minute
    walks every place; the others that minute do not; the next minute walks again, and
    finds the place once it opens."""
    make_location(name="Office", latitude=42.65, longitude=-73.75, hours=[(0, (9, 0), (17, 0))])
    cache_version.current()
    night = datetime(2026, 12, 7, 5, 0, 10, tzinfo=UTC)  # Monday, midnight in New York

    with django_assert_num_queries(4):  # ZIP, page, the walk (nothing), mail
        assert fallback_of("10001", night, open_now="1") == []
    with django_assert_num_queries(3):  # ZIP, page, mail
        assert fallback_of("10001", night + timedelta(seconds=49), open_now="1") == []
    with django_assert_num_queries(4):  # the next minute
        assert fallback_of("10001", night + timedelta(minutes=1), open_now="1") == []

    morning = datetime(2026, 12, 7, 14, 0, 5, tzinfo=UTC)  # 9:00 in New York
    assert [p.name for p in fallback_of("10001", morning, open_now="1")] == ["Office"]


def test_the_demo_banner_shows_only_while_demo_data_exists(client):
    make_location(name="Real")
    assert "Demo data, not real locations" not in client.get("/").content.decode()

    make_location(name="Fake", is_demo=True, status=Location.Status.DRAFT)

    assert "Demo data, not real locations" in client.get("/").content.decode()
    assert "Demo data, not real locations" in search(client, "near=10001").content.decode()


# Filters for every offering the data holds, and the languages spoken.


@pytest.mark.parametrize("name", OFFERING_FILTERS)
def test_each_offering_filter_keeps_only_the_places_with_it(client, name):
    column = FLAG_COLUMNS.get(name, name)
    make_location(name="With", latitude=40.7490, **{column: True})
    make_location(name="Without", latitude=40.7485)

    assert names(search(client, f"near=10001&{name}=1")) == ["With"]
    assert names(search(client, f"near=10001&{name}=0")) == ["Without", "With"]


def test_the_offering_filters_cover_every_offering():
    columns = {FLAG_COLUMNS.get(name, name) for name in OFFERING_FILTERS}

    assert columns == {column for column, _label in Location.OFFERINGS}


def test_several_offering_filters_all_apply(client):
    make_location(name="Both", latitude=40.7490, walk_in=True, anonymous=True)
    make_location(name="Walk-in only", latitude=40.7485, walk_in=True)

    assert names(search(client, "near=10001&walk_in=1&anonymous=1")) == ["Both"]


def test_the_language_filter_reads_the_spellings_staff_use(client):
    make_location(name="Spanish", latitude=40.7490, languages=["English", "Spanish"])
    make_location(name="español", latitude=40.7491, languages=["español"])
    make_location(name="ASL", latitude=40.7492, languages=["asl"])
    make_location(name="English only", latitude=40.7485, languages=["English"])

    assert sorted(names(search(client, "near=10001&language=Spanish"))) == ["Spanish", "español"]
    assert names(search(client, "near=10001&language=American+Sign+Language")) == ["ASL"]
    assert len(names(search(client, "near=10001&language="))) == 4


def test_an_unknown_language_is_a_clear_400(client):
    response = search(client, "near=10001&language=Klingon")

    assert response.status_code == 400
    assert "“Klingon” is not a language we can filter by." in response.content.decode()


def test_the_form_shows_a_box_for_every_filter_and_the_languages(client):
    page = search(client, "near=10001&walk_in=1&language=Spanish").content.decode()

    for name in OFFERING_FILTERS:
        assert f'name="{name}" value="1"' in page
    assert 'name="walk_in" value="1" checked' in page
    assert '<option value="Spanish" selected>Spanish</option>' in page


def test_the_filters_are_in_spanish(client):
    page = client.get("/es/search?near=10001&language=Spanish").content.decode()

    assert "Sin cita" in page
    assert '<option value="Spanish" selected>Español</option>' in page


def test_every_filter_on_still_takes_three_queries(client, django_assert_num_queries):
    all_day = [(day, (0, 0), (0, 0)) for day in range(7)]
    make_location(
        name="All",
        languages=["Spanish"],
        hours=all_day,
        **{column: True for column, _label in Location.OFFERINGS},
    )
    query = "&".join(f"{name}=1" for name in OFFERING_FILTERS)

    with django_assert_num_queries(3):
        response = search(client, f"near=10001&{query}&language=Spanish&open_now=1")
    assert [place.name for place in response.context["result"].results] == ["All"]
