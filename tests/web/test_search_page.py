"""The results page: the numbered list and the map data that mirrors it, open-status
labels, the filters note, and what loads (or stays hidden) without JavaScript."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from locations.models import Location
from tests.factories import make_location, make_zipcodes
from tests.pages import Page, csp_problems, squashed, text

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


@pytest.fixture
def frozen_now(monkeypatch):
    """Searches and labels run at Monday noon in New York."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY_NOON)
    return MONDAY_NOON


def search(client, query: str, prefix: str = ""):
    return client.get(f"{prefix}/search?{query}")


def map_data(page: Page) -> dict:
    script = page.one("script", id="results-map-data")
    assert script["attrs"]["type"] == "application/json"
    return json.loads(script["text"])


def three_places() -> list[Location]:
    """Three pharmacies near ZIP 10001, listed in this order (nearest first)."""
    return [
        make_location(name="Chelsea Corner Pharmacy", latitude=40.7490, longitude=-73.9970),
        make_location(name="Harm Reduction Center", latitude=40.7440, longitude=-73.9990,
                      kind=Location.Kind.HARM_REDUCTION, free_naloxone=True),
        make_location(name="Midtown Pharmacy", latitude=40.7560, longitude=-73.9900),
    ]  # fmt: skip


def test_the_list_items_carry_the_numbers_and_anchors_the_map_uses(client):
    places = three_places()

    page = Page(search(client, "near=10001").content.decode())

    items = page.find("li", data_result=True)
    assert [item["attrs"]["data-result"] for item in items] == ["1", "2", "3"]
    assert [item["attrs"]["id"] for item in items] == [f"result-{p.slug}" for p in places]
    assert page.one("ol", class_="result-list")["attrs"]["start"] == "1"


