"""The Open Referral HSDS 3.1 export: a zip of CSV tables with a datapackage.json."""

import csv
import io
import json
import uuid
import zipfile
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from locations.exchange.csv_export import LICENCE
from locations.exchange.hsds_tables import HSDS_NAMESPACE, hsds_id
from locations.models import Location
from locations.services import cache_version
from locations.services.listings import save_listing
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db

URL = "/api/v1/export/hsds.zip"

# HSDS 3.1 (github.com/openreferral/specification, schema/<table>.json): each table's
# "required" fields plus its "tabular_required" ones, the links a CSV row must fill.
REQUIRED = {
    "organization": ["id", "name", "description"],
    "service": ["id", "name", "status", "organization_id"],
    "attribute": ["id", "link_id", "taxonomy_term_id", "link_entity"],
    "service_at_location": ["id", "service_id", "location_id"],
    "location": ["id", "location_type"],
    "phone": ["id", "number"],
    "address": [
        "id", "address_1", "city", "state_province", "postal_code", "country", "address_type",
    ],
    "schedule": ["id"],
    "service_area": ["id"],
    "language": ["id"],
    "taxonomy_term": ["id", "name", "description"],
    "taxonomy": ["id", "name", "description"],
}  # fmt: skip
# The spec's file names for those tables in its tabular data package (schema "path").
PATHS = {
    "organization": "organizations.csv",
    "service": "services.csv",
    "attribute": "attributes.csv",
    "service_at_location": "service_at_location.csv",
    "location": "locations.csv",
    "phone": "phones.csv",
    "address": "addresses.csv",
    "schedule": "schedules.csv",
    "service_area": "service_areas.csv",
    "language": "languages.csv",
    "taxonomy_term": "taxonomy_terms.csv",
    "taxonomy": "taxonomies.csv",
}
# Some fields HSDS 3.1 defines, with the spec's names, that the tables must carry.
SPEC_FIELDS = {
    "service": ["assured_date", "assurer_email", "last_modified", "fees_description", "alert"],
    "schedule": ["freq", "wkst", "byday", "opens_at", "closes_at", "valid_from", "timezone"],
    "attribute": ["link_type", "link_entity", "value", "label"],
    "location": ["location_type", "external_identifier", "latitude", "longitude"],
    "taxonomy_term": ["code", "parent_id", "taxonomy_id", "term_uri", "language"],
}


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


class Package:
    """An HSDS export opened up: its datapackage.json and each table's header and rows."""

    def __init__(self, content: bytes):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            self.names = set(archive.namelist())
            self.descriptor = json.loads(archive.read("datapackage.json"))
            self.resources = {r["name"]: r for r in self.descriptor["resources"]}
            self.headers, self.rows = {}, {}
            for name, resource in self.resources.items():
                text = archive.read(resource["path"]).decode("utf-8")
                reader = csv.DictReader(io.StringIO(text, newline=""))
                self.rows[name] = list(reader)
                self.headers[name] = reader.fieldnames

    def ids(self, table: str) -> set[str]:
        return {row["id"] for row in self.rows[table]}

    def by_id(self, table: str) -> dict[str, dict]:
        return {row["id"]: row for row in self.rows[table]}

    def one(self, table: str, **match) -> dict:
        (row,) = [r for r in self.rows[table] if all(r[k] == v for k, v in match.items())]
        return row

    def where(self, table: str, **match) -> list[dict]:
        return [r for r in self.rows[table] if all(r[k] == v for k, v in match.items())]


def export(client, **headers) -> Package:
    response = client.get(URL, **headers)
    assert response.status_code == 200
    return Package(response.content)


def make_directory() -> dict[str, Location]:
    """A pharmacy that uses every field, a mail-based program, a machine with no street
    address, and places the public never sees."""
    return {
        "pharmacy": make_location(
            name="Corner Pharmacy",
            street_address="12 W 31st St",
            address_line2="Suite 4",
            phone="(212) 555-0100",
            website="https://example.org/",
            email="info@example.org",
            description="Ask at the counter.",
            last_verified_on=date(2025, 3, 31),
            free_naloxone=True,
            nasal_spray=True,
            wheelchair_accessible=True,
            languages=["English", "Spanish", "Fulfulde", "english"],  # typed twice in the admin
            hours=[*[(day, (9, 0), (17, 0)) for day in range(5)], (5, (10, 0), (14, 0))],
        ),
        "mail": make_location(
            name="Mail Program",
            kind=Location.Kind.MAIL_BASED,
            city="Albany",
            zip_code="12207",
            latitude=42.6575,
            longitude=-73.7461,
            website="https://mail.example.org/",
            states_served=["NY", "NJ", "NY"],
        ),
        "machine": make_location(
            name="Naloxone Box",
            kind=Location.Kind.VENDING_MACHINE,
            street_address="",
            hours=[(day, (0, 0), (0, 0)) for day in range(7)],
        ),
        "night": make_location(
            name="Night Outreach",
            kind=Location.Kind.HARM_REDUCTION,
            hours=[(4, (22, 0), (2, 0)), (5, (22, 0), (2, 0))],
        ),
        "draft": make_location(name="Draft Place", status=Location.Status.DRAFT),
        "closed": make_location(name="Closed Place", status=Location.Status.CLOSED),
    }


