"""The results page on a phone (390×844) and on a desktop (1280×900): results first, with
the first place's Call and Directions on the first screen; the form on demand, with or
without JavaScript; list and map taking turns on a phone, side by side on a desktop."""

import re

import pytest
from playwright.sync_api import expect

PHONE_HEIGHT = 844


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def on_first_screen(locator) -> dict:
    found = box(locator)
    assert found["y"] >= 0 and found["y"] + found["height"] <= PHONE_HEIGHT, found
    return found


FILTERS_ON = "near=10001&radius=5&no_prescription=1&kind=pharmacy&kind=clinic"


@pytest.mark.parametrize(
    ("language", "query", "demo_banner"),
    [
        ("", "near=10001", False),
        ("", FILTERS_ON, False),
        # The longest first screen: Spanish, filters on and the demo-data banner.
        ("/es", FILTERS_ON, True),
    ],
)
def test_the_first_result_can_be_called_and_reached_from_the_first_screen(
    page, site, directory, language, query, demo_banner
):
    if demo_banner:
        from tests.factories import make_location

        make_location(name="Demo Far Away", latitude=41.5, longitude=-74.5, is_demo=True)
    page.goto(f"{site}{language}/search?{query}")
    page.wait_for_load_state("load")
    expect(page.locator(".demo-banner")).to_have_count(1 if demo_banner else 0)

    first = page.locator("li[data-result='1']")
    expect(first.locator("h3")).to_have_text("Chelsea Corner Pharmacy")
    for part in ["h3", ".distance", ".open-status"]:
        on_first_screen(first.locator(part))
    call = first.locator("a[href^='tel:']")
    directions = first.locator("a[href^='https://www.google.com/maps/dir/?']")
    for button in [call, directions]:
        found = on_first_screen(button)
        assert found["height"] >= 44 and found["width"] >= 44, found
    assert call.get_attribute("href") == "tel:+1-212-555-0142"
    assert "(212) 555-0142" in call.inner_text()
    expect(directions).to_have_accessible_name(re.compile(r": Chelsea Corner Pharmacy$"))
    assert page.console_errors == []


def test_the_form_opens_on_demand_without_javascript(browser, site, directory):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/search?near=10001&free=1")

    expect(page.locator(".search-summary")).to_contain_text("Near 10001")
    expect(page.locator(".search-summary")).to_contain_text("1 filter")
    expect(page.locator("#search-form")).to_be_hidden()
    expect(page.locator("#view-toggle")).to_be_hidden()

    page.click(".search-summary a")

    expect(page.locator("#search-form")).to_be_visible()
    page.fill("#id_near", "60601")
    page.click("#search-form button[type=submit]")
    page.wait_for_url("**/search?near=60601**")
    expect(page.locator("li[data-result='1']")).to_be_visible()
    context.close()


def test_the_toggle_works_from_the_keyboard(page, site, directory):
    page.goto(site + "/search?near=10001")
    map_button = page.locator("#view-toggle button[data-view=map]")

    map_button.focus()
    page.keyboard.press("Space")
    expect(map_button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#results-map .leaflet-marker-icon")).to_have_count(3)

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#view-toggle button[data-view=list]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("li[data-result='1']")).to_be_visible()


CLEAR_OF_THE_CONTROLS = """() => {
    const popup = document.querySelector(".leaflet-popup-content-wrapper");
    const zoom = document.querySelector(".leaflet-control-zoom");
    if (!popup || !zoom) return false;
    const a = popup.getBoundingClientRect(), b = zoom.getBoundingClientRect();
    return a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
}"""


def test_choosing_a_marker_shows_its_card_with_buttons_and_a_popup_clear_of_the_controls(
    page, site, directory
):
    page.goto(site + "/search?near=10001")
    page.click("#view-toggle button[data-view=map]")
    markers = page.locator("#results-map .leaflet-marker-icon")
    expect(markers).to_have_count(3)

    for i in range(3):
        marker = markers.nth(i)
        name = marker.get_attribute("title").split(". ", 1)[1]
        marker.click()
        popup = page.locator(".leaflet-popup")
        expect(popup).to_contain_text(name)
        # The map pans the popup clear of the zoom buttons (waiting for the pan to end).
        page.wait_for_function(CLEAR_OF_THE_CONTROLS)
        card = page.locator("#map-card")
        expect(card.locator("h3")).to_have_text(name)
        directions = card.get_by_role(
            "link", name=re.compile(rf"^Directions ?: {re.escape(name)}$")
        )
        expect(directions).to_be_visible()
        assert box(directions)["height"] >= 44
        page.keyboard.press("Escape")
    assert page.console_errors == []


def test_show_on_map_switches_a_phone_to_the_map_with_that_place(page, site, directory):
    page.goto(site + "/search?near=10001")
    third = page.locator("li[data-result='3']")
    name = third.locator("h3").inner_text()

    third.locator(".show-on-map").click()

    expect(page.locator("#view-toggle button[data-view=map]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(".leaflet-popup")).to_contain_text(name)
    expect(page.locator("#map-card h3")).to_have_text(name)
    assert page.console_errors == []


def test_a_desktop_keeps_form_list_and_map_side_by_side(wide_page, site, directory):
    page = wide_page
    page.goto(site + "/search?near=10001")

    expect(page.locator("#search-form")).to_be_visible()
    expect(page.locator(".search-summary")).to_be_hidden()
    expect(page.locator("#view-toggle")).to_be_hidden()
    expect(page.locator("#results-map .leaflet-marker-icon")).to_have_count(3)
    listing = box(page.locator(".results-list"))
    drawn = box(page.locator("#results-map"))
    assert drawn["x"] >= listing["x"] + listing["width"]
    assert drawn["y"] < listing["y"] + 100
    assert page.console_errors == []
