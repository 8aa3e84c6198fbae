"""The permalink page of one location."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from locations.models import Location

from .factories import make_location

pytestmark = pytest.mark.django_db


def test_it_shows_every_public_field(client):
    place = make_location(
        name="Corner Pharmacy",
        street_address="12 W 31st St",
        address_line2="Suite 2",
        phone="(212) 555-0142",
        website="https://example.org/corner",
        email="help@example.org",
        description="Ask at the counter.",
        free_naloxone=True,
        fentanyl_test_strips=True,
        languages=["English", "Spanish"],
        last_verified_on=timezone.localdate() - timedelta(days=12),
        internal_notes="STAFF-ONLY-MARKER",
        hours=[(d, (9, 0), (17, 0)) for d in range(5)],
    )

    response = client.get(f"/locations/{place.slug}/")

    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "Corner Pharmacy", "12 W 31st St", "Suite 2", "New York, NY 10001", "(212) 555-0142",
        'href="tel:+12125550142"', "https://example.org/corner", "help@example.org",
        "Ask at the counter.", "Free naloxone", "Fentanyl test strips", "English, Spanish",
        "9:00 AM – 5:00 PM", "Last verified",
    ]:  # fmt: skip
        assert text in page, text
    assert "STAFF-ONLY-MARKER" not in page
    assert f'<link rel="canonical" href="http://testserver/locations/{place.slug}/">' in page
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=" in page


def test_it_marks_today_in_the_places_time_zone(client, monkeypatch):
    place = make_location(
        hours=[(d, (9, 0), (17, 0)) for d in range(7)], timezone="Pacific/Honolulu"
    )
    # Tuesday 03:00 UTC is still Monday evening in Honolulu.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 24, 3, 0, tzinfo=UTC))

    response = client.get(f"/locations/{place.slug}/")

    week = response.context["week"]
    assert [day["is_today"] for day in week] == [True] + [False] * 6
    assert 'aria-current="date"' in response.content.decode()


def test_it_uses_the_configured_site_for_the_canonical_url(client, settings):
    settings.SITE_URL = "https://naloxone.example"
    place = make_location()

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert f'href="https://naloxone.example/locations/{place.slug}/"' in page


def test_a_stale_listing_asks_to_call_ahead(client):
    fresh = make_location(last_verified_on=timezone.localdate() - timedelta(days=10))
    stale = make_location(last_verified_on=timezone.localdate() - timedelta(days=400))

    notice = "has not been checked recently. Call ahead"
    assert notice not in client.get(f"/locations/{fresh.slug}/").content.decode()
    assert notice in client.get(f"/locations/{stale.slug}/").content.decode()


def test_unpublished_and_unknown_locations_are_404(client):
    draft = make_location(status=Location.Status.DRAFT)
    closed = make_location(status=Location.Status.CLOSED)

    for slug in [draft.slug, closed.slug, "no-such-place"]:
        assert client.get(f"/locations/{slug}/").status_code == 404


def test_renaming_keeps_the_permalink(client):
    place = make_location(name="Old Name")
    slug = place.slug

    place.name = "New Name"
    place.save()

    place.refresh_from_db()
    assert place.slug == slug
    assert "New Name" in client.get(f"/locations/{slug}/").content.decode()


def test_the_detail_page_takes_a_fixed_number_of_queries(client, django_assert_num_queries):
    place = make_location(hours=[(d, (9, 0), (17, 0)) for d in range(7)])
    # 1 the location, 2 its hours, 3 the demo-data check.
    with django_assert_num_queries(3):
        client.get(f"/locations/{place.slug}/")


def test_a_missing_page_offers_the_search(client):
    response = client.get("/locations/no-such-place/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page" in page
    assert 'href="/"' in page
