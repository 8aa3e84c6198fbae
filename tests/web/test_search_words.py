"""Search understands what people type: a city without a state, apostrophes, hyphens,
periods and case, the other names the ZIP table knows a place by, "lat lng", swapped
coordinates, "near me" named by its town, and street addresses."""

import logging

import pytest

from locations.domain.place_names import key_variants, place_key, zip_names
from locations.models import ZipCode
from tests.factories import make_location, make_zipcodes
from tests.pages import Page, squashed

pytestmark = pytest.mark.django_db


def make_zip(code, city, state, lat, lng, names=(), tz="America/Chicago") -> ZipCode:
    return ZipCode.objects.create(
        code=code, city=city, state=state, latitude=lat, longitude=lng, timezone=tz,
        names=[place_key(city), *[place_key(n) for n in names]],
    )  # fmt: skip


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()
    make_zip("63366", "O Fallon", "MO", 38.7851, -90.7148, ["Saint Peters", "St Peters"])
    make_zip("62269", "O Fallon", "IL", 38.5924, -89.9112)
    make_zip("64063", "Lees Summit", "MO", 38.9097, -94.3565)
    make_zip("83814", "Coeur D Alene", "ID", 47.6918, -116.7790, tz="America/Los_Angeles")
    make_zip("27101", "Winston Salem", "NC", 36.1029, -80.2611, tz="America/New_York")
    make_zip("63101", "Saint Louis", "MO", 38.6313, -90.1922)
    make_zip("10025", "New York", "NY", 40.7985, -73.9684, ["Manhattan", "New York City"],
             tz="America/New_York")  # fmt: skip
    make_zip("11101", "Long Island City", "NY", 40.7447, -73.9485, ["Astoria", "Queens"],
             tz="America/New_York")  # fmt: skip
    # Three Springfields: Illinois has the most ZIPs.
    make_zip("62701", "Springfield", "IL", 39.80, -89.65)
    make_zip("62702", "Springfield", "IL", 39.82, -89.64)
    make_zip("65801", "Springfield", "MO", 37.21, -93.29)
    make_zip("01101", "Springfield", "MA", 42.10, -72.59, tz="America/New_York")


def searched(client, near: str, prefix: str = ""):
    response = client.get(f"{prefix}/search", {"near": near})
    return response, response.context.get("result")


def test_place_keys_ignore_apostrophes_hyphens_periods_case_and_accents():
    assert place_key("O'Fallon") == place_key("O Fallon") == "OFALLON"
    assert place_key("Coeur d’Alene") == place_key("Coeur D Alene") == "COEURDALENE"
    assert place_key("winston-salem") == "WINSTONSALEM"
    assert place_key("Cañon City") == "CANONCITY"
    assert key_variants("St. Louis") == ["SAINTLOUIS", "STLOUIS"]
    assert key_variants("Saint Paul") == ["SAINTPAUL", "STPAUL"]
    assert zip_names("New York", ["Manhattan", "NY", "New York City", "Manhattan"]) == [
        "NEWYORK", "MANHATTAN", "NEWYORKCITY",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "near, label, state",
    [
        ("O'Fallon, MO", "O'Fallon, MO", "MO"),
        ("o'fallon mo", "O'Fallon, MO", "MO"),
        ("Lee's Summit, MO", "Lee's Summit, MO", "MO"),
        ("lee's summit, mo", "Lee's Summit, MO", "MO"),
        ("Coeur d'Alene, ID", "Coeur d'Alene, ID", "ID"),
        ("Winston-Salem", "Winston-Salem, NC", "NC"),
        ("St. Louis", "St. Louis, MO", "MO"),
        ("ST LOUIS, MO", "St Louis, MO", "MO"),
        ("Chicago", "Chicago, IL", "IL"),
        ("Manhattan, NY", "Manhattan, NY", "NY"),
        ("Queens, NY", "Queens, NY", "NY"),
    ],
)
def test_it_finds_a_place_however_it_is_written(client, near, label, state):
    response, result = searched(client, near)

    assert response.status_code == 200, response.context.get("error")
    assert result.point.label == label
    assert result.point.state == state


def test_a_name_that_is_a_zips_own_city_wins_over_another_zips_other_name(client):
    # 10025's own city is New York; 10001 and 10011 are New York too. The centre is theirs.
    _response, result = searched(client, "New York, NY")

    assert result.point.latitude == pytest.approx((40.7484 + 40.7402 + 40.7985) / 3)


def test_a_city_in_several_states_offers_each_largest_first_as_links(client):
    response, _result = searched(client, "springfield")

    assert response.status_code == 400
    body = squashed(response)
    assert "There is more than one Springfield" in body
    links = Page(response.content.decode()).find("a", href=True)
    choices = [a["text"] for a in links if "near=Springfield" in a["attrs"]["href"]]
    assert choices == ["Springfield, IL", "Springfield, MA", "Springfield, MO"]
    assert client.get("/search", {"near": choices[0]}).status_code == 200


