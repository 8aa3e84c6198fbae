"""Share kits: one-page flyers to print and pin up, each with a QR code to the live page."""

from datetime import date, datetime, time

from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..domain.hours import MIDNIGHT
from ..domain.open_status import clock_time
from ..domain.site import absolute_url
from ..domain.usps import STATES
from ..models import Location
from .search_params import active_filters, nearest_places, search_pairs, with_query
from .state_urls import moved_to, state_in_url

FLYER_LIMIT = 10
FLYER_MAIL_BASED = 5
STATE_FLYER_PLACES = 10  # a state with more places than this lists its cities instead
STATE_FLYER_CITIES = 12


def hours_summary(location: Location) -> str:
    """The week's hours in one line, on the place's own clock: "Mon–Fri 9 AM–5 PM; Sat
    10 AM–2 PM" (translated day names and clock), "" when none are listed. Needs no
    query after for_listing()."""
    by_day: dict[int, tuple] = {}
    for weekday, opens, closes in sorted(location.opening_periods()):
        by_day[weekday] = (*by_day.get(weekday, ()), (opens, closes))
    if not by_day:
        return ""
    all_day = ((MIDNIGHT, MIDNIGHT),)
    if len(by_day) == 7 and all(periods == all_day for periods in by_day.values()):
        return _("Open 24 hours, every day")
    runs: list[list] = []  # [first day, last day, periods]: neighbouring days alike
    for day, periods in sorted(by_day.items()):
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == periods:
            runs[-1][1] = day
        else:
            runs.append([day, day, periods])
    parts = []
    for first, last, periods in runs:
        days = str(WEEKDAYS_ABBR[first])
        if last != first:
            days += f"–{WEEKDAYS_ABBR[last]}"
        times = ", ".join(
            _("24 hours") if opens == closes == MIDNIGHT else f"{clock(opens)}–{clock(closes)}"
            for opens, closes in periods
        )
        parts.append(f"{days} {times}")
    return "; ".join(parts)


def clock(value: time) -> str:
    return clock_time(datetime.combine(date.min, value))


def for_print(places: list[Location]) -> list[Location]:
    """Give each place its `hours_summary` for a flyer."""
    for place in places:
        place.hours_summary = hours_summary(place)
    return places


@require_safe
def search_flyer(request: HttpRequest) -> HttpResponse:
    """A printable flyer of a search's nearest places, with a QR code to the live results."""
    search_url = with_query(reverse("search"), search_pairs(request.GET))
    form, result, error = nearest_places(request)
    if result is None:
        ctx = {"error": error, "search_url": search_url}
        return render(request, "locations/search_flyer.html", ctx, status=400)
    ctx = {
        "result": result,
        "places": for_print((result.results or result.nearest_beyond)[:FLYER_LIMIT]),
        "mail_based": [] if result.total else for_print(result.mail_based[:FLYER_MAIL_BASED]),
        "filters": active_filters(form),
        "search_url": search_url,
        "live_url": absolute_url(request, search_url),
        "today": timezone.localdate(),
    }
    return render(request, "locations/search_flyer.html", ctx)


@require_safe
def state_flyer(request: HttpRequest, state: str) -> HttpResponse:
    """A printable flyer for a state, with a QR code to the live state page: its places
    when there are few, else the cities with the most; and the programs that mail there."""
    code = state_in_url(state)
    if state != code.lower():
        return moved_to(request, reverse("state_flyer", args=[code.lower()]))
    cities = Location.objects.city_counts(code)
    total = sum(city["count"] for city in cities)
    # One more than shown, to know whether to say there are more.
    by_mail = Location.objects.mailing_to(code).for_listing().order_by("name", "pk")
    by_mail = list(by_mail[: FLYER_MAIL_BASED + 1])
    places = []
    if total <= STATE_FLYER_PLACES:
        places = (
            Location.objects.published()
            .filter(state=code)
            .exclude(pk__in=[place.pk for place in by_mail])
            .for_listing()
            .order_by("city", "name", "pk")
        )
    top_cities = sorted(cities, key=lambda city: (-city["count"], city["city"].casefold()))
    top_cities = [] if places else top_cities[:STATE_FLYER_CITIES]
    state_url = reverse("state", args=[code.lower()])
    ctx = {
        "state": {"code": code, "name": STATES[code]},
        "total": total,
        "places": for_print(list(places)),
        "top_cities": top_cities,
        "other_cities": len(cities) - len(top_cities) if top_cities else 0,
        "other_places": total - sum(city["count"] for city in top_cities) if top_cities else 0,
        "by_mail": for_print(by_mail[:FLYER_MAIL_BASED]),
        "more_by_mail": len(by_mail) > FLYER_MAIL_BASED,
        "state_url": state_url,
        "live_url": absolute_url(request, state_url),
        "today": timezone.localdate(),
    }
    return render(request, "locations/state_flyer.html", ctx)
