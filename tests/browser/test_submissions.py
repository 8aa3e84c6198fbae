"""The suggestion and problem-report forms in a real browser: sent by keyboard alone,
scanned by axe-core in both languages, and fitting a 320 px screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import focused, violations

FORMS = {
    "suggest": lambda d: "/suggest/",
    "report": lambda d: f"/locations/{d['pharmacy'].slug}/report/",
}


def tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus; every stop must show where focus is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] != "none" or now["shadow"] != "none", now
        if now["id"] == element_id:
            return
    raise AssertionError(f"#{element_id} never took the focus")


def test_a_suggestion_is_sent_by_keyboard_alone(page, site, directory):
    from locations.models import Suggestion

    page.goto(site + "/")
    # The footer link is the way in: reach it without the mouse.
    page.locator("footer a[href='/suggest/']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/suggest/$"))

    tab_to(page, "id_name")
    page.keyboard.type("Eastside Harm Reduction")
    page.keyboard.press("Tab")  # the kind of place: a select chosen by typing
    page.keyboard.type("Harm")
    tab_to(page, "id_city")
    page.keyboard.type("New York")
    page.keyboard.press("Tab")
    page.keyboard.type("New York")
    page.keyboard.press("Tab")
    page.keyboard.type("10001")
    tab_to(page, "id_offerings_0")
    page.keyboard.press("Space")
    tab_to(page, "id_contact_email")
    page.keyboard.type("visitor@example.net")
    # The honeypot is skipped by Tab: the next stop is the button.
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "BUTTON"
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/suggest/thanks/$"))
    expect(page.locator("h1")).to_have_text("Thank you")
    assert "visitor@example.net" not in page.content()
    suggestion = Suggestion.objects.get()
    assert (suggestion.name, suggestion.kind, suggestion.state, suggestion.zip_code) == (
        "Eastside Harm Reduction",
        "harm_reduction",
        "NY",
        "10001",
    )
    assert suggestion.offerings == ["free_naloxone"]
    assert page.console_errors == []


def test_errors_are_summarised_and_linked_to_their_fields(page, site, directory):
    page.goto(site + "/suggest/")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    # The focus starts on the summary, where keyboard and screen reader users need it.
    expect(summary).to_be_focused()
    summary.locator("a[href='#id_name']").click()
    assert focused(page)["id"] == "id_name"
    assert violations(page) == []


@pytest.mark.parametrize("language", ["", "/es"])
@pytest.mark.parametrize("name", list(FORMS))
def test_axe_finds_no_violation_on_the_forms(page, site, directory, name, language):
    response = page.goto(site + language + FORMS[name](directory))
    assert response.status == 200
    page.wait_for_load_state("load")

    assert violations(page) == []
    assert page.console_errors == []


@pytest.mark.parametrize("name", list(FORMS))
def test_the_forms_fit_a_320_pixel_screen(browser, site, directory, name):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(site + FORMS[name](directory))
    page.wait_for_load_state("load")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 320px"
