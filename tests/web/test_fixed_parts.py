"""Parts of pages rendered once per language ({% fixed %}, locations.web.templatetags.fixed)
and the other per-process shortcuts of the search page: each gives what the long way
gives, and none can keep one visitor's values."""

import json
from urllib.parse import urlencode

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import QueryDict
from django.template import Context, Template, TemplateSyntaxError, engines
from django.template.defaultfilters import json_script
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import conditional_escape

from locations.domain.geo import Point
from locations.models.places import place_path, place_paths
from locations.search import SearchResult
from locations.web.directions import directions_url
from locations.web.search import with_page, without_page
from locations.web.search_sentences import results_heading, search_summary
from locations.web.templatetags.search_page import data_script
from tests.factories import make_location


def render(source: str, **values) -> str:
    return engines["django"].from_string("{% load fixed i18n static %}" + source).render(values)


def test_a_fixed_part_is_rendered_once_per_language(monkeypatch):
    template = engines["django"].from_string(
        '{% load fixed i18n %}{% fixed %}<a href="{% url "search" %}">'
        '{% translate "Find naloxone" %}</a>{% endfixed %}'
    )
    [fixed_node] = [node for node in template.template.nodelist if hasattr(node, "kept")]
    renders = []
    real_render = fixed_node.nodelist.render
    monkeypatch.setattr(
        fixed_node.nodelist, "render", lambda context: renders.append(1) or real_render(context)
    )

    with translation.override("en"):
        english = [template.render({}) for _ in range(3)]
    with translation.override("es"):
        spanish = [template.render({}) for _ in range(3)]

    assert english == ['<a href="/search">Find naloxone</a>'] * 3
    assert spanish == ['<a href="/es/search">Buscar naloxona</a>'] * 3
    assert len(renders) == 2


@pytest.mark.parametrize(
    "inside",
    [
        "{{ name }}",
        "{% if name %}x{% endif %}",
        "{% translate name %}",
        '{% translate "Find naloxone" as words %}',
        '{% translate "Find naloxone"|upper %}',
        '{% url "location_detail" slug %}',
        '{% url "search" as link %}',
        "{% static path %}",
        "{% for x in items %}{% endfor %}",
    ],
)
def test_a_fixed_part_refuses_anything_that_could_differ_between_visitors(inside):
    with pytest.raises(TemplateSyntaxError, match="fixed"):
        Template("{% load fixed i18n static %}{% fixed %}" + inside + "{% endfixed %}")


def test_text_comments_and_literal_tags_are_allowed():
    html = render(
        '{% fixed %}{% comment %}why{% endcomment %}<p>{% translate "Find naloxone" %}</p>'
        '<link href="{% static "css/site.css" %}">{% endfixed %}'
    )
    assert html.startswith("<p>Find naloxone</p><link href=")
    assert "css/site" in html


def test_a_changed_setting_is_seen_by_fixed_parts():
    template = engines["django"].from_string(
        '{% load fixed static %}{% fixed %}{% static "css/site.css" %}{% endfixed %}'
    )
    before = template.render({})
    with override_settings(STATIC_URL="/elsewhere/"):
        during = template.render({})
    after = template.render({})

    assert during.startswith("/elsewhere/") and not before.startswith("/elsewhere/")
    assert after == before


def test_static_urls_follow_a_changed_setting():
    before = staticfiles_storage.url("css/site.css")
    with override_settings(STATIC_URL="/elsewhere/"):
        assert staticfiles_storage.url("css/site.css").startswith("/elsewhere/")
    assert staticfiles_storage.url("css/site.css") == before


@pytest.mark.parametrize(
    "value",
    [
        {"places": [{"name": "</script><script>alert(1)</script>", "lat": 40.5, "n": 1}]},
        {"point": {"label": "Tom & Jerry's <b>", "lat": -0.000001}, "tiles": None},
        {"label": "Año · niño", "distance": 1976.66, "list": [1, 2.5, True, None]},
    ],
)
def test_the_map_data_script_is_json_script_written_faster(value):
    fast, slow = data_script(value, "results-map-data"), json_script(value, "results-map-data")

    assert fast.split(">", 1)[0] == slow.split(">", 1)[0]
    body = fast.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert json.loads(body) == json.loads(slow.split(">", 1)[1].rsplit("</script>", 1)[0])
    assert "<" not in body and ">" not in body and "&" not in body


