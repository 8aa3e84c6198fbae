"""The printable flyer of one location: /locations/<slug>/flyer/."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from locations.models import Location
from tests.factories import make_location
from tests.pages import Page, csp_problems, encodes, squashed

pytestmark = pytest.mark.django_db


def full_listing(**fields) -> Location:
    return make_location(
        **{
            "name": "Corner Pharmacy",
            "street_address": "12 W 31st St",
            "address_line2": "Suite 2",
            "phone": "(212) 555-0142",
            "free_naloxone": True,
            "walk_in": True,
            "last_verified_on": date(2026, 11, 12),
            "hours": [(d, (9, 0), (17, 0)) for d in range(5)],
            **fields,
        }
    )


def test_a_printed_sheet_marks_no_day_as_today(client):
    place = full_listing(hours=[(d, (9, 0), (17, 0)) for d in range(7)])

    page = squashed(client.get(f"/locations/{place.slug}/flyer/"))
    detail = squashed(client.get(f"/locations/{place.slug}/"))

    assert "(today)" not in page and 'aria-current="date"' not in page
    assert "(today)" in detail  # the page itself still marks it, every day of the week


def test_it_shows_what_a_poster_needs(client):
    place = full_listing()

    response = client.get(f"/locations/{place.slug}/flyer/")

    assert response.status_code == 200
    page = squashed(response)
    for words in [
        "Corner Pharmacy", "12 W 31st St", "Suite 2", "New York, NY 10001",
        'href="tel:+1-212-555-0142">(212) 555-0142</a>', "Free naloxone", "Walk-in",
        "Monday</th> <td>9:00 AM – 5:00 PM</td>", "Saturday</th> <td>Closed</td>",
        'Last verified: <time datetime="2026-11-12">Nov. 12, 2026</time>',
        "Overdose? Call 911 now.",
    ]:  # fmt: skip
        assert words in page, words


def test_its_qr_code_and_printed_link_are_the_permalink(client):
    place = full_listing()

    html = client.get(f"/locations/{place.slug}/flyer/").content.decode()

    permalink = f"http://testserver/locations/{place.slug}/"
    assert encodes(html, permalink)
    assert Page(html).by_id("permalink")[0] == "span"
    assert f'<span class="place-flyer-url" id="permalink">{permalink}</span>' in html
    assert 'aria-label="QR code of the link to this listing"' in html


def test_the_spanish_flyer_points_to_the_spanish_page(client):
    place = full_listing()

    response = client.get(f"/es/locations/{place.slug}/flyer/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert encodes(html, f"http://testserver/es/locations/{place.slug}/")
    assert f'href="/es/locations/{place.slug}/"' in html  # back to the listing


def test_it_uses_the_configured_site_for_the_printed_link(client, settings):
    settings.SITE_URL = "https://naloxone.example"
    place = full_listing()

    html = client.get(f"/locations/{place.slug}/flyer/").content.decode()

    assert encodes(html, f"https://naloxone.example/locations/{place.slug}/")


def test_search_engines_are_asked_not_to_index_it(client):
    place = full_listing()

    html = client.get(f"/locations/{place.slug}/flyer/").content.decode()

    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html


def test_its_print_button_waits_for_javascript(client):
    place = full_listing()

    html = client.get(f"/locations/{place.slug}/flyer/").content.decode()

    tag, attrs = Page(html).by_id("print-flyer")
    assert tag == "button" and "hidden" in attrs
    assert '<script type="module" src="/static/js/share.js"></script>' in html
    # The open status changes by the hour: it is on screen only, never on paper.
    assert re.search(r'<span class="no-print">\s*· <span class="open-status', html)


def test_its_print_styles_leave_out_the_site_around_it():
    css = (Path(django_settings.BASE_DIR) / "static/css/site.css").read_text()
    section = css.split("/* == location detail, sharing, flyer == */")[1].split("/* == ")[0]

    assert "@media print" in section
    assert "body:has(.place-flyer) .site-header, body:has(.place-flyer) .site-footer" in section
    # A named page would put the demo banner on a sheet of its own (see
    # tests/browser/test_flyer_print.py, which prints it).
    assert "@page place-flyer" not in section
    assert "page: place-flyer" not in section


def test_a_place_without_hours_asks_to_call(client):
    place = make_location(hours=None)

    page = squashed(client.get(f"/locations/{place.slug}/flyer/"))

    assert "Hours not listed. Call ahead." in page


def test_a_stale_or_never_verified_place_asks_to_call_ahead(client):
    stale = make_location(last_verified_on=timezone.localdate() - timedelta(days=400))
    never = make_location(last_verified_on=None)

    assert "not been checked recently. Call ahead" in squashed(
        client.get(f"/locations/{stale.slug}/flyer/")
    )
    never_page = squashed(client.get(f"/locations/{never.slug}/flyer/"))
    assert "not been verified yet. Call ahead" in never_page
    assert "Not yet verified." in never_page


def test_a_mail_based_program_says_where_it_mails(client):
    place = make_location(kind=Location.Kind.MAIL_BASED, states_served=["NY", "NJ"])

    page = squashed(client.get(f"/locations/{place.slug}/flyer/"))

    assert "Get naloxone by mail" in page
    assert "Mails to: NY, NJ" in page


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_unpublished_and_unknown_locations_have_no_flyer(client, prefix):
    draft = make_location(status=Location.Status.DRAFT)
    closed = make_location(status=Location.Status.CLOSED)

    for slug in [draft.slug, closed.slug, "no-such-place"]:
        assert client.get(f"{prefix}/locations/{slug}/flyer/").status_code == 404


def test_it_refuses_to_be_posted_to(client):
    place = full_listing()

    assert client.post(f"/locations/{place.slug}/flyer/").status_code == 405


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_it_has_no_inline_script_code_or_styles(client, prefix):
    place = full_listing(description="<script>alert(1)</script>")

    response = client.get(f"{prefix}/locations/{place.slug}/flyer/")

    assert csp_problems(response.content.decode()) == []


def test_the_flyer_takes_a_fixed_number_of_queries(client, django_assert_num_queries):
    place = full_listing()
    # 1 the location, 2 its hours, 3 the demo-data check.
    with django_assert_num_queries(3):
        client.get(f"/locations/{place.slug}/flyer/")
