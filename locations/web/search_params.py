"""A search's parameters as pages read and link them: the form's flags, the query of a
search in a canonical order, and the nearest places a query finds."""

from urllib.parse import urlencode

from django.http import (
    HttpRequest,
    QueryDict,
)
from django.urls import reverse

from ..models import Location
from ..search import (
    DEFAULT_RADIUS,
    TRUE_VALUES,
    FlagField,
    SearchForm,
    SearchResult,
    run_search,
)
from ..services.geocoding import address_geocoder

FLAGS = [name for name, field in SearchForm.base_fields.items() if isinstance(field, FlagField)]


def form_context(request: HttpRequest, form: SearchForm) -> dict:
    """What the search form needs to show the query it was given. A filter is on (its box
    ticked) for any value FlagField reads as on: 1, true, on or yes."""
    on = [name for name in FLAGS if (request.GET.get(name) or "").strip().lower() in TRUE_VALUES]
    return {
        "form": form,
        "flags": [(form[name], name in on) for name in FLAGS],
        "selected_radius": request.GET.get("radius") or str(DEFAULT_RADIUS),
        "selected_kinds": request.GET.getlist("kind"),
        "selected_language": (request.GET.get("language") or "").strip(),
        "filters_on": len(on)
        + len(request.GET.getlist("kind"))
        + bool((request.GET.get("language") or "").strip()),
    }


def active_filters(form: SearchForm) -> list[str]:
    """Labels of the filters a valid search has on, for "Filters on: …"."""
    data = form.cleaned_data
    kinds = [str(Location.Kind(kind).label) for kind in data["kind"]]
    flags = [str(form.fields[flag].label) for flag in FLAGS if data[flag]]
    if data.get("language"):
        language = dict(form.fields["language"].choices)[data["language"]]
        flags.append(f"{form.fields['language'].label}: {language}")
    return flags + kinds


def clear_filters_url(request: HttpRequest) -> str:
    """The same search (place and distance) with every filter off."""
    query = {key: request.GET[key] for key in ("near", "radius") if request.GET.get(key)}
    return reverse("search") + "?" + urlencode(query)


SEARCH_PARAMS = ["near", "radius", *FLAGS, "language", "kind"]  # the search form's order


def search_pairs(query: QueryDict) -> list[tuple[str, str]]:
    """The search's own parameters from a query, in the form's order: no blanks, no page,
    filters only when on (as 1). Embed and share links are built from these."""
    pairs = []
    for name in SEARCH_PARAMS:
        for value in query.getlist(name):
            value = value.strip()
            if name in FLAGS:
                if value.lower() in TRUE_VALUES:
                    pairs.append((name, "1"))
            elif value:
                pairs.append((name, value))
    return pairs


def with_query(path: str, pairs: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(pairs)}" if pairs else path


def nearest_places(request: HttpRequest) -> tuple[SearchForm, SearchResult | None, str]:
    """Run the search in the request's query, page left out: (form, result, "") or
    (form, None, error)."""
    query = request.GET.copy()
    query.pop("page", None)
    form = SearchForm(query, geocode=address_geocoder())
    if not form.is_valid():
        return form, None, form.first_error()
    return form, run_search(form.cleaned_data), ""
