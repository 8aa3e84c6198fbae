"""Sharing a listing: the permalink, Copy link and Share…, the QR code, the report link,
and the template helpers behind them (qr_svg, json_ld)."""

import json
import re

import pytest

from locations.web.templatetags.sharing import json_ld, qr_svg
from tests.factories import make_location
from tests.pages import Page, encodes, expected_modules, qr_modules

pytestmark = pytest.mark.django_db


# The template helpers.


def test_the_qr_code_is_svg_with_a_name_and_no_style():
    svg = qr_svg("https://naloxone.example/locations/a/", "QR code of the link")

    assert svg.startswith('<svg role="img" aria-label="QR code of the link"')
    assert "<title>QR code of the link</title>" in svg
    assert 'viewBox="0 0 ' in svg and " width=" not in svg  # sized by CSS
    assert "style" not in svg
    assert "<?xml" not in svg


def test_the_qr_code_decodes_to_what_it_was_given():
    url = "https://naloxone.example/es/locations/corner-pharmacy-new-york-ny/"

    drawn = qr_modules(qr_svg(url, "QR"))
    assert drawn == expected_modules(url)
    assert drawn != expected_modules(url.replace("/es/", "/"))


def test_a_short_link_still_gets_a_full_qr_code_not_a_micro_one():
    # Phone cameras do not read Micro QR codes, which segno.make would pick for short data.
    svg = qr_svg("http://a.b/", "QR")

    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    assert size == 21 + 2 * 4  # version 1: 21 modules, and the 4-module quiet zone


def test_the_qr_code_label_is_escaped():
    svg = qr_svg("https://x.example/", 'A "quoted" <label> & more')

    assert 'aria-label="A &quot;quoted&quot; &lt;label&gt; &amp; more"' in svg
    assert "<label>" not in svg


def test_json_ld_is_a_data_block_escaped_like_json_script():
    block = json_ld({"name": "</script><script>alert(1)</script> & <!--"})

    assert block.startswith('<script type="application/ld+json">')
    assert block.endswith("</script>")
    body = block.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body) == {"name": "</script><script>alert(1)</script> & <!--"}


# The detail page's share tools.


def test_the_detail_page_shows_the_permalink_as_text(client):
    place = make_location()

    page = Page(client.get(f"/locations/{place.slug}/").content.decode())

    tag, attrs = page.by_id("permalink")
    assert tag == "input" and "readonly" in attrs
    assert attrs["value"] == f"http://testserver/locations/{place.slug}/"


def test_copy_link_and_share_are_hidden_until_javascript_shows_them(client):
    place = make_location()

    page = Page(client.get(f"/locations/{place.slug}/").content.decode())

    for element_id in ["copy-link", "web-share"]:
        tag, attrs = page.by_id(element_id)
        assert tag == "button" and "hidden" in attrs, element_id
    assert page.by_id("share-status")[1]["role"] == "status"
    assert any(attrs.get("src") == "/static/js/share.js" for attrs, _text in page.scripts)


def test_the_share_script_gets_its_words_through_a_data_block(client):
    place = make_location(name="Corner Pharmacy")

    response = client.get(f"/locations/{place.slug}/")

    [config] = [
        json.loads(body) for attrs, body in Page(response.content.decode()).scripts
        if attrs.get("id") == "share-config"
    ]  # fmt: skip
    assert config["copied"] == "Link copied"
    assert config["title"] == "Corner Pharmacy"
    assert "selected" in config["selectToCopy"]


def test_the_qr_code_encodes_the_permalink(client):
    place = make_location()

    html = client.get(f"/locations/{place.slug}/").content.decode()

    assert encodes(html, f"http://testserver/locations/{place.slug}/")
    assert 'aria-label="QR code of the link to this page"' in html
    assert "Scan this QR code with a phone camera to open this page." in html


def test_the_spanish_page_shares_the_spanish_permalink(client):
    place = make_location()

    html = client.get(f"/es/locations/{place.slug}/").content.decode()

    permalink = f"http://testserver/es/locations/{place.slug}/"
    assert Page(html).by_id("permalink")[1]["value"] == permalink
    assert encodes(html, permalink)
    assert f'href="/es/locations/{place.slug}/flyer/"' in html


def test_the_permalink_uses_the_configured_site(client, settings):
    settings.SITE_URL = "https://naloxone.example"
    place = make_location()

    html = client.get(f"/locations/{place.slug}/").content.decode()

    permalink = f"https://naloxone.example/locations/{place.slug}/"
    assert Page(html).by_id("permalink")[1]["value"] == permalink
    assert encodes(html, permalink)


def test_the_detail_page_links_to_the_printable_flyer(client):
    place = make_location()

    html = client.get(f"/locations/{place.slug}/").content.decode()

    assert f'<a class="place-flyer-link" href="/locations/{place.slug}/flyer/">' in html


def test_report_a_problem_links_to_the_report_form(client):
    place = make_location(name="Corner & Co. #2", city="New York", state="NY")

    html = client.get(f"/locations/{place.slug}/").content.decode()

    assert (
        f'<a href="/locations/{place.slug}/report/">Report a problem with this listing</a>' in html
    )
    assert "mailto:corrections@" not in html


def test_the_spanish_report_link_goes_to_the_spanish_form(client):
    place = make_location()

    html = client.get(f"/es/locations/{place.slug}/").content.decode()

    assert f'href="/es/locations/{place.slug}/report/"' in html
