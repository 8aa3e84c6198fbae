"""Result cards made for acting, and the results page on a phone: Call and Directions on
each card, three offerings and "n more", "Order by mail" for mail-based programs, the
one-line summary of the search with its "Change" link, and the list/map toggle."""

from urllib.parse import parse_qs, urlsplit

import pytest

from locations.models import Location
from tests.factories import make_location, make_zipcodes
from tests.pages import Page, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def card(page: Page, location: Location) -> list[dict]:
    """The elements inside the list item of `location`."""
    item = page.one("li", id=f"result-{location.slug}")
    start = page.elements.index(item)
    inside = []
    for element in page.elements[start + 1 :]:
        if element["tag"] == "li" and element["attrs"].get("id", "").startswith("result-"):
            break
        if "share-kit-links" in element["attrs"].get("class", ""):
            break
        inside.append(element)
    return inside


def links(elements: list[dict]) -> dict[str, str]:
    return {text(e).strip(): e["attrs"]["href"] for e in elements if e["tag"] == "a"}


def test_a_card_has_call_and_directions_buttons(client):
    place = make_location(
        name="Chelsea Corner Pharmacy", street_address="350 W 23rd St", phone="2125550142"
    )

    page = Page(client.get("/search?near=10001").content.decode())

    found = links(card(page, place))
    assert found["Call (212) 555-0142"] == "tel:+1-212-555-0142"
    directions = found["Directions: Chelsea Corner Pharmacy"]
    assert directions.startswith("https://www.google.com/maps/dir/?")
    assert parse_qs(urlsplit(directions).query) == {
        "api": ["1"],
        "destination": ["350 W 23rd St, New York, NY 10001"],
    }
    buttons = [e for e in card(page, place) if "button" in e["attrs"].get("class", "")]
    assert len(buttons) >= 2


def test_a_card_without_a_phone_has_no_call_button(client):
    place = make_location(name="Quiet Place", phone="")

    page = Page(client.get("/search?near=10001").content.decode())

    assert not [href for href in links(card(page, place)).values() if href.startswith("tel:")]
    assert "Directions: Quiet Place" in links(card(page, place))


def test_a_card_shows_three_offerings_and_how_many_more(client):
    place = make_location(
        name="Everything Pharmacy",
        free_naloxone=True,
        no_prescription=True,
        nasal_spray=True,
        injectable=True,
        training=True,
    )

    page = Page(client.get("/search?near=10001").content.decode())

    chips = [text(e).strip() for e in card(page, place) if e["tag"] == "li"]
    assert chips == ["Free naloxone", "No prescription needed", "Nasal spray", "+2 more"]
    # The place's own page lists them all.
    detail = client.get(place.get_absolute_url()).content.decode()
    for label in [
        "Free naloxone",
        "No prescription needed",
        "Nasal spray",
        "Injectable",
        "Training",
    ]:
        assert label in detail


def test_a_mail_based_program_offers_order_by_mail_without_distance_or_directions(client):
    mail = make_location(
        name="Naloxone by Post",
        kind=Location.Kind.MAIL_BASED,
        website="https://post.example.org/order",
        phone="8005550100",
        latitude=40.7495,
    )

    page = Page(client.get("/search?near=10001").content.decode())

    inside = card(page, mail)
    found = links(inside)
    assert found["Order by mail: Naloxone by Post"] == "https://post.example.org/order"
    assert found["Call (800) 555-0100"] == "tel:+1-800-555-0100"
    assert not any("google.com/maps" in href for href in found.values())
    assert not [e for e in inside if e["attrs"].get("class") == "distance"]
    assert [text(e) for e in inside if e["attrs"].get("class") == "by-mail"] == ["Order by mail"]


def test_the_results_sum_up_the_search_with_a_link_to_change_it(client):
    make_location(name="Harm Reduction Center", free_naloxone=True, no_prescription=True,
                  kind=Location.Kind.HARM_REDUCTION)  # fmt: skip

    page = Page(
        client.get("/search?near=10001&radius=5&free=1&kind=harm_reduction").content.decode()
    )

    summary = page.one("div", class_="search-summary")
    assert " ".join(text(summary).split()) == (
        "Near 10001 (New York, NY) · 5 mi · 2 filters Change the search"
    )
    change = page.one("a", href="#search-form")
    assert text(change) == "Change the search"
    # The form it opens is the full form, there without JavaScript.
    form = page.one("form", id="search-form")
    assert form["attrs"]["action"] == "/search"
    assert page.one("input", id="id_near")["attrs"]["value"] == "10001"


def test_the_summary_is_in_spanish_on_the_spanish_page(client):
    make_location(name="Chelsea Corner Pharmacy")

    page = Page(client.get("/es/search?near=10001&free=1").content.decode())

    summary = " ".join(text(page.one("div", class_="search-summary")).split())
    assert summary.startswith("Cerca de 10001 (New York, NY) · 10 mi · 1 filtro")
    assert "Cambiar" in summary


def test_the_home_page_and_a_failed_search_show_the_form_without_a_summary(client):
    for url, status in [("/", 200), ("/search", 200), ("/search?near=nowhere", 400)]:
        response = client.get(url)
        page = Page(response.content.decode())
        assert response.status_code == status, url
        assert page.find("div", class_="search-summary") == [], url
        assert len(page.find("form", id="search-form")) == 1, url


def test_the_list_and_map_toggle_is_rendered_hidden_with_its_states(client):
    make_location(name="Chelsea Corner Pharmacy")

    page = Page(client.get("/search?near=10001").content.decode())

    toggle = page.one("div", id="view-toggle")
    assert "hidden" in toggle["attrs"] and toggle["attrs"]["role"] == "group"
    buttons = page.find("button", class_="toggle-button")
    assert [(text(b), b["attrs"]["aria-pressed"]) for b in buttons] == [
        ("List", "true"),
        ("Map", "false"),
    ]
