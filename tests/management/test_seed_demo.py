import functools
from io import StringIO

import pytest
import zipcodes
from django.core.management import CommandError, call_command
from django.utils import timezone

from locations.management.commands.load_zipcodes import zip_from_package
from locations.management.commands.seed_demo import DEMO_CITIES
from locations.models import Location, OpeningHours, ZipCode
from tests.factories import make_location

pytestmark = pytest.mark.django_db


@functools.cache
def demo_city_zip_rows() -> tuple[dict, ...]:
    """The zipcodes package's rows for the demo cities (about 1,800 of its 42,000)."""
    wanted = {(city, state) for city, state, _area in DEMO_CITIES}
    return tuple(r for r in zipcodes.list_all() if (r["city"], r["state"]) in wanted)


@pytest.fixture
def demo_zips():
    ZipCode.objects.bulk_create(zip_from_package(r) for r in demo_city_zip_rows())


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_it_refuses_to_run_with_debug_off(settings, demo_zips):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="it only runs with DEBUG on"):
        seed()

    assert not Location.objects.exists()


def test_it_refuses_when_the_zip_table_is_empty(debug_on):
    with pytest.raises(CommandError, match="run `manage.py load_zipcodes` first"):
        seed()


def test_it_makes_two_hundred_demo_locations_across_states(debug_on, demo_zips):
    output = seed()

    demo = Location.objects.filter(is_demo=True)
    assert demo.count() == Location.objects.count() == 200
    assert "Created 200 demo locations" in output
    assert demo.values("state").distinct().count() >= 6
    assert demo.values("city", "state").distinct().count() >= 18
    assert set(demo.values_list("kind", flat=True)) == set(Location.Kind.values)
    assert set(demo.values_list("status", flat=True)) == set(Location.Status.values)
    assert all(name.startswith("Demo: ") for name in demo.values_list("name", flat=True))
    assert OpeningHours.objects.filter(location__in=demo).exists()


def test_it_makes_mail_based_programs_serving_several_states(debug_on, demo_zips):
    seed()

    mail = Location.objects.filter(kind=Location.Kind.MAIL_BASED)
    assert 2 <= mail.count() <= 15
    for program in mail:
        assert len(program.states_served) >= 3
        assert program.state in program.states_served
        assert not program.hours.exists()


def test_it_places_demo_locations_plausibly(debug_on, demo_zips):
    seed("--count", "60")
    today = timezone.localdate()

    for location in Location.objects.prefetch_related("hours"):
        zip_code = ZipCode.objects.get(code=location.zip_code)
        assert (zip_code.city, zip_code.state) == (location.city, location.state)
        assert abs(location.latitude - zip_code.latitude) <= 3 / 69 + 1e-6
        assert location.timezone == zip_code.timezone
        assert location.location_precision == Location.Precision.MANUAL
        assert location.slug.startswith("demo-")
        if location.phone:
            # 555-0100 to 555-0199: numbers set aside for fiction.
            assert location.phone[5:10] == "55501"
            location.full_clean()
        if location.last_verified_on:
            assert 0 <= (today - location.last_verified_on).days < 365
        assert location.open_24_7 == any(h.opens == h.closes for h in location.hours.all())


def test_it_makes_the_same_locations_every_run(debug_on, demo_zips):
    seed("--count", "40")
    first = list(Location.objects.order_by("slug").values_list("slug", "latitude", "phone"))

    seed("--count", "40")
    second = list(Location.objects.order_by("slug").values_list("slug", "latitude", "phone"))

    assert first == second
    assert len(second) == 40


def test_it_replaces_earlier_demo_locations_instead_of_doubling(debug_on, demo_zips):
    real = make_location(name="Real Pharmacy")
    seed("--count", "30")

    output = seed("--count", "30")

    assert "Deleted 30 earlier demo locations." in output
    assert Location.objects.filter(is_demo=True).count() == 30
    assert Location.objects.filter(pk=real.pk).exists()


def test_it_leaves_a_directory_with_locations_alone_with_if_empty(debug_on, demo_zips):
    make_location(name="Real Pharmacy")

    output = seed("--if-empty")

    assert "left it alone" in output
    assert list(Location.objects.values_list("name", flat=True)) == ["Real Pharmacy"]


def test_it_fills_an_empty_directory_with_if_empty(debug_on, demo_zips):
    seed("--if-empty", "--count", "20")

    assert Location.objects.filter(is_demo=True).count() == 20


def test_it_clears_only_demo_locations(debug_on, demo_zips):
    real = make_location(name="Real Pharmacy", hours=[(0, (9,), (17,))])
    seed("--count", "25")

    output = seed("--clear")

    assert "Deleted 25 demo locations" in output
    assert list(Location.objects.all()) == [real]
    assert OpeningHours.objects.get().location == real


def test_it_rejects_a_count_below_one(debug_on, demo_zips):
    with pytest.raises(CommandError, match="at least 1"):
        seed("--count", "0")


def test_seed_demo_records_its_locations_as_demo_data(settings):
    from locations.management.commands.load_zipcodes import zip_from_package
    from locations.models import ZipCode

    settings.DEBUG = True
    ZipCode.objects.bulk_create(zip_from_package(r) for r in demo_city_zip_rows())

    call_command("seed_demo", "--count", "5", stdout=StringIO())

    records = Location.history.all()
    assert records.count() == 5
    assert {r.history_change_reason for r in records} == {"Demo data (seed_demo)"}
    assert OpeningHours.history.count() == OpeningHours.objects.count() > 0
    real = make_location(name="Real place")

    call_command("seed_demo", "--clear", stdout=StringIO())

    deleted = Location.history.filter(history_type="-")
    assert deleted.count() == 5
    assert {r.history_change_reason for r in deleted} == {"Demo data (seed_demo)"}
    assert set(
        OpeningHours.history.filter(history_type="-").values_list(
            "history_change_reason", flat=True
        )
    ) == {"Demo data (seed_demo)"}
    assert not real.history.filter(history_type="-").exists()
