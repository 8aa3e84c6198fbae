"""sitemap.xml (an index of sections) and robots.txt."""

from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from locations.models import Location
from locations.web.sitemaps import LocationsSitemap
from tests.factories import make_location

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


def local(url: str) -> str:
    """The path and query of an absolute URL, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def section_urls(client) -> list[str]:
    """The absolute URLs the index lists."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    index = ElementTree.fromstring(response.content)
    return [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]


def sitemap_entries(client) -> dict[str, dict]:
    """Every <url> of every section the index lists: loc → {"alternates", "lastmod"}."""
    entries = {}
    for url in section_urls(client):
        response = client.get(local(url))
        assert response.status_code == 200, url
        for node in ElementTree.fromstring(response.content).findall("sm:url", NS):
            loc = node.find("sm:loc", NS).text
            assert loc not in entries, loc
            entries[loc] = {
                "alternates": {
                    link.get("hreflang"): link.get("href")
                    for link in node.findall("xhtml:link", NS)
                    if link.get("rel") == "alternate"
                },
                "lastmod": getattr(node.find("sm:lastmod", NS), "text", None),
            }
    return entries


def naloxone_page() -> list[str]:
    # The naloxone page is listed whenever its URL exists.
    try:
        return [reverse("naloxone")]
    except NoReverseMatch:
        return []


@pytest.fixture
def places():
    """Published places in Albany NY and Chicago IL, a mail program based in NJ, and
    a draft and a closed place that must never appear."""
    return {
        "albany": make_location(name="Albany Pharmacy", city="Albany", zip_code="12207"),
        "chicago": make_location(name="Chicago Clinic", city="Chicago", state="IL"),
        "mail": make_location(
            name="Mail Program",
            kind=Location.Kind.MAIL_BASED,
            city="Newark",
            state="NJ",
            states_served=["NY", "NJ"],
        ),
        "draft": make_location(
            name="Draft Place", city="Fresno", state="CA", status=Location.Status.DRAFT
        ),
        "closed": make_location(
            name="Closed Place", city="Troy", state="NY", status=Location.Status.CLOSED
        ),
    }


def expected_paths(places) -> list[str]:
    """English paths of every page the sitemap should list for `places`."""
    return [
        "/",
        *naloxone_page(),
        "/states/",
        "/states/il/",
        "/states/nj/",
        "/states/ny/",
        "/states/il/chicago/",
        "/states/nj/newark/",
        "/states/ny/albany/",
        *[f"/locations/{places[key].slug}/" for key in ("albany", "chicago", "mail")],
    ]


def test_it_lists_every_public_page_in_both_languages_with_alternates(client, places):
    entries = sitemap_entries(client)

    site = "http://testserver"
    english = [site + path for path in expected_paths(places)]
    spanish = [site + "/es" + path for path in expected_paths(places)]
    assert sorted(entries) == sorted(english + spanish)
    for en, es in zip(english, spanish, strict=True):
        alternates = {"en": en, "es": es, "x-default": en}
        assert entries[en]["alternates"] == alternates
        assert entries[es]["alternates"] == alternates


def test_unpublished_places_and_their_cities_never_appear(client, places):
    xml = "".join(client.get(local(url)).content.decode() for url in section_urls(client))

    for hidden in [places["draft"].slug, places["closed"].slug, "/ca/", "fresno", "troy"]:
        assert hidden not in xml, hidden


def test_places_carry_their_last_change(client, places):
    entries = sitemap_entries(client)

    place = places["albany"]
    url = f"http://testserver/locations/{place.slug}/"
    # The date of the last change on the site's clock (TIME_ZONE), not UTC's.
    assert entries[url]["lastmod"] == f"{timezone.localtime(place.updated_at):%Y-%m-%d}"


