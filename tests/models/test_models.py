"""Validation and behaviour of Location, OpeningHours and ZipCode."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from locations.domain.phones import normalize_phone
from locations.models import Location, OpeningHours
from locations.models.places import unique_slug
from locations.services.listings import save_listing
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db


def new_location(**fields) -> Location:
    values = dict(
        name="Corner Pharmacy", kind="pharmacy", city="New York", state="NY", zip_code="10001"
    )
    values.update(fields)
    return Location(**values)


def errors_of(location: Location) -> dict:
    with pytest.raises(ValidationError) as info:
        location.full_clean()
    return info.value.message_dict


@pytest.mark.parametrize("zip_code", ["1000", "100011", "abcde", "10001-1234", ""])
def test_a_zip_code_has_five_digits(zip_code):
    make_zipcodes("10001")
    assert "zip_code" in errors_of(new_location(zip_code=zip_code))


@pytest.mark.parametrize("state", ["ZZ", "ny", "New York", ""])
def test_the_state_is_a_usps_code(state):
    make_zipcodes("10001")
    assert "state" in errors_of(new_location(state=state))


def test_territories_and_dc_are_states_here():
    make_zipcodes("10001")
    for state in ["DC", "PR", "GU", "VI", "AS", "MP"]:
        new_location(state=state, latitude=40.0, longitude=-70.0, timezone="UTC").full_clean()


@pytest.mark.parametrize("lat, lng", [(91, 0), (-91, 0), (0, 181), (0, -181)])
def test_coordinates_must_be_on_the_globe(lat, lng):
    make_zipcodes("10001")
    errors = errors_of(new_location(latitude=lat, longitude=lng))
    assert "latitude" in errors or "longitude" in errors


def test_latitude_without_longitude_is_refused():
    make_zipcodes("10001")
    assert "longitude" in errors_of(new_location(latitude=40.0))


def test_blank_coordinates_take_the_zip_centroid_marked_approximate():
    make_zipcodes("10001")
    location = new_location()

    location.full_clean()
    save_listing(location)

    assert (location.latitude, location.longitude) == (40.7484, -73.9967)
    assert location.location_precision == Location.Precision.ZIP_CENTROID
    assert location.is_approximate
    assert location.timezone == "America/New_York"


def test_an_unknown_zip_without_coordinates_is_refused():
    errors = errors_of(new_location(zip_code="99999"))
    assert "not in our ZIP table" in errors["zip_code"][0]


def test_the_website_must_be_a_url():
    make_zipcodes("10001")
    assert "website" in errors_of(new_location(website="not a url"))


@pytest.mark.parametrize(
    "raw", ["(212) 555-0142", "212.555.0142", "212-555-0142", "+1 212 555 0142", "2125550142"]
)
def test_phone_numbers_are_stored_in_one_form_and_shown_us_style(raw):
    make_zipcodes("10001")
    location = new_location(phone=raw)

    location.full_clean()

    assert location.phone == "+12125550142"
    assert location.phone_display == "(212) 555-0142"


@pytest.mark.parametrize("raw", ["12345", "call us", "555-01"])
def test_a_phone_that_is_not_a_number_is_refused(raw):
    make_zipcodes("10001")
    assert "phone" in errors_of(new_location(phone=raw))


def test_an_invalid_time_zone_is_refused():
    make_zipcodes("10001")
    assert "timezone" in errors_of(new_location(timezone="Mars/Olympus_Mons"))


def test_slugs_are_unique_and_readable():
    first = make_location(name="Main St Pharmacy", city="Albany", state="NY")
    second = make_location(name="Main St Pharmacy", city="Albany", state="NY")

    assert first.slug == "main-st-pharmacy-albany-ny"
    assert second.slug == "main-st-pharmacy-albany-ny-2"


def test_unique_slug_can_work_from_a_set_of_taken_slugs():
    taken = {"a-b-ny"}
    assert unique_slug("A", "B", "NY", taken) == "a-b-ny-2"
    assert unique_slug("A", "B", "NY", taken) == "a-b-ny-3"


def test_published_hides_drafts_and_closed():
    live = make_location()
    make_location(status=Location.Status.DRAFT)
    make_location(status=Location.Status.CLOSED)

    assert list(Location.objects.published()) == [live]


def test_normalize_phone_keeps_blank_blank():
    assert normalize_phone("  ") == ""


def test_hours_past_midnight_are_recognised():
    location = make_location()
    late = OpeningHours(location=location, weekday=4, opens=time(22), closes=time(2))
    day = OpeningHours(location=location, weekday=4, opens=time(9), closes=time(17))

    assert late.past_midnight
    assert not day.past_midnight
    assert str(late) == "Friday 22:00-02:00"


def test_a_zip_missing_from_the_table_takes_the_time_zone_of_the_nearest_one():
    make_zipcodes("60601")
    location = new_location(zip_code="60699", latitude=41.88, longitude=-87.63, state="IL")

    location.full_clean()

    assert location.timezone == "America/Chicago"
