"""The JSON search API: same parameters and answers as the page, JSON errors."""

import pytest

from locations.models import Location
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db

RESULT_FIELDS = {
    "slug", "name", "kind", "street_address", "city", "state", "zip_code", "latitude",
    "longitude", "distance_miles", "phone", "url", "open_now",
}  # fmt: skip


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def api(client, query: str):
    return client.get("/api/v1/locations?" + query)


def test_it_returns_results_nearest_first_with_count_and_paging(client):
    for i in range(25):
        make_location(name=f"P{i:02}", latitude=40.7484 + i * 0.001, phone="212-555-0100")

    response = api(client, "near=10001")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 25
    assert (body["page"], body["pages"], body["per_page"]) == (1, 2, 20)
    assert body["next"].endswith("/api/v1/locations?near=10001&page=2")
    assert body["previous"] is None
    assert [r["name"] for r in body["results"]] == [f"P{i:02}" for i in range(20)]
    first = body["results"][0]
    assert set(first) >= RESULT_FIELDS
    assert first["phone"] == "+12125550100"
    assert first["phone_display"] == "(212) 555-0100"
    assert first["url"] == f"http://testserver/locations/{first['slug']}/"
    distances = [r["distance_miles"] for r in body["results"]]
    assert distances == sorted(distances)
    assert body["near"]["label"] == "10001 (New York, NY)"


def test_it_filters_like_the_page(client):
    make_location(name="Police", kind="law_enforcement", free_naloxone=True)
    make_location(name="HR", kind="harm_reduction", free_naloxone=True)
    make_location(name="Pharmacy", kind="pharmacy")

    body = api(client, "near=10001&free=1&no_police=1").json()

    assert [r["name"] for r in body["results"]] == ["HR"]


def test_it_gives_the_fallback_when_nothing_is_near(client):
    make_location(name="Far", latitude=41.5)
    make_location(name="Mail", kind="mail_based", states_served=["NY"], latitude=43.0)

    body = api(client, "near=10001&radius=1").json()

    assert body["count"] == 0 and body["results"] == []
    assert [r["name"] for r in body["nearest_beyond"]] == ["Far"]
    assert [r["name"] for r in body["mail_based"]] == ["Mail"]
    assert body["nearest_beyond"][0]["distance_miles"] > 1


def test_it_hides_unpublished_places_and_staff_fields(client):
    make_location(name="Live", internal_notes="STAFF-ONLY-MARKER")
    make_location(name="Draft", status=Location.Status.DRAFT)

    response = api(client, "near=10001")

    assert [r["name"] for r in response.json()["results"]] == ["Live"]
    assert "STAFF-ONLY-MARKER" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "near=abc",
        "near=1234",
        "near=123456",
        "near=00000",
        "near=10001&radius=0",
        "near=10001&radius=-5",
        "near=10001&radius=10000",
        "near=10001&radius=far",
        "near=10001&page=0",
        "near=10001&page=-1",
        "near=10001&page=100000000000000000000",
        "near=10001&page=3",
        "near=10001&kind=unicorn",
        "near=%00",
        "near=" + "x" * 10_000,
    ],
)
def test_bad_input_answers_400_with_a_json_error(client, query):
    make_location(name="Somewhere")

    response = api(client, query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]


def test_one_location_by_slug(client):
    place = make_location(name="Detail", hours=[(0, (9, 0), (17, 0))], languages=["Spanish"])

    response = client.get(f"/api/v1/locations/{place.slug}")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Detail"
    assert body["hours"] == [{"weekday": 0, "opens": "09:00", "closes": "17:00"}]
    assert body["languages"] == ["Spanish"]
    assert "internal_notes" not in body


def test_an_unknown_or_unpublished_slug_is_a_json_404(client):
    draft = make_location(status=Location.Status.DRAFT)

    for slug in ["no-such-place", draft.slug]:
        response = client.get(f"/api/v1/locations/{slug}")
        assert response.status_code == 404
        assert response.json() == {"error": "No published location has that slug."}


def test_the_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/locations" in paths
    assert "/api/v1/locations/{slug}" in paths


