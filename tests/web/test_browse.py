"""Browse pages: every state, a state's cities, a city's places."""

import re

import pytest

from locations.models import Location
from locations.web import browse as views
from tests.factories import make_location

pytestmark = pytest.mark.django_db

DRAFT, CLOSED = Location.Status.DRAFT, Location.Status.CLOSED


ALBANY = dict(city="Albany", state="NY", zip_code="12207", latitude=42.6575, longitude=-73.7461)
CHICAGO = dict(city="Chicago", state="IL", zip_code="60601", latitude=41.8858, longitude=-87.6181)


def make_albany(name: str, **fields) -> Location:
    return make_location(name=name, **{**ALBANY, **fields})


def make_chicago(name: str, **fields) -> Location:
    return make_location(name=name, **{**CHICAGO, **fields})


def make_mail_program(name: str, state: str, serves: list[str], **fields) -> Location:
    return make_location(
        name=name,
        kind=Location.Kind.MAIL_BASED,
        city="Albany",
        state=state,
        zip_code="12207",
        states_served=serves,
        **fields,
    )


def page(response) -> str:
    return response.content.decode()


def hrefs(response) -> list[str]:
    return re.findall(r'href="([^"]+)"', page(response))


# The counts the pages (and the API) read.


def test_it_counts_published_places_per_state_ordered_by_name(django_assert_num_queries):
    make_location(name="A")
    make_location(name="B")
    make_chicago("C")
    make_location(name="Draft", state="CA", city="Fresno", status=DRAFT)
    make_location(name="Closed", state="CA", city="Fresno", status=CLOSED)

    with django_assert_num_queries(1):
        counts = Location.objects.state_counts()

    assert counts == [
        {"state": "IL", "name": "Illinois", "count": 1},
        {"state": "NY", "name": "New York", "count": 2},
    ]


def test_it_counts_cities_as_one_whatever_their_spelling(django_assert_num_queries):
    make_albany("A")
    make_albany("B")
    make_albany("C", city="albany")
    make_location(name="D", city="New York")
    make_albany("Draft", status=DRAFT)
    make_albany("Closed", status=CLOSED)
    make_chicago("Elsewhere")

    with django_assert_num_queries(1):
        counts = Location.objects.city_counts("ny")

    assert counts == [
        {"city": "Albany", "slug": "albany", "count": 3},
        {"city": "New York", "slug": "new-york", "count": 1},
    ]


def test_a_mail_based_program_counts_in_its_own_state_only():
    make_mail_program("Mail NY", "NY", serves=["NJ", "PA"])

    assert Location.objects.state_counts() == [{"state": "NY", "name": "New York", "count": 1}]
    assert Location.objects.city_counts("NY") == [{"city": "Albany", "slug": "albany", "count": 1}]
    assert Location.objects.city_counts("NJ") == []


# /states/


def test_the_states_page_lists_states_with_places_and_their_counts(client):
    make_location(name="A")
    make_location(name="B")
    make_chicago("C")
    make_location(name="Draft", state="CA", city="Fresno", status=DRAFT)

    response = client.get("/states/")

    assert response.status_code == 200
    text = page(response)
    assert '<a href="/states/il/">Illinois</a> <span class="browse-count">1 place</span>' in text
    assert '<a href="/states/ny/">New York</a> <span class="browse-count">2 places</span>' in text
    assert text.index("Illinois") < text.index("New York")
    assert "California" not in text
    assert "<title>Naloxone by state · Naloxone Finder</title>" in text
    assert '<link rel="canonical" href="http://testserver/states/">' in text


def test_the_states_page_takes_two_queries_however_many_states(client, django_assert_num_queries):
    for state, city in [("NY", "Albany"), ("IL", "Chicago"), ("CA", "Fresno"), ("TX", "Waco")]:
        make_location(state=state, city=city)
    # 1 the counts per state, 2 the demo-data check.
    with django_assert_num_queries(2):
        assert client.get("/states/").status_code == 200


def test_every_page_links_to_the_states(client):
    assert 'href="/states/"' in page(client.get("/"))
    assert 'href="/es/states/"' in page(client.get("/es/"))


# /states/<st>/


