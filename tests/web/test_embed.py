"""The embeddable results list (/embed/) and the "Get the embed code" page (/embed/code/)."""

import html
import re

import pytest

from locations.models import Location
from tests.factories import make_location, make_zipcodes
from tests.pages import csp_problems

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def page(response) -> str:
    return response.content.decode()


def links(response) -> list[str]:
    """Every <a> tag in the page."""
    return re.findall(r"<a\s[^>]*>", page(response))


def frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if "frame-ancestors" in part)


def snippet(response) -> str:
    """The embed code as the visitor sees it in the text box."""
    box = re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', page(response), re.S)
    return html.unescape(box[1])


# The embed


def test_it_lists_the_nearest_places_with_distance_status_address_and_phone(client):
    make_location(name="Far", latitude=40.79, phone="2125550111")
    make_location(
        name="Near",
        latitude=40.749,
        street_address="1 Main St",
        phone="2125550100",
        hours=[(day, (0, 0), (0, 0)) for day in range(7)],
    )

    response = client.get("/embed/?near=10001")

    assert response.status_code == 200
    items = re.findall(r"<li data-result>(.*?)</li>", page(response), re.S)
    assert [re.search(r'rel="noopener">([^<]+)</a>', item)[1] for item in items] == ["Near", "Far"]
    assert "0.0 mi" in items[0]
    assert "Open 24 hours" in items[0]
    assert "Hours not listed" in items[1]
    assert "1 Main St, New York, NY 10001" in items[0]
    assert '<a href="tel:+1-212-555-0100">(212) 555-0100</a>' in items[0]


def test_every_link_opens_the_full_site_in_a_new_tab(client):
    place = make_location(name="Near", phone="2125550100")

    response = client.get("/embed/?near=10001&radius=5&free=0&kind=pharmacy")

    site_links = [tag for tag in links(response) if 'href="tel:' not in tag]
    assert len(site_links) == 2
    for tag in site_links:
        assert 'target="_blank"' in tag and 'rel="noopener"' in tag
    assert f'href="/locations/{place.slug}/"' in site_links[0]
    more = html.unescape(site_links[1])
    assert 'href="/search?near=10001&radius=5&kind=pharmacy"' in more
    assert "More on Naloxone Finder" in page(response)


def test_it_has_its_own_small_layout_without_the_site_header_or_footer(client):
    make_location(name="Near")

    body = page(client.get("/embed/?near=10001"))

    assert 'class="embed"' in body
    assert "site-header" not in body and "site-footer" not in body
    assert "<h1>Naloxone near 10001 (New York, NY)</h1>" in body
    assert "Overdose? Call 911 now." in body
    assert '<meta name="robots" content="noindex">' in body


def test_it_shows_ten_places_at_most_and_says_how_many_there_are(client):
    for i in range(14):
        make_location(name=f"Place {i:02}", latitude=40.7484 + i * 0.001)

    response = client.get("/embed/?near=10001&page=2")

    assert response.status_code == 200  # the page is not read: always the nearest
    assert page(response).count("<li data-result>") == 10
    assert "Place 00" in page(response) and "Place 10" not in page(response)
    assert "14 places within 10 miles of 10001 (New York, NY)" in page(response)
    assert "(all 14 places)" in page(response)


def test_it_applies_the_same_filters_as_the_search(client):
    make_location(name="Free one", free_naloxone=True)
    make_location(name="Paid one")
    make_location(name="Police", kind=Location.Kind.LAW_ENFORCEMENT, free_naloxone=True)

    body = page(client.get("/embed/?near=10001&free=1&no_police=1"))

    assert "Free one" in body
    assert "Paid one" not in body and "Police" not in body


def test_with_nothing_near_it_shows_the_nearest_farther_away_and_mail_programs(client):
    make_location(name="Albany place", latitude=42.6575, longitude=-73.7461)
    make_location(name="Mailer", kind=Location.Kind.MAIL_BASED, states_served=["NY"], latitude=42.0)

    response = client.get("/embed/?near=10001&radius=1")

    body = page(response)
    assert response.status_code == 200
    assert "Nothing within 1 mile of 10001 (New York, NY)" in body
    assert "These are the nearest places farther away:" in body
    assert "Albany place" in body
    assert "Naloxone by mail in NY" in body and "Mailer" in body


def test_it_never_shows_unpublished_places_or_staff_only_fields(client):
    make_location(name="Public", internal_notes="secret staff remark", external_id="row-77")
    make_location(name="Draft", status=Location.Status.DRAFT)
    make_location(name="Gone", status=Location.Status.CLOSED)

    body = page(client.get("/embed/?near=10001"))

    assert "Public" in body
    assert "Draft" not in body and "Gone" not in body
    assert "secret staff remark" not in body and "row-77" not in body


