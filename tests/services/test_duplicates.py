import csv
import io
import re
from datetime import date, time

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from locations.domain.addresses import normalize_address, normalize_name, similar_names
from locations.exchange.csv_format import COLUMNS
from locations.exchange.importer import import_rows
from locations.models import Location, OpeningHours, PossibleDuplicate, ProblemReport
from locations.services.duplicates import METRES_PER_DEGREE_LATITUDE, flag_duplicates
from locations.services.listings import save_listing
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db

LIST = "admin:locations_possibleduplicate_changelist"


def merge_url(pair) -> str:
    return reverse("admin:locations_possibleduplicate_merge", args=[pair.pk])


def north_of(location: Location, metres: float) -> float:
    return location.latitude + metres / METRES_PER_DEGREE_LATITUDE


def pairs() -> set[tuple[int, int, str]]:
    return set(PossibleDuplicate.objects.values_list("location_id", "other_id", "reason"))


# Normalization


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            ("123 Main Street", "Suite 4", "new york", "NY", "10001"),
            "123 MAIN ST STE 4, NEW YORK, NY 10001",
        ),
        (
            ("123  main st.", "ste 4", "New York", "ny", "10001"),
            "123 MAIN ST STE 4, NEW YORK, NY 10001",
        ),
        (
            ("123 North Main Street", "", "New York", "NY", "10001"),
            "123 N MAIN ST, NEW YORK, NY 10001",
        ),
        (
            ("Rear of the  church", "", "New York", "NY", "10001"),
            "REAR OF THE CHURCH, NEW YORK, NY 10001",
        ),
        (("PO Box 12", "", "Albany", "NY", "12207"), "PO BOX 12, ALBANY, NY 12207"),
        (("", "Suite 4", "New York", "NY", "10001"), ""),
        (("   ", "", "New York", "NY", "10001"), ""),
    ],
)
def test_it_normalizes_addresses(parts, expected):
    assert normalize_address(*parts) == expected


def test_spellings_of_one_address_normalize_alike():
    assert normalize_address("500 West 5th Avenue", "", "Chicago", "IL", "60601") == (
        normalize_address("500 W. 5th Ave", "", "chicago", "il", "60601")
    )


def test_it_normalizes_names():
    assert normalize_name("The Main St. Pharmacy & Clinic") == "main st pharmacy and clinic"


@pytest.mark.parametrize(
    ("first", "second", "similar"),
    [
        ("CVS Pharmacy", "CVS", True),
        ("Main Street Pharmacy", "Main St Pharmacy", True),
        ("Riverside Health Center", "Riverside Health Centre", True),
        ("Riverside Clinic", "Lakeview Clinic", False),
        ("Walgreens", "Harm Reduction Coalition", False),
        ("", "CVS", False),
        ("Walgreens #1234", "Walgreens", True),
        ("Ace", "Grace Church", False),
        ("Art Space", "Smart Space Clinic", False),
    ],
)
def test_it_compares_names(first, second, similar):
    assert similar_names(first, second) is similar


def test_a_save_stores_the_normalized_address():
    location = make_location(street_address="12 East 3rd Street", address_line2="Floor 2")

    location.refresh_from_db()
    assert location.normalized_address == "12 E 3RD ST FL 2, NEW YORK, NY 10001"


def test_a_location_without_a_street_has_no_normalized_address():
    location = make_location(street_address="")

    assert location.normalized_address == ""


# Detection on save


def test_a_save_flags_the_same_address():
    first = make_location(name="Corner Drugs", street_address="100 Main Street")
    second = Location(
        name="Totally Different",
        kind="pharmacy",
        street_address="100 Main St.",
        city="New York",
        state="NY",
        zip_code="10001",
        latitude=40.75,
        longitude=-73.99,
        status="published",
    )

    assert save_listing(second).flagged_duplicates
    assert pairs() == {(first.pk, second.pk, "same_address")}
    pair = PossibleDuplicate.objects.get()
    assert pair.status == "open"
    assert pair.distance_m > 100


def test_a_save_flags_a_similar_name_within_50_m():
    first = make_location(name="Main Street Pharmacy", street_address="1 Main St")
    second = make_location(
        name="Main St Pharmacy", street_address="9 Main St", latitude=north_of(first, 40)
    )

    assert pairs() == {(first.pk, second.pk, "nearby")}
    assert PossibleDuplicate.objects.get().distance_m == pytest.approx(40, abs=0.5)