def test_the_api_takes_two_queries_whatever_the_number_of_results(
    client, django_assert_num_queries
):
    make_location(name="One")
    # 1 ZIP lookup, 2 the page of results and their count (open-now is computed in it).
    with django_assert_num_queries(2):
        api(client, "near=10001")
    for i in range(30):
        make_location(name=f"More {i}")
    with django_assert_num_queries(2):
        api(client, "near=10001")


# GeoJSON


def geojson(client, query: str):
    return client.get("/api/v1/locations.geojson?" + query)


def test_the_geojson_search_is_a_feature_collection_at_longitude_latitude(client):
    place = make_location(name="Mapped", latitude=40.75, longitude=-73.99, free_naloxone=True)

    response = geojson(client, "near=10001")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    [feature] = body["features"]
    assert feature["type"] == "Feature"
    assert feature["id"] == place.slug
    assert feature["geometry"] == {"type": "Point", "coordinates": [-73.99, 40.75]}
    properties = feature["properties"]
    assert properties["name"] == "Mapped"
    assert properties["group"] == "result"
    assert properties["url"] == f"http://testserver/locations/{place.slug}/"
    assert properties["distance_miles"] < 1
    assert properties["offerings"] == ["free_naloxone"]
    assert "latitude" not in properties and "longitude" not in properties


def test_the_geojson_search_pages_like_the_json_one(client):
    for i in range(25):
        make_location(name=f"P{i:02}", latitude=40.7484 + i * 0.001)

    first = geojson(client, "near=10001").json()
    second = geojson(client, "near=10001&page=2").json()

    assert (first["count"], first["pages"], first["per_page"]) == (25, 2, 20)
    assert first["next"].endswith("/api/v1/locations.geojson?near=10001&page=2")
    assert [f["properties"]["name"] for f in first["features"]] == [f"P{i:02}" for i in range(20)]
    assert [f["properties"]["name"] for f in second["features"]] == [
        f"P{i:02}" for i in range(20, 25)
    ]
    assert second["previous"].endswith("/api/v1/locations.geojson?near=10001&page=1")


def test_the_geojson_fallback_marks_each_group(client):
    make_location(name="Far", latitude=41.5)
    make_location(name="Mail", kind="mail_based", states_served=["NY"], latitude=43.0)

    body = geojson(client, "near=10001&radius=1").json()

    assert body["count"] == 0
    groups = {f["properties"]["name"]: f["properties"]["group"] for f in body["features"]}
    assert groups == {"Far": "nearest_beyond", "Mail": "mail_based"}


def test_the_geojson_search_hides_unpublished_places_and_staff_fields(client):
    make_location(name="Live", internal_notes="STAFF-ONLY-MARKER")
    make_location(name="Draft", status=Location.Status.DRAFT)

    response = geojson(client, "near=10001")

    assert [f["properties"]["name"] for f in response.json()["features"]] == ["Live"]
    assert "STAFF-ONLY-MARKER" not in response.content.decode()


@pytest.mark.parametrize("query", ["", "near=abc", "near=00000", "near=10001&radius=3", "page=1"])
def test_bad_geojson_input_answers_400_with_a_json_error(client, query):
    response = geojson(client, query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]


def test_the_geojson_search_takes_two_queries_whatever_the_number_of_results(
    client, django_assert_num_queries
):
    # 1 ZIP lookup, 2 the page of results and their count (open-now and hours come in it).
    make_location(name="One")
    with django_assert_num_queries(2):
        geojson(client, "near=10001")
    for i in range(30):
        make_location(name=f"More {i}")
    with django_assert_num_queries(2):
        geojson(client, "near=10001")


# States and cities


def test_states_lists_the_states_with_published_places_and_their_counts(
    client, django_assert_num_queries
):
    make_location(state="NY")
    make_location(state="NY")
    make_location(state="IL", city="Chicago", zip_code="60601")
    make_location(state="CA", status=Location.Status.DRAFT)

    # 1 the count per state.
    with django_assert_num_queries(1):
        response = client.get("/api/v1/states")

    assert response.status_code == 200
    assert response.json()["states"] == [
        {
            "state": "IL",
            "name": "Illinois",
            "count": 1,
            "cities_url": "http://testserver/api/v1/states/IL/cities",
        },
        {
            "state": "NY",
            "name": "New York",
            "count": 2,
            "cities_url": "http://testserver/api/v1/states/NY/cities",
        },
    ]


