"""The JSON search API: same parameters and answers as the page, JSON errors."""

import pytest

from locations.models import Location

from .factories import make_location, make_zipcodes

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


def test_the_api_takes_three_queries_whatever_the_number_of_results(
    client, django_assert_num_queries
):
    make_location(name="One")
    # 1 ZIP lookup, 2 count, 3 the page of results (open-now is computed in it).
    with django_assert_num_queries(3):
        api(client, "near=10001")
    for i in range(30):
        make_location(name=f"More {i}")
    with django_assert_num_queries(3):
        api(client, "near=10001")
