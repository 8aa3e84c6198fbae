"""The public read-only API under /api/v1/: JSON and GeoJSON, the OpenAPI schema at
/api/v1/openapi.json and a plain HTML guide at /api/v1/docs.

What every answer shares (rate limit, CORS, Cache-Control and ETag, JSON errors for
unknown paths and wrong methods) is added in middleware.py; `PublicAPI` declares it in
the schema.
"""

import re
from datetime import date
from typing import Literal
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status

from . import exports
from .models import Location
from .search import PAGE_SIZE, PageOutOfRange, SearchForm, SearchResult, run_search
from .usps import STATES
from .views import absolute_url

GEOJSON = "application/geo+json"
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


def declare_shared_responses(responses: dict) -> None:
    """Add to one operation's responses what middleware.py gives every answer."""
    success = responses.get(200)
    if success is not None:
        content = success.get("content", {})
        if GEOJSON in content and "application/json" in content:
            # ninja declares every model as JSON; this one is served as GeoJSON only.
            content[GEOJSON] = content.pop("application/json")
        success.setdefault("headers", {}).update(
            {
                "ETag": {
                    "description": "Tag of this answer's content",
                    "schema": {"type": "string"},
                },
                "Cache-Control": {
                    "description": "public, max-age=300",
                    "schema": {"type": "string"},
                },
            }
        )
        responses.setdefault(
            304,
            {"description": "Not Modified: If-None-Match named the current ETag. No body."},
        )
    responses.setdefault(
        429,
        {
            "description": "Too Many Requests: this address used up its allowance (API_RATE_LIMIT)",
            "headers": {
                "Retry-After": {
                    "description": "Seconds until the allowance renews",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
    )


class PublicAPI(NinjaAPI):
    """The API, with a schema that also declares the shared answers (304, 429, headers)."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for path_item in schema["paths"].values():
            for operation in path_item.values():
                declare_shared_responses(operation["responses"])
        return schema


api = PublicAPI(
    title="Naloxone Finder API",
    version="1",
    description=(
        "Places that carry naloxone, searchable by distance, as JSON or GeoJSON. Read-only; "
        "no key needed; open to scripts on any site (CORS). A guide with examples is at "
        "/api/v1/docs."
    ),
    urls_namespace="api",
    # ninja's own docs page loads Swagger UI from a CDN; /api/v1/docs is ours instead.
    docs_url=None,
)


class Error(Schema):
    error: str = Field(description="What was wrong, in one sentence.")


class PlaceFields(Schema):
    """What the JSON search and the GeoJSON say about each place."""

    slug: str
    name: str
    kind: str
    kind_label: str
    street_address: str
    address_line2: str
    city: str
    state: str
    zip_code: str
    location_precision: str
    distance_miles: float | None = Field(description="From the searched point; null elsewhere")
    phone: str
    phone_display: str
    website: str
    url: str
    open_now: bool
    offerings: list[str]
    last_verified_on: date | None


class LocationOut(PlaceFields):
    latitude: float | None = Field(description="WGS 84; null only for a place with no position")
    longitude: float | None


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


class SearchParams(Schema):
    """The /search page's query string. Typed loosely on purpose: the search form
    validates, so the page and the API accept and reject exactly the same input."""

    near: str = Field(
        description='A 5-digit ZIP (a ZIP+4 is read as its first five digits), "City, ST" '
        '(or the state\'s full name) or "lat,lng".',
        json_schema_extra={"example": "10001"},
    )
    radius: str | None = Field(
        None,
        description="Miles: 1, 5, 10, 25, 50 or 100 (default 10).",
        json_schema_extra={"example": "25"},
    )
    kind: list[str] | None = Field(
        None,
        description="Repeatable: "
        + ", ".join(Location.Kind.values)
        + ". Several kinds mean any of them.",
        json_schema_extra={"example": ["pharmacy", "harm_reduction"]},
    )
    free: str | None = Field(
        None, description="1: free naloxone only.", json_schema_extra={"example": "1"}
    )
    no_prescription: str | None = Field(
        None, description="1: no prescription needed only.", json_schema_extra={"example": "1"}
    )
    open_now: str | None = Field(
        None,
        description="1: open now, in each place's own time zone.",
        json_schema_extra={"example": "1"},
    )
    no_police: str | None = Field(
        None,
        description="1: leave out police and sheriff sites.",
        json_schema_extra={"example": "1"},
    )
    page: str | None = Field(
        None,
        description=f"1 and up; {PAGE_SIZE} results a page.",
        json_schema_extra={"example": "2"},
    )


class PointGeometry(Schema):
    type: Literal["Point"]
    coordinates: list[float] = Field(
        min_length=2, max_length=2, description="[longitude, latitude] (RFC 7946)"
    )


class FeatureProperties(PlaceFields):
    group: Literal["result", "nearest_beyond", "mail_based"] = Field(
        description="result: within the radius. When nothing is: nearest_beyond (the nearest "
        "places farther away) and mail_based (programs that mail to the searched state)."
    )


class Feature(Schema):
    type: Literal["Feature"]
    id: str = Field(description="The place's permanent slug")
    geometry: PointGeometry | None
    properties: FeatureProperties


class FeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[Feature]
    # Foreign members (RFC 7946 section 6.1): the same paging as the JSON search.
    count: int
    page: int
    pages: int
    per_page: int
    radius_miles: int
    near: PointOut
    next: str | None
    previous: str | None


class StateOut(Schema):
    state: str = Field(description="USPS code")
    name: str
    count: int = Field(description="Published places in the state")
    cities_url: str


class StatesOut(Schema):
    states: list[StateOut]


class CityOut(Schema):
    city: str
    slug: str = Field(description="The city's part of the /states/<st>/<city>/ page address")
    count: int = Field(description="Published places in the city")
    locations_url: str = Field(description="API search around the city")


class CitiesOut(Schema):
    state: str
    name: str
    count: int = Field(description="Published places in these cities")
    cities: list[CityOut]


@api.exception_handler(NinjaValidationError)
def invalid_request(request: HttpRequest, exc: NinjaValidationError):
    fields = sorted({".".join(str(p) for p in e.get("loc", [])[1:]) for e in exc.errors})
    message = _("Invalid or missing parameter: %(names)s") % {
        "names": ", ".join(f for f in fields if f)
    }
    return api.create_response(request, {"error": message}, status=400)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    message = _("No published location has that slug.")
    return api.create_response(request, {"error": message}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, {"error": str(exc)}, status=exc.status_code)


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


def searched(request: HttpRequest) -> SearchResult:
    """The search in the query string, or HttpError 400 with the form's first message.

    Three queries (see search.py): the ZIP or city lookup, the count, and the page of
    results, or, when nothing is within the radius, the fallback.
    """
    form = SearchForm(request.GET)
    if not form.is_valid():
        raise HttpError(400, form.first_error())
    try:
        return run_search(form.cleaned_data)
    except PageOutOfRange as error:
        message = _("There is no page %(page)s; the last is %(last)s.") % {
            "page": error.page,
            "last": error.pages,
        }
        raise HttpError(400, message) from None


def paging(request: HttpRequest, result: SearchResult) -> dict:
    """Count, page links and the searched point: the same in JSON and GeoJSON."""
    point = result.point
    return {
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
    }


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
def search_locations(request: HttpRequest, params: Query[SearchParams]):
    result = searched(request)
    return Status(
        200,
        {
            **paging(request, result),
            "results": [location_out(request, loc) for loc in result.results],
            "nearest_beyond": [location_out(request, loc) for loc in result.nearest_beyond],
            "mail_based": [location_out(request, loc) for loc in result.mail_based],
        },
    )


@api.get(
    "/locations/{slug}",
    response={200: LocationDetailOut, 404: Error},
    summary="One place by its permanent slug",
    description="With its description, languages, the states a mail-based program serves "
    "and its opening hours (weekday 0 is Monday; times in the place's own time zone; a "
    "closing time at or before the opening time runs past midnight).",
)
def get_location(
    request: HttpRequest,
    slug: str = Path(description="The place's permanent slug, from a search result"),
):
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


def feature(request: HttpRequest, location: Location, group: str) -> dict:
    """One place as a GeoJSON Feature: a Point at [longitude, latitude] (RFC 7946)."""
    properties = location_out(request, location)
    longitude, latitude = properties.pop("longitude"), properties.pop("latitude")
    geometry = None
    if latitude is not None and longitude is not None:
        geometry = {"type": "Point", "coordinates": [longitude, latitude]}
    return {
        "type": "Feature",
        "id": location.slug,
        "geometry": geometry,
        "properties": {**properties, "group": group},
    }


@api.get(
    "/locations.geojson",
    response={200: FeatureCollection, 400: Error},
    summary="Search places by distance, as GeoJSON",
    description=(
        "The same search, parameters and paging as /api/v1/locations, as an RFC 7946 "
        "FeatureCollection (media type application/geo+json) for maps. Each Feature is a "
        "Point at [longitude, latitude] with the place's public fields as properties; "
        "count, page, pages, next and previous sit beside `features`. When nothing is "
        "within the radius, the features are the nearest places farther away (group "
        "nearest_beyond) and the programs that mail to the searched state (group "
        "mail_based)."
    ),
    openapi_extra={"responses": {200: {"content": {GEOJSON: {}}}}},
)
def search_locations_geojson(
    request: HttpRequest, response: HttpResponse, params: Query[SearchParams]
):
    result = searched(request)
    response["Content-Type"] = GEOJSON
    features = [
        *[feature(request, loc, "result") for loc in result.results],
        *[feature(request, loc, "nearest_beyond") for loc in result.nearest_beyond],
        *[feature(request, loc, "mail_based") for loc in result.mail_based],
    ]
    return Status(
        200, {"type": "FeatureCollection", "features": features, **paging(request, result)}
    )


@api.get(
    "/states",
    response={200: StatesOut},
    summary="States and territories with published places, and how many",
    description="Ordered by name; states with no published place are left out.",
)
def list_states(request: HttpRequest):
    # One query: the count per state.
    return Status(
        200,
        {
            "states": [
                {
                    **row,
                    "cities_url": absolute_url(
                        request, reverse("api:list_cities", args=[row["state"]])
                    ),
                }
                for row in Location.objects.state_counts()
            ]
        },
    )


@api.get(
    "/states/{st}/cities",
    response={200: CitiesOut, 404: Error},
    summary="Cities of one state with published places, and how many",
    description="`st` is a USPS code such as NY (any case). An unknown code is a 404; a "
    "state with no published places has an empty list.",
)
def list_cities(
    request: HttpRequest, st: str = Path(description="USPS code of a state or territory")
):
    state = st.upper()
    if state not in STATES:
        message = _("There is no US state or territory with the code %(code)s.") % {"code": st}
        return Status(404, {"error": message})
    # One query: the count per spelling of each city's name.
    cities = [
        {
            **row,
            "locations_url": absolute_url(
                request,
                reverse("api:search_locations")
                + "?"
                + urlencode({"near": f"{row['city']}, {state}"}),
            ),
        }
        for row in Location.objects.city_counts(state)
    ]
    return Status(
        200,
        {
            "state": state,
            "name": STATES[state],
            "count": sum(row["count"] for row in cities),
            "cities": cities,
        },
    )


@api.get("/docs", include_in_schema=False)
def docs(request: HttpRequest):
    """The human guide to the API: our own page, with no third-party assets."""
    with translation.override("en"):  # written in English only
        response = render(request, "api_docs.html", docs_context(request))
    response["Content-Language"] = "en"
    return response


def code_spans(text: str) -> str:
    """Markdown's `code` in a schema description as HTML <code>, the rest escaped."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))


def docs_context(request: HttpRequest) -> dict:
    """The endpoints as the OpenAPI schema describes them, so the guide cannot drift."""
    schema = api.get_openapi_schema()
    endpoints = []
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description_html": code_spans(operation.get("description", "")),
                    "parameters": [
                        {
                            "name": param["name"],
                            "where": param["in"],
                            "required": param.get("required", False),
                            "description": param.get("description", "")
                            or param.get("schema", {}).get("description", ""),
                        }
                        for param in operation.get("parameters", [])
                    ],
                    "responses": sorted(
                        (int(status), answer.get("description", ""))
                        for status, answer in operation["responses"].items()
                    ),
                }
            )
    return {
        "endpoints": endpoints,
        "base_url": absolute_url(request, reverse("api:api-root")).rstrip("/"),
        "site_url": absolute_url(request, "/").rstrip("/"),
        "rate_limit": settings.API_RATE_LIMIT,
        "licence": exports.LICENCE,
        "page_size": PAGE_SIZE,
    }


# The open data exports: files, not JSON, so their media types are declared by hand.
@api.get(
    "/export/locations.csv",
    summary="Every published place as CSV",
    description=(
        "All published places in the CSV format `manage.py import_locations` reads, one row "
        "each, with the slug as `external_id`. An attachment named with today's date."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV, UTF-8, with a header row",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_locations_csv(request: HttpRequest):
    return exports.csv_response()


@api.get(
    "/export/hsds.zip",
    summary="Every published place as Open Referral HSDS 3.1",
    description=(
        "A zip of Human Services Data Specification 3.1 CSV tables (organizations, "
        "locations, addresses, services, schedules, phones, languages, attributes, "
        "taxonomies) with the datapackage.json that describes them."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "A zip archive (a Frictionless tabular data package)",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_hsds_zip(request: HttpRequest):
    return exports.hsds_response(absolute_url(request, "/").rstrip("/"))
