"""Share kits: printable one-page flyers of a search (/search/flyer) and of a state
(/states/<st>/flyer/), each with a QR code of the live page."""

import html
import re
from datetime import time

import pytest
from django.utils import timezone, translation

from locations.models import Location
from locations.web.flyers import hours_summary
from locations.web.templatetags.sharing import qr_code_svg
from tests.factories import make_location, make_zipcodes
from tests.pages import csp_problems

pytestmark = pytest.mark.django_db

SEARCH_QR_LABEL = "QR code: the live list of these places on Naloxone Finder"


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def page(response) -> str:
    return response.content.decode()


def listed(response) -> list[str]:
    """Names of the places on the flyer, in order."""
    return re.findall(r"<li>\s*<h3>([^<]+)</h3>", page(response))


def flyer_url(response) -> str:
    return html.unescape(re.search(r'<p class="flyer-url">([^<]+)</p>', page(response))[1])


# The flyer of a search


def test_the_search_flyer_lists_the_ten_nearest_places(client):
    for i in range(14):
        make_location(name=f"Place {i:02}", latitude=40.7484 + i * 0.002)

    response = client.get("/search/flyer?near=10001")

    assert response.status_code == 200
    assert "<h1>Naloxone near 10001 (New York, NY)</h1>" in page(response)
    assert listed(response) == [f"Place {i:02}" for i in range(10)]
    assert "The 10 nearest places that carry naloxone, within 10 miles." in page(response)


def test_each_place_shows_address_phone_hours_and_offerings(client):
    make_location(
        name="Corner Pharmacy",
        street_address="5 Main St",
        address_line2="Suite 2",
        phone="2125550100",
        free_naloxone=True,
        nasal_spray=True,
        hours=[*[(day, (9,), (17,)) for day in range(5)], (5, (10,), (14,))],
    )

    body = page(client.get("/search/flyer?near=10001"))

    assert "5 Main St, Suite 2, New York, NY 10001" in body
    assert "Phone: (212) 555-0100" in body
    assert "Hours: Mon–Fri 9 AM–5 PM; Sat 10 AM–2 PM" in body
    assert "Free naloxone · Nasal spray" in body
    assert "0.0 mi" in body


def test_the_qr_code_and_the_printed_address_lead_to_the_live_search(client, settings):
    settings.SITE_URL = "https://naloxone.example.org"
    make_location(name="Near")

    response = client.get(
        "/search/flyer?near=10001&radius=5&free=1&open_now=0&kind=pharmacy&page=2"
    )

    live = "https://naloxone.example.org/search?near=10001&radius=5&free=1&kind=pharmacy"
    assert flyer_url(response) == live
    # The QR code is the one for exactly that address.
    assert qr_code_svg(live, SEARCH_QR_LABEL) in page(response)


def test_the_spanish_flyer_leads_to_the_spanish_search(client, settings):
    settings.SITE_URL = "https://naloxone.example.org"
    make_location(name="Near")

    response = client.get("/es/search/flyer?near=10001")

    assert '<html lang="es">' in page(response)
    assert flyer_url(response) == "https://naloxone.example.org/es/search?near=10001"
    assert 'href="/es/search?near=10001"' in page(response)


def test_the_flyer_says_what_to_do_in_an_overdose_and_when_it_was_printed(client):
    make_location(name="Near")

    body = page(client.get("/search/flyer?near=10001"))

    assert "Call 911." in body
    assert "Give naloxone: one spray in one nostril." in body
    today = timezone.localdate()
    assert f"Printed {today:%b}" in body and f"{today.day}, {today.year}." in body


def test_the_flyer_names_the_filters_it_was_made_with(client):
    make_location(name="Free", free_naloxone=True)

    body = page(client.get("/search/flyer?near=10001&free=1&kind=pharmacy"))

    assert "Filters on: Free naloxone, Pharmacy" in body


def test_with_nothing_near_the_flyer_lists_places_farther_away_and_by_mail(client):
    make_location(name="Albany place", latitude=42.6575, longitude=-73.7461)
    make_location(
        name="Mailer",
        kind=Location.Kind.MAIL_BASED,
        states_served=["NY"],
        latitude=42.0,
        website="https://mail.example.org",
    )

    response = client.get("/search/flyer?near=10001&radius=1")

    body = page(response)
    assert response.status_code == 200
    assert "Nothing within 1 mile." in body
    assert "These are the nearest places farther away:" in body
    assert listed(response) == ["Albany place", "Mailer"]
    assert "Naloxone by mail in NY" in body
    assert "https://mail.example.org" in body


