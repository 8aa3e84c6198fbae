"""What every API answer shares: caching headers and ETags, HEAD and OPTIONS, JSON errors
for unknown paths and wrong methods, CORS, and the per-IP rate limit."""

import json
import socket

import environ
import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from locations.domain.clients import client_ip
from locations.services import api_rate_limit
from naloxone_finder.cache_backends import with_kept_client
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/locations?near=10001"
SUCCESSES = [
    SEARCH,
    "/api/v1/locations.geojson?near=10001",
    "/api/v1/states",
    "/api/v1/states/NY/cities",
    "/api/v1/openapi.json",
    "/api/v1/docs",
]


@pytest.fixture(autouse=True)
def data():
    make_zipcodes()
    return make_location(name="Somewhere")


class FrozenClock:
    """Stands in for the time module inside services/api_rate_limit.py, whose windows
    follow the clock outside Redis: a test must not straddle the end of one."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    frozen = FrozenClock()
    monkeypatch.setattr(api_rate_limit, "time", frozen)
    return frozen


# Caching


@pytest.mark.parametrize("url", SUCCESSES)
def test_it_sends_cache_control_and_an_etag_with_every_success(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=")
    assert response["ETag"].startswith('"')


def test_the_slug_page_has_an_etag_too(client, data):
    response = client.get(f"/api/v1/locations/{data.slug}")

    assert response["Cache-Control"].startswith("public, max-age=")
    assert response["ETag"]


def test_a_conditional_get_with_the_current_etag_is_a_304_without_body(client):
    etag = client.get(SEARCH)["ETag"]

    response = client.get(SEARCH, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("public, max-age=")


def test_a_changed_answer_has_a_new_etag_and_a_full_200(client):
    etag = client.get(SEARCH)["ETag"]
    make_location(name="Another")

    response = client.get(SEARCH, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize(
    "url",
    ["/api/v1/locations?near=abc", "/api/v1/locations/no-such-place", "/api/v1/nothing-here"],
)
def test_errors_are_not_stored_by_caches(client, url):
    response = client.get(url)

    assert response.status_code in (400, 404)
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")


def test_html_pages_get_no_api_caching_headers(client):
    response = client.get("/")

    assert not response.has_header("ETag")
    assert "public" not in response.get("Cache-Control", "")


# HEAD, OPTIONS, wrong methods and unknown paths


def test_head_answers_the_get_headers_without_a_body(client):
    get = client.get(SEARCH)

    response = client.head(SEARCH)

    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"] == get["ETag"]
    assert response["Content-Length"] == str(len(get.content))


def test_head_with_the_current_etag_is_a_304(client):
    etag = client.get(SEARCH)["ETag"]

    assert client.head(SEARCH, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_options_lists_the_allowed_methods(client):
    response = client.options("/api/v1/locations")

    assert response.status_code == 204
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_a_json_405(client, method, data):
    for url in [SEARCH, f"/api/v1/locations/{data.slug}", "/api/v1/states"]:
        response = getattr(client, method)(url)

        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert response["Content-Type"].startswith("application/json")
        assert "read-only" in response.json()["error"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/", "/api/v1/nothing-here", "/api/v2/locations", "/api/", "/api/v1/locations/a/b"],
)
def test_unknown_paths_under_api_are_a_json_404(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "/api/v1/docs" in response.json()["error"]


def test_a_server_error_is_a_json_500_that_is_not_cached(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("locations.api.endpoints.run_search", broken)

    response = Client(raise_request_exception=False).get(SEARCH)

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "on fire" not in response.json()["error"]
    assert response["Cache-Control"] == "no-store"


def test_unknown_paths_elsewhere_keep_the_html_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# CORS


def test_any_origin_may_read_the_api_without_credentials(client):
    response = client.get(SEARCH, HTTP_ORIGIN="https://partner.example")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert not response.has_header("Access-Control-Allow-Credentials")
    exposed = response["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Retry-After" in exposed


def test_a_preflight_allows_only_reading(client):
    response = client.options(
        "/api/v1/locations",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "if-none-match" in response["Access-Control-Allow-Headers"]


def test_errors_carry_cors_headers_so_scripts_can_read_them(client):
    response = client.get("/api/v1/locations?near=abc", HTTP_ORIGIN="https://partner.example")

    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("url", ["/", "/search?near=10001", "/healthz"])
def test_pages_outside_the_api_send_no_cors_headers(client, url):
    response = client.get(url, HTTP_ORIGIN="https://partner.example")

    assert not response.has_header("Access-Control-Allow-Origin")


# Rate limit


def test_the_limit_trips_at_the_request_after_the_allowance(client, settings, clock):
    settings.API_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert client.get(SEARCH).status_code == 200

    response = client.get(SEARCH)

    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "Too many requests" in response.json()["error"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Cache-Control"] == "no-store"


def test_the_allowance_renews_after_retry_after_seconds(client, settings, clock):
    settings.API_RATE_LIMIT = "2/m"
    client.get(SEARCH)
    client.get(SEARCH)
    retry_after = int(client.get(SEARCH)["Retry-After"])

    clock.now += retry_after - 1
    assert client.get(SEARCH).status_code == 429
    clock.now += 1
    assert client.get(SEARCH).status_code == 200


def test_each_address_has_its_own_allowance(client, settings, clock):
    settings.API_RATE_LIMIT = "2/m"
    for _ in range(2):
        client.get(SEARCH, REMOTE_ADDR="192.0.2.1")

    assert client.get(SEARCH, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get(SEARCH, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_304s_and_errors_count_against_the_allowance(client, settings, clock):
    settings.API_RATE_LIMIT = "3/m"
    etag = client.get(SEARCH)["ETag"]
    assert client.get(SEARCH, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/api/v1/nothing-here").status_code == 404

    assert client.get(SEARCH).status_code == 429


def test_pages_outside_the_api_are_not_limited(client, settings, clock):
    settings.API_RATE_LIMIT = "1/m"

    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, settings, clock):
    settings.API_RATE_LIMIT = "1/m"
    client.get(SEARCH, HTTP_X_FORWARDED_FOR="198.51.100.1")

    # Without TRUSTED_PROXY_COUNT a client cannot get a fresh allowance by inventing one.
    assert client.get(SEARCH, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_counts_apart(client, settings, clock):
    settings.API_RATE_LIMIT = "1/m"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get(SEARCH, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200

    assert client.get(SEARCH, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    # Prepending a made-up address changes nothing: the proxy's entry is the last one.
    spoofed = "203.0.113.9, 198.51.100.1"
    assert client.get(SEARCH, HTTP_X_FORWARDED_FOR=spoofed).status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "127.0.0.1"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "203.0.113.9, 198.51.100.1", "198.51.100.1"),
        (2, "198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "10.0.0.2", "127.0.0.1"),  # fewer entries than proxies: the header is not ours
        (1, "not-an-address", "127.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_reads_forwarded_for_only_from_trusted_proxies(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/api/v1/states", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def unreachable_default_cache(settings) -> None:
    """The default cache on a Redis that nothing listens on: every count fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        **settings.CACHES,
        "default": with_kept_client(environ.Env.cache_url_config(f"redis://127.0.0.1:{port}/0")),
    }