def test_the_map_data_matches_the_list(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Tiles: Example"
    settings.MAP_TILE_MAX_ZOOM = 17
    places = three_places()

    response = search(client, "near=10001")

    page = Page(response.content.decode())
    data = map_data(page)
    listed = response.context["result"].results
    assert [
        (p["n"], p["slug"], p["name"], p["url"], p["lat"], p["lng"]) for p in data["places"]
    ] == [
        (n, loc.slug, loc.name, f"/locations/{loc.slug}/", loc.latitude, loc.longitude)
        for n, loc in enumerate(places, start=1)
    ]
    for place, location in zip(data["places"], listed, strict=True):
        assert place["distance"] == pytest.approx(location.distance, abs=0.01)
        assert place["distance_label"] == f"{location.distance:.1f} mi"
    assert data["point"] == {
        "lat": 40.7484, "lng": -73.9967, "label": "10001 (New York, NY)"
    }  # fmt: skip
    assert data["tiles"] == {
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "attribution": "Tiles: Example",
        "max_zoom": 17,
    }


def test_the_second_page_numbers_the_list_and_the_map_from_21(client):
    for i in range(25):
        make_location(name=f"Place {i:02}", latitude=40.7484 + i * 0.001)

    page = Page(search(client, "near=10001&page=2").content.decode())

    assert page.one("ol", class_="result-list")["attrs"]["start"] == "21"
    numbers = [item["attrs"]["data-result"] for item in page.find("li", data_result=True)]
    assert numbers == ["21", "22", "23", "24", "25"]
    assert [p["n"] for p in map_data(page)["places"]] == [21, 22, 23, 24, 25]


def test_the_map_and_its_buttons_stay_hidden_until_javascript_shows_them(client):
    three_places()

    page = Page(search(client, "near=10001").content.decode())

    container = page.one("div", id="results-map")
    assert "hidden" in container["attrs"]
    assert container["attrs"]["aria-label"] == "Map of these results"
    assert "hidden" in page.one("p", id="results-map-caption")["attrs"]
    buttons = page.find("button", class_="show-on-map secondary-button")
    assert [b["attrs"]["data-n"] for b in buttons] == ["1", "2", "3"]
    assert all("hidden" in b["attrs"] and b["attrs"]["type"] == "button" for b in buttons)
    # Each button names its place for screen readers: "Show on map: Midtown Pharmacy".
    assert text(buttons[2]) == "Show on map: Midtown Pharmacy"


def test_leaflet_is_offered_on_the_results_page_only_and_fetched_on_demand(client):
    """Leaflet is not in the page: results-map.js fetches it from the URLs the map column
    names, at once on wide screens and only when the map is asked for on a phone."""
    three_places()

    results = Page(search(client, "near=10001").content.decode())

    assert results.find("script", src="/static/leaflet/leaflet.js") == []
    assert results.find("link", href="/static/leaflet/leaflet.css") == []
    column = results.one("div", class_="results-map-column")
    assert column["attrs"]["data-leaflet-js"] == "/static/leaflet/leaflet.js"
    assert column["attrs"]["data-leaflet-css"] == "/static/leaflet/leaflet.css"
    assert results.one("script", src="/static/js/results-map.js")["attrs"]["type"] == "module"

    for url in ["/search", "/search?near=nowhere", "/search?near=59001&radius=1&kind=clinic", "/"]:
        html = client.get(url).content.decode()
        assert "leaflet" not in html and "results-map" not in html, url


def test_the_fallback_maps_the_nearest_places_but_not_mail_based_programs(client):
    far = make_location(name="Albany Pharmacy", latitude=42.6575, longitude=-73.7461)
    mail = make_location(
        name="Naloxone by Post", kind=Location.Kind.MAIL_BASED, states_served=["NY"],
        latitude=42.0, longitude=-75.0,
    )  # fmt: skip

    response = search(client, "near=10001&radius=1")

    page = Page(response.content.decode())
    assert response.context["result"].total == 0
    assert [p["slug"] for p in map_data(page)["places"]] == [far.slug]
    assert map_data(page)["places"][0]["n"] == 1
    item = page.one("li", data_result="1")
    assert item["attrs"]["id"] == f"result-{far.slug}"
    mail_item = page.one("li", id=f"result-{mail.slug}")
    assert "data-result" not in mail_item["attrs"]
    assert "Show on map" not in text(mail_item)


def test_a_mail_based_program_in_the_results_is_numbered_but_not_mapped(client):
    near = make_location(name="Near Pharmacy", latitude=40.7490)
    mail = make_location(name="Naloxone by Post", kind=Location.Kind.MAIL_BASED, latitude=40.7495)

    page = Page(search(client, "near=10001").content.decode())

    assert [p["slug"] for p in map_data(page)["places"]] == [near.slug]
    item = page.one("li", id=f"result-{mail.slug}")
    assert item["attrs"]["data-result"] == "2"
    assert "Show on map" not in text(item)


def test_a_fallback_of_mail_based_programs_only_has_no_map(client):
    make_location(
        name="Naloxone by Post", kind=Location.Kind.MAIL_BASED, states_served=["NY"], latitude=43.0
    )

    html = search(client, "near=10001&radius=1&kind=mail_based").content.decode()

    assert "Naloxone by Post" in html
    assert 'id="results-map"' not in html and "leaflet" not in html


def test_each_result_says_if_it_is_open_and_until_when(client, frozen_now):
    make_location(name="Open Late", latitude=40.7490, hours=[(0, (9, 0), (21, 0))])
    make_location(name="Evenings", latitude=40.7500, hours=[(0, (18, 0), (2, 0))])
    make_location(name="Always", latitude=40.7510, hours=[(d, (0, 0), (0, 0)) for d in range(7)])
    make_location(name="Unknown", latitude=40.7520)

    page = Page(search(client, "near=10001").content.decode())

    cards = [text(item) for item in page.find("li", data_result=True)]
    expected = {
        "Open Late": "Open now · closes 9 PM",
        "Evenings": "Closed · opens 6 PM",
        "Always": "Open 24 hours",
        "Unknown": "Hours not listed",
    }
    for card, (name, label) in zip(cards, expected.items(), strict=True):
        assert card.startswith(name) and label in card, card
    # Marked for styling too; the words say it without colour.
    assert len(page.find("p", class_="open-status open")) == 2
    assert len(page.find("p", class_="open-status closed")) == 1
    assert len(page.find("p", class_="open-status")) == 1


def test_the_open_now_filter_and_the_labels_agree(client, frozen_now):
    make_location(name="Open", latitude=40.7490, hours=[(0, (9, 0), (21, 0))])
    make_location(name="Shut", latitude=40.7500, hours=[(0, (18, 0), (2, 0))])

    response = search(client, "near=10001&open_now=1")

    assert [loc.name for loc in response.context["result"].results] == ["Open"]
    assert "Open now · closes 9 PM" in response.content.decode()


def test_filters_that_are_on_are_named_with_a_link_to_clear_them(client):
    three_places()

    response = search(client, "near=10001&radius=25&free=1&open_now=0&kind=harm_reduction")

    page = Page(response.content.decode())
    note = page.one("p", class_="filters-on")
    assert text(note) == "Filters on: Free naloxone, Harm reduction program · Clear filters"
    assert page.one("a", href="/search?near=10001&radius=25")


def test_no_filters_note_without_filters(client):
    three_places()

    html = search(client, "near=10001").content.decode()

    assert "Filters on" not in html and "Clear filters" not in html


def test_the_filters_note_also_shows_when_nothing_matches(client):
    three_places()

    page = Page(search(client, "near=10001&kind=clinic&no_police=1").content.decode())

    note = text(page.one("p", class_="filters-on"))
    assert note.startswith("Filters on: No police or sheriff sites, Clinic")
    assert page.one("a", href="/search?near=10001")


def test_the_spanish_results_link_in_spanish(client):
    places = three_places()

    page = Page(search(client, "near=10001&free=1", prefix="/es").content.decode())

    assert map_data(page)["places"][0]["url"] == f"/es/locations/{places[1].slug}/"
    assert page.find("a", href="/es/search?near=10001")
    assert page.one("html")["attrs"]["lang"] == "es"


def test_drafts_and_closed_places_are_in_neither_the_list_nor_the_map(client):
    shown = make_location(name="Published")
    make_location(name="Draft", status=Location.Status.DRAFT)
    make_location(name="Closed", status=Location.Status.CLOSED)

    page = Page(search(client, "near=10001").content.decode())

    assert [p["slug"] for p in map_data(page)["places"]] == [shown.slug]
    assert len(page.find("li", data_result=True)) == 1


def test_names_reach_the_map_data_escaped_and_intact(client):
    make_location(name="Smith & Sons <Pharmacy>")

    html = search(client, "near=10001").content.decode()

    assert "<Pharmacy>" not in html
    assert map_data(Page(html))["places"][0]["name"] == "Smith & Sons <Pharmacy>"


def test_a_search_that_finds_places_names_its_canonical_url(client):
    three_places()

    query = "radius=5&near=%2010001%20&free=0&utm_source=x&page=1"
    page = Page(search(client, query).content.decode())

    assert [link["attrs"]["href"] for link in page.find("link", rel="canonical")] == [
        "http://testserver/search?near=10001&radius=5"
    ]
    assert page.find("meta", name="robots") == []


def test_a_later_page_and_the_spanish_page_keep_their_own_canonical_url(client):
    for i in range(21):
        make_location(name=f"Pharmacy {i}", latitude=40.7484 + i * 0.0005)

    page = Page(search(client, "near=10001&page=2&kind=pharmacy", prefix="/es").content.decode())

    assert page.one("link", rel="canonical")["attrs"]["href"] == (
        "http://testserver/es/search?near=10001&kind=pharmacy&page=2"
    )


@pytest.mark.parametrize("query", ["near=10001", "near=1234"])
def test_searches_that_find_nothing_or_fail_are_kept_out_of_the_index(client, query):
    page = Page(search(client, query).content.decode())

    assert page.one("meta", name="robots")["attrs"]["content"] == "noindex"
    assert page.find("link", rel="canonical") == []


def test_bad_input_is_a_400_without_a_map(client):
    response = search(client, "near=1234")

    assert response.status_code == 400
    assert 'id="results-map"' not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["near=10001", "near=10001&free=1", "near=10001&radius=1", "near=bad", "near=10001&page=9"],
)
def test_results_pages_have_no_inline_scripts_styles_or_handlers(client, query):
    three_places()
    make_location(name="Mail", kind=Location.Kind.MAIL_BASED, states_served=["NY"], latitude=43.0)

    html = search(client, query).content.decode()

    assert csp_problems(html) == []


