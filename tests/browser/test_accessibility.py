"""axe-core finds no violation on the public pages, in English and Spanish, at phone and
desktop widths, and each page fits a 320 px wide screen (which is also a 640 px window
at 200% zoom)."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import axe, violations

PAGES = {
    "home": lambda d: "/",
    "results": lambda d: "/search?near=10001",
    "results with filters": lambda d: "/search?near=10001&free=1&kind=harm_reduction",
    "no results": lambda d: "/search?near=59001&radius=1",
    "bad input": lambda d: "/search?near=not+a+place",
    "swapped coordinates": lambda d: "/search?near=-73.9967,40.7484",
    "detail": lambda d: f"/locations/{d['pharmacy'].slug}/",
    "detail without hours": lambda d: f"/locations/{d['police'].slug}/",
    "flyer": lambda d: f"/locations/{d['pharmacy'].slug}/flyer/",
    "states": lambda d: "/states/",
    "state": lambda d: "/states/ny/",
    "city": lambda d: "/states/ny/new-york/",
    "about naloxone": lambda d: "/naloxone/",
    "embed": lambda d: "/embed/?near=10001",
    "embed code": lambda d: "/embed/code/?near=10001",
    "search flyer": lambda d: "/search/flyer?near=10001",
    "state flyer": lambda d: "/states/ny/flyer/",
}


@pytest.mark.parametrize("width", ["page", "wide_page"], ids=["phone", "desktop"])
@pytest.mark.parametrize("language", ["", "/es"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_violation(request, site, directory, name, language, width):
    page = request.getfixturevalue(width)
    response = page.goto(site + language + PAGES[name](directory))
    assert response.status < 500
    page.wait_for_load_state("load")

    assert violations(page) == []
    # The browser reports the bad-input page's own 400 as an error; nothing else may appear.
    errors = [e for e in page.console_errors if "status of 400" not in e or name != "bad input"]
    assert errors == []


@pytest.mark.parametrize("name", list(PAGES))
def test_it_fits_a_320_pixel_screen(browser, site, directory, name):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(site + PAGES[name](directory))
    page.wait_for_load_state("load")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 320px"


def test_crowded_markers_leave_no_target_too_small(page, site, directory):
    """Markers of places a few metres apart overlap; the rule for target size (WCAG 2.2
    2.5.8, which Lighthouse checks) must still pass: the list's "Show on map" buttons are
    the keyboard's way to each marker."""
    from tests.factories import make_location

    for i in range(6):
        make_location(
            name=f"Crowded Pharmacy {i}", latitude=40.7500 + i * 0.00005, longitude=-73.9960
        )
    page.goto(site + "/search?near=10001")
    page.wait_for_load_state("load")
    page.click("#view-toggle button[data-view=map]")  # a phone shows the map on demand
    expect(page.locator("#results-map .leaflet-marker-icon")).to_have_count(9)

    results = axe.run(page, options={"runOnly": ["target-size"]})
    assert [n["target"] for v in results.response["violations"] for n in v["nodes"]] == []
    assert page.locator("#results-map .leaflet-marker-icon").count() == 9


RESULTS_VIEWS = {
    # At 390×844 (the page fixture): the list, the map with a place chosen, the open form.
    "phone list": ("page", []),
    "phone map": ("page", ["#view-toggle button[data-view=map]", ".leaflet-marker-icon"]),
    "phone form": ("page", [".search-summary a"]),
    # At 1280×900: form, list and map side by side.
    "desktop": ("wide_page", []),
}


@pytest.mark.parametrize("language", ["", "/es"])
@pytest.mark.parametrize("view", list(RESULTS_VIEWS))
def test_axe_finds_no_violation_on_the_results_at_phone_and_desktop_widths(
    request, site, directory, view, language
):
    fixture, clicks = RESULTS_VIEWS[view]
    page = request.getfixturevalue(fixture)
    page.goto(site + language + "/search?near=10001&free=1&no_prescription=0")
    page.wait_for_load_state("load")
    for selector in clicks:
        page.locator(selector).first.click()
    if view in ("phone map", "desktop"):
        expect(page.locator("#results-map .leaflet-marker-icon")).not_to_have_count(0)
    if view == "phone map":
        expect(page.locator("#map-card h3")).to_be_visible()

    assert violations(page) == []
    assert page.console_errors == []
