"""Parts of public pages rendered once and kept in this process: a bounded LRU each,
keyed by everything the part shows, so a kept part is never out of date.

The result cards keep theirs in locations.web.result_cards; the search form's distance
and filters (includes/search_fields.html) are kept here, per language and choices made:
most searches choose only a distance, so a handful of copies serve nearly every page.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..domain.lru import LRU
from ..search import SearchForm

SEARCH_FIELDS_TEMPLATE = "includes/search_fields.html"
search_fields_kept = LRU(500)

# The values each choice list offers: a chosen value outside them selects nothing.
RADIUS_VALUES = frozenset(value for value, _label in SearchForm.base_fields["radius"].choices)
LANGUAGE_VALUES = frozenset(value for value, _label in SearchForm.base_fields["language"].choices)
KIND_VALUES = frozenset(value for value, _label in SearchForm.base_fields["kind"].choices)


def search_fields(context) -> SafeString:
    """includes/search_fields.html for the context of search_params.form_context."""
    radius = context.get("selected_radius")
    language = context.get("selected_language")
    chosen = {
        "selected_radius": radius if radius in RADIUS_VALUES else None,
        "selected_language": language if language in LANGUAGE_VALUES else None,
        "selected_kinds": sorted(set(context.get("selected_kinds") or ()) & KIND_VALUES),
        "filters_on": context.get("filters_on") or 0,
    }
    flags = context["flags"]
    key = (
        get_language(),
        chosen["selected_radius"],
        chosen["selected_language"],
        tuple(chosen["selected_kinds"]),
        chosen["filters_on"],
        tuple((field.name, bool(on)) for field, on in flags),
    )
    html = search_fields_kept.get(key)
    if html is None:
        html = render_to_string(
            SEARCH_FIELDS_TEMPLATE, {"form": context["form"], "flags": flags, **chosen}
        )
        search_fields_kept.put(key, html)
    return mark_safe(html)