def test_the_flyer_never_shows_unpublished_places_or_staff_only_fields(client):
    make_location(name="Public", internal_notes="secret staff remark", external_id="row-77")
    make_location(name="Draft", status=Location.Status.DRAFT)
    make_location(name="Gone", status=Location.Status.CLOSED)

    response = client.get("/search/flyer?near=10001")

    assert listed(response) == ["Public"]
    assert "secret staff remark" not in page(response) and "row-77" not in page(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Enter a ZIP code, a city and state, or your location."),
        ("near=00000", "We could not find the ZIP code 00000"),
        ("near=10001&radius=7", "Choose a distance of 1, 5, 10, 25, 50 or 100 miles."),
        ("near=10001&kind=bakery", "is not a type of place we list"),
    ],
)
def test_a_bad_search_gets_a_message_and_a_400_not_a_flyer(client, query, message):
    response = client.get("/search/flyer?" + query)

    assert response.status_code == 400
    body = html.unescape(page(response))
    assert message in body
    assert "<svg" not in body and 'id="print-flyer"' not in body


def test_the_search_flyer_takes_three_queries_whatever_the_number_of_places(
    client, django_assert_num_queries
):
    make_location(name="One", hours=[(0, (9,), (17,))])
    # 1 ZIP lookup, 2 the places (hours and count included), 3 the demo-data check.
    with django_assert_num_queries(3):
        client.get("/search/flyer?near=10001")
    for i in range(25):
        make_location(name=f"More {i}", latitude=40.7484 + i * 0.001, hours=[(1, (9,), (17,))])
    with django_assert_num_queries(3):
        response = client.get("/search/flyer?near=10001")
    assert len(listed(response)) == 10


def test_the_results_page_links_to_the_flyer_of_its_search(client):
    make_location(name="Near")

    body = html.unescape(page(client.get("/search?near=10001&radius=5&page=1")))

    assert '<a href="/search/flyer?near=10001&radius=5">Print a flyer of these results</a>' in body


def test_the_spanish_results_page_links_to_the_spanish_flyer(client):
    body = html.unescape(page(client.get("/es/search?near=10001")))

    assert '<a href="/es/search/flyer?near=10001">' in body


# The flyer of a state


def test_a_state_with_few_places_lists_them_all(client, settings):
    settings.SITE_URL = "https://naloxone.example.org"
    make_location(name="Albany one", city="Albany", zip_code="12207", phone="5185550100")
    make_location(name="NYC one", hours=[(day, (0, 0), (0, 0)) for day in range(7)])
    make_location(name="Chicago one", city="Chicago", state="IL", zip_code="60601")

    response = client.get("/states/ny/flyer/")

    assert response.status_code == 200
    body = page(response)
    assert "<h1>Naloxone in New York</h1>" in body
    assert "We list 2 places in this state that carry naloxone." in body
    assert listed(response) == ["Albany one", "NYC one"]
    assert "Phone: (518) 555-0100" in body
    assert "Hours: Open 24 hours, every day" in body
    assert "Hours not listed. Call ahead." in body  # Albany one has no hours
    assert flyer_url(response) == "https://naloxone.example.org/states/ny/"
    label = "QR code: the live list of places in New York on Naloxone Finder"
    assert qr_code_svg("https://naloxone.example.org/states/ny/", label) in body


def test_a_state_with_many_places_lists_its_busiest_cities_instead(client):
    cities = {
        f"Town {letter}": count
        for letter, count in zip("ABCDEFGHIJKLMN", range(14, 0, -1), strict=True)
    }
    for city, count in cities.items():
        for i in range(count):
            make_location(name=f"{city} place {i}", city=city)

    response = client.get("/states/ny/flyer/")

    body = page(response)
    assert listed(response) == []
    assert "Cities with the most places" in body
    shown = re.findall(r"<li>(Town \w): (\d+) places?</li>", body)
    assert shown == [(f"Town {letter}", str(14 - n)) for n, letter in enumerate("ABCDEFGHIJKL")]
    assert "And 3 more in 2 other cities." in body  # Town M (2) and Town N (1)
    assert "Scan the code below for each one’s address, hours and phone" in body


def test_the_state_flyer_lists_the_programs_that_mail_there(client):
    make_location(name="NYC one")
    make_location(
        name="Mail to NY",
        kind=Location.Kind.MAIL_BASED,
        city="Chicago",
        state="IL",
        zip_code="60601",
        states_served=["NY", "NJ"],
    )
    make_location(
        name="Mail to CA",
        kind=Location.Kind.MAIL_BASED,
        city="Chicago",
        state="IL",
        zip_code="60601",
        states_served=["CA"],
    )

    response = client.get("/states/ny/flyer/")

    assert listed(response) == ["NYC one", "Mail to NY"]
    assert "These programs mail naloxone to people in New York." in page(response)


def test_a_state_without_listings_still_gets_a_flyer(client):
    response = client.get("/states/mt/flyer/")

    assert response.status_code == 200
    assert "We have no listings in Montana yet." in page(response)
    assert "<svg" in page(response)


def test_the_state_flyer_never_shows_unpublished_places_or_staff_only_fields(client):
    make_location(name="Public", internal_notes="secret staff remark")
    make_location(name="Draft", status=Location.Status.DRAFT)

    response = client.get("/states/ny/flyer/")

    assert listed(response) == ["Public"]
    assert "secret staff remark" not in page(response)


