"""Searching in a real browser: list and map, filters, the links between them, languages."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import focused


def search_from_home(page, site: str, near: str) -> None:
    page.goto(site + "/")
    page.fill("#id_near", near)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r"/search\?"))


def test_it_finds_places_by_zip_with_a_list_and_numbered_markers(page, site, directory):
    leaflet_requests = []
    page.on("request", lambda r: leaflet_requests.append(r.url) if "leaflet" in r.url else None)
    search_from_home(page, site, "10001")

    expect(page.locator("li[data-result]")).to_have_count(3)
    # On a phone the list comes first, and the map (Leaflet too) only when asked for.
    map_button = page.locator("#view-toggle button[data-view=map]")
    expect(map_button).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#results-map")).to_be_hidden()
    assert leaflet_requests == [] and page.evaluate("typeof window.L") == "undefined"

    map_button.click()

    expect(map_button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#results-map")).to_be_visible()
    expect(page.locator("li[data-result='1']")).to_be_hidden()
    assert any(url.endswith(".js") for url in leaflet_requests)
    assert any(url.endswith(".css") for url in leaflet_requests)
    markers = page.locator("#results-map .leaflet-marker-icon")
    expect(markers).to_have_count(3)
    first_name = page.locator("li[data-result='1'] h3").inner_text()
    assert markers.first.inner_text().strip() == "1"
    labels = [markers.nth(i).get_attribute("aria-label") or "" for i in range(3)]
    labels += [markers.nth(i).get_attribute("title") or "" for i in range(3)]
    assert any(first_name in label for label in labels)
    assert "Loop Pharmacy" not in page.content()

    page.locator("#view-toggle button[data-view=list]").click()
    expect(page.locator("li[data-result='1']")).to_be_visible()
    expect(page.locator("#results-map")).to_be_hidden()
    assert page.console_errors == []


def test_a_filter_narrows_the_list_and_the_markers(page, site, directory):
    page.goto(site + "/search?near=10001")
    expect(page.locator("li[data-result]")).to_have_count(3)

    # On a phone the form sits behind the summary's "Change".
    expect(page.locator("#search-form")).to_be_hidden()
    page.click(".search-summary a")
    expect(page.locator("#search-form")).to_be_visible()
    page.click(".more-filters summary")
    page.check("input[name=free]")
    page.check("input[name=no_police]")
    page.click("form[role=search] button[type=submit]")

    page.wait_for_url(re.compile(r"free=1"))
    expect(page.locator("li[data-result]")).to_have_count(1)
    expect(page.locator("li[data-result='1']")).to_contain_text("Harm Reduction Center")
    expect(page.locator(".search-summary")).to_contain_text("2 filters")
    page.click("#view-toggle button[data-view=map]")
    expect(page.locator("#results-map .leaflet-marker-icon")).to_have_count(1)
    assert page.console_errors == []


def test_a_marker_and_its_list_item_are_linked_both_ways(wide_page, site, directory):
    page = wide_page
    page.goto(site + "/search?near=10001")
    markers = page.locator("#results-map .leaflet-marker-icon")
    expect(markers).to_have_count(3)

    # Marker to list: the matching item is highlighted.
    markers.nth(1).click()
    expect(page.locator("li[data-result='2']")).to_have_attribute("aria-current", "true")
    expect(page.locator("li[data-result='1']")).not_to_have_attribute("aria-current", "true")

    # List to map: the marker's popup opens with that place's name.
    third = page.locator("li[data-result='3']")
    name = third.locator("h3").inner_text()
    third.locator(".show-on-map").click()
    expect(page.locator(".leaflet-popup")).to_be_visible()
    expect(page.locator(".leaflet-popup")).to_contain_text(name)
    assert page.console_errors == []


def test_switching_to_spanish_keeps_the_search(page, site, directory):
    page.goto(site + "/search?near=10001&radius=5&free=1")
    expect(page.locator("li[data-result]")).to_have_count(2)

    page.click("a.language-link[hreflang=es]")

    page.wait_for_url(re.compile(r"/es/search\?"))
    assert "near=10001" in page.url and "free=1" in page.url and "radius=5" in page.url
    assert page.locator("html").get_attribute("lang") == "es"
    expect(page.locator("li[data-result]")).to_have_count(2)
    expect(page.locator("label[for=id_near]")).not_to_have_text(
        re.compile("ZIP code, city and state")
    )

    page.click("a.language-link[hreflang=en]")
    page.wait_for_url(re.compile(r"127\.0\.0\.1:\d+/search\?|localhost:\d+/search\?"))
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_search_works_by_keyboard_alone_with_visible_focus(page, site, directory):
    page.goto(site + "/")

    for _ in range(15):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] != "none" or now["shadow"] != "none", now
        if now["id"] == "id_near":
            break
    else:
        raise AssertionError("the search box never took the focus")

    page.keyboard.type("10001")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?near=10001"))
    expect(page.locator("li[data-result]")).to_have_count(3)

    # Tab on to the first result's link and follow it.
    first_name = page.locator("li[data-result='1'] h3").inner_text()
    for _ in range(60):
        page.keyboard.press("Tab")
        if focused(page)["text"].strip() == first_name:
            break
    else:
        raise AssertionError("the first result's link never took the focus")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/locations/[\w-]+/$"))
    expect(page.locator("h1")).to_have_text(first_name)
