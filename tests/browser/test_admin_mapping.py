"""A partner's spreadsheet in the admin in a real browser: map its columns, preview,
confirm; the next file from that partner goes straight to the preview."""

import re

from playwright.sync_api import expect

from tests.browser.test_admin_import import sign_in

HEADER = ["Site ID", "Site Name", "Type", "Town", "State", "ZIP", "Notes"]


def workbook() -> bytes:
    from tests.factories import xlsx_bytes

    return xlsx_bytes(
        HEADER,
        ["p1", "Chelsea Corner Pharmacy", "pharmacy", "New York", "NY", 10001, "back door"],
        ["p2", "Harm Reduction Center", "harm_reduction", "New York", "NY", 10011, None],
    )


def upload(page, data: bytes) -> None:
    page.click("text=Import CSV")
    page.set_input_files(
        "#id_file",
        {
            "name": "partner.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": data,
        },
    )
    page.fill("#id_source", "county")
    page.click("input[value='Preview import']")


def test_staff_map_a_partners_columns_once_and_import(wide_page, site):
    from locations.models import ColumnMapping, Location
    from tests.factories import make_zipcodes

    make_zipcodes("10001", "10011")
    page = wide_page
    sign_in(page, site)
    upload(page, workbook())

    mapping = page.locator("#column-mapping")
    expect(mapping).to_be_visible()
    expect(page.locator("#mapping-problem")).to_contain_text("unknown columns")
    # Their first values are shown beside each column.
    expect(mapping).to_contain_text("Chelsea Corner Pharmacy")
    for label, ours in [
        ("Site ID", "external_id"),
        ("Site Name", "name"),
        ("Type", "kind"),
        ("Town", "city"),
        ("State", "state"),
        ("ZIP", "zip_code"),
    ]:
        page.get_by_label(label, exact=True).select_option(ours)
    page.get_by_label("Notes", exact=True).select_option("")

    page.click("input[value='Preview the mapping']")
    preview = page.locator("#mapping-preview")
    expect(preview.locator("thead")).to_contain_text("zip_code")
    expect(preview.locator("tbody tr")).to_have_count(2)
    expect(preview).not_to_contain_text("back door")
    assert not ColumnMapping.objects.exists()

    page.click("input[value='Save the mapping and check the file']")
    expect(page.locator("#import-preview tbody tr")).to_have_count(2)
    expect(page.locator(".import-counts")).to_contain_text("New: 2.")
    page.click("input[value='Confirm import']")
    page.wait_for_url(re.compile(r"/admin/locations/location/$"))
    expect(page.locator(".messagelist")).to_contain_text("2 created")
    assert Location.objects.filter(source="county").count() == 2
    assert ColumnMapping.objects.get(source="county").mapping["ZIP"] == "zip_code"

    # The partner's next file: no mapping step, straight to the preview.
    upload(page, workbook())
    expect(page.locator("#column-mapping")).to_have_count(0)
    expect(page.locator("#import-preview tbody tr.import-unchanged")).to_have_count(2)
    assert not [error for error in page.console_errors if "Refused" in error]