def test_it_serves_a_dated_zip_attachment(client):
    make_location()

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert response["Content-Disposition"] == (
        f'attachment; filename="naloxone-finder-hsds-{today}.zip"'
    )


def test_it_lists_every_file_in_the_datapackage_with_matching_headers(client):
    make_directory()

    package = export(client)

    assert {name: r["path"] for name, r in package.resources.items()} == PATHS
    assert package.names == {"datapackage.json", *PATHS.values()}
    for name, resource in package.resources.items():
        fields = [field["name"] for field in resource["schema"]["fields"]]
        assert package.headers[name] == fields, name
        assert resource["schema"]["primaryKey"] == "id"
        assert (resource["profile"], resource["mediatype"]) == (
            "tabular-data-resource",
            "text/csv",
        )
    for table, fields in SPEC_FIELDS.items():
        assert set(fields) <= set(package.headers[table]), table


def test_it_describes_the_package_and_its_licence(client):
    package = export(client)

    descriptor = package.descriptor
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["hsds_version"] == "3.1"
    assert descriptor["licenses"] == [{"name": "other-at", "title": LICENCE}]
    assert LICENCE == "Open data, reuse freely; please credit Naloxone Finder"
    assert descriptor["homepage"] == "http://testserver/"


def test_it_fills_every_field_hsds_requires(client):
    make_directory()

    package = export(client)

    for table, required in REQUIRED.items():
        declared = {
            f["name"] for f in package.resources[table]["schema"]["fields"]
            if f["constraints"]["required"]
        }  # fmt: skip
        assert declared == set(required), table
        assert package.rows[table], f"{table} is empty"
        for row in package.rows[table]:
            for field in required:
                assert row[field], f"{table}.{field} is blank in {row}"


def test_it_writes_every_value_in_its_declared_type(client):
    make_directory()

    package = export(client)

    for table, resource in package.resources.items():
        for field in resource["schema"]["fields"]:
            for row in package.rows[table]:
                value = row[field["name"]]
                if value:
                    check_value(field, value)


def check_value(field: dict, value: str) -> None:
    """The part of Frictionless's table schema checks that these files can break."""
    kind, fmt = field["type"], field.get("format")
    if kind == "number":
        float(value)
    elif kind == "date":
        date.fromisoformat(value)
    elif kind == "time":
        assert len(value) == 8, value  # HH:MM:SS
        time.fromisoformat(value)
    elif kind == "datetime":
        assert value.endswith("Z"), value
        datetime.fromisoformat(value)
    if fmt == "uuid":
        uuid.UUID(value)
    elif fmt == "uri":
        assert value.startswith(("https://", "http://")), value
    elif fmt == "email":
        assert "@" in value, value
    if "enum" in field["constraints"]:
        assert value in field["constraints"]["enum"], (field["name"], value)


def test_it_gives_every_row_a_unique_uuid_and_every_link_resolves(client):
    make_directory()

    package = export(client)

    all_ids = [row["id"] for rows in package.rows.values() for row in rows]
    assert len(all_ids) == len(set(all_ids))
    for table, resource in package.resources.items():
        for key in resource["schema"].get("foreignKeys", []):
            target = package.ids(key["reference"]["resource"])
            for row in package.rows[table]:
                if row[key["fields"]]:
                    assert row[key["fields"]] in target, (table, key["fields"])
    for row in package.rows["attribute"]:
        assert row["link_id"] in package.ids(row["link_entity"])
    links = {
        (name, key["fields"], key["reference"]["resource"])
        for name, r in package.resources.items()
        for key in r["schema"].get("foreignKeys", [])
    }
    assert {
        ("service", "organization_id", "organization"),
        ("service_at_location", "service_id", "service"),
        ("service_at_location", "location_id", "location"),
        ("location", "organization_id", "organization"),
        ("address", "location_id", "location"),
        ("phone", "location_id", "location"),
        ("schedule", "location_id", "location"),
        ("language", "location_id", "location"),
        ("service_area", "service_id", "service"),
        ("attribute", "taxonomy_term_id", "taxonomy_term"),
        ("taxonomy_term", "taxonomy_id", "taxonomy"),
    } <= links


