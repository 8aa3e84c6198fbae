"""Opening hours typed as people write them in the admin's Location form, in a real
browser: the week previews as staff type and is there again after saving."""

import re

from playwright.sync_api import expect

from tests.browser.test_admin_map import open_form, pharmacy, staff_page  # noqa: F401


def preview_row(page, day: str):
    return page.locator("#admin-hours-preview tr", has=page.get_by_role("rowheader", name=day))


def test_staff_type_hours_and_see_the_week(staff_page, site, pharmacy):  # noqa: F811
    page = staff_page
    open_form(page, site, pharmacy)
    field = page.get_by_role("textbox", name="Opening hours")
    expect(page.locator(".vTimeField")).to_have_count(0)
    expect(page.get_by_text("You are", exact=False)).to_have_count(0)

    field.fill("Mon-Fri 9am-5pm; Sat 10-2pm")
    expect(preview_row(page, "Saturday")).to_contain_text("10:00 AM – 2:00 PM")
    expect(preview_row(page, "Wednesday")).to_contain_text("9:00 AM – 5:00 PM")
    expect(preview_row(page, "Sunday")).to_contain_text("Closed")

    field.fill("Mon 9am-5pm; Mon 12pm-8pm")
    expect(page.locator("#admin-hours-preview")).to_contain_text(
        "Mon has overlapping hours: 09:00-17:00 and 12:00-20:00"
    )

    field.fill("Mon-Fri 9am-5pm; Sat 10-2pm")
    expect(preview_row(page, "Saturday")).to_contain_text("10:00 AM – 2:00 PM")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_url(re.compile(rf"/location/{pharmacy.pk}/change/$"))

    expect(field).to_have_value("Mon-Fri 09:00-17:00; Sat 10:00-14:00")
    expect(preview_row(page, "Friday")).to_contain_text("9:00 AM – 5:00 PM")
    assert [str(h) for h in pharmacy.hours.all()][-1] == "Saturday 10:00-14:00"
    assert page.outside_requests == []
    assert page.console_errors == []


def test_the_hours_sit_above_the_map_and_the_offerings(staff_page, site, pharmacy):  # noqa: F811
    page = staff_page
    open_form(page, site, pharmacy)

    hours = page.get_by_role("textbox", name="Opening hours").bounding_box()
    pin_map = page.locator("#admin-map").bounding_box()
    offerings = page.get_by_label("Free naloxone").bounding_box()

    assert hours["y"] < pin_map["y"] < offerings["y"]
