"""Importing a CSV file in the admin in a real browser: upload, preview, confirm."""

import re

from playwright.sync_api import expect

CSV = (
    "external_id,name,kind,city,state,zip_code,hours\n"
    "p1,Chelsea Corner Pharmacy,pharmacy,New York,NY,10001,Mon-Fri 09:00-17:00\n"
    "p2,Harm Reduction Center,harm_reduction,New York,NY,10011,\n"
)


def sign_in(page, site: str) -> None:
    from tests.factories import make_outreach_staff

    make_outreach_staff("outreach", password="pw")
    page.goto(site + "/admin/login/?next=/admin/locations/location/")
    page.fill("#id_username", "outreach")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/locations/location/$"))


def test_staff_upload_preview_and_confirm_an_import(wide_page, site):
    from locations.models import Location
    from tests.factories import make_zipcodes

    make_zipcodes("10001", "10011")
    page = wide_page
    sign_in(page, site)

    page.click("text=Import CSV")
    page.set_input_files(
        "#id_file", {"name": "places.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.fill("#id_source", "county")
    page.click("input[value='Preview import']")

    rows = page.locator("#import-preview tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Chelsea Corner Pharmacy")
    expect(rows.nth(0)).to_contain_text("new")
    expect(page.locator(".import-counts")).to_contain_text("New: 2.")
    assert not Location.objects.exists()

    page.click("input[value='Confirm import']")
    page.wait_for_url(re.compile(r"/admin/locations/location/$"))
    expect(page.locator(".messagelist")).to_contain_text("2 created, 0 updated, 0 unchanged")
    expect(page.locator("#result_list")).to_contain_text("Harm Reduction Center")
    assert Location.objects.filter(source="county").count() == 2

    # The same file again: every row unchanged, and nothing to confirm.
    page.click("text=Import CSV")
    page.set_input_files(
        "#id_file", {"name": "places.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.fill("#id_source", "county")
    page.click("input[value='Preview import']")
    expect(page.locator("#import-preview tbody tr.import-unchanged")).to_have_count(2)
    expect(page.locator("input[value='Confirm import']")).to_have_count(0)
    # The admin's pages link no favicon, so the browser's own request for one is a 404;
    # anything the Content Security Policy blocked would be logged as "Refused to ...".
    assert not [error for error in page.console_errors if "Refused" in error]