def test_without_a_place_it_asks_for_one_and_keeps_the_partners_filters(client):
    response = client.get("/embed/?radius=25&free=1&kind=harm_reduction")

    body = page(response)
    assert response.status_code == 200
    assert '<form class="embed-form" action="/embed/" method="get">' in body
    assert '<label for="embed-near">' in body
    assert '<input type="hidden" name="radius" value="25">' in body
    assert '<input type="hidden" name="free" value="1">' in body
    assert '<input type="hidden" name="kind" value="harm_reduction">' in body
    assert "data-result" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("near=00000", "We could not find the ZIP code 00000"),
        ("near=123", "A ZIP code has 5 digits"),
        ("near=Atlantis, ZZ", "We did not recognise the state"),
        ("near=10001&radius=7", "Choose a distance of 1, 5, 10, 25, 50 or 100 miles."),
        ("near=10001&kind=bakery", "is not a type of place we list"),
        ("near=10001&free=maybe", "Use 1 to turn this filter on"),
    ],
)
def test_bad_input_gets_a_friendly_message_and_a_400(client, query, message):
    response = client.get("/embed/?" + query)

    assert response.status_code == 400
    body = html.unescape(page(response))
    assert message in body
    assert 'role="alert"' in body
    assert '<form class="embed-form"' in body  # so the visitor can try again


def test_it_is_in_spanish_under_es_with_spanish_links(client):
    place = make_location(name="Near")

    response = client.get("/es/embed/?near=10001")

    assert response.status_code == 200
    assert '<html lang="es">' in page(response)
    assert f'href="/es/locations/{place.slug}/"' in page(response)
    assert 'href="/es/search?near=10001"' in page(response)


@pytest.mark.parametrize("path", ["/embed/?near=10001", "/es/embed/?near=10001", "/embed/"])
def test_any_site_may_frame_the_embed(client, path):
    response = client.get(path)

    assert "X-Frame-Options" not in response.headers
    assert frame_ancestors(response) == "frame-ancestors *"
    # The rest of the policy is the site's: no inline scripts.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_bad_search_in_the_embed_may_be_framed_too(client):
    response = client.get("/embed/?near=00000")

    assert response.status_code == 400
    assert "X-Frame-Options" not in response.headers
    assert frame_ancestors(response) == "frame-ancestors *"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?near=10001",
        "/es/search?near=10001",
        "/embed/code/",
        "/embed/code/?near=10001",
        "/es/embed/code/",
    ],
)
def test_every_other_page_refuses_to_be_framed(client, path):
    response = client.get(path)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "frame-ancestors 'none'"