def test_the_results_page_takes_three_queries_with_hours_and_map(client, django_assert_num_queries):
    every_day = [(d, (9, 0), (21, 0)) for d in range(7)]
    for i in range(3):
        make_location(name=f"A{i}", latitude=40.7484 + i * 0.001, hours=every_day)
    # 1 ZIP lookup, 2 the page of results with their hours and count, 3 the demo-data check.
    with django_assert_num_queries(3):
        response = search(client, "near=10001&free=0")
    assert len(map_data(Page(response.content.decode()))["places"]) == 3

    for i in range(30):
        make_location(name=f"B{i}", latitude=40.7484 + i * 0.001, hours=every_day)
    with django_assert_num_queries(3):
        response = search(client, "near=10001")
    assert "Open now · closes" in response.content.decode() or "Closed · opens" in (
        response.content.decode()
    )


def test_the_fallback_page_takes_five_queries_with_hours_and_map(client, django_assert_num_queries):
    for i in range(6):
        make_location(name=f"Far {i}", latitude=42.0 + i * 0.01, hours=[(0, (9, 0), (17, 0))])
    make_location(name="Mail", kind=Location.Kind.MAIL_BASED, states_served=["NY"],
                  latitude=43.0, hours=[(0, (9, 0), (17, 0))])  # fmt: skip
    # 1 ZIP lookup, 2 the page (empty), 3 the walk to the nearest five, 4 the page query
    # that far with the mail-based programs, 5 the help lines with the demo-data check;
    # hours in each.
    with django_assert_num_queries(5):
        response = search(client, "near=10001&radius=1")
    assert len(map_data(Page(response.content.decode()))["places"]) == 5
    assert [place.name for place in response.context["result"].mail_based] == ["Mail"]


