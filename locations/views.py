from datetime import date, datetime, time
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from .hours import MIDNIGHT
from .models import Location, clock_time
from .search import (
    DEFAULT_RADIUS,
    TRUE_VALUES,
    FlagField,
    PageOutOfRange,
    SearchForm,
    SearchResult,
    run_search,
)
from .usps import STATES, state_code

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
        "filters_on": len(on) + len(request.GET.getlist("kind")),
    }


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "locations/home.html", form_context(request, SearchForm()))


@require_safe
def naloxone(request: HttpRequest) -> HttpResponse:
    return render(request, "locations/naloxone.html", form_context(request, SearchForm()))


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    if "near" not in request.GET:
        return render(request, "locations/search.html", form_context(request, SearchForm()))
    form = SearchForm(request.GET)
    ctx = form_context(request, form)
    if not form.is_valid():
        ctx["error"] = form.first_error()
        return render(request, "locations/search.html", ctx, status=400)
    try:
        ctx["result"] = run_search(form.cleaned_data)
    except PageOutOfRange as error:
        ctx["error"] = _("There is no page %(page)s of these results; the last is %(last)s.") % {
            "page": error.page,
            "last": error.pages,
        }
        return render(request, "locations/search.html", ctx, status=400)
    ctx["active_filters"] = active_filters(form)
    ctx["clear_filters_url"] = clear_filters_url(request)
    ctx["results_map"] = results_map(ctx["result"])
    if ctx["result"].total:
        # A search that finds places is a page worth finding again: one canonical URL for
        # it, its own parameters only. Searches that find nothing stay out of the index.
        pairs = search_pairs(request.GET)
        if ctx["result"].page > 1:
            pairs.append(("page", str(ctx["result"].page)))
        ctx["canonical_url"] = absolute_url(request, with_query(reverse("search"), pairs))
    return render(request, "locations/search.html", ctx)


def active_filters(form: SearchForm) -> list[str]:
    """Labels of the filters a valid search has on, for "Filters on: …"."""
    data = form.cleaned_data
    kinds = [str(Location.Kind(kind).label) for kind in data["kind"]]
    return [str(form.fields[flag].label) for flag in FLAGS if data[flag]] + kinds


def clear_filters_url(request: HttpRequest) -> str:
    """The same search (place and distance) with every filter off."""
    query = {key: request.GET[key] for key in ("near", "radius") if request.GET.get(key)}
    return reverse("search") + "?" + urlencode(query)


def results_map(result: SearchResult) -> dict | None:
    """Number the listed places (`location.number`) and return what the map draws: the
    numbered places that have coordinates, the searched point and the tile settings.

    Mail-based programs are not mapped (there is no place to visit), and in the fallback
    not numbered either. None when there is nothing to map.
    """
    listed = result.results or result.nearest_beyond
    first = result.first_number if result.results else 1
    places = []
    for number, location in enumerate(listed, start=first):
        location.number = number
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
                "url": location.get_absolute_url(),
                "lat": location.latitude,
                "lng": location.longitude,
                "distance": round(location.distance, 2),
                "distance_label": _("%(miles)s mi") % {"miles": floatformat(location.distance, 1)},
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


@require_safe
def location_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        location = Location.objects.published().prefetch_related("hours").get(slug=slug)
    except Location.DoesNotExist:
        # A listing merged into another keeps its shared links working.
        kept = Location.objects.published().filter(merged_from__slug=slug).only("slug").first()
        if kept is None:
            raise Http404("No such location.") from None
        return HttpResponsePermanentRedirect(kept.get_absolute_url())
    ctx = location_context(request, location)
    ctx["description"] = _(
        "Naloxone at %(name)s in %(city)s, %(state)s: address, hours, phone and what is offered."
    ) % {"name": location.name, "city": location.city, "state": location.state}
    ctx["structured_data"] = structured_data(location, ctx["permalink"])
    ctx["location_map"] = location_map(location)
    ctx["share_config"] = {
        "title": location.name,
        "copied": _("Link copied"),
        "selectToCopy": _("The link is selected: press Ctrl+C (⌘C on a Mac) to copy it."),
    }
    return render(request, "locations/location_detail.html", ctx)


