"""Browse pages: every state, its cities, a city's places; links to share and crawl."""

from django.core.paginator import InvalidPage, Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..domain.site import absolute_url
from ..domain.usps import STATES
from ..models import Location
from .state_urls import moved_to, search_near_url, state_in_url

# Browse pages: every state, its cities, a city's places. Links people can share and
# search engines can follow without typing a place. URLs use lower-case state codes.
CITY_PAGE_SIZE = 50


@require_safe
def browse_states(request: HttpRequest) -> HttpResponse:
    ctx = {
        "states": Location.objects.state_counts(),
        "canonical_url": absolute_url(request, request.path),
    }
    return render(request, "locations/states.html", ctx)


@require_safe
def browse_state(request: HttpRequest, state: str) -> HttpResponse:
    code = state_in_url(state)
    if state != code.lower():
        return moved_to(request, reverse("state", args=[code.lower()]))
    cities = Location.objects.city_counts(code)
    by_mail = Location.objects.mailing_to(code).for_listing().order_by("name", "pk")
    ctx = {
        "state": {"code": code, "name": STATES[code]},
        "cities": cities,
        "total": sum(city["count"] for city in cities),
        "by_mail": list(by_mail),
        "canonical_url": absolute_url(request, request.path),
    }
    return render(request, "locations/state.html", ctx)


@require_safe
def browse_city(request: HttpRequest, state: str, city: str) -> HttpResponse:
    code = state_in_url(state)
    if state != code.lower() or city != city.lower():
        return moved_to(request, reverse("city", args=[code.lower(), city.lower()]))
    spellings = [
        (name, count)
        for name, count in Location.objects.city_spellings(code)
        if slugify(name) == city
    ]
    if not spellings:
        raise Http404(_("We have no listings in that city."))
    places = (
        Location.objects.published()
        .filter(state=code, city__in=[name for name, _count in spellings])
        .for_listing()
        .order_by("name", "pk")
    )
    paginator = Paginator(places, CITY_PAGE_SIZE)
    # The spellings query already counted the places: spare the paginator its COUNT.
    paginator.count = sum(count for _name, count in spellings)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404(_("There is no such page of this city’s listings.")) from None
    name = spellings[0][0]  # the spelling most of its places use
    path = request.path if page.number == 1 else f"{request.path}?page={page.number}"
    ctx = {
        "state": {"code": code, "name": STATES[code]},
        "city": {"name": name, "slug": city},
        "page": page,
        "search_url": search_near_url(name, code),
        "canonical_url": absolute_url(request, path),
    }
    return render(request, "locations/city.html", ctx)
