"""No dead end: when nothing is near, the nearest places, mail-based programs for the
state or the whole country, national help lines as tap-to-call links, and a word about
buying naloxone at a pharmacy. 911 is a tap-to-call link on every page."""

import pytest

from locations.models import HelpLine, Location
from locations.services import cache_version
from tests.factories import make_location, make_zipcodes
from tests.pages import Page, squashed

pytestmark = pytest.mark.django_db

SAMHSA = "1-800-662-4357"
NEVER_USE_ALONE = "1-800-484-3731"


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def test_the_migration_seeds_the_national_help_lines():
    lines = {line.phone: line for line in HelpLine.objects.filter(active=True)}

    assert lines[SAMHSA].name == "SAMHSA National Helpline"
    assert lines[SAMHSA].tel == "+18006624357"
    assert lines[NEVER_USE_ALONE].name == "Never Use Alone"
    assert lines[NEVER_USE_ALONE].name_es and lines[NEVER_USE_ALONE].description_es


def test_nothing_near_shows_the_help_lines_as_tap_to_call_links(client):
    make_location(name="Far away", latitude=42.0)

    response = client.get("/search?near=10001&radius=1")

    page = Page(response.content.decode())
    links = {link["attrs"]["href"]: link["text"] for link in page.find("a", class_=None)}
    assert links["tel:+18006624357"] == SAMHSA
    assert links["tel:+18004843731"] == NEVER_USE_ALONE
    body = squashed(response)
    assert "Naloxone nasal spray is sold without a prescription in most pharmacies" in body
    assert "Far away" in body  # the nearest places farther away are still listed


def test_the_help_lines_follow_the_pages_language_and_the_staffs_order(client):
    HelpLine.objects.create(name="First line", name_es="Primera línea", phone="988", order=1)
    HelpLine.objects.create(name="Hidden line", phone="1-800-000-0000", active=False)

    body = squashed(client.get("/es/search?near=10001&radius=1"))

    assert "Primera línea" in body and "Línea Nacional de Ayuda de SAMHSA" in body
    assert body.index("Primera línea") < body.index("Línea Nacional de Ayuda de SAMHSA")
    assert 'href="tel:988"' in body
    assert "Hidden line" not in body
    assert "La naloxona en aerosol nasal se vende sin receta" in body


def test_a_search_that_finds_places_shows_no_help_section(client):
    make_location(name="Near")

    body = squashed(client.get("/search?near=10001"))

    assert "Near" in body
    assert "no-results-help" not in body
    assert SAMHSA not in body


def test_programs_that_mail_to_the_whole_country_are_offered_everywhere(client):
    make_location(name="Nationwide mail", kind=Location.Kind.MAIL_BASED, states_served=[],
                  latitude=None, longitude=None)  # fmt: skip
    make_location(name="Texas mail", kind=Location.Kind.MAIL_BASED, states_served=["TX"])

    near_zip = client.get("/search?near=94103&radius=1").context["result"]
    assert [place.name for place in near_zip.mail_based] == ["Nationwide mail"]
    # Coordinates in no state (at sea): the nationwide programs still.
    at_sea = client.get("/search?near=30,-60&radius=1")
    assert [place.name for place in at_sea.context["result"].mail_based] == ["Nationwide mail"]
    assert "Naloxone by mail" in squashed(at_sea)


def test_the_state_page_lists_programs_that_mail_to_the_whole_country(client):
    make_location(name="Nationwide mail", kind=Location.Kind.MAIL_BASED, states_served=[])
    make_location(name="Texas mail", kind=Location.Kind.MAIL_BASED, states_served=["TX"])

    assert [p.name for p in Location.objects.mailing_to("ca")] == ["Nationwide mail"]
    assert {p.name for p in Location.objects.mailing_to("TX")} == {"Nationwide mail", "Texas mail"}


def test_the_help_lines_come_with_the_demo_data_check(client, django_assert_num_queries):
    # Five, so that the fallback always walks to the nearest five (fewer would be
    # remembered for the minute: search.FEW_ANYWHERE).
    for n in range(5):
        make_location(name=f"Far {n}", latitude=42.0 + n / 10, is_demo=True)

    # 1 ZIP, 2 the page (empty), 3-4 the fallback's nearest places (how far they reach,
    # then the page query that far, which reads the mail-based programs too), 5 the help
    # lines with the demo-data check (one query for both).
    with django_assert_num_queries(5):
        response = client.get("/search?near=10001&radius=1")

    assert "Demo data, not real locations" in response.content.decode()
    assert SAMHSA in response.content.decode()

    # Another search that finds nothing, under the same data version: the help lines
    # and the flag this process read are used again (1 ZIP, 2 the page, 3-4 the
    # fallback).
    with django_assert_num_queries(4):
        again = client.get("/search?near=10001&radius=5")
    assert "Demo data, not real locations" in again.content.decode()
    assert SAMHSA in again.content.decode()

    # A new version (any write) reads them again.
    HelpLine.objects.filter(phone=SAMHSA).update(name="Renamed")
    cache_version.bump()
    with django_assert_num_queries(5):
        renamed = client.get("/search?near=10001&radius=10")
    assert "Renamed" in renamed.content.decode()


def test_without_active_help_lines_the_page_still_says_what_to_do(client):
    HelpLine.objects.update(active=False)
    make_location(name="Far", latitude=42.0, is_demo=True)

    body = squashed(client.get("/search?near=10001&radius=1"))

    assert "Demo data, not real locations" in body
    assert "sold without a prescription in most pharmacies" in body
    assert "Help lines you can call" not in body


@pytest.mark.parametrize("path", ["/", "/search?near=10001", "/es/", "/suggest/", "/naloxone/"])
def test_call_911_is_a_tap_to_call_link_on_every_page(client, path):
    page = Page(client.get(path).content.decode())

    banner = {"Overdose? Call 911 now.", "¿Sobredosis? Llame al 911 ahora."}
    links = [a["text"].strip() for a in page.find("a", href="tel:911")]
    assert [text for text in links if text in banner] != []


@pytest.mark.parametrize(
    "phone, tel", [("1-800-662-4357", "+18006624357"), ("(212) 555-0100", "+12125550100"),
                   ("988", "988"), ("+1 800 484 3731", "+18004843731")]
)  # fmt: skip
def test_a_help_lines_number_becomes_a_tel_link(phone, tel):
    assert HelpLine(name="x", phone=phone).tel == tel


def test_directory_admins_keep_the_help_lines_in_the_admin(client, director):
    response = client.get("/admin/locations/helpline/")

    assert response.status_code == 200
    assert "SAMHSA National Helpline" in response.content.decode()
