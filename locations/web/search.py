"""The search page: the form, the results list and their map."""

from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..domain.site import absolute_url, tile_settings
from ..domain.words import miles_away
from ..models import Location, help_lines_and_demo_flag
from ..models.places import place_paths
from ..search import (
    PageOutOfRange,
    SearchForm,
    SearchResult,
    run_search,
)
from ..services.geocoding import address_geocoder
from .search_params import (
    active_filters,
    clear_filters_url,
    form_context,
    search_pairs,
    with_query,
)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    if "near" not in request.GET:
        return render(request, "locations/search.html", form_context(request, SearchForm()))
    form = SearchForm(request.GET, geocode=address_geocoder())
    ctx = form_context(request, form)
    if not form.is_valid():
        ctx["error"] = form.first_error()
        ctx["place_choices"] = form.place_choices
        return render(request, "locations/search.html", ctx, status=400)
    try:
        ctx["result"] = run_search(form.cleaned_data)
    except PageOutOfRange as error:
        ctx["error"] = _("There is no page %(page)s of these results; the last is %(last)s.") % {
            "page": error.page,
            "last": error.pages,
        }
        return render(request, "locations/search.html", ctx, status=400)
    # The flyer and the embed show the same search from its first page.
    ctx["share_query"] = without_page(request)
    if ctx["result"].pages > 1:
        ctx["previous_page"] = with_page(request, ctx["result"].page - 1)
        ctx["next_page"] = with_page(request, ctx["result"].page + 1)
    ctx["active_filters"] = active_filters(form)
    ctx["clear_filters_url"] = clear_filters_url(request)
    ctx["results_map"] = results_map(ctx["result"])
    if not ctx["result"].total:
        # No dead end: national help lines, read with the demo-data check (one query, or
        # none when this process read them under this data version).
        version = getattr(request, "data_version", None)
        ctx["help_lines"], demo = help_lines_and_demo_flag(version)
        if demo is not None:
            ctx["demo_data_present"] = demo
    if ctx["result"].total:
        # A search that finds places is a page worth finding again: one canonical URL for
        # it, its own parameters only. Searches that find nothing stay out of the index.
        pairs = search_pairs(request.GET)
        if ctx["result"].page > 1:
            pairs.append(("page", str(ctx["result"].page)))
        if not ctx["result"].point.private:
            ctx["canonical_url"] = absolute_url(request, with_query(reverse("search"), pairs))
    return render(request, "locations/search.html", ctx)


def without_page(request: HttpRequest) -> str:
    """This page's query string without its page, as {% querystring page=None %} writes
    it: "?near=...", or "" when there is no query."""
    query = request.GET.copy()
    query.pop("page", None)
    return f"?{query.urlencode()}" if query or request.GET else ""


def with_page(request: HttpRequest, page: int) -> str:
    """This page's query string with another page, as {% querystring page=... %}."""
    query = request.GET.copy()
    query["page"] = str(page)
    return f"?{query.urlencode()}"


def results_map(result: SearchResult) -> dict | None:
    """Number the listed places (`location.number`; `distance_label` for their cards too)
    and return what the map draws: the numbered places that have coordinates, the
    searched point and the tile settings.

    Mail-based programs are not mapped (there is no place to visit), and in the fallback
    not numbered either. None when there is nothing to map.
    """
    listed = result.results or result.nearest_beyond
    first = result.first_number if result.results else 1
    path_of = place_paths()
    places = []
    for number, location in enumerate(listed, start=first):
        location.number = number
        if location.distance is not None:
            location.distance_label = miles_away(location.distance)
        location.on_map = (
            location.latitude is not None and location.kind != Location.Kind.MAIL_BASED
        )
        if not location.on_map:
            continue
        places.append(
            {
                "n": number,
                "slug": location.slug,
                "name": location.name,
                "url": path_of(location.slug),
                "lat": location.latitude,
                "lng": location.longitude,
                "distance": round(location.distance, 2),
                "distance_label": location.distance_label,
            }
        )
    if not places:
        return None
    point = result.point
    return {
        "places": places,
        "point": {"lat": point.latitude, "lng": point.longitude, "label": point.label},
        "tiles": tile_settings(),
    }