def test_an_unknown_state_is_a_404(client):
    assert client.get("/states/zz/flyer/").status_code == 404
    assert client.get("/es/states/zz/flyer/").status_code == 404


def test_other_spellings_of_the_state_redirect_to_the_flyer(client):
    response = client.get("/states/NY/flyer/")

    assert response.status_code == 301
    assert response.headers["Location"] == "/states/ny/flyer/"


def test_the_spanish_state_flyer_leads_to_the_spanish_state_page(client, settings):
    settings.SITE_URL = "https://naloxone.example.org"

    response = client.get("/es/states/ny/flyer/")

    assert '<html lang="es">' in page(response)
    assert flyer_url(response) == "https://naloxone.example.org/es/states/ny/"
    assert 'href="/es/states/ny/"' in page(response)


def test_a_big_state_flyer_takes_three_queries(client, django_assert_num_queries):
    for i in range(12):
        make_location(name=f"Place {i}", city=f"Town {i % 4}")
    # 1 places per city, 2 the programs that mail to the state, 3 the demo-data check.
    with django_assert_num_queries(3):
        client.get("/states/ny/flyer/")


def test_a_small_state_flyer_takes_four_queries(client, django_assert_num_queries):
    for i in range(5):
        make_location(name=f"Place {i}", hours=[(0, (9,), (17,))])
    # 1 places per city, 2 the mail programs, 3 the places (hours included), 4 demo-data check.
    with django_assert_num_queries(4):
        response = client.get("/states/ny/flyer/")
    assert len(listed(response)) == 5


def test_the_state_page_links_to_its_flyer(client):
    make_location(name="Near")

    assert '<a href="/states/ny/flyer/">Print a flyer for New York</a>' in page(
        client.get("/states/ny/")
    )
    assert '<a href="/es/states/ny/flyer/">' in page(client.get("/es/states/ny/"))


# Both flyers


@pytest.mark.parametrize("path", ["/search/flyer?near=10001", "/states/ny/flyer/"])
def test_flyers_are_noindex_printable_pages_with_a_print_button(client, path):
    make_location(name="Near")

    body = page(client.get(path))

    assert '<meta name="robots" content="noindex">' in body
    assert '<button type="button" id="print-flyer" hidden>Print this flyer</button>' in body
    assert '<script type="module" src="/static/js/share.js"></script>' in body
    assert 'class="flyer-tools no-print"' in body


@pytest.mark.parametrize(
    "path", ["/search/flyer?near=10001", "/states/ny/flyer/", "/es/states/ny/flyer/"]
)
def test_flyers_have_no_inline_scripts_styles_or_handlers_and_refuse_framing(client, path):
    make_location(name="Near", is_demo=True)

    response = client.get(path)

    body = page(response)
    assert csp_problems(body) == []
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# The week of hours in one line


@pytest.fixture
def english():
    # Requests to /es/ leave Spanish active in this thread; these tests read English.
    with translation.override("en"):
        yield


def place_with_hours(*periods) -> Location:
    place = Location(timezone="America/New_York")
    place.hours_list = [
        {"weekday": day, "opens": time(*opens).isoformat(), "closes": time(*closes).isoformat()}
        for day, opens, closes in periods
    ]
    return place


def test_hours_summary_groups_neighbouring_days_with_the_same_hours(english):
    place = place_with_hours(
        *[(day, (9,), (17,)) for day in range(5)], (5, (10,), (14,)), (6, (10,), (14,))
    )
    assert hours_summary(place) == "Mon–Fri 9 AM–5 PM; Sat–Sun 10 AM–2 PM"


def test_hours_summary_keeps_split_days_and_gaps_apart(english):
    place = place_with_hours(
        (0, (9,), (12,)), (0, (13, 30), (17,)), (2, (9,), (12,)), (2, (13, 30), (17,))
    )
    assert hours_summary(place) == "Mon 9 AM–12 PM, 1:30 PM–5 PM; Wed 9 AM–12 PM, 1:30 PM–5 PM"


def test_hours_summary_shows_past_midnight_and_whole_days(english):
    place = place_with_hours((4, (22,), (2,)), (5, (0,), (0,)))
    assert hours_summary(place) == "Fri 10 PM–2 AM; Sat 24 hours"


def test_hours_summary_says_when_a_place_never_closes_or_lists_no_hours(english):
    assert hours_summary(place_with_hours(*[(d, (0,), (0,)) for d in range(7)])) == (
        "Open 24 hours, every day"
    )
    assert hours_summary(place_with_hours()) == ""


def test_hours_summary_speaks_the_pages_language():
    place = place_with_hours(*[(day, (9,), (17,)) for day in range(5)])
    with translation.override("es"):
        assert hours_summary(place).startswith("lun–vie ")