def test_a_similar_name_60_m_away_is_not_flagged():
    first = make_location(name="Main Street Pharmacy", street_address="1 Main St")
    make_location(name="Main St Pharmacy", street_address="9 Main St", latitude=north_of(first, 60))

    assert pairs() == set()


def test_a_different_name_within_50_m_is_not_flagged():
    first = make_location(name="Main Street Pharmacy", street_address="1 Main St")
    make_location(
        name="Police Precinct 13", street_address="9 Main St", latitude=north_of(first, 5)
    )

    assert pairs() == set()


def test_places_at_a_zip_centre_are_not_compared_by_distance():
    make_zipcodes("10001")
    make_location(name="Main Pharmacy", street_address="1 Main St", latitude=None, longitude=None)
    second = make_location(
        name="Main Pharmacy", street_address="9 Main St", latitude=None, longitude=None
    )

    assert second.location_precision == Location.Precision.ZIP_CENTROID
    assert pairs() == set()


def test_closed_and_merged_listings_are_ignored():
    kept = make_location(name="Kept", street_address="5 Elm St")
    make_location(name="Closed", street_address="5 Elm St", status=Location.Status.CLOSED)
    merged = make_location(name="Merged", street_address="7 Elm St", status=Location.Status.DRAFT)
    Location.objects.filter(pk=merged.pk).update(merged_into=kept)
    make_location(name="Other", street_address="7 Elm St")

    assert pairs() == set()


def test_a_pair_marked_not_a_duplicate_stays_resolved_on_resave():
    first = make_location(name="Twin Pharmacy", street_address="3 Oak Ave")
    second = make_location(name="Twin Pharmacy", street_address="3 Oak Avenue")
    PossibleDuplicate.objects.update(status=PossibleDuplicate.Status.NOT_DUPLICATE)

    second.name = "Twin Pharmacy East"
    saved = save_listing(second)
    save_listing(first)

    assert saved.flagged_duplicates == []
    assert list(PossibleDuplicate.objects.values_list("status", flat=True)) == ["not_duplicate"]


def test_a_save_of_unrelated_fields_checks_nothing(django_assert_num_queries):
    location = make_location(street_address="3 Oak Ave")
    location.internal_notes = "called"

    with django_assert_num_queries(2):  # the UPDATE and its history record
        save_listing(location, update_fields=["internal_notes"])


def test_a_save_checks_in_a_fixed_number_of_queries(django_assert_num_queries):
    for n in range(5):
        make_location(name=f"Pharmacy {n}", street_address="3 Oak Ave")
    location = Location(
        name="Pharmacy 0",
        kind="pharmacy",
        street_address="3 Oak Ave",
        city="New York",
        state="NY",
        zip_code="10001",
        latitude=40.7484,
        longitude=-73.9967,
        timezone="America/New_York",
        slug="given",
    )

    # 1 INSERT, 2 its history record, 3 same address, 4 nearby with similar names,
    # 5 store the new pairs
    with django_assert_num_queries(5):
        saved = save_listing(location)
    assert len(saved.flagged_duplicates) == 5


# Detection on import


def import_csv(*rows: dict, **kwargs):
    out = io.StringIO()
    used = [c for c in COLUMNS if any(c in r for r in rows)]
    writer = csv.DictWriter(out, fieldnames=used)
    writer.writeheader()
    writer.writerows(rows)
    return import_rows(io.StringIO(out.getvalue()), **kwargs)


def csv_row(n: int, **fields) -> dict:
    return {
        "external_id": f"R{n}",
        "name": f"Place {n}",
        "kind": "pharmacy",
        "street_address": f"{n} Broadway",
        "city": "New York",
        "state": "NY",
        "zip_code": "10001",
        "latitude": f"{40.70 + n * 0.001:.5f}",
        "longitude": "-73.99",
        **fields,
    }