@pytest.mark.parametrize(
    "query",
    ["", "near=10001", "near=10001&page=2", "page=3", "near=Albany%2C+NY&kind=a&kind=b&page=2"],
)
def test_the_share_links_query_is_what_querystring_writes(query):
    request = RequestFactory().get("/search?" + query)
    context = Context({})
    context.request = request
    expected = Template("{% querystring page=None %}").render(context)

    # {{ share_query }} is escaped as the tag's output is.
    assert conditional_escape(without_page(request)) == expected
    assert "page=" not in without_page(request)
    assert QueryDict(without_page(request).lstrip("?")).getlist("kind") == QueryDict(query).getlist(
        "kind"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_place_links_made_once_per_list_are_what_reverse_gives(language):
    with translation.override(language):
        path_of = place_paths()
        for slug in ["corner-pharmacy", "a_b-9", "x"]:
            assert path_of(slug) == reverse("location_detail", args=[slug])
            assert place_path(slug) == path_of(slug)
        with pytest.raises(NoReverseMatch):
            path_of("not a slug/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "street", ["1 Main St", "Café Ñandú & Sons, #4", "10 O'Neil Ave / Rear", "50% Plaza+"]
)
def test_a_directions_link_is_written_as_urlencode_writes_it(street):
    place = make_location(street_address=street, city="Albany", state="NY", zip_code="12207")
    destination = f"{street}, Albany, NY 12207"

    assert directions_url(place) == "https://www.google.com/maps/dir/?" + urlencode(
        {"api": 1, "destination": destination}
    )


@pytest.mark.parametrize("query", ["near=10001", "near=10001&page=2", "kind=a&kind=b&page=9"])
def test_the_page_links_query_is_what_querystring_writes(query):
    request = RequestFactory().get("/search?" + query)
    context = Context({"next": 3})
    context.request = request
    expected = Template("{% querystring page=next %}").render(context)

    assert conditional_escape(with_page(request, 3)) == expected


HEADING_TEMPLATE = (
    "{% load i18n %}{% if result.total %}{% blocktranslate count counter=result.total with "
    "distance=result.radius_words place=result.point.label %}{{ counter }} place within "
    "{{ distance }} of {{ place }}{% plural %}{{ counter }} places within {{ distance }} of "
    "{{ place }}{% endblocktranslate %}{% else %}{% blocktranslate with "
    "distance=result.radius_words place=result.point.label %}Nothing within {{ distance }} of "
    "{{ place }}{% endblocktranslate %}{% endif %}"
)
SUMMARY_TEMPLATE = (
    "{% load i18n %}{% blocktranslate with place=result.point.label %}Near {{ place }}"
    "{% endblocktranslate %} · {% blocktranslate with miles=result.radius %}{{ miles }} mi"
    "{% endblocktranslate %}{% if active_filters %} · {% blocktranslate count "
    "counter=active_filters|length %}{{ counter }} filter{% plural %}{{ counter }} filters"
    "{% endblocktranslate %}{% endif %}"
)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("total", [0, 1, 2, 1234])
@pytest.mark.parametrize("filters", [[], ["Free naloxone"], ["Free naloxone", "Open now"]])
def test_the_search_sentences_are_what_the_templates_wrote(language, total, filters):
    point = Point(42.65, -73.75, label="Tom & Jerry's <Albany>, NY", state="NY")
    result = SearchResult(point=point, radius=25, results=[], total=total, page=1)
    context = {"result": result, "active_filters": filters}
    with translation.override(language):
        assert results_heading(result) == engines["django"].from_string(HEADING_TEMPLATE).render(
            context
        )
        assert search_summary(result, len(filters)) == engines["django"].from_string(
            SUMMARY_TEMPLATE
        ).render(context)