def test_a_state_page_lists_its_cities_with_counts(client):
    make_albany("A")
    make_albany("B")
    make_albany("C", city="ALBANY")
    make_location(name="D", city="New York")
    make_albany("Draft", city="Troy", status=DRAFT)

    response = client.get("/states/ny/")

    assert response.status_code == 200
    text = page(response)
    assert '<a href="/states/ny/albany/">Albany</a> <span class="browse-count">3 places</span>' in (
        text
    )
    assert '<a href="/states/ny/new-york/">New York</a> <span class="browse-count">1 place' in text
    assert "Troy" not in text
    assert "We list 4 places in this state" in text
    assert "<title>Naloxone in New York · Naloxone Finder</title>" in text
    assert 'content="Where to get naloxone in New York: 4 places, listed by city' in text
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in text
    assert 'href="/states/ny/" aria-current="page">New York</a>' in text
    assert 'href="/search"' in text
    assert '<meta name="robots" content="noindex">' not in text


def test_a_state_page_lists_mail_programs_that_serve_it_by_mail(client):
    make_albany("Walk-in Pharmacy")
    serving = make_mail_program("Mail Serving NY", "NJ", serves=["NY", "PA"])
    make_mail_program("Mail Elsewhere", "NY", serves=["PA"])
    make_mail_program("Mail Draft", "NJ", serves=["NY"], status=DRAFT)

    response = client.get("/states/ny/")

    text = page(response)
    by_mail = text[text.index('<h2 id="by-mail">') :]
    assert "Mail Serving NY" in by_mail
    assert f'href="/locations/{serving.slug}/"' in by_mail
    assert "Mail Elsewhere" not in by_mail  # counted in Albany, but it does not mail to NY
    assert "Mail Draft" not in text
    assert [p.name for p in response.context["by_mail"]] == ["Mail Serving NY"]
    # Its own state counts it; New York only lists it.
    assert "We list 2 places in this state" in text


def test_a_state_served_only_by_mail_says_so_and_lists_the_programs(client):
    make_mail_program("Mail From NY", "NY", serves=["NJ"])

    response = client.get("/states/nj/")

    assert response.status_code == 200
    text = page(response)
    assert "We have no listings in New Jersey yet." in text
    assert "Mail From NY" in text
    assert '<meta name="robots" content="noindex">' not in text


def test_a_known_state_without_places_is_not_a_dead_end(client):
    make_location(name="Elsewhere")
    make_location(name="Draft", state="MT", city="Absarokee", zip_code="59001", status=DRAFT)

    response = client.get("/states/mt/")

    assert response.status_code == 200
    text = page(response)
    assert "We have no listings in Montana yet." in text
    assert 'href="/search"' in text
    assert "Draft" not in text
    assert '<meta name="robots" content="noindex">' in text


def test_a_state_page_takes_three_queries_however_many_places(client, django_assert_num_queries):
    for n in range(4):
        make_albany(f"A{n}", city=f"Town {n}", hours=[(d, (9, 0), (17, 0)) for d in range(7)])
        make_mail_program(f"Mail {n}", "NJ", serves=["NY"], hours=[(0, (9, 0), (17, 0))])
    # 1 the counts per city, 2 the mail programs serving the state (their hours in the
    # same query), 3 the demo-data check.
    with django_assert_num_queries(3):
        response = client.get("/states/ny/")
    assert len(response.context["by_mail"]) == 4


def test_state_codes_redirect_to_lower_case(client):
    response = client.get("/states/NY/")
    assert response.status_code == 301
    assert response["Location"] == "/states/ny/"


def test_a_state_name_in_the_url_redirects_to_its_code(client):
    response = client.get("/states/new-york/")
    assert response.status_code == 301
    assert response["Location"] == "/states/ny/"


