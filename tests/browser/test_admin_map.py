"""The pin map on the admin's Location form, in a real browser."""

import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def staff_page(wide_page, site):
    """A browser page signed in to the admin as outreach staff."""
    from tests.factories import make_outreach_staff

    make_outreach_staff("outreach", password="pw")
    page = wide_page
    # Nothing leaves this machine: any request to another host is refused and remembered.
    page.outside_requests = []

    def refuse(route):
        page.outside_requests.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), refuse)
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "outreach")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    return page


@pytest.fixture
def pharmacy(site):
    from tests.factories import make_location, make_zipcodes

    make_zipcodes("10001")
    return make_location(
        name="Chelsea Corner Pharmacy",
        street_address="350 5th Ave",
        latitude=40.7484,
        longitude=-73.9967,
        location_precision="address",
    )


def open_form(page, site, location) -> None:
    page.goto(f"{site}/admin/locations/location/{location.pk}/change/")
    expect(page.locator("#admin-map-panel")).to_be_visible()
    expect(page.locator("#admin-map .admin-map-pin")).to_have_count(1)


def test_clicking_the_map_sets_the_coordinates_by_hand(staff_page, site, pharmacy):
    page = staff_page
    open_form(page, site, pharmacy)
    # The map sits in the form's Map section, beside the fields it sets.
    expect(page.locator("fieldset:has(#id_latitude) #admin-map")).to_have_count(1)

    page.locator("#admin-map").click(position={"x": 60, "y": 60})

    latitude = page.input_value("#id_latitude")
    longitude = page.input_value("#id_longitude")
    assert (float(latitude), float(longitude)) != (40.7484, -73.9967)
    assert float(latitude) > 40.7484 and float(longitude) < -73.9967  # up and left
    assert page.input_value("#id_location_precision") == "manual"

    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/locations/location/$"))
    pharmacy.refresh_from_db()
    assert (pharmacy.latitude, pharmacy.longitude) == (float(latitude), float(longitude))
    assert pharmacy.location_precision == "manual"
    assert page.console_errors == []
    assert page.outside_requests == []


def test_dragging_the_pin_sets_the_coordinates(staff_page, site, pharmacy):
    page = staff_page
    open_form(page, site, pharmacy)
    pin = page.locator("#admin-map .admin-map-pin")
    pin.scroll_into_view_if_needed()
    box = pin.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 30, steps=5)
    page.mouse.up()

    assert float(page.input_value("#id_latitude")) < 40.7484  # down
    assert float(page.input_value("#id_longitude")) > -73.9967  # right
    assert page.input_value("#id_location_precision") == "manual"
    assert page.console_errors == []


def test_typing_coordinates_moves_the_pin(staff_page, site, pharmacy):
    page = staff_page
    open_form(page, site, pharmacy)
    pin = page.locator("#admin-map .admin-map-pin")
    pin.scroll_into_view_if_needed()
    before = pin.bounding_box()

    page.fill("#id_latitude", "40.7494")

    after = pin.bounding_box()
    assert after["y"] < before["y"]  # north is up
    assert after["x"] == before["x"]
    assert page.input_value("#id_location_precision") == "address"  # typing says nothing of it
    assert page.console_errors == []


def test_clearing_both_coordinates_takes_the_pin_away(staff_page, site, pharmacy):
    page = staff_page
    open_form(page, site, pharmacy)

    page.fill("#id_latitude", "")
    expect(page.locator("#admin-map .admin-map-pin")).to_have_count(1)  # one left: kept
    page.fill("#id_longitude", "")

    expect(page.locator("#admin-map .admin-map-pin")).to_have_count(0)
    page.locator("#admin-map").click(position={"x": 60, "y": 60})  # a click places it anew
    expect(page.locator("#admin-map .admin-map-pin")).to_have_count(1)
    assert page.console_errors == []


def test_the_map_panel_passes_axe(staff_page, site, pharmacy):
    from axe_playwright_python.sync_playwright import Axe

    page = staff_page
    open_form(page, site, pharmacy)

    results = Axe().run(page, context="#admin-map-panel")

    assert [v["id"] for v in results.response["violations"]] == []
    assert results.response["passes"]  # it did look at the panel
