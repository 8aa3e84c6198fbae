"""Geocoding against a local fake of the Census Geocoder (tests/fake_census.py)."""

import csv
import io
import logging

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from locations.exchange.csv_format import COLUMNS
from locations.exchange.importer import import_rows
from locations.models import Location
from locations.services import geocoding
from tests.admin_helpers import add_form_data, change_form_data
from tests.factories import make_location, make_zipcodes
from tests.processes import run_django

pytestmark = pytest.mark.django_db

ZIP_10001 = (40.7484, -73.9967)
EMPIRE = (40.748441, -73.985664)
CHELSEA = (40.746222, -74.001539)


@pytest.fixture(autouse=True)
def _zip_table():
    make_zipcodes()


@pytest.fixture
def census(fake_census):
    fake_census.add("350 5th Ave", "New York", "NY", "10001", *EMPIRE)
    fake_census.add("200 W 24th St", "New York", "NY", "10011", *CHELSEA)
    return fake_census


def unsaved(**fields) -> Location:
    values = dict(
        name="Corner Pharmacy",
        kind=Location.Kind.PHARMACY,
        street_address="350 5th Ave",
        city="New York",
        state="NY",
        zip_code="10001",
    )
    values.update(fields)
    return Location(**values)


# One address


def test_it_finds_a_known_address(census):
    assert geocoding.geocode_one(unsaved()) == EMPIRE

    [(method, path, fields)] = census.requests
    assert (method, path) == ("GET", "/geocoder/locations/address")
    assert fields["street"] == "350 5th Ave"
    assert (fields["city"], fields["state"], fields["zip"]) == ("New York", "NY", "10001")
    assert fields["benchmark"] == "Public_AR_Current"
    assert fields["format"] == "json"


def test_it_returns_none_when_the_census_finds_nothing(census):
    assert geocoding.geocode_one(unsaved(street_address="1 Nowhere Ln")) is None
    assert len(census.requests) == 1


def test_it_takes_two_candidates_for_no_match(census):
    census.add_tie("100 Main St", "10001")

    assert geocoding.geocode_one(unsaved(street_address="100 Main St")) is None


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_a_failing_geocoder_gives_none_and_a_warning(census, caplog, mode):
    census.mode = mode

    with caplog.at_level(logging.WARNING, logger="locations.services.geocoding"):
        assert geocoding.geocode_one(unsaved()) is None

    assert "Geocoder failed for 350 5th Ave, New York, NY 10001" in caplog.text


def test_a_slow_geocoder_times_out(census, settings, caplog):
    census.mode, census.delay = "slow", 1.5
    settings.GEOCODER_TIMEOUT = 0.2

    with caplog.at_level(logging.WARNING, logger="locations.services.geocoding"):
        assert geocoding.geocode_one(unsaved()) is None

    assert "Timeout" in caplog.text


def test_it_never_asks_about_places_without_a_street_address(census):
    assert geocoding.geocode_one(unsaved(street_address="")) is None
    assert geocoding.geocode_one(unsaved(kind=Location.Kind.MAIL_BASED)) is None
    assert census.requests == []


def test_it_never_asks_when_geocoding_is_off(census, settings):
    settings.GEOCODER = "none"

    assert geocoding.geocode_one(unsaved()) is None
    assert geocoding.geocode_many([unsaved()]) == {}
    assert census.requests == []


def test_the_setting_accepts_only_census_or_none():
    result = run_django("pass", DEBUG="1", GEOCODER="google")

    assert result.returncode != 0
    assert 'GEOCODER must be "census" or "none"' in result.stderr


# Many addresses


def test_a_batch_finds_known_addresses_by_position(census):
    census.add_tie("100 Main St", "10001")
    places = [
        unsaved(),
        unsaved(street_address="1 Nowhere Ln"),
        unsaved(street_address="", name="No street"),
        unsaved(street_address="200 W 24th St", zip_code="10011"),
        unsaved(street_address="100 Main St"),
    ]

    assert geocoding.geocode_many(places) == {0: EMPIRE, 3: CHELSEA}

    [(method, path, fields)] = census.requests
    assert (method, path) == ("POST", "/geocoder/locations/addressbatch")
    assert fields["benchmark"] == "Public_AR_Current"
    sent = list(csv.reader(io.StringIO(fields["addressFile"])))
    assert sent[0] == ["0", "350 5th Ave", "New York", "NY", "10001"]
    assert [cells[0] for cells in sent] == ["0", "1", "3", "4"]  # never the one without a street