def test_the_api_names_the_choices_in_its_error(client):
    response = client.get("/api/v1/locations", {"near": "O'Fallon"})

    assert response.status_code == 400
    assert "O'Fallon, IL; O'Fallon, MO" in response.json()["error"]


def test_an_unknown_city_without_a_state_says_so(client):
    response, _result = searched(client, "Nowhereville")

    assert response.status_code == 400
    assert "We could not find Nowhereville. Add the state" in squashed(response)


@pytest.mark.parametrize("near", ["40.7484 -73.9967", "40.7484, -73.9967", "40.7484,-73.9967"])
def test_coordinates_with_or_without_a_comma(client, near):
    make_location(name="Chelsea")

    response, result = searched(client, near)

    assert response.status_code == 200
    assert (result.point.latitude, result.point.longitude) == (40.7484, -73.9967)
    assert [place.name for place in result.results] == ["Chelsea"]


def test_near_me_is_named_by_the_nearest_town_not_raw_coordinates(client):
    response, result = searched(client, "40.7490,-73.9970")

    assert result.point.label == "New York, NY"
    assert "within 10 miles of New York, NY" in squashed(response)
    assert "40.7490" not in Page(response.content.decode()).one("h2", id="results-heading")["text"]


def test_swapped_coordinates_are_searched_with_a_hint(client):
    response, result = searched(client, "-73.9967,40.7484")

    assert response.status_code == 200
    assert result.point.suggestion == "40.7484,-73.9967"
    hint = Page(response.content.decode()).one("p", class_="notice swapped-coordinates")
    assert "Did you mean 40.7484,-73.9967?" in " ".join(hint["text"].split())
    assert "near=40.7484%2C-73.9967" in response.content.decode()


def test_impossible_coordinates_that_fit_swapped_say_so(client):
    response, _result = searched(client, "-122.4147, 37.7725")

    assert response.status_code == 400
    assert "The latitude comes first: did you mean 37.7725, -122.4147?" in squashed(response)


def test_a_street_address_is_searched_by_its_zip_without_the_geocoder(client, caplog):
    make_location(name="Chelsea")
    caplog.set_level(logging.DEBUG)

    response, result = searched(client, "350 W 31st Street, New York, NY 10001")

    assert response.status_code == 200
    assert result.point.label == "10001 (New York, NY)"
    assert [place.name for place in result.results] == ["Chelsea"]
    assert (
        "350 W 31st" not in Page(response.content.decode()).one("h2", id="results-heading")["text"]
    )
    assert '<link rel="canonical"' not in response.content.decode()
    assert "350 W 31st" not in caplog.text


def test_a_zip_followed_by_its_city_is_read_as_the_zip(client):
    response, result = searched(client, "10001 New York")

    assert response.status_code == 200
    assert result.point.label == "10001 (New York, NY)"


def test_a_street_address_without_a_zip_asks_for_one(client):
    response, _result = searched(client, "350 W 31st Street, New York")

    assert response.status_code == 400
    assert "add its ZIP code" in squashed(response)


def test_with_the_setting_on_a_street_address_goes_through_the_geocoder(
    client, settings, fake_census, caplog
):
    settings.SEARCH_GEOCODE_ADDRESSES = True
    fake_census.add("350 W 31st Street", "New York", "NY", "10001", 40.7510, -73.9960)
    make_location(name="Chelsea")
    caplog.set_level(logging.DEBUG)

    response, result = searched(client, "350 W 31st Street, New York, NY 10001")

    assert response.status_code == 200
    assert (result.point.latitude, result.point.longitude) == (40.7510, -73.9960)
    assert result.point.label == "the address you entered"
    assert "350 W 31st" not in caplog.text
    assert fake_census.paths() == ["/geocoder/locations/onelineaddress"]


def test_with_the_geocoder_down_the_zip_in_the_address_still_serves(
    client, settings, fake_census, caplog
):
    settings.SEARCH_GEOCODE_ADDRESSES = True
    fake_census.mode = "error"

    response, result = searched(client, "350 W 31st Street, New York, NY 10001")

    assert response.status_code == 200
    assert result.point.label == "10001 (New York, NY)"
    assert "350 W 31st" not in caplog.text


def test_the_setting_is_off_by_default(client, settings, fake_census):
    assert settings.SEARCH_GEOCODE_ADDRESSES is False

    searched(client, "350 W 31st Street, New York, NY 10001")

    assert fake_census.paths() == []


def test_a_city_search_still_takes_three_queries(client, django_assert_num_queries):
    make_location(name="Chelsea")
    # 1 the city's centre (every name, one query), 2 page and count, 3 demo-data check.
    with django_assert_num_queries(3):
        response = client.get("/search", {"near": "Manhattan, NY"})
    assert response.status_code == 200
