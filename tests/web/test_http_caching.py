"""HTTP caching of public answers (locations/web/caching.py): Cache-Control, ETag and
304s, Vary, no-store where due, and the normalised keys (two spellings of one query are
one cache entry)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from locations.domain import http_cache
from locations.domain.http_cache import MAX_AGE, STALE_WHILE_REVALIDATE
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db

PLAIN = f"public, max-age={MAX_AGE}, s-maxage={MAX_AGE}, stale-while-revalidate="
PLAIN += str(STALE_WHILE_REVALIDATE)
# The clock's minute as keys hold it (tests/conftest.py gives each test one minute).
MINUTE_OF = http_cache.minute_of


@pytest.fixture
def anon():
    return Client()


@pytest.fixture(autouse=True)
def data():
    make_zipcodes()
    return make_location(name="Corner Pharmacy")


def max_age(response) -> int:
    parts = dict(
        part.strip().split("=") for part in response["Cache-Control"].split(",") if "=" in part
    )
    assert parts["s-maxage"] == parts["max-age"]
    return int(parts["max-age"])


# Cache-Control, ETag, Vary


@pytest.mark.parametrize(
    "url", ["/states/", "/sitemap.xml", "/api/v1/states", "/api/v1/export/locations.csv"]
)
def test_public_answers_without_open_now_are_fresh_for_a_minute(anon, url):
    response = anon.get(url)

    assert response.status_code == 200
    assert response["Cache-Control"] == PLAIN
    assert response["ETag"].startswith('"')
    vary = response["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


@pytest.mark.parametrize(
    "url", ["/search?near=10001", "/api/v1/locations?near=10001", "/embed/?near=10001"]
)
def test_answers_with_open_now_are_fresh_until_the_minute_ends(anon, url):
    response = anon.get(url)

    assert response["Cache-Control"].startswith("public, max-age=")
    assert "stale-while-revalidate" not in response["Cache-Control"]
    assert 1 <= max_age(response) <= 60


def test_an_answer_with_open_now_is_computed_again_the_next_minute(anon, monkeypatch):
    minute = ["202612071200"]
    monkeypatch.setattr(http_cache, "minute_of", lambda now: minute[0])
    kept_an_hour = "/states/"
    for url in ("/search?near=10001", "/api/v1/locations?near=10001", kept_an_hour):
        assert anon.get(url)["X-Public-Cache"] == "miss"
        assert anon.get(url)["X-Public-Cache"] == "hit"

    minute[0] = "202612071201"

    assert anon.get("/search?near=10001")["X-Public-Cache"] == "miss"
    assert anon.get("/api/v1/locations?near=10001")["X-Public-Cache"] == "miss"
    assert anon.get(kept_an_hour)["X-Public-Cache"] == "hit"


def test_the_minute_of_a_key_is_the_clocks():
    last_second = datetime(2026, 12, 7, 12, 0, 59, 999999, tzinfo=UTC)
    assert MINUTE_OF(last_second) == MINUTE_OF(last_second.replace(second=0, microsecond=0))
    assert MINUTE_OF(last_second) != MINUTE_OF(last_second + timedelta(microseconds=1))


def test_the_detail_page_shows_open_now_so_it_is_kept_a_minute_at_most(anon, data):
    response = anon.get(data.get_absolute_url())

    assert 1 <= max_age(response) <= 60


@pytest.mark.parametrize(
    "url", ["/search?near=10001", "/states/ny/", "/sitemap-locations.xml", "/api/v1/states"]
)
def test_if_none_match_with_the_current_etag_is_a_304(anon, url):
    etag = anon.get(url)["ETag"]

    response = anon.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("public")


def test_after_a_write_the_old_etag_gets_the_new_answer(anon):
    url = "/search?near=10001"
    etag = anon.get(url)["ETag"]
    make_location(name="Brand New Place")

    response = anon.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Brand New Place" in response.content.decode()


def test_the_embed_keeps_its_framing_rules_when_served_from_the_cache(anon):
    first = anon.get("/embed/?near=10001")
    second = anon.get("/embed/?near=10001")

    assert second["X-Public-Cache"] == "hit"
    assert "X-Frame-Options" not in second
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "frame-ancestors *" in second["Content-Security-Policy"]


# no-store


@pytest.mark.parametrize(
    "url, status",
    [
        ("/admin/login/", 200),
        ("/suggest/", 200),  # a form with a CSRF token
        ("/locations/no-such-place/", 404),
        ("/search?near=abc", 400),
        ("/api/v1/locations?near=abc", 400),
        ("/no-such-page/", 404),
    ],
)
def test_admin_forms_and_errors_are_never_stored(anon, url, status):
    response = anon.get(url)

    assert response.status_code == status
    assert "no-store" in response["Cache-Control"]
    assert "X-Public-Cache" not in response


def test_an_api_429_is_never_stored(anon, settings):
    settings.API_RATE_LIMIT = "1/m"
    anon.get("/api/v1/states")

    response = anon.get("/api/v1/states")

    assert response.status_code == 429
    assert response["Cache-Control"] == "no-store"


def test_an_admin_page_for_staff_is_never_stored(admin_client):
    response = admin_client.get("/admin/locations/location/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# One entry for one question


@pytest.mark.parametrize(
    "first, second",
    [
        ("/search?near=10001&radius=25&free=1", "/search?free=1&radius=25&near=10001"),
        ("/search?near=10001", "/search?near=10001&radius=10"),
        ("/search?near=10001", "/search?near=10001&radius="),
        ("/search?near=10001", "/search?near=10001-1234"),
        ("/search?near=10001", "/search?near=%2010001%20"),
        ("/search?near=10001", "/search?near=10001&free=0&kind="),
        ("/search?near=10001&free=1", "/search?near=10001&free=TRUE"),
        ("/search?near=New+York,+NY", "/search?near=new+york,++ny"),
        (
            "/search?near=10001&kind=pharmacy&kind=clinic",
            "/search?kind=clinic&near=10001&kind=pharmacy",
        ),
        ("/api/v1/locations?near=10001", "/api/v1/locations?radius=10&near=10001-0001"),
        ("/api/v1/locations.geojson?near=10001", "/api/v1/locations.geojson?near=10001&page="),
    ],
)
def test_two_spellings_of_one_query_are_one_entry(anon, first, second):
    one = anon.get(first)
    assert one.status_code == 200
    assert one["X-Public-Cache"] == "miss"

    two = anon.get(second)

    assert two["X-Public-Cache"] == "hit"
    assert two["ETag"] == one["ETag"]


@pytest.mark.parametrize(
    "first, second",
    [
        ("/search?near=10001", "/search?near=10001&radius=25"),
        ("/search?near=10001", "/search?near=10001&free=1"),
        ("/search?near=10001", "/es/search?near=10001"),
    ],
)
def test_different_queries_are_different_entries(anon, first, second):
    anon.get(first)

    assert anon.get(second)["X-Public-Cache"] == "miss"


def test_the_apis_language_is_part_of_the_key(anon):
    english = anon.get("/api/v1/locations?near=10001")
    spanish = anon.get("/api/v1/locations?near=10001", HTTP_ACCEPT_LANGUAGE="es")

    assert spanish["X-Public-Cache"] == "miss"
    assert spanish["ETag"] != english["ETag"]
    assert spanish.json()["results"][0]["kind_label"] != english.json()["results"][0]["kind_label"]


def test_a_blank_near_is_not_taken_for_no_search(anon):
    assert anon.get("/search").status_code == 200

    assert anon.get("/search?near=").status_code == 400


def test_an_invalid_filter_value_is_not_taken_for_a_valid_one(anon):
    assert anon.get("/search?near=10001&free=1").status_code == 200

    assert anon.get("/search?near=10001&free=maybe").status_code == 400


# Over real HTTP


@pytest.mark.django_db(transaction=True)
def test_over_http_a_write_commits_and_shows_with_a_new_etag_once_rebuilt(live_server):
    import urllib.error
    import urllib.request

    from locations.services.listings import unpublish
    from locations.web.caching import join_builds

    make_zipcodes("10001")
    location = make_location(name="Over The Wire")
    url = live_server.url + "/api/v1/export/locations.csv"

    def fetch(etag: str = "") -> tuple[int, dict, bytes]:
        request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), b""

    # The export is built in the background: until then, a 503 asking to come back.
    status, headers, body = fetch()
    assert status == 503
    assert headers["Retry-After"].isdigit() and headers["Cache-Control"] == "no-store"
    join_builds(30)
    status, headers, body = fetch()
    assert status == 200 and headers["X-Public-Cache"] == "hit"
    assert location.slug in body.decode()
    assert fetch(headers["ETag"])[0] == 304

    unpublish([location.pk], None)  # commits: the on-commit bump runs

    # A new version: while it is built, the previous copy stands (here: still the one
    # the client holds), marked no-cache; then the new one.
    status, during, _ = fetch(headers["ETag"])
    assert status == 304 and during["X-Public-Cache"] == "previous"
    assert during["Cache-Control"] == "no-cache" and during["ETag"] == headers["ETag"]
    join_builds(30)
    status, after, body = fetch(headers["ETag"])
    assert status == 200
    assert after["ETag"] != headers["ETag"]
    assert location.slug not in body.decode()
