"""Every change to a location is recorded: who, when, why and which fields."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from locations.exchange.importer import import_rows
from locations.models import Location, OpeningHours
from locations.services.listings import save_listing
from tests.admin_helpers import change_form_data, post_action
from tests.factories import csv_text, make_location, make_user, make_zipcodes, row

pytestmark = pytest.mark.django_db


def history_of(location: Location) -> list:
    """The location's historical records, oldest first."""
    return list(location.history.order_by("history_date", "history_id"))


def test_it_records_who_changed_which_fields_in_the_admin(client, staff):
    make_zipcodes("10001")
    location = make_location(name="Corner Pharmacy", phone="")

    response = client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, name="Corner Drugs", internal_notes="Ask for Sam"),
    )

    assert response.status_code == 302
    created, changed = history_of(location)
    assert (created.history_type, changed.history_type) == ("+", "~")
    assert changed.history_user == staff
    assert changed.name == "Corner Drugs"
    delta = changed.diff_against(created)
    # The form posts a few more fields than the factory set (languages, offerings).
    assert {"name", "internal_notes"} <= set(delta.changed_fields)
    assert not {"city", "street_address", "zip_code"} & set(delta.changed_fields)


def test_it_records_opening_hours_changed_in_the_form(client, staff):
    make_zipcodes("10001")
    location = make_location(phone="")

    client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, opening_hours="Wed 8am-noon"),
    )

    (added,) = OpeningHours.history.filter(location_id=location.pk)
    assert added.history_type == "+"
    assert added.history_user == staff
    assert (added.weekday, str(added.opens)) == (2, "08:00:00")