@pytest.mark.parametrize("size", [3, 30])
def test_an_import_flags_duplicates_in_a_fixed_number_of_queries(size, django_assert_num_queries):
    make_zipcodes("10001")
    existing = make_location(name="Broadway Pharmacy", street_address="1 Broadway")
    rows = [csv_row(n) for n in range(2, size + 2)]
    rows.append(csv_row(1000, name="Other Name", street_address="1 Broadway"))
    rows.append(csv_row(1001, name="Place 2", latitude=rows[0]["latitude"], street_address="x"))

    # 1 statement timeout, 2 lock, 3 existing rows (none, so no hours query), 4 ZIPs,
    # 5 taken slugs, 6 ids, 7 COPY locations, 8 their history, 9 same address, 10 nearby,
    # 11 store the pairs, 12 the open pairs of the rows being published, 13 hold two of
    # them as drafts (see below), 14 their history; savepoints 4 more.
    with django_assert_num_queries(18):
        result = import_csv(*rows)

    assert result.duplicates == 2
    # R1000 duplicates a published listing; R2 and R1001 are both new, and the newer one
    # of the pair waits: both held as drafts (lines after the header and the R rows).
    assert result.held_lines == [size + 2, size + 3]
    assert "Flagged 2 possible duplicates for review." in result.summary()
    ids = dict(Location.objects.values_list("external_id", "pk"))
    assert pairs() == {
        (existing.pk, ids["R1000"], "same_address"),
        (ids["R2"], ids["R1001"], "nearby"),
    }


def test_a_reimport_flags_nothing_again():
    make_zipcodes("10001")
    rows = [csv_row(1), csv_row(2, name="Place 1", latitude=csv_row(1)["latitude"])]
    assert import_csv(*rows).duplicates == 1
    PossibleDuplicate.objects.update(status=PossibleDuplicate.Status.NOT_DUPLICATE)

    rows[1]["phone"] = "212 555 0100"
    result = import_csv(*rows)

    assert result.updated == 1
    assert result.duplicates == 0
    assert PossibleDuplicate.objects.get().status == "not_duplicate"


def test_an_import_stores_normalized_addresses():
    make_zipcodes("10001")
    import_csv(csv_row(1, street_address="12 West 4th Street"))

    assert Location.objects.get().normalized_address == "12 W 4TH ST, NEW YORK, NY 10001"


def test_an_import_cannot_reopen_a_merged_listing():
    make_zipcodes("10001")
    import_csv(csv_row(1), csv_row(2))
    first, second = Location.objects.order_by("external_id")
    Location.objects.filter(pk=second.pk).update(status="closed", merged_into=first)

    result = import_csv(csv_row(1), csv_row(2))

    assert result.unchanged == 2
    second.refresh_from_db()
    assert second.status == Location.Status.CLOSED


# The admin list and "Not a duplicate"


def make_pair(**second_fields):
    first = make_location(
        name="Corner Pharmacy",
        street_address="10 Main St",
        phone="2125550100",
        hours=[(0, (9, 0), (17, 0))],
        last_verified_on=date(2025, 1, 5),
    )
    fields = dict(
        name="Corner Pharmacy Inc",
        street_address="10 Main Street",
        phone="2125550199",
        website="https://corner.example.org",
        hours=[(1, (8, 0), (12, 0)), (2, (8, 0), (12, 0))],
        free_naloxone=True,
    )
    fields.update(second_fields)
    second = make_location(**fields)
    return first, second, PossibleDuplicate.objects.get()


def test_the_list_shows_both_listings_open_pairs_first(client, staff, django_assert_num_queries):
    first, second, pair = make_pair()
    resolved_a = make_location(name="Alpha", street_address="1 Elm St")
    make_location(name="Alpha Two", street_address="1 Elm Street")
    PossibleDuplicate.objects.filter(location=resolved_a).update(status="not_duplicate")
    for n in range(3):
        make_location(name=f"Beta {n}", street_address="8 Pine St")

    # 1 session, 2 user, 3-4 permissions, 5 count, 6 full count, 7 the page
    with django_assert_num_queries(7):  # the same for any number of rows
        response = client.get(reverse(LIST))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Corner Pharmacy Inc" in content
    assert merge_url(pair) in content
    statuses = [p.status for p in response.context["cl"].result_list]
    assert statuses == ["open"] * 4 + ["not_duplicate"]


def test_staff_mark_a_pair_not_a_duplicate(client, staff):
    _first, _second, pair = make_pair()

    response = client.post(
        reverse(LIST), {"action": "mark_not_duplicate", "_selected_action": [pair.pk]}
    )

    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == "not_duplicate"
    assert pair.resolved_by == staff
    assert pair.resolved_at is not None


def test_marking_needs_change_possibleduplicate(client, staff):
    _first, _second, pair = make_pair()
    staff.groups.clear()
    staff.user_permissions.add(
        Permission.objects.get(codename="view_possibleduplicate"),
        Permission.objects.get(codename="change_location"),
    )

    client.post(reverse(LIST), {"action": "mark_not_duplicate", "_selected_action": [pair.pk]})

    pair.refresh_from_db()
    assert pair.status == "open"


# The Location form


