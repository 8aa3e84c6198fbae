"""The CSV export: every published place in the import format, and back again."""

import csv
import io
import zipfile
from datetime import date

import pytest
from django.db.models import Q
from django.utils import timezone

from locations.exchange.csv_export import export_id
from locations.exchange.csv_format import COLUMNS
from locations.exchange.importer import import_rows
from locations.models import Location, PossibleDuplicate
from tests.factories import make_location, make_user, make_zipcodes

pytestmark = pytest.mark.django_db

CSV_URL = "/api/v1/export/locations.csv"
HSDS_URL = "/api/v1/export/hsds.zip"

# Every public column of a place; the round trip must bring each one back unchanged.
PUBLIC_FIELDS = [
    "name", "kind", "street_address", "address_line2", "city", "state", "zip_code",
    "latitude", "longitude", "location_precision", "timezone", "phone", "website", "email",
    "description", "status", "last_verified_on", "languages", "states_served",
    *[name for name, _label in Location.OFFERINGS],
]  # fmt: skip


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def body(response) -> bytes:
    return response.getvalue()  # streamed or not


def exported_rows(client) -> list[dict]:
    response = client.get(CSV_URL)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"))))


def public_values(location: Location) -> dict:
    values = {name: getattr(location, name) for name in PUBLIC_FIELDS}
    values["hours"] = sorted(location.hours.values_list("weekday", "opens", "closes"))
    return values


def make_directory() -> list[Location]:
    """Published places that use every public column, made the ways rows are made: in
    the admin (no external_id), by an import (a source's own IDs), placed by hand."""
    pinned = dict(location_precision=Location.Precision.ADDRESS, timezone="")
    return [
        make_location(
            name='Farmacia Pérez, "La Esquina"',
            street_address="12 W 31st St",
            address_line2="Suite 4",
            phone="(212) 555-0100",
            website="https://example.org/naloxone",
            email="info@example.org",
            description='Ask at the counter for a "free" kit.\nNo questions asked, no ID.',
            last_verified_on=date(2025, 3, 31),
            free_naloxone=True,
            no_prescription=True,
            nasal_spray=True,
            walk_in=True,
            wheelchair_accessible=True,
            languages=["English", "Spanish"],
            hours=[
                *[(day, (9, 0), (17, 0)) for day in range(5)],
                (5, (10, 0), (14, 0)),
            ],
            **pinned,
        ),
        make_location(
            name="Night Outreach",
            kind=Location.Kind.HARM_REDUCTION,
            city="Chicago",
            state="IL",
            zip_code="60601",
            latitude=41.8858,
            longitude=-87.6181,
            source="county-2025",
            external_id="17",
            training=True,
            fentanyl_test_strips=True,
            anonymous=True,
            hours=[
                (0, (9, 0), (12, 0)),
                (0, (13, 0), (17, 0)),
                (4, (22, 0), (2, 0)),
                (5, (22, 0), (2, 0)),
            ],
            **pinned,
        ),
        make_location(
            name="Naloxone Box",
            kind=Location.Kind.VENDING_MACHINE,
            street_address="",
            latitude=None,
            longitude=None,
            timezone="",
            open_24_7=True,
            hours=[(day, (0, 0), (0, 0)) for day in range(7)],
        ),
        make_location(
            name="Mail Program",
            kind=Location.Kind.MAIL_BASED,
            city="Albany",
            zip_code="12207",
            latitude=42.6575,
            longitude=-73.7461,
            states_served=["NY", "NJ", "CT"],
            sells_otc=True,
            injectable=True,
            **pinned,
        ),
    ]


