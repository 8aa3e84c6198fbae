"""Parts of the search page kept between requests (locations.web.result_cards and
locations.web.fragments): never out of date, one per language, and what changes from one
request to the next (distance, open status, number) still written per request. Also the
number of queries a search page costs, pinned."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from locations.models import Location
from locations.services.listings import save_listing, update_listings
from locations.web import fragments, result_cards
from tests.factories import make_location, make_zipcodes
from tests.pages import Page, text

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("America/New_York"))
MONDAY_NIGHT = datetime(2026, 11, 23, 22, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


@pytest.fixture(autouse=True)
def empty_kept_parts():
    result_cards.cards.clear()
    fragments.search_fields_kept.clear()
    yield
    result_cards.cards.clear()
    fragments.search_fields_kept.clear()


class Results(Page):
    def __init__(self, html: str):
        super().__init__(html)
        self.html = html


def search(client, query: str = "near=10001", prefix: str = "") -> Results:
    response = client.get(f"{prefix}/search?{query}")
    assert response.status_code == 200
    return Results(response.content.decode())


def card_text(page: Page, place: Location) -> str:
    item = page.one("li", id=f"result-{place.slug}")
    return text(item)


def article_of(html: str, place: Location) -> str:
    start = html.index(f'id="result-{place.slug}"')
    return html[start : html.index("</article>", start)]


def test_an_edit_through_the_service_shows_in_the_next_search(client):
    place = make_location(name="Old Name Pharmacy", phone="2125550100")
    assert "Old Name Pharmacy" in card_text(search(client), place)
    assert len(result_cards.cards) == 1

    place.name = "New Name Pharmacy"
    place.phone = "2125550199"
    place.street_address = "9 Other St"
    save_listing(place, edited_fields=["name", "phone", "street_address"])

    words = card_text(search(client), place)
    assert "New Name Pharmacy" in words
    assert "Old Name Pharmacy" not in words
    assert "(212) 555-0199" in words
    assert "9 Other St" in words


def test_an_update_without_signals_shows_in_the_next_search(client):
    """A bulk UPDATE sends no signal and may leave updated_at alone: the kept card is
    found by what the place shows, so it cannot outlive the change."""
    place = make_location(name="Corner Pharmacy")
    search(client)

    Location.objects.filter(pk=place.pk).update(name="Renamed Pharmacy", free_naloxone=True)
    update_listings([place.pk], user=None, training=True)

    words = card_text(search(client), place)
    assert "Renamed Pharmacy" in words
    assert "Free naloxone" in words
    assert "Training" in words


def test_a_kept_card_is_used_again(client):
    make_location()
    search(client)
    kept = dict(result_cards.cards.items)

    search(client, "near=10001&radius=5")

    assert dict(result_cards.cards.items) == kept


def test_english_and_spanish_cards_are_kept_apart(client):
    place = make_location(kind=Location.Kind.HARM_REDUCTION, free_naloxone=True)

    english = card_text(search(client), place)
    spanish = card_text(search(client, prefix="/es"), place)
    english_again = card_text(search(client), place)

    assert "Harm reduction program" in english and "Free naloxone" in english
    assert "Programa de reducción de daños" in spanish
    assert "Naloxona gratis" in spanish
    assert "Harm reduction program" not in spanish
    assert english_again == english
    assert len(result_cards.cards) == 2
    assert f'href="/es/locations/{place.slug}/"' in search(client, prefix="/es").html


def test_distance_status_and_number_are_written_per_request(client, monkeypatch):
    near = make_location(name="Near Pharmacy", latitude=40.7490, longitude=-73.9970)
    far = make_location(name="Far Pharmacy", latitude=40.7900, longitude=-73.9500)
    for place in (near, far):
        place.hours.create(weekday=0, opens="09:00", closes="17:00")

    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY_NOON)
    noon = search(client, "near=10001").html
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY_NIGHT)
    night = search(client, "near=40.7900,-73.9500").html

    # The nearer place first at noon and open; from the other point, second and closed.
    assert 'data-n="1"' in article_of(noon, near) and 'data-n="2"' in article_of(noon, far)
    assert 'data-n="2"' in article_of(night, near) and 'data-n="1"' in article_of(night, far)
    assert '<p class="open-status open">Open now · closes 5 PM</p>' in article_of(noon, near)
    assert '<p class="open-status closed">Closed · opens 9 AM Mon</p>' in article_of(night, near)
    assert '<span class="distance">0.0 mi</span>' in article_of(night, far)
    assert '<span class="distance">0.0 mi</span>' not in article_of(noon, far)
    assert len(result_cards.cards) == 2  # each place kept once, used by both pages


def test_the_distance_uses_the_language_s_separators(client):
    place = make_location(city="San Francisco", state="CA", zip_code="94103",
                          latitude=37.7725, longitude=-122.4147)  # fmt: skip

    # Nothing within 100 miles of New York: the nearest places farther away are listed.
    english = search(client, "near=10001&radius=100").html
    spanish = search(client, "near=10001&radius=100", prefix="/es").html

    assert re.search(r'<span class="distance">2,\d{3}\.\d mi</span>', article_of(english, place))
    assert re.search(r'<span class="distance">2\.\d{3},\d mi</span>', article_of(spanish, place))


def test_text_from_the_database_is_escaped_in_kept_cards(client):
    place = make_location(name='<script>alert("x")</script> & Co', street_address="1 <b>Main</b>")

    html = search(client).html

    card = article_of(html, place)
    assert "<script>alert" not in card and "<b>Main</b>" not in card
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in card
    assert "1 &lt;b&gt;Main&lt;/b&gt;" in card


def test_the_kept_filters_follow_the_choices_made(client):
    plain = search(client, "near=10001").html
    chosen = search(client, "near=10001&radius=50&free=1&kind=pharmacy&language=Spanish").html
    plain_again = search(client, "near=10001").html

    assert 'value="50" selected' in chosen and 'value="50" selected' not in plain
    assert 'name="free" value="1" checked' in chosen
    assert 'name="kind" value="pharmacy" checked' in chosen
    assert 'value="Spanish" selected' in chosen
    assert "Filters (3 on)" in chosen
    assert plain_again == plain
    assert "Distancia" not in plain
    assert 'name="free" value="1" checked' not in search(client, "near=10001", prefix="/es").html


def queries_of(client, monkeypatch, query: str, prefix: str = "") -> tuple[int, int]:
    """(queries of the whole request, queries while its page is rendered)."""
    from locations.web import search as view

    during_render = []
    render = view.render

    def counted(*args, **kwargs):
        with CaptureQueriesContext(connection) as rendering:
            response = render(*args, **kwargs)
        during_render.append(len(rendering))
        return response

    monkeypatch.setattr(view, "render", counted)
    caches["public"].clear()  # a page answered from the public cache asks nothing
    with CaptureQueriesContext(connection) as queries:
        search(client, query, prefix)
    return len(queries), sum(during_render)


def test_a_search_page_costs_a_pinned_number_of_queries(client, monkeypatch):
    """Rendering the page asks only whether the data is demo data (the banner); the
    cards ask nothing, so twenty results cost what one does."""
    one = make_location(name="Lone Pharmacy", latitude=37.7725, longitude=-122.4147,
                        city="San Francisco", state="CA", zip_code="94103")  # fmt: skip
    for n in range(25):
        make_location(name=f"Pharmacy {n:02}", latitude=40.7484 + n / 1000, longitude=-73.9967)
    one.hours.create(weekday=0, opens="09:00", closes="17:00")
    search(client, "near=10001")  # anything read once per process, read

    many, many_rendering = queries_of(client, monkeypatch, "near=10001&radius=10")
    spanish, spanish_rendering = queries_of(client, monkeypatch, "near=10001&page=2", "/es")
    few, few_rendering = queries_of(client, monkeypatch, "near=94103&radius=10")

    assert (many_rendering, spanish_rendering, few_rendering) == (1, 1, 1)
    assert many == spanish == few
