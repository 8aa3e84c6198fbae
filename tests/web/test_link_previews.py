"""Link previews: every public page names a 1200×630 image (og:image, absolute) and asks
for a large-image card, in the page's language."""

import struct
from pathlib import Path

import pytest

from tests.factories import make_location, make_zipcodes
from tests.pages import Page

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture
def place():
    make_zipcodes()
    return make_location(name="Corner Pharmacy")


def public_pages(place) -> list[str]:
    return [
        "/",
        "/search",
        "/search?near=10001",
        "/naloxone/",
        f"/locations/{place.slug}/",
        "/states/",
        "/states/ny/",
        "/suggest/",
    ]


def meta(html: str, attribute: str, name: str) -> list[str]:
    return [
        attrs["content"]
        for tag, attrs in Page(html).tags
        if tag == "meta" and attrs.get(attribute) == name
    ]


@pytest.mark.parametrize(("prefix", "image"), [("", "og-image.png"), ("/es", "og-image-es.png")])
def test_every_public_page_names_the_preview_image_and_a_large_card(client, place, prefix, image):
    for url in public_pages(place):
        response = client.get(prefix + url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert meta(html, "property", "og:image") == [f"http://testserver/static/img/{image}"], url
        assert meta(html, "property", "og:image:width") == ["1200"], url
        assert meta(html, "property", "og:image:height") == ["630"], url
        assert len(meta(html, "property", "og:image:alt")) == 1, url
        assert meta(html, "name", "twitter:card") == ["summary_large_image"], url


def test_the_preview_image_is_on_the_public_site_when_one_is_set(client, place, settings):
    settings.SITE_URL = "https://naloxone.example.org"

    html = client.get(f"/locations/{place.slug}/").content.decode()

    assert meta(html, "property", "og:image") == [
        "https://naloxone.example.org/static/img/og-image.png"
    ]


@pytest.mark.parametrize("name", ["og-image.png", "og-image-es.png"])
def test_the_preview_images_are_1200_by_630_pngs(name):
    head = (STATIC / "img" / name).read_bytes()[:24]

    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1200, 630)