def test_it_uses_the_configured_site(client, places, settings):
    settings.SITE_URL = "https://naloxone.example.org"

    sections = section_urls(client)
    entries = sitemap_entries(client)

    assert sections and all(url.startswith("https://naloxone.example.org/") for url in sections)
    assert "https://naloxone.example.org/sitemap-locations.xml" in sections
    for loc, entry in entries.items():
        assert loc.startswith("https://naloxone.example.org/"), loc
        for href in entry["alternates"].values():
            assert href.startswith("https://naloxone.example.org/"), href


def test_the_index_names_each_section_once_it_has_urls(client):
    make_location(name="Only One")

    assert section_urls(client) == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-states.xml",
        "http://testserver/sitemap-cities.xml",
        "http://testserver/sitemap-locations.xml",
    ]


def test_an_empty_directory_lists_only_the_pages(client):
    assert section_urls(client) == ["http://testserver/sitemap-pages.xml"]


def test_a_long_section_is_split_into_pages(client, monkeypatch):
    # Three places in two languages are six URLs: three pages of two.
    monkeypatch.setattr(LocationsSitemap, "limit", 2)
    made = [make_location(name=name) for name in ["A", "B", "C"]]

    sections = section_urls(client)
    entries = sitemap_entries(client)

    base = "http://testserver/sitemap-locations.xml"
    assert [url for url in sections if url.startswith(base)] == [base, f"{base}?p=2", f"{base}?p=3"]
    locations = {loc for loc in entries if "/locations/" in loc}
    assert len(locations) == 6
    assert {f"http://testserver/locations/{place.slug}/" for place in made} <= locations
    assert client.get("/sitemap-locations.xml?p=4").status_code == 404
    assert client.get("/sitemap-locations.xml?p=x").status_code == 404


def test_an_unknown_section_is_not_found(client):
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_sitemap_is_one_url_in_every_language(client):
    assert client.get("/es/sitemap.xml").status_code == 404
    assert client.get("/es/robots.txt").status_code == 404


def test_the_sitemap_takes_a_fixed_number_of_queries(client, places, django_assert_num_queries):
    # The index: 1 the states with places, 2 the cities, 3 the published places.
    with django_assert_num_queries(3):
        client.get("/sitemap.xml")
    # Each section: none for the pages, one query for each of the others.
    for section, queries in [("pages", 0), ("states", 1), ("cities", 1), ("locations", 1)]:
        with django_assert_num_queries(queries):
            assert client.get(f"/sitemap-{section}.xml").status_code == 200


# robots.txt


def test_robots_allows_the_site_but_not_the_api_and_keeps_the_admin_path_private(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /api/",
        "",
        "Sitemap: http://testserver/sitemap.xml",
    ]


def test_robots_names_the_sitemap_on_the_configured_site(client, settings):
    settings.SITE_URL = "https://naloxone.example.org"

    text = client.get("/robots.txt").content.decode()

    assert text.endswith("\nSitemap: https://naloxone.example.org/sitemap.xml\n")


@pytest.mark.parametrize("page", [1, 2])
def test_each_section_is_byte_for_byte_what_djangos_sitemap_renders(client, monkeypatch, page):
    # The sections are written without Django's template, and the locations section's
    # URLs without Django's get_urls: both must give what Django's own would.
    from django.contrib.sitemaps import Sitemap
    from django.contrib.sites.requests import RequestSite
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from locations.web.sitemaps import SECTIONS

    monkeypatch.setattr(LocationsSitemap, "limit", 4)
    for name in ["A & B", "C", "D"]:
        make_location(name=name)
    site = RequestSite(RequestFactory().get("/"))
    for section, kind in SECTIONS.items():
        if page > 1 and section != "locations":
            continue
        response = client.get(f"/sitemap-{section}.xml?p={page}")
        assert response.status_code == 200, section
        theirs = Sitemap.get_urls(kind(), page=page, site=site, protocol="http")
        assert kind().get_urls(page=page, site=site, protocol="http") == theirs
        expected = render_to_string("sitemap.xml", {"urlset": theirs})
        assert response.content.decode() == expected, section
        assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    assert "Last-Modified" in client.get("/sitemap-locations.xml")