def test_the_location_form_lists_open_duplicates(client, staff):
    first, second, pair = make_pair()

    response = client.get(reverse("admin:locations_location_change", args=[first.pk]))

    content = response.content.decode()
    assert reverse("admin:locations_location_change", args=[second.pk]) in content
    assert merge_url(pair) in content


def test_an_admin_save_that_flags_a_duplicate_warns(client, staff):
    make_location(name="Corner Pharmacy", street_address="10 Main St")
    data = {
        "name": "Another Name",
        "kind": "pharmacy",
        "status": "draft",
        "street_address": "10 Main Street",
        "city": "New York",
        "state": "NY",
        "zip_code": "10001",
        "latitude": "40.7",
        "longitude": "-73.9",
        "timezone": "America/New_York",
        "location_precision": "manual",
    }

    response = client.post(reverse("admin:locations_location_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("may duplicate another one" in text for text in texts)
    assert PossibleDuplicate.objects.count() == 1


# Merging


def test_the_merge_page_offers_each_differing_field(client, staff):
    first, second, pair = make_pair()

    response = client.get(merge_url(pair))

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.fields) >= {"keep", "name", "address", "phone", "website", "hours"}
    assert "kind" not in form.fields  # the same in both
    assert form.initial["website"] == "other"  # a blank value does not win by default


def test_merge_keeps_the_chosen_values_and_hours(client, staff):
    first, second, pair = make_pair()
    data = {
        "keep": "location",
        "name": "other",
        "address": "location",
        "phone": "location",
        "website": "other",
        "free_naloxone": "other",
        "hours": "other",
        "verification": "location",
    }

    response = client.post(merge_url(pair), data)

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.name == "Corner Pharmacy Inc"
    assert first.street_address == "10 Main St"
    assert first.phone == "+12125550100"
    assert first.website == "https://corner.example.org"
    assert first.free_naloxone is True
    assert first.last_verified_on == date(2025, 1, 5)
    assert list(first.hours.values_list("weekday", "opens")) == [(1, time(8)), (2, time(8))]
    assert second.status == Location.Status.CLOSED
    assert second.merged_into == first
    assert not OpeningHours.objects.filter(location=second).exists()
    pair.refresh_from_db()
    assert pair.status == "merged"
    assert pair.resolved_by == staff


def test_merge_can_keep_the_second_listing(client, staff):
    first, second, pair = make_pair()

    client.post(merge_url(pair), {"keep": "other", "name": "other", "hours": "other"})

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.merged_into == second
    assert second.status == Location.Status.PUBLISHED
    assert second.website == "https://corner.example.org"  # blank elsewhere: kept by default
    assert second.hours.count() == 2


def test_merge_moves_problem_reports_to_the_kept_listing(client, staff):
    first, second, pair = make_pair()
    report = ProblemReport.objects.create(
        location=second, problem="wrong_hours", details="Opens at ten now."
    )

    client.post(merge_url(pair), {"keep": "location"})

    report.refresh_from_db()
    assert report.location == first
    page = client.get(reverse("admin:locations_location_change", args=[first.pk]))
    assert "Opens at ten now." in page.content.decode()


def test_merge_refuses_an_invalid_choice_without_writing(client, staff):
    first, second, pair = make_pair()

    response = client.post(merge_url(pair), {"keep": "neither"})

    assert response.status_code == 200
    assert response.context["form"].errors["keep"]
    pair.refresh_from_db()
    assert pair.status == "open"
    assert Location.objects.filter(status="closed").count() == 0


def test_a_resolved_pair_cannot_be_merged(client, staff):
    first, second, pair = make_pair()
    PossibleDuplicate.objects.update(status="not_duplicate")

    response = client.post(merge_url(pair), {"keep": "location"})

    assert response.status_code == 302
    assert not Location.objects.filter(merged_into__isnull=False).exists()


def test_merging_needs_change_location(client, staff):
    first, second, pair = make_pair()
    staff.groups.clear()
    staff.user_permissions.add(
        Permission.objects.get(codename="view_possibleduplicate"),
        Permission.objects.get(codename="change_possibleduplicate"),
    )

    assert client.get(merge_url(pair)).status_code == 403
    assert client.post(merge_url(pair), {"keep": "location"}).status_code == 403
    assert not Location.objects.filter(merged_into__isnull=False).exists()


def test_merging_needs_change_possibleduplicate(client, staff):
    _first, _second, pair = make_pair()
    staff.groups.clear()
    staff.user_permissions.add(
        Permission.objects.get(codename="view_possibleduplicate"),
        Permission.objects.get(codename="change_location"),
    )

    assert client.get(merge_url(pair)).status_code == 403
    assert client.post(merge_url(pair), {"keep": "location"}).status_code == 403
    pair.refresh_from_db()
    assert pair.status == "open"
    assert not Location.objects.filter(merged_into__isnull=False).exists()


def test_a_merged_listing_redirects_permanently_to_the_kept_one(client, staff):
    first, second, pair = make_pair()
    client.post(merge_url(pair), {"keep": "location"})

    response = client.get(second.get_absolute_url())
    spanish = client.get(f"/es/locations/{second.slug}/")

    assert response.status_code == 301
    assert response["Location"] == f"/locations/{first.slug}/"
    assert spanish.status_code == 301
    assert spanish["Location"] == f"/es/locations/{first.slug}/"
    assert client.get("/locations/no-such-place/").status_code == 404


def test_an_earlier_merge_follows_the_next_one(client, staff):
    first, second, pair = make_pair()
    client.post(merge_url(pair), {"keep": "other"})  # first now redirects to second
    third = make_location(name="Corner Pharmacy Inc.", street_address="10 Main St")
    newer = PossibleDuplicate.objects.get(status="open")
    client.post(merge_url(newer), {"keep": "location" if newer.location == third else "other"})

    response = client.get(first.get_absolute_url())

    assert response.status_code == 301
    assert response["Location"] == third.get_absolute_url()


def test_merged_listings_are_hidden_from_every_public_list(client, staff):
    first, second, pair = make_pair(name="Zebra Duplicate Listing")
    client.post(merge_url(pair), {"keep": "location", "name": "location"})
    make_zipcodes("10001")

    pages = [
        client.get("/search?near=10001"),
        client.get("/api/v1/locations?near=10001"),
        client.get("/api/v1/locations.geojson?near=10001"),
        client.get("/api/v1/export/locations.csv"),
        client.get(f"/api/v1/locations/{second.slug}"),
    ]
    index = client.get("/sitemap.xml").content.decode()
    for url in re.findall(r"<loc>([^<]+)</loc>", index):
        pages.append(client.get(url.replace("http://testserver", "")))

    assert pages[0].status_code == 200
    assert pages[4].status_code == 404
    for response in pages:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert second.slug.encode() not in body
        assert b"Zebra Duplicate Listing" not in body


def test_flag_duplicates_skips_unsaved_and_closed_locations(django_assert_num_queries):
    closed = make_location(status=Location.Status.CLOSED)

    with django_assert_num_queries(0):
        assert flag_duplicates([Location(name="x"), closed]) == []


def test_the_command_checks_the_whole_directory():
    first = make_location(name="Old Listing", street_address="4 Birch St")
    second = make_location(name="Old Listing Too", street_address="4 Birch Street")
    PossibleDuplicate.objects.all().delete()  # as before duplicates were checked
    out = io.StringIO()

    call_command("find_duplicates", stdout=out)
    call_command("find_duplicates", stdout=io.StringIO())

    assert out.getvalue().strip() == "Flagged 1 possible duplicates."
    assert pairs() == {(first.pk, second.pk, "same_address")}


def test_a_pair_page_shows_it_read_only(client, staff):
    _first, _second, pair = make_pair()

    response = client.get(reverse("admin:locations_possibleduplicate_change", args=[pair.pk]))

    assert response.status_code == 200
    assert "Same address" in response.content.decode()
    assert client.get(reverse("admin:locations_possibleduplicate_add")).status_code == 403


def test_merging_an_unknown_pair_is_a_404(client, staff):
    assert (
        client.get(reverse("admin:locations_possibleduplicate_merge", args=[999])).status_code
        == 404
    )


def test_merge_records_every_change_in_the_history(client, staff):
    first, second, pair = make_pair()
    earlier = make_location(name="Older Copy", status=Location.Status.CLOSED, merged_into=second)
    data = {"keep": "location", "hours": "other"}

    client.post(merge_url(pair), data)

    reason = "Merged with a duplicate listing"
    for location in (first, second, earlier):
        latest = location.history.first()
        assert (latest.history_change_reason, latest.history_user) == (reason, staff)
    assert earlier.history.first().merged_into_id == first.pk
    # The moved opening hours are recorded under the kept listing.
    moved = OpeningHours.history.filter(location_id=first.pk, history_change_reason=reason)
    assert sorted(moved.values_list("weekday", flat=True)) == [1, 2]