@require_safe
def location_flyer(request: HttpRequest, slug: str) -> HttpResponse:
    """A one-page printable sheet about a place, with a QR code of its permalink."""
    location = get_object_or_404(Location.objects.published().prefetch_related("hours"), slug=slug)
    return render(request, "locations/flyer.html", location_context(request, location))


def location_context(request: HttpRequest, location: Location) -> dict:
    """What the detail page and the flyer both show. The permalink is the page's absolute
    URL in the current language, so a Spanish page shares the Spanish link."""
    moment = timezone.now()
    permalink = absolute_url(request, location.get_absolute_url())
    return {
        "location": location,
        "status": location.open_status(moment),
        "week": location.week(moment),
        "permalink": permalink,
        "canonical_url": permalink,
        "directions_url": directions_url(location),
    }


# schema.org types by kind; kinds not named here are an Organization.
SCHEMA_TYPES = {
    Location.Kind.PHARMACY: "Pharmacy",
    Location.Kind.LAW_ENFORCEMENT: "PoliceStation",
    Location.Kind.HOSPITAL: "Hospital",
    Location.Kind.CLINIC: "MedicalOrganization",
    Location.Kind.HEALTH_DEPARTMENT: "MedicalOrganization",
}
# Coordinates and opening hours are properties of a schema.org Place: the types that are
# not places carry them on a nested Place (their `location`).
SCHEMA_PLACE_TYPES = {"Pharmacy", "PoliceStation", "Hospital"}
SCHEMA_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def structured_data(location: Location, permalink: str) -> dict:
    """schema.org JSON-LD about a place for search engines, from public fields only."""
    schema_type = SCHEMA_TYPES.get(location.kind, "Organization")
    street = ", ".join(part for part in [location.street_address, location.address_line2] if part)
    address = {
        "@type": "PostalAddress",
        **({"streetAddress": street} if street else {}),
        "addressLocality": location.city,
        "addressRegion": location.state,
        "postalCode": location.zip_code,
        "addressCountry": "US",
    }
    place = {}
    if location.latitude is not None and location.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": location.latitude,
            "longitude": location.longitude,
        }
    hours = []
    for weekday, opens, closes in location.opening_periods():
        all_day = opens == closes == time(0)  # 00:00-00:00; schema.org writes 00:00-23:59
        hours.append(
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[weekday]}",
                "opens": f"{opens:%H:%M}",
                "closes": "23:59" if all_day else f"{closes:%H:%M}",
            }
        )
    if hours:
        place["openingHoursSpecification"] = hours
    data = {
        "@context": "https://schema.org",
        "@type": schema_type,
        "name": location.name,
        "url": permalink,
        "address": address,
    }
    if location.phone:
        data["telephone"] = location.phone
    if location.description:
        data["description"] = location.description
    if schema_type in SCHEMA_PLACE_TYPES:
        data.update(place)
    elif place:
        data["location"] = {"@type": "Place", "address": address, **place}
    return data


def tile_settings() -> dict:
    """Where the maps' tiles come from, for the scripts that draw them."""
    return {
        "url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "max_zoom": settings.MAP_TILE_MAX_ZOOM,
    }


def location_map(location: Location) -> dict | None:
    """What the detail page's map draws: the place and the tile settings. None when there
    is no place to show (no coordinates, or a mail-based program)."""
    if location.latitude is None or location.kind == Location.Kind.MAIL_BASED:
        return None
    return {
        "lat": location.latitude,
        "lng": location.longitude,
        "name": location.name,
        "approximate": location.is_approximate,
        "tiles": tile_settings(),
    }


def absolute_url(request: HttpRequest, path: str) -> str:
    """A full URL on the configured public site (SITE_URL), else on this request's host."""
    if settings.SITE_URL:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path)


def directions_url(location: Location) -> str:
    """A maps link that phones open in their own maps app; "" for a program that mails
    naloxone or a place with neither a street address nor a position."""
    if location.kind == Location.Kind.MAIL_BASED:
        return ""
    if location.street_address and not location.is_approximate:
        destination = ", ".join(
            [location.street_address, location.city, f"{location.state} {location.zip_code}"]
        )
    elif location.latitude is not None:
        destination = f"{location.latitude},{location.longitude}"
    else:
        return ""
    return "https://www.google.com/maps/dir/?" + urlencode({"api": 1, "destination": destination})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Load balancers ask here: 200 when the database answers, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