def test_it_serves_a_dated_csv_attachment(client):
    make_location()

    response = client.get(CSV_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert response["Content-Disposition"] == (
        f'attachment; filename="naloxone-finder-locations-{today}.csv"'
    )


def test_it_writes_the_import_columns_in_their_documented_order(client):
    make_location()

    response = client.get(CSV_URL)

    header = next(csv.reader(io.StringIO(body(response).decode("utf-8"))))
    assert header == COLUMNS


def test_it_exports_only_published_places(client):
    make_location(name="Live")
    make_location(name="Draft", status=Location.Status.DRAFT)
    make_location(name="Closed", status=Location.Status.CLOSED)

    assert [row["name"] for row in exported_rows(client)] == ["Live"]


def test_it_exports_an_empty_directory_as_a_header_alone(client):
    response = client.get(CSV_URL)

    assert body(response).decode("utf-8") == ",".join(COLUMNS) + "\r\n"


def test_it_writes_every_public_field_in_the_import_syntax(client):
    make_directory()

    rows = {row["name"]: row for row in exported_rows(client)}

    pharmacy = rows['Farmacia Pérez, "La Esquina"']
    assert pharmacy["phone"] == "(212) 555-0100"
    assert pharmacy["hours"] == "Mon-Fri 09:00-17:00; Sat 10:00-14:00"
    assert pharmacy["languages"] == "English; Spanish"
    assert pharmacy["last_verified_on"] == "2025-03-31"
    assert pharmacy["status"] == "published"
    assert (pharmacy["free_naloxone"], pharmacy["injectable"]) == ("yes", "no")
    assert (pharmacy["latitude"], pharmacy["longitude"]) == ("40.7484", "-73.9967")
    assert rows["Night Outreach"]["hours"] == ("Mon 09:00-12:00, 13:00-17:00; Fri-Sat 22:00-02:00")
    assert rows["Naloxone Box"]["hours"] == "24/7"
    assert rows["Mail Program"]["states_served"] == "NY NJ CT"


def test_it_leaves_a_zip_centre_pin_blank_so_an_import_places_it_the_same_way(client):
    box = make_location(latitude=None, longitude=None)
    assert box.location_precision == Location.Precision.ZIP_CENTROID

    (row,) = exported_rows(client)

    assert (row["latitude"], row["longitude"]) == ("", "")


def test_it_identifies_every_row_by_its_slug(client):
    admin_row = make_location(name="Added In The Admin")
    imported = make_location(name="Imported", source="county-2025", external_id="17")

    rows = exported_rows(client)

    assert {row["external_id"] for row in rows} == {admin_row.slug, imported.slug}
    assert exported_rows(client) == rows  # the same file again: the same IDs


def test_it_shortens_a_slug_too_long_for_an_external_id_and_keeps_it_unique():
    long_slug = "a" * 110
    other = "a" * 109 + "b"

    assert export_id("short-slug") == "short-slug"
    assert len(export_id(long_slug)) == 100
    assert export_id(long_slug) == export_id(long_slug)
    assert export_id(long_slug) != export_id(other)


def as_copied(original, copy) -> dict:
    """What a copy imported under another source holds: the same values, but a copy
    flagged as a likely duplicate of its published original is held as a draft."""
    values = public_values(original)
    flagged = PossibleDuplicate.objects.filter(
        Q(location=original, other=copy) | Q(location=copy, other=original)
    ).exists()
    if values["status"] == Location.Status.PUBLISHED and flagged:
        values["status"] = Location.Status.DRAFT
    return values


def test_it_round_trips_every_public_field_through_the_importer(client):
    originals = make_directory()
    response = client.get(CSV_URL)
    content = body(response)

    result = import_rows(io.BytesIO(content), source="mirror")

    assert result.ok, [str(error) for error in result.errors]
    assert result.created == len(originals)
    copies = {copy.external_id: copy for copy in Location.objects.filter(source="mirror")}
    for original in originals:
        copy = copies[original.slug]
        assert public_values(copy) == as_copied(original, copy), original.name


def test_it_imports_its_own_export_again_without_changing_anything(client):
    make_directory()
    content = body(client.get(CSV_URL))
    import_rows(io.BytesIO(content), source="mirror")

    again = import_rows(io.BytesIO(content), source="mirror")

    assert again.ok
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_it_brings_a_pin_placed_by_hand_back_as_a_street_address_pin(client):
    # The import format has no precision column: a pin given in a file counts as
    # placed by street address. Both are exact; only "approximate" matters publicly.
    original = make_location(latitude=40.75, longitude=-73.99)
    assert original.location_precision == Location.Precision.MANUAL

    import_rows(io.BytesIO(body(client.get(CSV_URL))), source="mirror")

    copy = Location.objects.get(source="mirror")
    assert (copy.latitude, copy.longitude) == (40.75, -73.99)
    assert copy.location_precision == Location.Precision.ADDRESS
    assert copy.is_approximate is False


def test_it_reads_the_whole_directory_in_one_query(client, django_assert_num_queries):
    for n in range(60):
        make_location(name=f"Place {n}", hours=[(day, (9, 0), (17, 0)) for day in range(n % 7)])

    # SELECT the published places' public columns, their hours as an array subquery.
    with django_assert_num_queries(1):
        rows = exported_rows(client)

    assert len(rows) == 60
    hours = {row["name"]: row["hours"] for row in rows}
    assert (hours["Place 0"], hours["Place 6"]) == ("", "Mon-Sat 09:00-17:00")


# Staff-only data: written into every staff-only field, looked for in every file.
MARKER = "zq-secret"


def make_place_with_staff_only_data() -> Location:
    staff = make_user(
        f"{MARKER}-user",
        email=f"{MARKER}@example.org",
        first_name=MARKER,
        last_name=MARKER,
        is_staff=True,
    )
    return make_location(
        internal_notes=f"{MARKER} notes",
        verified_by=staff,
        verification_method=f"{MARKER}1",  # 10 characters; choices are not checked on save
        last_verified_on=date(2025, 1, 2),
        source=f"{MARKER}-source",
        external_id=f"{MARKER}-id",
        hours=[(0, (9, 0), (17, 0))],
    )


@pytest.mark.parametrize("url", [CSV_URL, HSDS_URL])
def test_it_never_exports_staff_only_fields(client, url):
    make_place_with_staff_only_data()

    response = client.get(url)

    assert response.status_code == 200
    content = body(response)
    files = [content]
    if url == HSDS_URL:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            files = [archive.read(name) for name in archive.namelist()]
    for data in files:
        assert MARKER.encode() not in data


def test_it_declares_both_exports_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    csv_ok = paths["/api/v1/export/locations.csv"]["get"]["responses"]["200"]
    zip_ok = paths["/api/v1/export/hsds.zip"]["get"]["responses"]["200"]
    assert list(csv_ok["content"]) == ["text/csv"]
    assert list(zip_ok["content"]) == ["application/zip"]


def test_it_refuses_other_methods(client):
    assert client.post(CSV_URL).status_code == 405
    assert client.post(HSDS_URL).status_code == 405


def test_it_keeps_spreadsheets_from_running_text_as_a_formula(client):
    original = make_location(
        name='=HYPERLINK("http://evil.example","Click")',
        street_address="+1 Main St",
        city="@Town",
        description="-note",
        languages=["=cmd", "English"],
        latitude=40.75,
        longitude=-73.99,
        location_precision=Location.Precision.ADDRESS,
    )
    make_location(name="'=Already quoted", location_precision=Location.Precision.ADDRESS)

    rows = {row["external_id"]: row for row in exported_rows(client)}

    row = rows[original.slug]
    assert row["name"] == "'" + original.name
    assert (row["street_address"], row["city"]) == ("'+1 Main St", "'@Town")
    assert row["description"] == "'-note"
    assert row["languages"] == "'=cmd; English"
    assert row["longitude"] == "-73.99"  # numbers are not text
    # Imported again, every value is what it was: the quote comes off.
    result = import_rows(io.BytesIO(body(client.get(CSV_URL))), source="mirror")
    assert result.ok, [str(error) for error in result.errors]
    copies = {copy.external_id: copy for copy in Location.objects.filter(source="mirror")}
    for location in Location.objects.exclude(source="mirror"):
        copy = copies[location.slug]
        assert public_values(copy) == as_copied(location, copy), location.name
