"""Listings flagged as likely duplicates of published ones wait as drafts until staff
decide, on every path: the admin form, bulk Publish, imports, seeded listings."""

import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from locations.exchange.importer import import_rows
from locations.models import Location, PossibleDuplicate
from locations.services.listings import HELD_REASON, publish, save_listing
from locations.services.merging import mark_not_duplicates
from tests.admin_helpers import add_form_data, change_form_data, post_action
from tests.factories import csv_text, make_location, make_zipcodes, row

pytestmark = pytest.mark.django_db

DRAFT, PUBLISHED = Location.Status.DRAFT, Location.Status.PUBLISHED


def twin(**fields) -> Location:
    """An unsaved listing at the published one's address (1 Main St)."""
    return Location(
        **{
            "name": "Corner Drugs",
            "kind": "pharmacy",
            "street_address": "1 Main St",
            "city": "New York",
            "state": "NY",
            "zip_code": "10001",
            "latitude": 40.7484,
            "longitude": -73.9967,
            "timezone": "America/New_York",
            "status": PUBLISHED,
            **fields,
        }
    )


@pytest.fixture
def published():
    return make_location(name="Corner Pharmacy", street_address="1 Main St")


def status_of(location) -> str:
    location.refresh_from_db()
    return location.status


def test_a_new_likely_duplicate_stays_a_draft(published):
    saved = save_listing(twin())

    assert saved.held and saved.flagged_duplicates
    assert status_of(saved.location) == DRAFT
    assert status_of(published) == PUBLISHED
    latest = saved.location.history.first()
    assert (latest.status, latest.history_change_reason) == (DRAFT, HELD_REASON)


def test_a_listing_that_is_no_duplicate_is_published():
    saved = save_listing(twin())

    assert not saved.held
    assert status_of(saved.location) == PUBLISHED


def test_a_likely_duplicate_of_a_draft_is_published_and_flagged():
    draft = make_location(street_address="1 Main St", status=DRAFT)

    saved = save_listing(twin())

    assert saved.flagged_duplicates and not saved.held
    assert status_of(saved.location) == PUBLISHED
    assert status_of(draft) == DRAFT


def test_publishing_again_waits_while_the_pair_is_open_and_not_after_staff_decide(published):
    listing = save_listing(twin(status=DRAFT)).location
    assert PossibleDuplicate.objects.filter(status="open").count() == 1

    listing.status = PUBLISHED
    assert save_listing(listing, edited_fields=["status"]).held
    assert status_of(listing) == DRAFT

    mark_not_duplicates(PossibleDuplicate.objects.all(), None)
    listing.status = PUBLISHED
    assert not save_listing(listing, edited_fields=["status"]).held
    assert status_of(listing) == PUBLISHED


def test_an_edit_of_a_published_listing_does_not_unpublish_it(published):
    other = make_location(street_address="9 Elm St")

    other.street_address = "1 Main St"
    saved = save_listing(other, edited_fields=["street_address"])

    assert saved.flagged_duplicates and not saved.held
    assert status_of(other) == PUBLISHED


def test_bulk_publish_holds_the_likely_duplicates(published):
    duplicate = save_listing(twin(status=DRAFT)).location
    fine = make_location(street_address="9 Elm St", status=DRAFT)

    count, _flagged, held = publish([duplicate.pk, fine.pk, published.pk], None)

    assert held == [duplicate.pk]
    assert count == 2
    assert (status_of(duplicate), status_of(fine), status_of(published)) == (
        DRAFT,
        PUBLISHED,
        PUBLISHED,
    )
    assert duplicate.history.first().history_change_reason == HELD_REASON


def test_bulk_publish_of_both_listings_of_a_pair_publishes_the_older_one():
    older = make_location(street_address="1 Main St", status=DRAFT)
    newer = save_listing(twin(status=DRAFT)).location

    count, _flagged, held = publish([older.pk, newer.pk], None)

    assert (count, held) == (1, [newer.pk])
    assert (status_of(older), status_of(newer)) == (PUBLISHED, DRAFT)


def test_an_import_holds_its_likely_duplicates_and_lists_their_lines(published):
    make_zipcodes("10001")
    text = csv_text(
        row(external_id="A1", name="Elsewhere", street_address="9 Elm St"),
        row(external_id="A2", name="Corner Drugs", street_address="1 Main St"),
        row(external_id="A3", name="Corner Too", street_address="1 Main Street", status="draft"),
    )

    result = import_rows(io.StringIO(text), source="county", user=None)

    places = {x.external_id: x.status for x in Location.objects.filter(source="county")}
    assert places == {"A1": PUBLISHED, "A2": DRAFT, "A3": DRAFT}
    assert result.held_lines == [3]
    assert result.summary() == (
        "Created 3, updated 0, unchanged 0, skipped 0 invalid. Flagged 3 possible duplicates "
        "for review. Held 1 row as a draft, likely a duplicate of published listings "
        "(publish after review): line 3."
    )


def test_an_import_that_publishes_a_held_row_again_holds_it_again(published):
    make_zipcodes("10001")
    first = csv_text(row(external_id="A2", street_address="1 Main St", status="draft"))
    import_rows(io.StringIO(first), source="county")

    again = csv_text(row(external_id="A2", street_address="1 Main St", status="published"))
    result = import_rows(io.StringIO(again), source="county")

    assert result.held_lines == [2]
    assert Location.objects.get(external_id="A2").status == DRAFT


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_admin_form_says_why_a_listing_was_held(client, staff, published):
    make_zipcodes("10001")

    response = client.post(
        reverse("admin:locations_location_add"),
        add_form_data(name="Corner Drugs", street_address="1 Main St"),
    )

    assert response.status_code == 302
    assert Location.objects.get(name="Corner Drugs").status == DRAFT
    assert any(
        "1 listing was kept as a draft, not published: it may duplicate a published listing."
        in text
        for text in messages_of(response)
    )


def test_the_publish_action_says_which_were_held(client, staff, published):
    duplicate = save_listing(twin(status=DRAFT)).location

    response = post_action(client, "publish", [duplicate])

    texts = [str(m) for m in response.context["messages"]]
    assert "0 locations published." in texts
    assert any("1 listing was kept as a draft" in text for text in texts)
    assert status_of(duplicate) == DRAFT


def test_the_admin_form_publishes_after_not_a_duplicate(client, staff, published):
    duplicate = save_listing(twin(status=DRAFT)).location
    mark_not_duplicates(PossibleDuplicate.objects.all(), staff)

    response = client.post(
        reverse("admin:locations_location_change", args=[duplicate.pk]),
        change_form_data(duplicate, status="published"),
    )

    assert response.status_code == 302
    assert status_of(duplicate) == PUBLISHED


def test_the_same_file_again_leaves_a_held_row_alone_and_still_lists_it(published):
    make_zipcodes("10001")
    text = csv_text(row(external_id="A2", street_address="1 Main St", status="published"))
    import_rows(io.StringIO(text), source="county")
    history = Location.history.count()

    again = import_rows(io.StringIO(text), source="county")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert again.held_lines == [2]
    assert Location.history.count() == history
    assert Location.objects.get(external_id="A2").status == DRAFT