def test_a_listing_page_refuses_to_be_framed(client):
    place = make_location(name="Near")

    response = client.get(place.get_absolute_url())

    assert response.headers["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "frame-ancestors 'none'"


def test_the_embed_takes_three_queries_whatever_the_number_of_places(
    client, django_assert_num_queries
):
    make_location(name="One")
    # 1 ZIP lookup, 2 the places (hours and count included), 3 the demo-data check.
    with django_assert_num_queries(3):
        client.get("/embed/?near=10001")
    for i in range(30):
        make_location(name=f"More {i}", latitude=40.7484 + i * 0.001, hours=[(0, (9,), (17,))])
    with django_assert_num_queries(3):
        response = client.get("/embed/?near=10001")
    assert page(response).count("<li data-result>") == 10


def test_the_embed_fallback_takes_the_search_pages_queries(client, django_assert_num_queries):
    make_location(name="Far", latitude=42.0)
    make_location(name="Mail", kind=Location.Kind.MAIL_BASED, states_served=["NY"], latitude=42.0)
    # 1 ZIP lookup, 2 the page (empty), 3-4 the fallback's nearest places (how far they
    # reach, fewer than five: all of them; then they by id, with the mail-based
    # programs), 5 the demo-data check.
    with django_assert_num_queries(5):
        response = client.get("/embed/?near=10001&radius=1")
    assert "Mail" in page(response)


def test_the_embed_has_no_inline_scripts_styles_or_handlers(client):
    make_location(name="Near", is_demo=True)

    body = page(client.get("/embed/?near=10001"))

    assert "<script" not in body  # it needs no JavaScript at all
    assert csp_problems(body) == []
    assert "Demo data, not real locations." in body


def test_the_embed_only_answers_get_and_head(client):
    assert client.post("/embed/?near=10001").status_code == 405


# The "Get the embed code" page


def test_the_code_page_starts_with_a_search_box_embed(client):
    response = client.get("/embed/code/")

    assert response.status_code == 200
    assert snippet(response) == (
        '<iframe src="http://testserver/embed/" title="Find naloxone near you" '
        'width="100%" height="600" loading="lazy"></iframe>'
    )
    body = page(response)
    assert '<iframe id="embed-preview" class="embed-preview-frame" src="/embed/"' in body
    assert 'title="Preview of the embedded list"' in body


def test_the_code_page_writes_the_chosen_search_into_the_snippet(client, settings):
    settings.SITE_URL = "https://naloxone.example.org"

    response = client.get(
        "/embed/code/?near=10001&radius=5&free=1&no_prescription=&open_now=0&kind=pharmacy"
        "&kind=harm_reduction&page=3"
    )

    assert response.status_code == 200
    src = "https://naloxone.example.org/embed/?near=10001&amp;radius=5&amp;free=1&amp;kind=pharmacy&amp;kind=harm_reduction"  # noqa: E501
    assert snippet(response) == (
        f'<iframe src="{src}" title="Naloxone near 10001" '
        'width="100%" height="600" loading="lazy"></iframe>'
    )
    preview = re.search(r'<iframe id="embed-preview"[^>]* src="([^"]+)"', page(response))[1]
    assert html.unescape(preview) == (
        "/embed/?near=10001&radius=5&free=1&kind=pharmacy&kind=harm_reduction"
    )


def test_the_code_page_keeps_the_form_filled_in(client):
    body = page(client.get("/embed/code/?near=Albany,+NY&radius=25&free=1&kind=clinic"))

    assert 'value="Albany, NY"' in body
    assert '<option value="25" selected>' in body
    assert '<input type="checkbox" name="free" value="1" checked>' in body
    assert '<input type="checkbox" name="kind" value="clinic" checked>' in body


def test_the_snippet_escapes_what_the_visitor_typed(client):
    response = client.get('/embed/code/?near=12207"><script>')

    # Not a place we know: a 400, and the text is never written out unescaped.
    assert response.status_code == 400
    assert "<script>" not in page(response).replace('<script type="module"', "")


def test_the_spanish_code_page_embeds_the_spanish_list(client, settings):
    settings.SITE_URL = "https://naloxone.example.org"

    response = client.get("/es/embed/code/?near=10001")

    assert response.status_code == 200
    assert '<html lang="es">' in page(response)
    assert 'src="https://naloxone.example.org/es/embed/?near=10001"' in snippet(response)
    assert 'src="/es/embed/?near=10001"' in page(response)
    assert '"embedUrl": "https://naloxone.example.org/es/embed/"' in page(response)


def test_the_copy_button_waits_for_javascript(client):
    body = page(client.get("/embed/code/?near=10001"))

    assert '<button type="button" id="copy-embed-code" hidden>Copy code</button>' in body
    assert '<script type="module" src="/static/js/embed-code.js"></script>' in body
    assert '<script id="embed-config" type="application/json">' in body
    assert "readonly" in re.search(r'<textarea id="embed-snippet"[^>]*>', body)[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("near=00000", "We could not find the ZIP code 00000"),
        ("radius=7", "Choose a distance of 1, 5, 10, 25, 50 or 100 miles."),
        ("near=10001&kind=bakery", "is not a type of place we list"),
    ],
)
def test_the_code_page_refuses_a_bad_search_with_a_400(client, query, message):
    response = client.get("/embed/code/?" + query)

    assert response.status_code == 400
    body = html.unescape(page(response))
    assert message in body
    assert 'id="embed-snippet"' not in body and 'id="embed-preview"' not in body


def test_the_code_page_takes_two_queries(client, django_assert_num_queries):
    # 1 the ZIP lookup that checks the place, 2 the demo-data check for the banner.
    with django_assert_num_queries(2):
        client.get("/embed/code/?near=10001&radius=5")


def test_the_code_page_has_no_inline_scripts_styles_or_handlers(client):
    body = page(client.get("/embed/code/?near=10001"))

    assert csp_problems(body) == []


def test_the_results_page_links_to_the_embed_code_for_its_search(client):
    make_location(name="Near")

    body = html.unescape(page(client.get("/search?near=10001&radius=5&free=1&page=1")))

    assert '<a href="/embed/code/?near=10001&radius=5&free=1">' in body
    assert "Put this search on your website" in body


def test_the_spanish_results_page_links_to_the_spanish_embed_code(client):
    body = html.unescape(page(client.get("/es/search?near=10001")))

    assert '<a href="/es/embed/code/?near=10001">' in body