# Words that read right: plurals, translated choices, localised distances, zone names.


def test_one_mile_and_one_place_are_singular(client):
    make_location(name="Chelsea Corner Pharmacy", latitude=40.7490, longitude=-73.9970)

    found = squashed(search(client, "near=10001&radius=1"))
    assert "1 place within 1 mile of 10001 (New York, NY)" in found

    nothing = squashed(search(client, "near=12207&radius=1"))
    assert "Nothing within 1 mile of 12207 (Albany, NY)" in nothing


def test_the_radius_choices_are_in_the_pages_language(client):
    page = Page(search(client, "near=10001", prefix="/es").content.decode())

    labels = [text(option) for option in page.find("option")]
    assert labels[:3] == ["1 milla", "5 millas", "10 millas"]
    english = Page(search(client, "near=10001").content.decode())
    assert [text(option) for option in english.find("option")][:2] == ["1 mile", "5 miles"]


@pytest.mark.parametrize("prefix, expected", [("", "2,565.5 mi"), ("/es", "2.565,5 mi")])
def test_long_distances_are_written_with_separators(client, prefix, expected):
    # Only San Francisco has a place: from New York it is the nearest farther away.
    make_location(
        name="Mission Pharmacy", city="San Francisco", state="CA", zip_code="94103",
        latitude=37.7725, longitude=-122.4147, timezone="America/Los_Angeles",
    )  # fmt: skip

    response = search(client, "near=10001&radius=1", prefix=prefix)

    assert expected in squashed(response)
    assert map_data(Page(response.content.decode()))["places"][0]["distance_label"] == expected
