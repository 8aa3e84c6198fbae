"""A request with a Host the site does not serve, or a path that looks like another
site's address, never makes the site fail or link elsewhere."""

import pytest

from tests.security.conftest import HOST, every_route
from tests.security.links import off_site_links

pytestmark = pytest.mark.django_db

# Paths a browser or a proxy could read as another host, and what the app then sees.
TRICK_PATHS = [
    "//evil.example/search",
    "///evil.example/search",  # /%2F%2Fevil.example/search, once the server decodes it
    "/\\evil.example/search",
    "//evil.example/",
    "/es//evil.example/search",
    "//evil.example/es/search",
]


def get_raw(client, path: str, query: str = "", **headers):
    """A GET of exactly this path: the test client would read "//host/..." as a host."""
    return client.get("/", PATH_INFO=path, QUERY_STRING=query, **headers)


def test_it_answers_a_host_it_does_not_serve_with_a_plain_400_on_every_route(
    client, production, place
):
    failures = {}
    for path in every_route(place):
        response = client.get(path, HTTP_HOST="evil.example")
        body = response.content.decode()
        if response.status_code != 400 or "evil.example" in body:
            failures[path] = response.status_code
    assert failures == {}


def test_its_bad_host_page_is_plain_and_in_the_language_of_the_address(client, production):
    english = client.get("/", HTTP_HOST="evil.example")
    spanish = client.get("/es/", HTTP_HOST="evil.example")

    assert english.status_code == spanish.status_code == 400
    assert "We could not understand that request" in english.content.decode()
    assert '<html lang="es">' in spanish.content.decode()
    assert 'hreflang="' not in english.content.decode()  # no language links to build


def test_it_answers_a_bad_host_with_a_400_before_redirecting_to_https(client, production):
    production.SECURE_SSL_REDIRECT = True

    assert client.get("/search?near=10001", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/", HTTP_HOST=HOST).status_code == 301


def test_its_api_answers_a_bad_host_with_a_json_400(client, production):
    response = client.get("/api/v1/states", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "error" in response.json()


def test_it_still_serves_its_own_host(client, production, place):
    assert client.get("/", HTTP_HOST=HOST).status_code == 200
    assert client.get("/api/v1/states", HTTP_HOST=HOST).status_code == 200


@pytest.mark.parametrize("path", TRICK_PATHS)
def test_it_never_links_off_site_from_a_path_that_names_another_host(client, production, path):
    response = get_raw(client, path, "near=10001", HTTP_HOST=HOST)

    assert response.status_code in (301, 302, 404)
    assert off_site_links(response.content.decode(), HOST) == []
    assert "evil.example" not in response.get("Location", "").split("/")[2:3]


def test_it_never_links_off_site_from_any_route_behind_a_double_slash(client, production, place):
    problems = {}
    for route in every_route(place):
        response = get_raw(client, "//evil.example" + route, "near=10001", HTTP_HOST=HOST)
        links = off_site_links(response.content.decode(), HOST)
        location = response.get("Location", "")
        if response.status_code >= 500 or links or location.startswith(("//", "/\\")):
            problems[route] = (response.status_code, links, location)
    assert problems == {}


def test_its_language_links_on_a_not_found_page_stay_on_the_site(client, production):
    response = get_raw(client, "//evil.example/search", "near=10001", HTTP_HOST=HOST)
    page = response.content.decode()

    # A path no route knows keeps its words, now as a path on this site.
    assert 'class="language-link" href="/evil.example/search?near=10001"' in page
    assert f'hreflang="en" href="http://{HOST}/evil.example/search?near=10001"' in page
