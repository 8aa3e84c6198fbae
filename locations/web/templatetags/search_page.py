"""Template helpers for the search page: its form (see locations.web.fragments) and
its map's data."""

import orjson
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .. import fragments, search_sentences

register = template.Library()


@register.simple_tag(takes_context=True)
def search_fields(context) -> SafeString:
    """{% search_fields %}: the distance and filters of the search form, as
    includes/search_fields.html renders them for this context's choices."""
    return fragments.search_fields(context)


@register.simple_tag
def results_heading(result) -> SafeString:
    """{% results_heading result %}: the sentence over a search's results
    (search_sentences.results_heading)."""
    return search_sentences.results_heading(result)


@register.simple_tag
def search_summary(result, active_filters) -> SafeString:
    """{% search_summary result active_filters %}: the search in one line."""
    return search_sentences.search_summary(result, len(active_filters or ()))


# As json_script escapes them: nothing in the data can end the <script> element.
SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def data_script(value, element_id: str) -> SafeString:
    """{{ value|data_script:"id" }}: as Django's json_script filter, written with orjson
    (the map data of twenty places costs a tenth as much). `value` holds only what orjson
    writes (dicts, lists, strings, numbers, None), and text that is translated later."""
    data = orjson.dumps(value, default=str).decode().translate(SCRIPT_ESCAPES)
    return format_html(
        '<script id="{}" type="application/json">{}</script>', element_id, mark_safe(data)
    )