def test_the_history_page_shows_who_and_each_changed_field(client, staff):
    make_zipcodes("10001")
    location = make_location(name="Corner Pharmacy", phone="")
    client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, name="Corner Drugs"),
    )

    response = client.get(reverse("admin:locations_location_history", args=[location.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "outreach" in page
    assert "<strong>Name:</strong> Corner Pharmacy &rarr; Corner Drugs" in page
    assert 'style="' not in page.split('id="change-history"')[1]


def test_it_reverts_to_an_earlier_version(client, staff):
    make_zipcodes("10001")
    location = make_location(name="Corner Pharmacy", phone="")
    client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, name="Wrong Name"),
    )
    first = history_of(location)[0]

    page = client.get(
        reverse("admin:locations_location_simple_history", args=[location.pk, first.pk])
    )
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["name"] == "Corner Pharmacy"
    response = client.post(
        reverse("admin:locations_location_simple_history", args=[location.pk, first.pk]),
        change_form_data(location, name="Corner Pharmacy"),
    )

    assert response.status_code == 302
    location.refresh_from_db()
    assert location.name == "Corner Pharmacy"
    latest = history_of(location)[-1]
    assert latest.history_change_reason == "Reverted to an earlier version"
    assert latest.history_user == staff


def test_outreach_staff_cannot_see_the_history_of_a_location_they_cannot_view(client):
    location = make_location()
    user = make_user("newcomer", is_staff=True)
    client.force_login(user)

    response = client.get(reverse("admin:locations_location_history", args=[location.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize(
    "action, field, value",
    [
        ("publish", "status", "published"),
        ("unpublish", "status", "draft"),
        ("mark_verified_visit", "verification_method", "visit"),
    ],
)
def test_bulk_actions_record_history_for_each_row(client, staff, action, field, value):
    status = "published" if action == "unpublish" else "draft"
    # Far apart: listings at one spot with alike names would be held as duplicates.
    locations = [make_location(status=status, latitude=40.70 + n / 100) for n in range(3)]

    post_action(client, action, locations)

    for location in locations:
        latest = history_of(location)[-1]
        assert latest.history_type == "~"
        assert latest.history_user == staff
        assert getattr(latest, field) == value
        assert field in latest.diff_against(history_of(location)[-2]).changed_fields


def test_bulk_actions_take_the_same_number_of_queries_for_3_or_30_rows(
    client, staff, django_assert_num_queries
):
    # Far apart: listings at one spot with alike names would be held as duplicates.
    few = [make_location(status="draft", latitude=40 + n / 100) for n in range(3)]
    many = [make_location(status="draft", latitude=41 + n / 100) for n in range(30)]
    url = reverse("admin:locations_location_changelist")

    def publish(locations):
        data = {"action": "publish", "_selected_action": [x.pk for x in locations]}
        return client.post(url, {**data, "index": "0"})

    # 1 session, 2 user, 3 its permissions, 4 its groups' permissions, 5-6 the
    # changelist's two counts, 7 the selected ids, 8 which of them are not yet published,
    # 9 savepoint, 10 UPDATE, 11 history INSERT ... SELECT, 12 release (outside tests:
    # BEGIN and COMMIT, not counted), then the duplicate check of the published rows:
    # 13 the rows, 14 same address, 15 nearby with similar names (none found, so none
    # stored), 16 their open pairs with published listings (none, so none held).
    with django_assert_num_queries(16):
        assert publish(few).status_code == 302
    with django_assert_num_queries(16):
        assert publish(many).status_code == 302
    assert Location.history.filter(history_type="~").count() == 33


def test_a_bulk_action_changes_nothing_when_its_history_cannot_be_written(
    client, staff, monkeypatch
):
    location = make_location(status="draft")

    def history_fails(*args, **kwargs):
        raise RuntimeError("history table unavailable")

    monkeypatch.setattr("locations.services.listings.record_history", history_fails)

    with pytest.raises(RuntimeError):
        post_action(client, "publish", [location])

    location.refresh_from_db()
    assert location.status == "draft"


@pytest.mark.parametrize("object_id", ["abc", "1.5", "%C2%B2"])
def test_the_history_page_of_an_id_that_is_not_a_number_is_not_found(client, staff, object_id):
    make_location()

    response = client.get(f"/admin/locations/location/{object_id}/history/")

    assert response.status_code == 404


def test_the_history_page_says_no_field_changed_only_beside_an_earlier_record(client, staff):
    make_zipcodes("10001")
    # A listing from before history was kept: its first record is a change.
    location = make_location(name="Corner Pharmacy", phone="")
    location.history.all().delete()
    client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, name="Corner Drugs"),
    )
    post_action(client, "mark_verified_phone", [location])
    post_action(client, "mark_verified_phone", [location])  # the same again: no change

    response = client.get(reverse("admin:locations_location_history", args=[location.pk]))

    rows = response.content.decode().split('id="change-history"')[1].split("<tr>")[2:]
    assert len(rows) == 3
    assert "No field changed" in rows[0]
    assert "Verification method:" in rows[1]
    assert "No field changed" not in rows[2]


def test_an_import_records_history_with_its_reason_and_user(staff):
    make_zipcodes()
    import_rows(io.StringIO(csv_text(row(external_id="A1", hours="Mon 9am-5pm"))))
    location = Location.objects.get()
    assert history_of(location)[0].history_change_reason == "Import from csv"

    import_rows(
        io.StringIO(csv_text(row(external_id="A1", name="Renamed", hours="Tue 9am-5pm"))),
        user=staff,
        change_reason="Spring update",
    )

    created, updated = history_of(location)
    assert (created.history_type, updated.history_type) == ("+", "~")
    assert (updated.history_user, updated.history_change_reason) == (staff, "Spring update")
    assert updated.diff_against(created).changed_fields == ["name"]
    hours = list(OpeningHours.history.filter(location_id=location.pk).order_by("history_id"))
    assert [(h.history_type, h.weekday) for h in hours] == [("+", 0), ("-", 0), ("+", 1)]
    assert hours[-1].history_user == staff


def test_the_import_command_names_the_file_in_the_history(tmp_path):
    make_zipcodes()
    path = tmp_path / "spring.csv"
    path.write_text(csv_text(row(external_id="A1")))

    call_command("import_locations", str(path), stdout=io.StringIO())

    (record,) = Location.history.all()
    assert record.history_change_reason.startswith("import_locations ")
    assert "spring.csv" in record.history_change_reason
    assert record.history_user is None


def test_a_dry_run_or_an_unchanged_import_records_nothing():
    make_zipcodes()
    content = csv_text(row(external_id="A1"))
    import_rows(io.StringIO(content), dry_run=True)
    assert not Location.history.exists()

    import_rows(io.StringIO(content))
    import_rows(io.StringIO(content))

    assert Location.history.count() == 1


def test_saves_from_code_are_recorded_without_the_timestamp_column():
    location = make_location()
    location.last_verified_on = timezone.localdate() - timedelta(days=1)
    save_listing(location)

    assert "updated_at" not in {f.name for f in Location.history.model._meta.fields}
    created, changed = history_of(location)
    assert changed.diff_against(created).changed_fields == ["last_verified_on"]


def test_the_history_page_shows_choice_labels_and_blanks_as_the_form_does(client, staff):
    location = make_location(verification_method="")

    post_action(client, "mark_verified_partner", [location])
    response = client.get(reverse("admin:locations_location_history", args=[location.pk]))

    page = response.content.decode()
    assert "<strong>Verification method:</strong> — &rarr; Partner report" in page
    assert "<strong>Verified by:</strong> — &rarr; outreach" in page
    assert "None" not in page.split('id="change-history"')[1]


def test_the_history_page_lists_opening_hours_changes(client, staff):
    make_zipcodes()
    import_rows(io.StringIO(csv_text(row(external_id="A1", hours="Mon 9am-5pm"))))
    import_rows(io.StringIO(csv_text(row(external_id="A1", hours="Tue 10am-2pm"))))
    location = Location.objects.get()

    response = client.get(reverse("admin:locations_location_history", args=[location.pk]))

    table = response.content.decode().split('id="hours-history"')[1]
    assert table.index("Tuesday 10:00–14:00") < table.index("Monday 09:00–17:00")
    assert table.count("Import from csv") == 3  # Monday added, Monday removed, Tuesday added


def count_history_page_queries(client, location) -> int:
    ContentType.objects.clear_cache()  # else the count depends on the tests run before
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:locations_location_history", args=[location.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_history_page_takes_the_same_queries_for_2_or_20_changes(client, staff):
    location = make_location(hours=[(0, (9,), (17,))])
    location.name = "Renamed"
    save_listing(location)
    with_2 = count_history_page_queries(client, location)
    for n in range(18):
        location.verified_by = staff if n % 2 else None
        location.name = f"Renamed {n}"
        save_listing(location)
        OpeningHours.objects.create(location=location, weekday=n % 7, opens="08:00", closes="09:00")
    with_20 = count_history_page_queries(client, location)

    # 1 session, 2 user, 3 the location, 4-5 permissions, 6 the count of its records,
    # 7 a page of them with their users, 8 the user content type (for links to users),
    # 9 the opening hours changes with their users.
    assert with_2 == with_20 == 9


def test_a_reader_who_may_not_change_locations_cannot_revert(client):
    make_zipcodes("10001")
    location = make_location(name="Corner Pharmacy", phone="")
    location.name = "Renamed"
    save_listing(location)
    first = history_of(location)[0]
    reader = make_user("reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_location"))
    client.force_login(reader)
    url = reverse("admin:locations_location_simple_history", args=[location.pk, first.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, change_form_data(location, name="Corner Pharmacy"))

    assert response.status_code == 403
    location.refresh_from_db()
    assert location.name == "Renamed"


def test_a_version_id_that_is_not_a_number_is_not_found(client, staff):
    location = make_location()
    url = f"/admin/locations/location/{location.pk}/history/abc/"
    assert client.get(url).status_code == 404
