"""The public read-only JSON API under /api/v1/ (OpenAPI schema at /api/v1/openapi.json)."""

from datetime import date

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status

from .models import Location
from .search import PAGE_SIZE, PageOutOfRange, SearchForm, SearchResult, run_search
from .views import absolute_url

api = NinjaAPI(
    title="Naloxone Finder API",
    version="1",
    description="Places that carry naloxone, searchable by distance. Read-only; no key needed.",
    urls_namespace="api",
)


class Error(Schema):
    error: str


class LocationOut(Schema):
    slug: str
    name: str
    kind: str
    kind_label: str
    street_address: str
    address_line2: str
    city: str
    state: str
    zip_code: str
    latitude: float
    longitude: float
    location_precision: str
    distance_miles: float | None
    phone: str
    phone_display: str
    website: str
    url: str
    open_now: bool
    offerings: list[str]
    last_verified_on: date | None


class PointOut(Schema):
    query: str
    label: str
    latitude: float
    longitude: float
    state: str


class SearchOut(Schema):
    count: int
    page: int
    pages: int
    per_page: int
    radius_miles: int
    near: PointOut
    next: str | None
    previous: str | None
    results: list[LocationOut]
    nearest_beyond: list[LocationOut]
    mail_based: list[LocationOut]


class HoursOut(Schema):
    weekday: int
    opens: str
    closes: str


class LocationDetailOut(LocationOut):
    description: str
    email: str
    timezone: str
    languages: list[str]
    states_served: list[str]
    hours: list[HoursOut]


@api.exception_handler(NinjaValidationError)
def invalid_request(request: HttpRequest, exc: NinjaValidationError):
    fields = sorted({".".join(str(p) for p in e.get("loc", [])[1:]) for e in exc.errors})
    message = "Invalid or missing parameter: " + ", ".join(f for f in fields if f)
    return api.create_response(request, {"error": message}, status=400)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(
        request, {"error": "No published location has that slug."}, status=404
    )


def location_out(request: HttpRequest, location: Location) -> dict:
    distance = getattr(location, "distance", None)
    return {
        "slug": location.slug,
        "name": location.name,
        "kind": location.kind,
        "kind_label": str(location.get_kind_display()),
        "street_address": location.street_address,
        "address_line2": location.address_line2,
        "city": location.city,
        "state": location.state,
        "zip_code": location.zip_code,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "location_precision": location.location_precision,
        "distance_miles": round(distance, 2) if distance is not None else None,
        "phone": location.phone,
        "phone_display": location.phone_display,
        "website": location.website,
        "url": absolute_url(request, location.get_absolute_url()),
        "open_now": location.open_now,
        "offerings": [name for name, _label in Location.OFFERINGS if getattr(location, name)],
        "last_verified_on": location.last_verified_on,
    }


def page_link(request: HttpRequest, result: SearchResult, page: int) -> str | None:
    if not 1 <= page <= result.pages or page == result.page:
        return None
    query = request.GET.copy()
    query["page"] = str(page)
    return absolute_url(request, f"{request.path}?{query.urlencode()}")


@api.get(
    "/locations",
    response={200: SearchOut, 400: Error},
    summary="Search places by distance",
    description=(
        'Same parameters as the /search page. `near` is a 5-digit ZIP, "City, ST" or '
        '"lat,lng"; `radius` is 1, 5, 10, 25, 50 or 100 miles (default 10); `kind` may '
        "repeat; the flags free, no_prescription, open_now and no_police take 1 or 0. "
        f"{PAGE_SIZE} results a page, nearest first. When nothing is within the radius, "
        "`nearest_beyond` lists the nearest places farther away and `mail_based` the "
        "programs that mail naloxone to the searched state."
    ),
)
def search_locations(
    request: HttpRequest,
    near: str,
    radius: str | None = None,
    kind: list[str] = Query(None),  # noqa: B008 (ninja's way to declare a repeated parameter)
    free: str | None = None,
    no_prescription: str | None = None,
    open_now: str | None = None,
    no_police: str | None = None,
    page: str | None = None,
):
    # The declared parameters document the API; validation is the search form's, so the
    # page and the API accept and reject exactly the same input.
    form = SearchForm(request.GET)
    if not form.is_valid():
        return Status(400, {"error": form.first_error()})
    try:
        result = run_search(form.cleaned_data)
    except PageOutOfRange as error:
        message = f"There is no page {error.page}; the last is {error.pages}."
        return Status(400, {"error": message})
    point = result.point
    return Status(
        200,
        {
            "count": result.total,
            "page": result.page,
            "pages": result.pages,
            "per_page": PAGE_SIZE,
            "radius_miles": result.radius,
            "near": {
                "query": request.GET["near"],
                "label": point.label,
                "latitude": point.latitude,
                "longitude": point.longitude,
                "state": point.state,
            },
            "next": page_link(request, result, result.page + 1),
            "previous": page_link(request, result, result.page - 1),
            "results": [location_out(request, loc) for loc in result.results],
            "nearest_beyond": [location_out(request, loc) for loc in result.nearest_beyond],
            "mail_based": [location_out(request, loc) for loc in result.mail_based],
        },
    )


@api.get(
    "/locations/{slug}",
    response={200: LocationDetailOut, 404: Error},
    summary="One place by its permanent slug",
)
def get_location(request: HttpRequest, slug: str):
    location = get_object_or_404(Location.objects.published().prefetch_related("hours"), slug=slug)
    location.open_now = location.is_open_at(timezone.now())
    return Status(
        200,
        {
            **location_out(request, location),
            "description": location.description,
            "email": location.email,
            "timezone": location.timezone,
            "languages": location.languages,
            "states_served": location.states_served,
            "hours": [
                {"weekday": h.weekday, "opens": f"{h.opens:%H:%M}", "closes": f"{h.closes:%H:%M}"}
                for h in location.hours.all()
            ],
        },
    )
