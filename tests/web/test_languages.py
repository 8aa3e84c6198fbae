"""English at /, Spanish under /es/: the switcher, html lang and hreflang alternates."""

import re

import pytest

from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes("10001")


def html_lang(response) -> str:
    return re.search(r'<html lang="([\w-]+)"', response.content.decode())[1]


def test_it_serves_english_at_the_root_and_spanish_under_es(client):
    assert html_lang(client.get("/")) == "en"
    assert html_lang(client.get("/es/")) == "es"


def test_a_spanish_browser_still_gets_english_at_the_root(client):
    # The URL decides the language, so a shared link shows what its sender saw.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert html_lang(response) == "en"


def test_the_switcher_keeps_the_search(client):
    response = client.get("/search?near=10001&radius=5&free=1")
    switch = re.search(
        r'<a class="language-link" href="([^"]+)" hreflang="es"', response.content.decode()
    )
    assert switch[1].replace("&amp;", "&") == "/es/search?near=10001&radius=5&free=1"

    response = client.get("/es/search?near=10001&radius=5&free=1")
    switch = re.search(
        r'<a class="language-link" href="([^"]+)" hreflang="en"', response.content.decode()
    )
    assert switch[1].replace("&amp;", "&") == "/search?near=10001&radius=5&free=1"


def test_the_switcher_on_a_listing_links_its_spanish_permalink(client):
    place = make_location(name="Corner Pharmacy")
    response = client.get(f"/locations/{place.slug}/")
    assert f'href="/es/locations/{place.slug}/" hreflang="es"' in response.content.decode()


def test_every_page_names_its_versions_with_absolute_urls(client, settings):
    settings.SITE_URL = "https://naloxone.example.org"
    page = client.get("/search?near=10001").content.decode()

    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)"', page))
    assert alternates == {
        "en": "https://naloxone.example.org/search?near=10001",
        "es": "https://naloxone.example.org/es/search?near=10001",
        "x-default": "https://naloxone.example.org/search?near=10001",
    }


def test_an_unknown_language_prefix_is_not_found(client):
    assert client.get("/fr/").status_code == 404


def test_operations_and_the_api_have_one_url(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/es/healthz").status_code == 404
    assert client.get("/api/v1/locations?near=10001").status_code == 200
    assert client.get("/es/api/v1/locations?near=10001").status_code == 404


def test_pages_send_a_content_security_policy_without_inline_scripts(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'"
