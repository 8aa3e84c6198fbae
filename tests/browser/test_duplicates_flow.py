"""Merging two listings of one place in the admin, then following the old link."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect


def test_staff_merge_a_duplicate_and_its_old_link_leads_to_the_kept_listing(
    wide_page, site, transactional_db
):
    from locations.models import Location, PossibleDuplicate
    from tests.factories import make_location, make_outreach_staff

    make_outreach_staff("outreach", password="pw")
    kept = make_location(name="Harbor Pharmacy", street_address="20 Water Street")
    gone = make_location(
        name="Harbor Pharmacy Inc",
        street_address="20 Water St.",
        phone="(212) 555-0177",
        hours=[(0, (9, 0), (17, 0))],
    )
    page = wide_page

    page.goto(site + "/admin/login/")
    page.fill("#id_username", "outreach")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.goto(site + "/admin/locations/possibleduplicate/")
    expect(page.locator("#result_list")).to_contain_text("Harbor Pharmacy Inc")
    page.click("text=Merge…")

    page.wait_for_url(re.compile(r"/merge/$"))
    assert Axe().run(page).response["violations"] == []
    page.get_by_label(str(kept)).check()
    page.get_by_label("(212) 555-0177").check()
    page.click("input[type=submit][value=Merge]")

    page.wait_for_url(re.compile(rf"/location/{kept.pk}/change/"))
    expect(page.locator(".messagelist")).to_contain_text("Merged.")
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert kept.phone == "+12125550177"
    assert kept.hours.count() == 1
    assert gone.merged_into == kept
    assert PossibleDuplicate.objects.get().status == "merged"

    # The admin's pages name no favicon, so the browser's own request for one is a 404.
    page.console_errors.clear()
    page.goto(site + f"/locations/{gone.slug}/")
    assert page.url == site + f"/locations/{kept.slug}/"
    expect(page.locator("h1")).to_have_text("Harbor Pharmacy")
    assert Location.objects.filter(status="closed").count() == 1
    assert page.console_errors == []