def test_an_unknown_state_is_not_found(client):
    for url in ["/states/xx/", "/states/XX/", "/states/narnia/", "/states/xx/albany/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "We could not find that page" in page(response)


# /states/<st>/<city>/


def test_a_city_page_lists_its_places_by_name_with_links(client):
    zeta = make_albany("Zeta Pharmacy")
    alpha = make_albany("Alpha Clinic", city="albany", kind=Location.Kind.CLINIC)
    make_albany("Draft Place", status=DRAFT)
    make_albany("Closed Place", status=CLOSED)
    make_location(name="In New York City")

    response = client.get("/states/ny/albany/")

    assert response.status_code == 200
    text = page(response)
    assert [p.name for p in response.context["page"]] == ["Alpha Clinic", "Zeta Pharmacy"]
    assert text.index("Alpha Clinic") < text.index("Zeta Pharmacy")
    assert f'<a href="/locations/{alpha.slug}/">Alpha Clinic</a>' in text
    assert f'<a href="/locations/{zeta.slug}/">Zeta Pharmacy</a>' in text
    for hidden in ["Draft Place", "Closed Place", "In New York City"]:
        assert hidden not in text
    assert "<title>Naloxone in Albany, NY · Naloxone Finder</title>" in text
    assert 'content="Where to get naloxone in Albany, NY: 2 places' in text
    assert 'href="/search?near=Albany,+NY"' in text
    assert '<link rel="canonical" href="http://testserver/states/ny/albany/">' in text
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in text
    assert '<a href="/states/ny/">New York</a>' in text
    assert 'href="/states/ny/albany/" aria-current="page">Albany</a>' in text


def test_a_city_is_named_by_the_spelling_most_of_its_places_use(client):
    make_location(name="A", city="St. Louis", state="MO", zip_code="63101")
    make_location(name="B", city="St Louis", state="MO", zip_code="63101")
    make_location(name="C", city="St Louis", state="MO", zip_code="63101")

    response = client.get("/states/mo/st-louis/")

    assert [p.name for p in response.context["page"]] == ["A", "B", "C"]
    assert "<h1>Naloxone in St Louis, MO</h1>" in page(response)


def test_a_city_page_takes_three_queries_however_many_places(client, django_assert_num_queries):
    for n in range(5):
        make_albany(f"Place {n}", hours=[(d, (9, 0), (17, 0)) for d in range(7)])
    # 1 the spellings of the city's name with their counts, 2 the page of places with
    # their hours, 3 the demo-data check.
    with django_assert_num_queries(3):
        response = client.get("/states/ny/albany/")
    assert len(response.context["page"]) == 5


def test_a_long_city_list_comes_in_pages(client, monkeypatch):
    monkeypatch.setattr(views, "CITY_PAGE_SIZE", 2)
    for name in ["A", "B", "C", "D", "E"]:
        make_albany(name)

    first = client.get("/states/ny/albany/")
    second = client.get("/states/ny/albany/?page=2")
    last = client.get("/states/ny/albany/?page=3")

    assert [p.name for p in first.context["page"]] == ["A", "B"]
    assert [p.name for p in second.context["page"]] == ["C", "D"]
    assert [p.name for p in last.context["page"]] == ["E"]
    assert '<a rel="next" href="?page=2">' in page(first)
    assert '<a rel="prev" href="/states/ny/albany/">' in page(second)
    assert '<a rel="prev" href="?page=2">' in page(last)
    assert 'rel="next"' not in page(last)
    assert "We list 5 places in Albany" in page(second)
    assert "(page 2) · Naloxone Finder</title>" in page(second)
    assert 'rel="canonical" href="http://testserver/states/ny/albany/?page=2"' in page(second)


def test_a_page_past_the_end_or_not_a_number_is_not_found(client):
    make_albany("A")
    for query in ["?page=2", "?page=0", "?page=abc", "?page=-1"]:
        assert client.get(f"/states/ny/albany/{query}").status_code == 404, query


def test_city_urls_redirect_to_lower_case(client):
    make_albany("A")

    response = client.get("/states/NY/Albany/?page=1")

    assert response.status_code == 301
    assert response["Location"] == "/states/ny/albany/?page=1"


def test_an_unknown_or_unpublished_city_is_not_found(client):
    make_albany("Draft", city="Troy", status=DRAFT)
    make_albany("Closed", city="Schenectady", status=CLOSED)
    make_chicago("Chicago place")

    for url in ["/states/ny/troy/", "/states/ny/schenectady/", "/states/ny/chicago/"]:
        assert client.get(url).status_code == 404, url


def test_browse_pages_refuse_posts(client):
    assert client.post("/states/").status_code == 405
    assert client.post("/states/ny/").status_code == 405


# Spanish


def test_the_browse_pages_work_in_spanish(client):
    make_albany("A")

    states = client.get("/es/states/")
    state = client.get("/es/states/ny/")
    city = client.get("/es/states/ny/albany/")

    assert [r.status_code for r in (states, state, city)] == [200, 200, 200]
    assert '<html lang="es">' in page(states)
    assert "/es/states/ny/" in hrefs(states)
    assert "/es/states/ny/albany/" in hrefs(state)
    assert "/es/search?near=Albany,+NY" in hrefs(city)
    assert "/es/states/ny/" in hrefs(city)
    assert 'hreflang="en" href="http://testserver/states/ny/albany/"' in page(city)
    assert client.get("/es/states/NY/")["Location"] == "/es/states/ny/"
    assert client.get("/es/states/xx/").status_code == 404
