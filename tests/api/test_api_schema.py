"""The search answers are written straight to JSON from the rows, not validated at run
time: these tests hold them to their published schemas, field for field."""

import pytest

from locations.api.schemas import FeatureCollection, SearchOut
from locations.models import Location
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def places():
    make_zipcodes()
    make_location(name="Near", phone="2125550100;ext=5", hours=[(0, (9, 0), (17, 0))])
    make_location(name="No phone", phone="", latitude=40.75, free_naloxone=True)
    make_location(name="Far", latitude=42.0, longitude=-73.8)
    make_location(
        name="By mail",
        kind=Location.Kind.MAIL_BASED,
        states_served=["NY"],
        latitude=None,
        longitude=None,
        website="https://example.org/mail",
    )


def fits(schema, body: dict) -> None:
    """`body` is exactly what `schema` describes: nothing missing, nothing extra, each
    value of its declared type (the round trip would change or drop anything else)."""
    assert schema.model_validate(body).model_dump(mode="json") == body


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("query", ["near=10001", "near=10001&radius=1&free=1", "near=59001"])
def test_the_json_search_fits_its_schema(client, language, query):
    response = client.get(f"/api/v1/locations?{query}", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["results"] or body["nearest_beyond"] or body["mail_based"]
    fits(SearchOut, body)


@pytest.mark.parametrize("query", ["near=10001", "near=59001"])
def test_the_geojson_search_fits_its_schema(client, query):
    response = client.get(f"/api/v1/locations.geojson?{query}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["features"]
    fits(FeatureCollection, body)


def test_labels_follow_the_language(client):
    search = "/api/v1/locations?near=10001"

    def near(language: str) -> dict:
        results = client.get(search, HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        return next(place for place in results if place["name"] == "Near")

    english, spanish, again = near("en"), near("es"), near("en")

    assert (english["kind_label"], spanish["kind_label"]) == ("Pharmacy", "Farmacia")
    assert again["kind_label"] == "Pharmacy"
    assert english["url"] == f"http://testserver/locations/{english['slug']}/"