def test_a_batch_is_split_at_the_census_limit(census, monkeypatch):
    monkeypatch.setattr(geocoding, "BATCH_SIZE", 2)
    places = [unsaved(street_address=f"{n} Nowhere Ln") for n in range(4)] + [unsaved()]

    assert geocoding.geocode_many(places) == {4: EMPIRE}
    assert census.paths() == ["/geocoder/locations/addressbatch"] * 3


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_a_failing_batch_finds_nothing_and_warns(census, caplog, mode):
    census.mode = mode

    with caplog.at_level(logging.WARNING, logger="locations.services.geocoding"):
        assert geocoding.geocode_many([unsaved(), unsaved()]) == {}

    assert "Geocoder batch of 2 addresses" in caplog.text


def test_a_slow_batch_times_out(census, settings, caplog):
    census.mode, census.delay = "slow", 1.5
    settings.GEOCODER_BATCH_TIMEOUT = 0.2

    with caplog.at_level(logging.WARNING, logger="locations.services.geocoding"):
        assert geocoding.geocode_many([unsaved()]) == {}

    assert "Geocoder batch of 1 addresses failed" in caplog.text


# Deciding where an edited place goes


def test_a_new_place_goes_to_its_address(census):
    location = unsaved()

    assert geocoding.place_edited(location, ["name", "street_address"]) is True

    assert (location.latitude, location.longitude) == EMPIRE
    assert location.location_precision == Location.Precision.ADDRESS


def test_a_place_the_census_cannot_find_goes_to_its_zip_centre(census):
    location = unsaved(street_address="1 Nowhere Ln")

    assert geocoding.place_edited(location, ["street_address"]) is False

    assert (location.latitude, location.longitude) == ZIP_10001
    assert location.location_precision == Location.Precision.ZIP_CENTROID


def test_coordinates_set_by_staff_win_and_nobody_is_asked(census):
    location = unsaved(latitude=40.7, longitude=-74.0, location_precision="address")

    assert geocoding.place_edited(location, ["street_address", "latitude", "longitude"]) is None

    assert (location.latitude, location.longitude) == (40.7, -74.0)
    assert location.location_precision == Location.Precision.MANUAL
    assert census.requests == []


def test_an_edit_that_leaves_the_address_alone_asks_nobody(census):
    location = make_location(street_address="350 5th Ave", latitude=40.7, longitude=-74.0)

    assert geocoding.place_edited(location, ["name", "phone"]) is None

    assert (location.latitude, location.longitude) == (40.7, -74.0)
    assert census.requests == []


def test_with_geocoding_off_a_zip_change_moves_a_zip_centre_place(settings):
    location = make_location(latitude=None, longitude=None, zip_code="10001")
    assert location.location_precision == Location.Precision.ZIP_CENTROID
    location.zip_code = "10011"

    geocoding.place_edited(location, ["zip_code"])

    assert (location.latitude, location.longitude) == (40.7402, -73.9996)


# The admin


def form_data(**fields) -> dict:
    data = add_form_data(street_address="350 5th Ave", latitude="", longitude="")
    data.update(fields)
    return data


def test_adding_a_place_in_the_admin_geocodes_it(client, staff, census):
    response = client.post(reverse("admin:locations_location_add"), form_data())

    assert response.status_code == 302
    assert not any("not found" in str(m) for m in get_messages(response.wsgi_request))
    location = Location.objects.get()
    assert (location.latitude, location.longitude) == EMPIRE
    assert location.location_precision == Location.Precision.ADDRESS
    assert location.timezone == "America/New_York"


