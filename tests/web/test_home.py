"""The home page (search box, "Use my location", what to do in an overdose) and the
/naloxone/ page, in English and Spanish."""

import pytest

from tests.factories import make_location
from tests.pages import Page, csp_problems, text

pytestmark = pytest.mark.django_db


def test_the_home_page_has_one_search_box_labelled_zip_code_or_city(client):
    page = Page(client.get("/").content.decode())

    form = page.one("form", role="search")
    assert form["attrs"]["action"] == "/search" and form["attrs"]["method"] == "get"
    assert text(page.one("label", for_="id_near")) == "ZIP code or city"
    box = page.one("input", name="near")
    assert box["attrs"]["id"] == "id_near" and "required" in box["attrs"]
    assert "near-hint" in box["attrs"]["aria-describedby"]


def test_the_use_my_location_button_waits_hidden_for_javascript(client):
    page = Page(client.get("/").content.decode())

    button = page.one("button", id="use-my-location")
    assert "hidden" in button["attrs"]
    assert button["attrs"]["type"] == "button"  # never submits the form by itself
    assert text(button) == "Use my location"
    for message in ("data-finding", "data-denied", "data-failed"):
        assert button["attrs"][message]
    assert page.one(id="locate-status")["attrs"]["aria-live"] == "polite"
    assert page.one("script", src="/static/js/locate.js")["attrs"]["type"] == "module"


def test_the_home_page_says_what_naloxone_is_and_how_to_respond(client):
    html = client.get("/").content.decode()
    page = Page(html)

    about = text(page.one("section", class_="about-naloxone"))
    assert "Narcan" in about and "nasal spray" in about
    assert "reverses an opioid overdose" in about
    assert "safe to give if you are not sure" in about
    steps = [text(li) for li in page.elements if li["tag"] == "li"]
    steps = steps[steps.index("Call 911.") :][:4]
    assert steps[0] == "Call 911."
    assert steps[1].startswith("Give naloxone")
    assert "rescue breaths" in steps[2] and "recovery position" in steps[2]
    assert steps[3].startswith("Stay with them") and "2–3 minutes" in steps[3]
    assert "second dose" in steps[3]
    assert "Good Samaritan laws" in html
    assert page.find("a", href="/naloxone/")


def test_every_page_links_to_the_naloxone_page_in_its_own_language(client):
    english = Page(client.get("/").content.decode())
    spanish = Page(client.get("/es/").content.decode())

    assert text(english.one("nav", class_="site-nav")).count("About naloxone") == 1
    assert english.find("a", href="/naloxone/")
    assert spanish.find("a", href="/es/naloxone/")
    assert not spanish.find("a", href="/naloxone/")


@pytest.mark.parametrize(("url", "language"), [("/naloxone/", "en"), ("/es/naloxone/", "es")])
def test_the_naloxone_page_renders_in_both_languages(client, url, language):
    response = client.get(url)

    assert response.status_code == 200
    page = Page(response.content.decode())
    assert page.one("html")["attrs"]["lang"] == language
    prefix = "/es" if language == "es" else ""
    assert page.one("form", role="search")["attrs"]["action"] == f"{prefix}/search"
    assert len(page.find("h1")) == 1


def test_the_naloxone_page_covers_forms_signs_steps_sources_and_storage(client):
    html = client.get("/naloxone/").content.decode()
    page = Page(html)

    headings = [text(h) for h in page.find("h2")]
    assert headings == [
        "What it is",
        "Signs of an opioid overdose",
        "What to do, step by step",
        "Where to get naloxone",
        "Storing it and checking the date",
        "Find naloxone near you",
    ]
    for fact in [
        "4 mg",
        "Injectable",
        "breathing is very slow",
        "pupils are very small",
        "Call 911",
        "recovery position",
        "second dose",
        "over the counter in the US since 2023",
        "do not need a prescription",
        "give naloxone away",
        "mail naloxone",
        "expiration date",
        "room temperature",
        "Good Samaritan laws",
    ]:
        assert fact in html, fact
    # The page links its own sections and ends on a search.
    for anchor in ["#what-it-is", "#signs", "#steps", "#where", "#storage"]:
        assert page.find("a", href=anchor)
        assert page.find(id=anchor[1:])
    assert page.one("input", name="near")


def test_the_naloxone_page_only_answers_get_and_head(client):
    assert client.head("/naloxone/").status_code == 200
    assert client.post("/naloxone/").status_code == 405


@pytest.mark.parametrize("url", ["/", "/es/", "/naloxone/", "/es/naloxone/"])
def test_these_pages_have_no_inline_scripts_styles_or_handlers(client, url):
    html = client.get(url).content.decode()

    assert csp_problems(html) == []
    assert "leaflet" not in html  # the map library loads only where there is a map


def test_the_home_and_naloxone_pages_take_one_query_at_most(client, django_assert_num_queries):
    # 1 the demo-data check for the banner.
    with django_assert_num_queries(1):
        client.get("/")
    # Its answer is kept until the data changes.
    with django_assert_num_queries(0):
        client.get("/naloxone/")
    make_location(name="Demo", is_demo=True)
    with django_assert_num_queries(1):
        page = client.get("/naloxone/").content.decode()
    assert "Demo data, not real locations" in page
