"""From the admin to the public search, in a real browser: a staff member signs in, adds
a location, places it on the map, verifies it, and finds it where the public looks."""

import re

import pytest
from playwright.sync_api import expect

PASSWORD = "outreach-password-42"


@pytest.fixture
def outreach_worker(site):
    from tests.factories import make_outreach_staff

    return make_outreach_staff("dana", password=PASSWORD)


def test_a_location_added_placed_and_verified_in_the_admin_is_found_in_the_search(
    wide_page, site, outreach_worker
):
    from locations.models import Location
    from tests.factories import make_zipcodes

    make_zipcodes()
    page = wide_page
    # Nothing leaves this machine: the geocoder is off and any other host is refused.
    outside = []
    page.route(
        re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"),
        lambda route: (outside.append(route.request.url), route.abort()),
    )

    # Sign in.
    page.goto(site + "/admin/")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Verification queue").first).to_be_visible()

    # Add the location; with no coordinates it starts at its ZIP code's centre.
    page.goto(site + "/admin/locations/location/add/")
    page.get_by_label("Name:").fill("Hudson Yards Community Pharmacy")
    page.get_by_label("Kind:").select_option(label="Pharmacy")
    page.get_by_label("Status:").select_option(label="Published")
    page.get_by_label("Street address:").fill("500 W 33rd St")
    page.get_by_label("City:").fill("New York")
    page.get_by_label("State:").select_option(value="NY")
    page.get_by_label("ZIP code:").fill("10001")
    page.get_by_label("Free naloxone").check()
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    location = Location.objects.get(name="Hudson Yards Community Pharmacy")
    assert location.location_precision == Location.Precision.ZIP_CENTROID

    # Place it with the map: a click up and to the left of the ZIP code's centre.
    expect(page.locator("#admin-map .admin-map-pin")).to_have_count(1)
    box = page.locator("#admin-map").bounding_box()
    page.locator("#admin-map").click(
        position={"x": box["width"] / 2 - 40, "y": box["height"] / 2 - 30}
    )
    assert page.input_value("#id_location_precision") == "manual"
    latitude = float(page.input_value("#id_latitude"))
    longitude = float(page.input_value("#id_longitude"))
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/locations/location/$"))
    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (latitude, longitude)
    assert location.latitude > 40.7484 and location.longitude < -73.9967
    assert location.location_precision == Location.Precision.MANUAL

    # Verify it: the visit is recorded with who and how.
    page.get_by_role("row", name=re.compile("Hudson Yards Community Pharmacy")).get_by_role(
        "checkbox"
    ).check()
    page.locator("select[name=action]").select_option(label="Mark verified: visit")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 location marked verified today.")).to_be_visible()
    location.refresh_from_db()
    assert location.verified_by == outreach_worker
    assert location.verification_method == Location.VerificationMethod.VISIT

    # The public finds it by ZIP code, verified today, with no staff detail shown.
    page.context.clear_cookies()
    page.goto(site + "/")
    page.fill("#id_near", "10001")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r"/search\?"))
    result = page.locator("li[data-result]", has_text="Hudson Yards Community Pharmacy")
    expect(result).to_have_count(1)
    result.get_by_role("link", name="Hudson Yards Community Pharmacy", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hudson Yards Community Pharmacy")
    expect(page.get_by_text("Last verified today")).to_be_visible()
    expect(page.get_by_text("Free naloxone").first).to_be_visible()
    assert "dana" not in page.content()
    assert outside == []
    assert page.console_errors == []