def test_a_cache_that_cannot_be_reached_limits_no_one(client, settings, clock, caplog):
    settings.API_RATE_LIMIT = "1/m"
    unreachable_default_cache(settings)

    assert [client.get(SEARCH).status_code for _ in range(3)] == [200, 200, 200]
    assert "API request not counted" in caplog.text


def test_without_fail_open_an_unreachable_cache_limits_everyone(client, settings, clock):
    settings.API_RATE_LIMIT = "100/m"
    settings.RATELIMIT_FAIL_OPEN = False
    unreachable_default_cache(settings)

    response = client.get(SEARCH)

    assert response.status_code == 429
    assert response["Retry-After"] == "1"


def test_an_ipv6_address_counts_by_its_64(client, settings, clock):
    settings.API_RATE_LIMIT = "1/m"
    client.get(SEARCH, REMOTE_ADDR="2001:db8::1")

    assert client.get(SEARCH, REMOTE_ADDR="2001:db8::2").status_code == 429
    assert client.get(SEARCH, REMOTE_ADDR="2001:db8:0:1::1").status_code == 200


def test_the_rate_limit_keeps_no_searched_zip_with_the_address(client):
    client.get("/api/v1/locations?near=12207", REMOTE_ADDR="192.0.2.7")

    stored = json.dumps({str(key): repr(value) for key, value in cache._cache.items()})
    assert "12207" not in stored
    assert "192.0.2.7" not in stored


# Language: the API's URLs name none, so Accept-Language chooses.


def test_labels_and_errors_follow_accept_language(client):
    spanish = client.get(SEARCH, HTTP_ACCEPT_LANGUAGE="es-US,es;q=0.9")
    english = client.get(SEARCH)
    bad = client.get("/api/v1/locations?near=1234", HTTP_ACCEPT_LANGUAGE="es")

    assert spanish.json()["results"][0]["kind_label"] == "Farmacia"
    assert english.json()["results"][0]["kind_label"] == "Pharmacy"
    assert spanish["Content-Language"] == "es" and english["Content-Language"] == "en"
    assert "Accept-Language" in spanish["Vary"]
    assert spanish["ETag"] != english["ETag"]
    assert bad.status_code == 400
    assert bad.json() == {"error": "Un código postal tiene 5 dígitos, como 10001."}


def test_field_names_and_codes_stay_the_same_in_every_language(client):
    spanish = client.get(SEARCH, HTTP_ACCEPT_LANGUAGE="es").json()
    english = client.get(SEARCH).json()

    assert spanish.keys() == english.keys()
    assert spanish["results"][0].keys() == english["results"][0].keys()
    assert spanish["results"][0]["kind"] == english["results"][0]["kind"] == "pharmacy"
