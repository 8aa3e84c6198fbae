"""The one-place flyer prints on one page of A4 and of US Letter, with the demo-data
banner or without it, in both languages: Chromium prints it to PDF and the pages are
counted."""

import re

import pytest

from locations.models import Location
from tests.factories import make_location, make_zipcodes

# A page object in the PDF (not the /Pages tree that lists them).
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def pages_in(pdf: bytes) -> int:
    return len(PAGE_OBJECT.findall(pdf))


def busiest_place(is_demo: bool) -> Location:
    """A listing with everything a flyer shows: a long name, two address lines, a phone,
    hours every day and every offering."""
    make_zipcodes("10001")
    return make_location(
        name="Chelsea Community Harm Reduction and Overdose Prevention Center",
        kind=Location.Kind.HARM_REDUCTION,
        street_address="350 West 31st Street",
        address_line2="Second floor, Suite 204 (entrance on Ninth Avenue)",
        phone="(212) 555-0142",
        website="https://chelsea-harm-reduction.example.org/naloxone",
        hours=[(day, (9, 0), (21, 0)) for day in range(7)],
        is_demo=is_demo,
        **{column: True for column, _label in Location.OFFERINGS},
    )


@pytest.mark.parametrize("is_demo", [True, False], ids=["banner", "no-banner"])
@pytest.mark.parametrize("prefix", ["", "/es"], ids=["en", "es"])
def test_the_flyer_fits_one_page_of_a4_and_of_letter(page, site, is_demo, prefix):
    place = busiest_place(is_demo)
    page.goto(site + f"{prefix}/locations/{place.slug}/flyer/")
    assert page.locator(".demo-banner").count() == (1 if is_demo else 0)

    page.emulate_media(media="print")
    for paper in ["A4", "Letter"]:
        pdf = page.pdf(format=paper, print_background=True)
        assert pages_in(pdf) == 1, f"{paper}: {pages_in(pdf)} pages"
    assert page.console_errors == []
