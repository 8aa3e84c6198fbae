"""The pieces pages share: the filter checkboxes (ticked for every spelling of "on" the
search accepts), the address, the results heading, the bare skeleton of the embed, and the
one module that sets up the three maps."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from naloxone_finder import settings as project_settings
from tests.factories import make_location, make_zipcodes
from tests.pages import Page, csp_problems, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def get(client, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, url
    return Page(response.content.decode())


def ticked(page: Page) -> list[str]:
    """The names of the on/off filters whose boxes are ticked."""
    return [
        box["attrs"]["name"]
        for box in page.find("input", type="checkbox", value="1")
        if "checked" in box["attrs"]
    ]


# The filter checkboxes


@pytest.mark.parametrize("value", ["1", "yes", "true", "on", "YES", " True "])
@pytest.mark.parametrize("path", ["/search", "/embed/code/"])
def test_every_spelling_of_on_ticks_the_box(client, path, value):
    make_location(free_naloxone=True)

    page = get(client, f"{path}?near=10001&free={value}")

    box = page.one("input", type="checkbox", name="free")
    assert "checked" in box["attrs"] and box["attrs"]["value"] == "1"
    assert ticked(page) == ["free"]
    # The filters it sits in are open and say one is on.
    assert "open" in page.one("details", class_="more-filters")["attrs"]
    assert text(page.one("summary")) == "Filters (1 on)"


@pytest.mark.parametrize("value", ["", "0", "no", "false", "off"])
def test_every_spelling_of_off_leaves_the_box_empty(client, value):
    page = get(client, f"/search?near=10001&free={value}")

    assert ticked(page) == []
    assert "open" not in page.one("details", class_="more-filters")["attrs"]
    assert text(page.one("summary")) == "Filters"


def test_a_filter_that_is_neither_on_nor_off_is_an_error_with_the_box_empty(client):
    page = get(client, "/search?near=10001&free=maybe", status=400)

    assert ticked(page) == []


def test_several_filters_each_in_its_own_spelling(client):
    page = get(client, "/search?near=10001&open_now=on&no_police=true&kind=clinic")

    assert ticked(page) == ["open_now", "no_police"]
    assert text(page.one("summary")) == "Filters (3 on)"
    assert "checked" in page.one("input", name="kind", value="clinic")["attrs"]


def test_the_form_without_a_place_keeps_the_filters_it_was_given(client):
    # The embed's "More on Naloxone Finder" link carries the partner's filters without a
    # place when the visitor has not typed one yet.
    page = get(client, "/search?radius=25&free=yes&kind=pharmacy")

    assert ticked(page) == ["free"]
    assert "selected" in page.one("option", value="25")["attrs"]
    assert "checked" in page.one("input", name="kind", value="pharmacy")["attrs"]


def test_each_filter_box_is_labelled_by_its_field_in_the_form_order(client):
    html = client.get("/").content.decode()

    # Each box inside its label, so the label names it without an id.
    boxes = re.findall(
        r'<label><input type="checkbox" name="(\w+)" value="1"> ([^<]+)</label>', html
    )
    assert boxes == [
        ("free", "Free naloxone"),
        ("no_prescription", "No prescription needed"),
        ("open_now", "Open now"),
        ("no_police", "No police or sheriff sites"),
        ("walk_in", "Walk-in"),
        ("anonymous", "Anonymous, no ID needed"),
        ("nasal_spray", "Nasal spray"),
        ("injectable", "Injectable"),
        ("fentanyl_test_strips", "Fentanyl test strips"),
        ("wheelchair_accessible", "Wheelchair accessible"),
        ("open_24_7", "24/7 access"),
        ("sells_otc", "Sells over the counter"),
        ("training", "Training"),
    ]
    assert ticked(Page(html)) == []


def test_the_spanish_boxes_are_labelled_in_spanish_and_ticked_the_same(client):
    page = get(client, "/es/search?near=10001&free=yes")

    assert ticked(page) == ["free"]
    label = next(label for label in page.find("label") if "Naloxona gratis" in label["text"])
    assert text(label) == "Naloxona gratis"
    assert text(page.one("summary")) == "Filtros (1 activo)"


def test_the_embed_passes_any_spelling_of_on_along_as_1(client):
    page = get(client, "/embed/?free=yes&radius=5")

    hidden = [(i["attrs"]["name"], i["attrs"]["value"]) for i in page.find("input", type="hidden")]
    assert hidden == [("radius", "5"), ("free", "1")]


# The address


@pytest.fixture
def places():
    make_location(
        name="Suite",
        slug="suite",
        street_address="1 Main St",
        address_line2="Suite 2",
        latitude=40.7485,
        free_naloxone=True,
    )
    make_location(name="Streetless", slug="streetless", street_address="", latitude=40.7486)


def test_the_one_line_address_everywhere_a_list_shows_it(client, places):
    one_line = ["1 Main St, Suite 2, New York, NY 10001", "New York, NY 10001"]

    for url in ["/search?near=10001", "/embed/?near=10001", "/es/embed/?near=10001"]:
        assert [text(p) for p in get(client, url).find("p", class_="address")] == one_line, url
    city = get(client, "/states/ny/new-york/")  # by name: Streetless, then Suite
    assert [text(p) for p in city.find("p", class_="address")] == one_line[::-1]
    flyer = get(client, "/search/flyer?near=10001")
    assert [text(p) for p in flyer.find("p") if text(p) in one_line] == one_line


@pytest.mark.parametrize("path", ["/locations/{}/", "/locations/{}/flyer/", "/es/locations/{}/"])
def test_the_address_element_has_a_line_each(client, places, path):
    page = get(client, path.format("suite"))
    assert text(page.one("address")) == "1 Main St Suite 2 New York, NY 10001"
    html = client.get(path.format("suite")).content.decode()
    address = re.search(r"<address>(.*?)</address>", html, re.S)[1]
    assert [line.strip() for line in address.split("<br>")] == [
        "1 Main St",
        "Suite 2",
        "New York, NY 10001",
    ]

    streetless = get(client, path.format("streetless"))
    assert text(streetless.one("address")) == "New York, NY 10001"


# The results heading


def test_the_results_heading_on_the_search_page_and_the_embed(client, places):
    assert text(get(client, "/search?near=10001").one("h2", id="results-heading")) == (
        "2 places within 10 miles of 10001 (New York, NY)"
    )
    assert text(get(client, "/embed/?near=10001").one("p", class_="embed-count")) == (
        "2 places within 10 miles of 10001 (New York, NY)"
    )
    assert text(get(client, "/es/embed/?near=10001").one("p", class_="embed-count")) == (
        text(get(client, "/es/search?near=10001").one("h2", id="results-heading"))
    )


def test_the_heading_when_nothing_is_within_the_distance(client, places):
    # Albany is 130 miles from New York: nothing near, the nearest farther away instead.
    search = get(client, "/search?near=12207")
    assert text(search.one("h2", id="results-heading")) == (
        "Nothing within 10 miles of 12207 (Albany, NY)"
    )
    embed = get(client, "/embed/?near=12207")
    assert text(embed.find("p", class_="embed-count")[0]) == (
        "Nothing within 10 miles of 12207 (Albany, NY) These are the nearest places farther away:"
    )


# The embed's bare page


def test_the_embed_has_the_skeleton_without_the_site_around_it(client):
    response = client.get("/es/embed/?near=10001")
    html = response.content.decode()
    page = Page(html)

    assert html.startswith("<!doctype html>\n")
    assert '<html lang="es">' in html
    assert page.one("meta", name="robots")["attrs"]["content"] == "noindex"
    assert page.one("meta", charset="utf-8")
    assert page.one("link", rel="stylesheet")
    assert page.one("body")["attrs"] == {"class": "embed"}
    assert page.one("main")["attrs"] == {"class": "embed-main"}
    assert text(page.one("title")).endswith("· Naloxone Finder")
    assert page.find("header") == [] and page.find("footer") == []
    assert page.find("a", class_="skip-link") == []
    assert page.find("meta", name="description") == []
    assert csp_problems(html) == []


def test_site_pages_keep_the_skeleton_and_the_site_around_them(client):
    html = client.get("/es/").content.decode()
    page = Page(html)

    assert html.startswith("<!doctype html>\n")
    assert '<html lang="es">' in html
    assert page.one("meta", name="description")["attrs"]["content"]
    assert page.one("link", rel="alternate", hreflang="en")
    assert page.one("body")["attrs"] == {}
    assert page.one("a", class_="skip-link")
    assert page.one("header", class_="site-header")
    assert page.one("footer", class_="site-footer")
    assert page.find("meta", name="robots") == []


# The maps' shared module

STATIC = Path(settings.BASE_DIR) / "static" / "js"
MAP_SCRIPTS = ["results-map.js", "location-map.js", "admin-map.js"]


@pytest.mark.parametrize("name", MAP_SCRIPTS)
def test_each_map_sets_up_leaflet_through_the_shared_module(name):
    source = (STATIC / name).read_text()

    assert re.search(r'^import \{[^}]*\bmakeMap\b[^}]*\} from "\./map\.js";$', source, re.M)
    assert "tileLayer" not in source and "L.map(" not in source


def test_the_map_scripts_load_as_modules_after_leaflet(client, staff, places):
    """The results map fetches Leaflet itself, on demand (see test_search_page); the other
    two maps load it first, deferred."""
    html = client.get("/search?near=10001").content.decode()
    module = Page(html).one("script", src="/static/js/results-map.js")["attrs"]
    assert module["type"] == "module"
    assert Page(html).find("script", src="/static/leaflet/leaflet.js") == []
    pages = [
        ("/locations/suite/", "location-map.js"),
        (f"/{settings.ADMIN_PATH}locations/location/add/", "admin-map.js"),
    ]
    for url, name in pages:
        html = client.get(url).content.decode()
        scripts = [s["attrs"] for s in Page(html).find("script") if "src" in s["attrs"]]
        sources = [s["src"].rsplit("/", 1)[1] for s in scripts]
        assert sources.index("leaflet.js") < sources.index(name), url
        assert scripts[sources.index(name)].get("type") == "module", url
        assert "defer" in scripts[sources.index("leaflet.js")], url


def test_collected_map_scripts_import_the_hashed_shared_module(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = project_settings.STORAGES  # as served, not the tests' plain files

    call_command("collectstatic", "--noinput", verbosity=0)

    shared = [p.name for p in (tmp_path / "js").glob("map.*.js")]
    assert len(shared) == 1
    for name in MAP_SCRIPTS:
        stem = name.removesuffix(".js")
        [hashed] = [p for p in (tmp_path / "js").glob(f"{stem}.*.js") if p.suffix == ".js"]
        assert f'from "./{shared[0]}";' in hashed.read_text()