@pytest.mark.parametrize("mode", ["ok", "error"])
def test_an_unfound_place_lands_on_its_zip_centre_marked_approximate(client, staff, census, mode):
    census.mode = mode

    response = client.post(
        reverse("admin:locations_location_add"), form_data(street_address="1 Nowhere Ln")
    )

    assert response.status_code == 302
    location = Location.objects.get()
    assert (location.latitude, location.longitude) == ZIP_10001
    assert location.location_precision == Location.Precision.ZIP_CENTROID
    assert len(census.requests) == 1
    [warning] = [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert "The street address was not found" in str(warning)


def change(client, location, **fields):
    url = reverse("admin:locations_location_change", args=[location.pk])
    data = change_form_data(location, location_precision=location.location_precision, **fields)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    location.refresh_from_db()
    return location


def test_a_moved_pin_is_kept_and_marked_manual(client, staff, census):
    location = make_location(street_address="350 5th Ave", location_precision="address")

    location = change(client, location, latitude="40.75", longitude="-73.98")

    assert (location.latitude, location.longitude) == (40.75, -73.98)
    assert location.location_precision == Location.Precision.MANUAL
    assert census.requests == []


def test_a_changed_street_address_is_looked_up_again(client, staff, census):
    location = make_location(street_address="1 Old St", latitude=40.7, longitude=-74.0)

    location = change(client, location, street_address="350 5th Ave")

    assert (location.latitude, location.longitude) == EMPIRE
    assert location.location_precision == Location.Precision.ADDRESS


def test_an_edit_elsewhere_keeps_the_place(client, staff, census):
    location = make_location(street_address="350 5th Ave", latitude=40.7, longitude=-74.0)

    location = change(client, location, name="Renamed Pharmacy")

    assert location.name == "Renamed Pharmacy"
    assert (location.latitude, location.longitude) == (40.7, -74.0)
    assert census.requests == []


def test_a_changed_zip_code_nobody_looks_up_moves_the_place_and_its_time_zone(client, staff):
    # Geocoding is off here: the new ZIP's centre stands in, as in an import.
    location = make_location(
        street_address="", latitude=40.75, longitude=-73.99, location_precision="address"
    )

    location = change(client, location, city="Chicago", state="IL", zip_code="60601")

    assert (location.latitude, location.longitude) == (41.8858, -87.6181)
    assert location.location_precision == Location.Precision.ZIP_CENTROID
    assert location.timezone == "America/Chicago"


def test_a_place_found_in_another_time_zone_takes_that_zone(client, staff, census):
    census.add("100 N State St", "Chicago", "IL", "60601", 41.883, -87.6278)
    location = make_location(street_address="350 5th Ave", location_precision="address")

    location = change(
        client,
        location,
        street_address="100 N State St",
        city="Chicago",
        state="IL",
        zip_code="60601",
    )

    assert (location.latitude, location.longitude) == (41.883, -87.6278)
    assert location.location_precision == Location.Precision.ADDRESS
    assert location.timezone == "America/Chicago"


def test_a_time_zone_chosen_with_the_new_zip_code_is_kept(client, staff):
    location = make_location()

    location = change(client, location, zip_code="60601", timezone="America/Denver")

    assert location.timezone == "America/Denver"


def test_the_changelist_shows_and_filters_by_precision(client, staff):
    make_location(name="Exact Place", location_precision="address")
    make_location(name="Rough Place", latitude=None, longitude=None)

    url = reverse("admin:locations_location_changelist")
    response = client.get(url, {"location_precision__exact": "zip_centroid"})

    assert response.status_code == 200
    assert [loc.name for loc in response.context["cl"].result_list] == ["Rough Place"]
    assert "ZIP code centre (approximate)" in response.text
    assert 'href="?location_precision__exact=address"' in response.text


def test_the_change_form_carries_the_pin_map(client, staff, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    location = make_location()

    response = client.get(reverse("admin:locations_location_change", args=[location.pk]))

    assert response.status_code == 200
    assert 'id="admin-map-panel"' in response.text
    assert "js/admin-map.js" in response.text
    assert "leaflet/leaflet.js" in response.text
    assert "<style" not in response.text.split('id="admin-map-panel"')[1]
    data = response.context["pin_map"]
    assert data["tiles"]["url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert '<script id="admin-map-data" type="application/json">' in response.text


# Imports


def import_csv(*rows, **kwargs):
    used = {key for row in rows for key in row}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c for c in COLUMNS if c in used])
    writer.writeheader()
    writer.writerows(rows)
    return import_rows(io.StringIO(out.getvalue()), source="partner", **kwargs)


def row(external_id, street, zip_code="10001", **fields):
    return {
        "external_id": external_id,
        "name": f"Place {external_id}",
        "kind": "pharmacy",
        "street_address": street,
        "city": "New York",
        "state": "NY",
        "zip_code": zip_code,
        "latitude": "",
        "longitude": "",
        **fields,
    }


def test_an_import_geocodes_new_rows_in_one_batch(census):
    result = import_csv(
        row("A", "350 5th Ave"),
        row("B", "1 Nowhere Ln"),
        row("C", "9 Given St", latitude="40.75", longitude="-73.99"),
        row("D", ""),
        row("E", "200 W 24th St", zip_code="10011"),
    )

    assert result.written, result.errors
    places = {loc.external_id: loc for loc in Location.objects.all()}
    assert (places["A"].latitude, places["A"].longitude) == EMPIRE
    assert places["A"].location_precision == Location.Precision.ADDRESS
    assert (places["B"].latitude, places["B"].longitude) == ZIP_10001
    assert places["B"].location_precision == Location.Precision.ZIP_CENTROID
    assert (places["C"].latitude, places["C"].longitude) == (40.75, -73.99)
    assert places["D"].location_precision == Location.Precision.ZIP_CENTROID
    assert (places["E"].latitude, places["E"].longitude) == CHELSEA
    [(_method, path, fields)] = census.requests
    assert path == "/geocoder/locations/addressbatch"
    streets = sorted(cells[1] for cells in csv.reader(io.StringIO(fields["addressFile"])))
    assert streets == ["1 Nowhere Ln", "200 W 24th St", "350 5th Ave"]


def test_a_dry_run_never_calls_the_geocoder(census):
    result = import_csv(row("A", "350 5th Ave"), dry_run=True)

    assert result.created == 1 and not result.written
    assert census.requests == []
    assert not Location.objects.exists()


def test_a_file_with_errors_never_calls_the_geocoder(census):
    result = import_csv(row("A", "350 5th Ave"), row("B", "2 Side St", zip_code="nope"))

    assert not result.written
    assert census.requests == []


def test_reimporting_the_same_file_asks_nothing_and_changes_nothing(census):
    rows = [row("A", "350 5th Ave"), row("B", "1 Nowhere Ln")]
    import_csv(*rows)
    census.requests.clear()

    result = import_csv(*rows)

    assert result.unchanged == 2
    assert census.requests == []
    assert Location.objects.get(external_id="A").location_precision == "address"


def test_a_changed_street_is_looked_up_again_on_reimport(census):
    import_csv(row("A", "1 Nowhere Ln"))
    census.requests.clear()

    result = import_csv(row("A", "350 5th Ave"))

    assert result.updated == 1
    assert {"street_address", "latitude", "longitude", "location_precision"} <= set(
        result.rows[0].changed_fields
    )
    location = Location.objects.get()
    assert (location.latitude, location.longitude) == EMPIRE
    assert location.location_precision == Location.Precision.ADDRESS
    assert len(census.requests) == 1


def test_a_change_elsewhere_in_the_row_asks_nothing(census):
    import_csv(row("A", "350 5th Ave"))
    census.requests.clear()

    result = import_csv(row("A", "350 5th Ave", phone="212-555-0100"))

    assert result.updated == 1
    assert census.requests == []


def test_a_failing_batch_still_imports_at_zip_centres(census):
    census.mode = "error"

    result = import_csv(row("A", "350 5th Ave"))

    assert result.written
    location = Location.objects.get()
    assert (location.latitude, location.longitude) == ZIP_10001
    assert location.location_precision == Location.Precision.ZIP_CENTROID


def test_geocoding_adds_no_queries_to_an_import(census, settings):
    rows = [row(f"R{n}", "350 5th Ave" if n % 2 else f"{n} Nowhere Ln") for n in range(20)]
    with CaptureQueriesContext(connection) as with_census:
        import_csv(*rows)
    Location.objects.all().delete()

    settings.GEOCODER = "none"
    with CaptureQueriesContext(connection) as without:
        import_csv(*rows)

    assert len(census.requests) == 1
    # The one more query is the nearby-duplicates check, which only rows placed at an
    # address take part in (a ZIP code's centre says nothing about distance).
    extra = [q["sql"] for q in with_census.captured_queries[len(without) - 2 :][:1]]
    assert len(with_census) == len(without) + 1, extra
    assert sum("l.name" in q["sql"] for q in with_census.captured_queries) == 1
    assert not any("l.name" in q["sql"] for q in without.captured_queries)
