"""A listing confirmed by the people who run it, in a real browser: staff send the
request from the listing's admin page, the recipient opens the emailed link without an
account, sees the listing, and confirms it or proposes changes, in English or Spanish."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import violations
from tests.browser.test_admin_import import sign_in


def emailed_link(language: str) -> str:
    from django.core import mail

    label = {"en": "English", "es": "Español"}[language]
    return re.search(rf"{label}: (\S+)", mail.outbox[-1].body)[1]


def test_staff_ask_and_the_recipient_confirms_the_listing(wide_page, page, site):
    from django.utils import timezone

    from locations.models import Location
    from tests.factories import make_location

    location = make_location(
        name="Chelsea Corner Pharmacy",
        email="owner@chelsea.example.org",
        phone="(212) 555-0142",
        hours=[(day, (9, 0), (17, 0)) for day in range(5)],
    )
    sign_in(wide_page, site)
    wide_page.goto(f"{site}/admin/locations/location/{location.pk}/change/")
    wide_page.click("text=Ask to confirm")
    expect(wide_page.locator("#content-main")).to_contain_text("owner@chelsea.example.org")
    wide_page.click("input[value='Send the confirmation request']")
    expect(wide_page.locator(".messagelist")).to_contain_text("Sent 1 confirmation request.")

    # The recipient, signed in nowhere, opens the link from the email.
    page.goto(emailed_link("en"))
    expect(page.locator("h1")).to_have_text(
        "Is the listing for Chelsea Corner Pharmacy still accurate?"
    )
    expect(page.locator("main")).to_contain_text("(212) 555-0142")
    expect(page.locator("table.hours")).to_contain_text("9:00 AM – 5:00 PM")
    assert violations(page) == []
    page.click("text=Yes, it is still accurate")
    page.wait_for_url(re.compile(r"/confirm/thanks/"))
    expect(page.locator("main")).to_contain_text("confirmed today by the people who run")
    location.refresh_from_db()
    assert location.last_verified_on == timezone.localdate()
    assert location.verification_method == Location.VerificationMethod.OWNER

    # The link works once.
    response = page.goto(emailed_link("en"))
    assert response.status == 410
    expect(page.locator("h1")).to_have_text("This link has already been used")
    assert not [e for e in page.console_errors if "Refused" in e]


def test_the_recipient_proposes_changes_in_spanish(page, site):
    from locations.models import Suggestion
    from locations.services import confirmations
    from tests.factories import make_location

    location = make_location(name="Farmacia Central", email="dueno@example.org")
    confirmations.send_request(location, site)

    page.goto(emailed_link("es"))
    heading = "¿Sigue siendo correcto el listado de Farmacia Central?"
    expect(page.locator("h1")).to_have_text(heading)
    assert violations(page) == []
    page.click("text=Algo ha cambiado: proponer cambios")
    expect(page.locator("#id_name")).to_have_value("Farmacia Central")
    assert violations(page) == []
    page.fill("#id_phone", "(212) 555-0177")
    page.fill("#id_notes", "Nuevo teléfono.")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/es/confirm/thanks/"))
    expect(page.locator("main")).to_contain_text("Hemos recibido sus cambios")
    suggestion = Suggestion.objects.get()
    assert suggestion.location_id == location.pk
    assert suggestion.phone == "+12125550177"
    assert suggestion.language == "es"