def test_it_includes_only_published_places(client):
    make_directory()

    package = export(client)

    names = {row["name"] for row in package.rows["organization"]}
    assert names == {"Corner Pharmacy", "Mail Program", "Naloxone Box", "Night Outreach"}
    assert len(package.rows["location"]) == len(package.rows["service"]) == 4


def test_it_keeps_every_id_across_exports_and_renames(client):
    places = make_directory()
    first = export(client)

    places["pharmacy"].name = "Corner Pharmacy & Clinic"
    save_listing(places["pharmacy"])
    second = export(client)

    for table in PATHS:
        assert first.ids(table) == second.ids(table), table


def test_it_makes_ids_as_uuid5_of_the_slug_and_the_row():
    expected = uuid.uuid5(HSDS_NAMESPACE, "location/corner-pharmacy-new-york-ny")

    assert hsds_id("location", "corner-pharmacy-new-york-ny") == str(expected)
    assert uuid.UUID(hsds_id("service", "x")).version == 5


def test_it_maps_a_place_to_an_organization_location_and_naloxone_service(client):
    make_directory()

    package = export(client)

    organization = package.one("organization", name="Corner Pharmacy")
    assert organization["description"] == "Ask at the counter."
    assert organization["website"] == "https://example.org/"
    location = package.one("location", organization_id=organization["id"])
    assert location["location_type"] == "physical"
    assert (location["latitude"], location["longitude"]) == ("40.7484", "-73.9967")
    service = package.one("service", organization_id=organization["id"])
    assert service["name"] == "Naloxone"
    assert service["status"] == "active"
    assert service["assured_date"] == "2025-03-31"
    assert service["url"] == "http://testserver/locations/corner-pharmacy-new-york-ny/"
    assert (
        package.one("service_at_location", service_id=service["id"])["location_id"]
        == (location["id"])
    )
    address = package.one("address", location_id=location["id"])
    assert (address["address_1"], address["address_2"], address["city"]) == (
        "12 W 31st St",
        "Suite 4",
        "New York",
    )
    assert (address["state_province"], address["postal_code"], address["country"]) == (
        "NY",
        "10001",
        "US",
    )
    assert address["address_type"] == "physical"
    assert package.one("phone", location_id=location["id"])["number"] == "+12125550100"
    languages = package.where("language", location_id=location["id"])
    assert [(lang["name"], lang["code"]) for lang in languages] == [
        ("English", "en"),
        ("Spanish", "es"),
        ("Fulfulde", ""),
    ]


def test_it_writes_weekly_schedules_in_local_time(client):
    make_directory()

    package = export(client)

    location = package.one("location", name="Corner Pharmacy")
    schedules = package.where("schedule", location_id=location["id"])
    assert [(s["byday"], s["opens_at"], s["closes_at"], s["freq"]) for s in schedules] == [
        ("MO,TU,WE,TH,FR", "09:00:00", "17:00:00", "WEEKLY"),
        ("SA", "10:00:00", "14:00:00", "WEEKLY"),
    ]
    assert schedules[0]["description"] == ("Mon-Fri 09:00-17:00, local time (America/New_York)")


def test_it_writes_all_day_as_hsds_advises_and_notes_hours_past_midnight(client):
    make_directory()

    package = export(client)

    machine = package.one("location", name="Naloxone Box")
    (always,) = package.where("schedule", location_id=machine["id"])
    assert (always["byday"], always["opens_at"], always["closes_at"]) == (
        "MO,TU,WE,TH,FR,SA,SU",
        "00:00:00",
        "23:59:00",
    )
    night = package.one("location", name="Night Outreach")
    (late,) = package.where("schedule", location_id=night["id"])
    assert (late["byday"], late["opens_at"], late["closes_at"]) == ("FR,SA", "22:00:00", "02:00:00")
    assert "closes after midnight" in late["description"]