# Embedding and share kits. The embed and the flyers show a search's nearest places, not
# a page of them, so they never read `page`.
EMBED_LIMIT = 10
SEARCH_PARAMS = ["near", "radius", *FLAGS, "kind"]  # the search form's order


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
    form = SearchForm(query)
    if not form.is_valid():
        return form, None, form.first_error()
    return form, run_search(form.cleaned_data), ""


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@require_safe
def embed(request: HttpRequest) -> HttpResponse:
    """The compact results list partner sites show in an iframe: the only page any site
    may frame. Its links open the full site in a new tab."""
    pairs = search_pairs(request.GET)
    ctx = {
        "near": request.GET.get("near", ""),
        # The partner's distance and filters ride along when a visitor types a place.
        "kept": [(name, value) for name, value in pairs if name != "near"],
        "search_url": with_query(reverse("search"), pairs),
    }
    if not request.GET.get("near", "").strip():
        return render(request, "locations/embed.html", ctx)
    _form, result, ctx["error"] = nearest_places(request)
    if result is None:
        return render(request, "locations/embed.html", ctx, status=400)
    ctx["result"] = result
    ctx["places"] = (result.results or result.nearest_beyond)[:EMBED_LIMIT]
    return render(request, "locations/embed.html", ctx)


@require_safe
def embed_code(request: HttpRequest) -> HttpResponse:
    """The iframe snippet for a chosen search, with a live preview of the embed."""
    query = request.GET.copy()
    query.pop("page", None)
    form = SearchForm(query)
    ctx = form_context(request, form)
    near = " ".join(query.get("near", "").split())
    if not form.is_valid():
        if not near:
            # Without a place the embed asks its visitors for one: not an error here.
            form.errors.pop("near", None)
        if form.errors:
            ctx["error"] = form.first_error()
            return render(request, "locations/embed_code.html", ctx, status=400)
    path = with_query(reverse("embed"), search_pairs(query))
    title = _("Naloxone near %(place)s") % {"place": near} if near else _("Find naloxone near you")
    ctx["snippet"] = format_html(
        '<iframe src="{}" title="{}" width="100%" height="600" loading="lazy"></iframe>',
        absolute_url(request, path),
        title,
    )
    ctx["preview_url"] = path
    ctx["embed_config"] = {
        "embedUrl": absolute_url(request, reverse("embed")),
        "previewUrl": reverse("embed"),
        "title": _("Naloxone near %(place)s"),
        "titleAny": _("Find naloxone near you"),
        "copied": _("Copied. Paste it into your web page’s HTML."),
        "copyFailed": _("Your browser did not let us copy: the code is selected, copy it."),
    }
    return render(request, "locations/embed_code.html", ctx)


# Share kits: one-page flyers to print and pin up, each with a QR code to the live page.
# Paper outlives "open now", so flyers show each place's week of hours instead.
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


def state_in_url(text: str) -> str:
    """The USPS code a URL's state part names ("ny", "NY", "new-york"), else 404."""
    code = state_code(text.replace("-", " "))
    if code is None:
        raise Http404(_("There is no state or territory “%(state)s”.") % {"state": text})
    return code


def moved_to(request: HttpRequest, path: str) -> HttpResponsePermanentRedirect:
    """A 301 to the canonical spelling of this page, query string kept."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


def search_near_url(city: str, state: str) -> str:
    """The search near a city, as /search?near=City,+ST."""
    return reverse("search") + "?" + urlencode({"near": f"{city}, {state}"}, safe=",")


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


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawl every public page, not the API. Names the sitemap by its absolute URL, as the
    robots.txt standard asks. The admin is left out, since naming it here would publish its
    configurable path (its pages say noindex themselves). Searches that find places are
    crawlable (each names its canonical URL); those that find nothing say noindex."""
    ctx = {
        "disallow": ["/api/"],
        "sitemap_url": absolute_url(request, reverse("sitemap")),
    }
    return render(request, "robots.txt", ctx, content_type="text/plain; charset=utf-8")
