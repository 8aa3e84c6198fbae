"""A staff member's round in a real browser: sign in, work the verification queue, read
the history; and the lockout page after too many wrong passwords."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

PASSWORD = "outreach-password-42"


@pytest.fixture
def outreach_worker(site):
    from tests.factories import make_outreach_staff

    return make_outreach_staff("rosa", password=PASSWORD)


def sign_in(page, site, password=PASSWORD):
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_staff_verify_from_the_queue_and_see_it_in_the_history(
    wide_page, site, directory, outreach_worker
):
    from locations.models import Location

    page = wide_page
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    stale = directory["pharmacy"]
    Location.objects.filter(pk=stale.pk).update(
        last_verified_on=timezone.localdate() - timedelta(days=200)
    )
    Location.objects.exclude(pk=stale.pk).update(last_verified_on=timezone.localdate())

    sign_in(page, site)
    page.get_by_role("link", name="Verification queue").first.click()
    expect(page.get_by_role("heading", name="Verification queue")).to_be_visible()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.locator("select[name=action]").select_option(label="Mark verified: phone call")
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_text("1 location marked verified today.")).to_be_visible()
    expect(page.locator("#result_list")).to_have_count(0)  # the queue is empty

    page.goto(site + f"/admin/locations/location/{stale.pk}/change/")
    page.get_by_role("link", name="History").click()
    changes = page.locator("#change-history tbody tr").first
    expect(changes).to_contain_text("rosa")
    expect(changes).to_contain_text("Verification method:")
    expect(changes).to_contain_text("Phone call")
    expect(changes).to_contain_text("Verified by: — → rosa")
    # Nothing blocked by the content security policy, nothing missing but the icon
    # browsers ask the admin for on their own.
    assert all(url.endswith("/favicon.ico") for url in missing)
    assert [e for e in page.console_errors if "404" not in e] == []


def test_too_many_wrong_passwords_show_the_lockout_page(page, site, outreach_worker):
    for _ in range(5):
        sign_in(page, site, password="not-it")

    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_text("Please try again in 15 minutes.")).to_be_visible()
    sign_in(page, site)
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    # The browser logs the 429 itself; nothing else (no CSP violation) may appear.
    assert [e for e in page.console_errors if "429" not in e] == []
