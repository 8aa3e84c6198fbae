"""The permalink page of one location."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from locations.models import Location
from locations.services.listings import save_listing
from tests.factories import make_location, make_user, make_zipcodes
from tests.pages import Page, csp_problems

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
        'href="tel:+1-212-555-0142"', "https://example.org/corner", "help@example.org",
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


@pytest.mark.parametrize(
    "prefix, caption",
    [
        ("", "Opening hours (local time, Hawaii Time)"),
        ("/es", "Horario de atención (hora local, Hora de Hawái)"),
    ],
)
def test_the_hours_name_the_time_zone_as_people_say_it(client, prefix, caption):
    place = make_location(hours=[(0, (9, 0), (17, 0))], timezone="Pacific/Honolulu")

    page = client.get(f"{prefix}/locations/{place.slug}/").content.decode()

    assert caption in page
    assert "Pacific/Honolulu" not in page


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
    save_listing(place)

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


def test_it_is_served_in_spanish_under_es(client):
    place = make_location(name="Corner Pharmacy")

    response = client.get(f"/es/locations/{place.slug}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "Corner Pharmacy" in page
    assert f'<link rel="canonical" href="http://testserver/es/locations/{place.slug}/">' in page


def test_unpublished_locations_are_404_in_spanish_too(client):
    draft = make_location(status=Location.Status.DRAFT)
    closed = make_location(status=Location.Status.CLOSED)

    for slug in [draft.slug, closed.slug, "no-such-place"]:
        assert client.get(f"/es/locations/{slug}/").status_code == 404


def test_it_refuses_to_be_posted_to(client):
    place = make_location()

    assert client.post(f"/locations/{place.slug}/").status_code == 405


# Links and cards on other sites.


def meta(page: str, attribute: str, name: str) -> str:
    [content] = [
        attrs["content"] for tag, attrs in Page(page).tags
        if tag == "meta" and attrs.get(attribute) == name
    ]  # fmt: skip
    return content


def test_it_describes_itself_for_link_previews(client):
    place = make_location(name="Corner Pharmacy", city="New York", state="NY")

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert meta(page, "property", "og:title") == "Corner Pharmacy, New York, NY"
    assert meta(page, "property", "og:description") == meta(page, "name", "description")
    assert "Corner Pharmacy" in meta(page, "property", "og:description")
    assert meta(page, "property", "og:url") == f"http://testserver/locations/{place.slug}/"
    assert meta(page, "property", "og:type") == "website"
    assert meta(page, "property", "og:site_name") == "Naloxone Finder"
    assert meta(page, "property", "og:locale") == "en_US"
    assert meta(page, "name", "twitter:card") == "summary_large_image"


def test_the_spanish_page_describes_itself_in_spanish(client):
    place = make_location()

    page = client.get(f"/es/locations/{place.slug}/").content.decode()

    assert meta(page, "property", "og:url") == f"http://testserver/es/locations/{place.slug}/"
    assert meta(page, "property", "og:locale") == "es_ES"
    assert meta(page, "property", "og:locale:alternate") == "en_US"


# Structured data for search engines.


def structured_data(page: str) -> dict:
    [data] = [
        json.loads(body) for attrs, body in Page(page).scripts
        if attrs.get("type") == "application/ld+json"
    ]  # fmt: skip
    return data


def test_it_describes_the_place_in_schema_org_terms(client):
    place = make_location(
        name="Corner Pharmacy",
        street_address="12 W 31st St",
        address_line2="Suite 2",
        phone="(212) 555-0142",
        latitude=40.7477,
        longitude=-73.9869,
        hours=[(0, (9, 0), (17, 0)), (5, (22, 0), (2, 0)), (6, (0, 0), (0, 0))],
    )

    data = structured_data(client.get(f"/locations/{place.slug}/").content.decode())

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Pharmacy"
    assert data["name"] == "Corner Pharmacy"
    assert data["url"] == f"http://testserver/locations/{place.slug}/"
    assert data["telephone"] == "+12125550142"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "12 W 31st St, Suite 2",
        "addressLocality": "New York",
        "addressRegion": "NY",
        "postalCode": "10001",
        "addressCountry": "US",
    }
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 40.7477, "longitude": -73.9869}
    assert data["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Monday",
         "opens": "09:00", "closes": "17:00"},
        # Past midnight: a closing time before the opening time is the next day's.
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Saturday",
         "opens": "22:00", "closes": "02:00"},
        # Open all day is written 00:00-23:59.
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Sunday",
         "opens": "00:00", "closes": "23:59"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "schema_type"),
    [
        (Location.Kind.PHARMACY, "Pharmacy"),
        (Location.Kind.LAW_ENFORCEMENT, "PoliceStation"),
        (Location.Kind.HOSPITAL, "Hospital"),
        (Location.Kind.CLINIC, "MedicalOrganization"),
        (Location.Kind.HEALTH_DEPARTMENT, "MedicalOrganization"),
        (Location.Kind.HARM_REDUCTION, "Organization"),
        (Location.Kind.VENDING_MACHINE, "Organization"),
        (Location.Kind.MAIL_BASED, "Organization"),
        (Location.Kind.OTHER, "Organization"),
    ],
)
def test_its_schema_org_type_follows_the_kind(client, kind, schema_type):
    place = make_location(kind=kind)

    data = structured_data(client.get(f"/locations/{place.slug}/").content.decode())

    assert data["@type"] == schema_type


def test_an_organization_has_its_place_nested_where_schema_org_puts_it(client):
    # Coordinates and opening hours belong to a Place; an Organization has a location.
    place = make_location(kind=Location.Kind.HARM_REDUCTION, hours=[(0, (9, 0), (17, 0))])

    data = structured_data(client.get(f"/locations/{place.slug}/").content.decode())

    assert "geo" not in data and "openingHoursSpecification" not in data
    assert data["location"]["@type"] == "Place"
    assert data["location"]["address"] == data["address"]
    assert data["location"]["geo"]["latitude"] == place.latitude
    assert data["location"]["openingHoursSpecification"][0]["opens"] == "09:00"


def test_the_structured_data_cannot_close_its_script_element(client):
    place = make_location(name="A </script><script>alert(1)</script> place")

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert "<script>alert(1)" not in page
    assert structured_data(page)["name"] == "A </script><script>alert(1)</script> place"


# What staff keep to themselves.


def test_staff_only_fields_appear_nowhere(client):
    verifier = make_user(
        "staff-user-marker", email="staff-email-marker@example.org", first_name="StaffName"
    )
    place = make_location(
        internal_notes="STAFF-NOTES-MARKER",
        source="STAFF-SOURCE-MARKER",
        external_id="STAFF-EXTERNAL-ID-MARKER",
        verification_method="STAFF-VM-1",
        verified_by=verifier,
        last_verified_on=timezone.localdate(),
    )
    markers = [
        "STAFF-NOTES-MARKER", "STAFF-SOURCE-MARKER", "STAFF-EXTERNAL-ID-MARKER", "STAFF-VM-1",
        "staff-user-marker", "staff-email-marker", "StaffName",
    ]  # fmt: skip

    for url in [
        f"/locations/{place.slug}/",
        f"/es/locations/{place.slug}/",
        f"/locations/{place.slug}/flyer/",
        f"/es/locations/{place.slug}/flyer/",
    ]:
        page = client.get(url).content.decode()
        for marker in markers:
            assert marker.lower() not in page.lower(), (url, marker)
    data = json.dumps(structured_data(client.get(f"/locations/{place.slug}/").content.decode()))
    assert not [marker for marker in markers if marker.lower() in data.lower()]


# Open now, and how fresh the listing is.

MONDAY_2PM_NEW_YORK = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "label", "css_class"),
    [
        (MONDAY_2PM_NEW_YORK, "Open now · closes 5 PM", "open"),
        (MONDAY_2PM_NEW_YORK + timedelta(hours=4), "Closed · opens 9 AM tomorrow", "closed"),
        (MONDAY_2PM_NEW_YORK - timedelta(days=2), "Closed · opens 9 AM Mon", "closed"),
    ],
)
def test_it_says_whether_the_place_is_open(client, monkeypatch, moment, label, css_class):
    place = make_location(hours=[(d, (9, 0), (17, 0)) for d in range(5)])
    monkeypatch.setattr(timezone, "now", lambda: moment)

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert f'<span class="open-status {css_class}">{label}</span>' in page


def test_without_hours_it_says_they_are_not_listed(client):
    place = make_location()

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert '<span class="open-status">Hours not listed</span>' in page


def verified_line(page: str) -> str:
    return " ".join(re.search(r'<p class="verified">(.*?)</p>', page, re.S).group(1).split())


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (0, "Last verified today"),
        (1, "Last verified yesterday"),
        (2, "Last verified 2 days ago"),
        (12, "Last verified 12 days ago"),
    ],
)
def test_it_says_how_long_ago_the_listing_was_verified(client, days, words):
    verified = timezone.localdate() - timedelta(days=days)
    place = make_location(last_verified_on=verified)

    page = client.get(f"/locations/{place.slug}/").content.decode()

    line = verified_line(page)
    assert line.startswith(words + " (")
    assert f'<time datetime="{verified:%Y-%m-%d}">' in line


def test_the_verified_date_is_written_the_spanish_way_in_spanish(client):
    place = make_location(last_verified_on=date(2026, 3, 5))

    page = client.get(f"/es/locations/{place.slug}/").content.decode()

    assert '<time datetime="2026-03-05">5 de marzo de 2026</time>' in page


def test_a_listing_never_verified_says_so_and_asks_to_call_ahead(client):
    place = make_location(last_verified_on=None)

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert verified_line(page) == "Not yet verified."
    assert "has not been verified yet. Call ahead to confirm" in page


def test_the_call_ahead_notice_starts_the_day_after_the_stale_limit(client, settings):
    settings.STALE_AFTER_DAYS = 180
    today = timezone.localdate()
    at_limit = make_location(last_verified_on=today - timedelta(days=180))
    past_limit = make_location(last_verified_on=today - timedelta(days=181))

    notice = "has not been checked recently. Call ahead"
    assert notice not in client.get(f"/locations/{at_limit.slug}/").content.decode()
    assert notice in client.get(f"/locations/{past_limit.slug}/").content.decode()


# The map.


def map_data(page: str) -> dict | None:
    found = [
        json.loads(body) for attrs, body in Page(page).scripts
        if attrs.get("id") == "location-map-data"
    ]  # fmt: skip
    return found[0] if found else None


def test_it_has_a_small_map_drawn_by_javascript(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Tiles by Example"
    settings.MAP_TILE_MAX_ZOOM = 18
    place = make_location(name="Corner Pharmacy", latitude=40.7477, longitude=-73.9869)

    page = client.get(f"/locations/{place.slug}/").content.decode()

    tag, attrs = Page(page).by_id("location-map")
    assert "hidden" in attrs  # without JavaScript there is no empty box
    assert attrs["role"] == "region" and attrs["aria-label"] == "Map of Corner Pharmacy"
    assert map_data(page) == {
        "lat": 40.7477,
        "lng": -73.9869,
        "name": "Corner Pharmacy",
        "approximate": False,
        "tiles": {
            "url": "https://tiles.example/{z}/{x}/{y}.png",
            "attribution": "Tiles by Example",
            "max_zoom": 18,
        },
    }
    scripts = [attrs.get("src") for attrs, _body in Page(page).scripts]
    assert scripts.index("/static/leaflet/leaflet.js") < scripts.index("/static/js/location-map.js")
    assert '<link rel="stylesheet" href="/static/leaflet/leaflet.css">' in page


def test_a_place_at_its_zip_centre_is_mapped_as_approximate(client):
    make_zipcodes("10001")
    place = make_location(latitude=None, longitude=None)

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert map_data(page)["approximate"] is True
    assert "The map position is approximate" in page


def test_a_mail_based_program_has_no_map(client):
    place = make_location(kind=Location.Kind.MAIL_BASED, states_served=["NY", "NJ"])

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert map_data(page) is None
    assert 'id="location-map"' not in page
    assert "leaflet" not in page
    assert "Mails to: NY, NJ" in page
    assert "google.com/maps" not in page and ">Directions<" not in page


def test_a_mail_based_program_without_a_position_gets_no_directions(client):
    place = make_location(
        kind=Location.Kind.MAIL_BASED, states_served=["NY"], latitude=None, longitude=None
    )

    page = client.get(f"/locations/{place.slug}/").content.decode()

    assert "None,None" not in page and ">Directions<" not in page


# The Content Security Policy.


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_it_has_no_inline_script_code_or_styles(client, prefix):
    place = make_location(
        description="Say <script>alert(1)</script>",
        phone="(212) 555-0142",
        hours=[(d, (9, 0), (17, 0)) for d in range(5)],
        last_verified_on=timezone.localdate(),
    )

    response = client.get(f"{prefix}/locations/{place.slug}/")

    assert csp_problems(response.content.decode()) == []
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_a_phone_extension_is_dialled_and_given_to_search_engines(client):
    place = make_location(phone="(212) 555-0142 ext. 17")

    html = client.get(f"/locations/{place.slug}/").content.decode()

    assert 'href="tel:+1-212-555-0142;ext=17"' in html
    assert "(212) 555-0142 ext. 17" in html
    assert structured_data(html)["telephone"] == "+12125550142 ext. 17"