def test_it_leaves_out_an_address_a_place_does_not_have(client):
    make_directory()

    package = export(client)

    machine = package.one("location", name="Naloxone Box")
    assert package.where("address", location_id=machine["id"]) == []
    assert machine["latitude"]  # still on the map


def test_it_makes_a_mail_based_program_a_virtual_location_with_service_areas(client):
    make_directory()

    package = export(client)

    location = package.one("location", name="Mail Program")
    assert location["location_type"] == "virtual"
    assert location["url"] == "https://mail.example.org/"
    assert (location["latitude"], location["longitude"]) == ("", "")
    assert package.one("address", location_id=location["id"])["address_type"] == "postal"
    link = package.one("service_at_location", location_id=location["id"])
    areas = package.where("service_area", service_id=link["service_id"])
    assert [area["name"] for area in areas] == ["New York", "New Jersey"]


def test_it_links_kinds_and_offerings_through_attributes(client):
    make_directory()

    package = export(client)

    terms = package.by_id("taxonomy_term")
    taxonomies = package.by_id("taxonomy")
    location = package.one("location", name="Corner Pharmacy")
    service = package.one("service", organization_id=location["organization_id"])
    on_location = {
        terms[a["taxonomy_term_id"]]["code"]
        for a in package.where("attribute", link_id=location["id"], link_entity="location")
    }
    on_service = {
        terms[a["taxonomy_term_id"]]["code"]
        for a in package.where("attribute", link_id=service["id"], link_entity="service")
    }
    assert on_location == {"pharmacy", "wheelchair_accessible"}
    assert on_service == {"free_naloxone", "nasal_spray"}
    pharmacy = package.one("taxonomy_term", code="pharmacy")
    assert taxonomies[pharmacy["taxonomy_id"]]["name"] == "Naloxone Finder site kinds"
    free = package.one("taxonomy_term", code="free_naloxone")
    assert taxonomies[free["taxonomy_id"]]["name"] == "Naloxone Finder offerings"
    kinds = {t["code"] for t in terms.values() if t["taxonomy_id"] == pharmacy["taxonomy_id"]}
    assert kinds == set(Location.Kind.values)


def test_it_writes_english_whatever_the_request_language(client):
    make_directory()

    package = export(client, HTTP_ACCEPT_LANGUAGE="es")

    assert package.one("taxonomy_term", code="mail_based")["name"] == "By mail"
    service_urls = [row["url"] for row in package.rows["service"]]
    assert all("/es/" not in url for url in service_urls)


def test_it_exports_an_empty_directory_as_headers_and_taxonomies(client):
    package = export(client)

    assert package.rows["organization"] == []
    assert len(package.rows["taxonomy"]) == 2
    assert package.headers["organization"][:3] == ["id", "name", "alternate_name"]


def test_it_builds_the_package_in_two_queries_however_many_places(
    client, django_assert_num_queries
):
    for n in range(40):
        make_location(
            name=f"Place {n}",
            phone="212-555-0100",
            languages=["English"],
            hours=[(day, (9, 0), (17, 0)) for day in range(n % 7)],
        )

    # 1. SELECT COUNT(*), MAX(updated_at) of the published places (the cache's version)
    # 2. SELECT their public columns, with their hours as an array subquery
    with django_assert_num_queries(2):
        package = export(client)

    assert len(package.rows["location"]) == 40
    assert len(package.rows["phone"]) == 40


def test_it_reuses_the_package_until_the_directory_changes(client, django_assert_num_queries):
    place = make_location(name="Corner Pharmacy")
    first = client.get(URL).content

    # None: the public cache (locations/web/caching.py) answers before the view, so not
    # even the directory-version query runs.
    with django_assert_num_queries(0):
        assert client.get(URL).content == first

    place.name = "Corner Pharmacy & Clinic"
    save_listing(place)
    renamed = export(client)
    assert renamed.rows["organization"][0]["name"] == "Corner Pharmacy & Clinic"

    place.status = Location.Status.CLOSED
    save_listing(place)
    assert export(client).rows["organization"] == []


def test_it_builds_the_package_again_when_a_place_is_published(client):
    make_location(name="One")
    draft = make_location(name="Two", status=Location.Status.DRAFT)
    assert len(export(client).rows["organization"]) == 1

    Location.objects.filter(pk=draft.pk).update(status=Location.Status.PUBLISHED)
    # The public cache in front learns of writes from the services; a raw UPDATE outside
    # them must say so itself. Behind it, the package's own directory version (tested
    # here) notices the change.
    cache_version.bump()

    assert len(export(client).rows["organization"]) == 2