def test_cities_lists_the_cities_of_a_state_with_their_counts(client, django_assert_num_queries):
    make_location(city="Albany", zip_code="12207")
    make_location(city="New York")
    make_location(city="New York")
    make_location(city="Brooklyn", status=Location.Status.DRAFT)

    # 1 the count per spelling of each city.
    with django_assert_num_queries(1):
        response = client.get("/api/v1/states/ny/cities")

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["name"], body["count"]) == ("NY", "New York", 3)
    assert body["cities"] == [
        {
            "city": "Albany",
            "slug": "albany",
            "count": 1,
            "locations_url": "http://testserver/api/v1/locations?near=Albany%2C+NY",
        },
        {
            "city": "New York",
            "slug": "new-york",
            "count": 2,
            "locations_url": "http://testserver/api/v1/locations?near=New+York%2C+NY",
        },
    ]


def test_a_state_without_published_places_has_no_cities(client):
    response = client.get("/api/v1/states/WY/cities")

    assert response.status_code == 200
    assert response.json()["cities"] == []


@pytest.mark.parametrize("code", ["XX", "New York", "N", "1"])
def test_an_unknown_state_is_a_json_404(client, code):
    response = client.get(f"/api/v1/states/{code}/cities")

    assert response.status_code == 404
    assert "no US state or territory" in response.json()["error"]


# Schema and docs


def test_the_schema_declares_every_answer_of_every_operation(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    expected = {
        "/api/v1/locations": {"200", "304", "400", "429"},
        "/api/v1/locations.geojson": {"200", "304", "400", "429"},
        "/api/v1/locations/{slug}": {"200", "304", "400", "404", "429"},
        "/api/v1/states": {"200", "304", "400", "429"},
        "/api/v1/states/{st}/cities": {"200", "304", "400", "404", "429"},
    }
    for path, statuses in expected.items():
        responses = paths[path]["get"]["responses"]
        assert set(responses) == statuses, path
        assert "Retry-After" in responses["429"]["headers"]
        assert "ETag" in responses["200"]["headers"]
    for path_item in paths.values():
        assert {"400", "429"} <= set(path_item["get"]["responses"])
    geojson_content = paths["/api/v1/locations.geojson"]["get"]["responses"]["200"]["content"]
    assert list(geojson_content) == ["application/geo+json"]
    assert "/api/v1/docs" not in paths


def test_the_docs_page_describes_every_endpoint_without_third_party_assets(client, settings):
    settings.API_RATE_LIMIT = "77/m"

    response = client.get("/api/v1/docs", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in paths:
        assert f"GET {path}" in html
    assert "77/m" in html
    assert "Licence of the data" in html
    assert "curl" in html and "Retry-After" in html and "If-None-Match" in html
    assert "swagger" not in html.lower()
    assert 'src="http' not in html and 'href="https://cdn' not in html


def test_it_takes_every_offering_filter_and_the_language(client):
    make_location(name="Walk-in", walk_in=True, fentanyl_test_strips=True, languages=["Spanish"])
    make_location(name="Other", walk_in=True)

    body = api(client, "near=10001&walk_in=1&fentanyl_test_strips=1&language=Spanish").json()

    assert [r["name"] for r in body["results"]] == ["Walk-in"]
    assert api(client, "near=10001&language=Klingon").status_code == 400


def test_the_schema_lists_the_filters_values_as_enums(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/locations"]["get"]
    schemas = {p["name"]: p["schema"] for p in operation["parameters"]}

    def values(name: str) -> list:
        [option] = [o for o in schemas[name]["anyOf"] if o["type"] != "null"]
        return option["items"]["enum"] if option["type"] == "array" else option["enum"]

    for name in ["free", "walk_in", "anonymous", "nasal_spray", "injectable",
                 "fentanyl_test_strips", "wheelchair_accessible", "open_24_7"]:  # fmt: skip
        assert values(name)[:2] == ["1", "0"], name
    assert values("kind") == list(Location.Kind.values)
    assert values("radius") == ["1", "5", "10", "25", "50", "100"]
    assert "Spanish" in values("language")
