"""The API's endpoints: search, one place, GeoJSON, states and cities, and the open data
exports."""

from functools import lru_cache
from urllib.parse import urlencode

import orjson
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query
from ninja.errors import HttpError
from ninja.responses import Status

from ..domain.site import absolute_url
from ..domain.usps import STATES
from ..exchange import csv_export, hsds
from ..models import Location
from ..models.places import place_path
from ..search import PAGE_SIZE, PageOutOfRange, SearchForm, SearchResult, run_search
from ..services.geocoding import address_geocoder
from .app import ERROR_SCHEMA, GEOJSON, api
from .schemas import (
    CitiesOut,
    Error,
    FeatureCollection,
    LocationDetailOut,
    SearchOut,
    SearchParams,
    StatesOut,
)


def place_urls(request: HttpRequest):
    """slug -> the absolute URL of that place's page, with one reverse() per request."""
    root = absolute_url(request, "/").removesuffix("/")
    return lambda slug: root + place_path(slug)


@lru_cache(maxsize=16)
def kind_labels(language: str) -> dict[str, str]:
    """Each kind's label in one language (the active one when first asked)."""
    return {value: str(label) for value, label in Location.Kind.choices}


def location_out(request: HttpRequest, location: Location, url_of=None) -> dict:
    """One place as the API gives it. `url_of` (from place_urls) saves a reverse() for
    each place of a list."""
    distance = getattr(location, "distance", None)
    url_of = url_of or place_urls(request)
    return {
        "slug": location.slug,
        "name": location.name,
        "kind": location.kind,
        "kind_label": kind_labels(get_language()).get(location.kind, location.kind),
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
        "url": url_of(location.slug),
        "open_now": location.open_now,
        "offerings": [name for name, _label in Location.OFFERINGS if getattr(location, name)],
        "last_verified_on": location.last_verified_on,
    }


def trusted_json(payload: dict, content_type: str = "application/json") -> HttpResponse:
    """An answer built here from rows, written straight to JSON (orjson) rather than
    validated against its schema again on every request; tests check that the answers
    fit the schemas (tests/api/test_api_schema.py)."""
    return HttpResponse(orjson.dumps(payload), content_type=content_type)


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
    form = SearchForm(request.GET, geocode=address_geocoder())
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
        "repeat; the flags (free, no_prescription, open_now, no_police and each offering: "
        "walk_in, anonymous, nasal_spray, injectable, fentanyl_test_strips, "
        "wheelchair_accessible, open_24_7, sells_otc, training) take 1 or 0; `language` "
        "keeps places whose staff speak it. "
        f"{PAGE_SIZE} results a page, nearest first. When nothing is within the radius, "
        "`nearest_beyond` lists the nearest places farther away and `mail_based` the "
        "programs that mail naloxone to the searched state."
    ),
)
def search_locations(request: HttpRequest, params: Query[SearchParams]):
    result = searched(request)
    url_of = place_urls(request)
    return trusted_json(
        {
            **paging(request, result),
            "results": [location_out(request, loc, url_of) for loc in result.results],
            "nearest_beyond": [location_out(request, loc, url_of) for loc in result.nearest_beyond],
            "mail_based": [location_out(request, loc, url_of) for loc in result.mail_based],
        }
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


def feature(request: HttpRequest, location: Location, group: str, url_of=None) -> dict:
    """One place as a GeoJSON Feature: a Point at [longitude, latitude] (RFC 7946)."""
    properties = location_out(request, location, url_of)
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
def search_locations_geojson(request: HttpRequest, params: Query[SearchParams]):
    result = searched(request)
    url_of = place_urls(request)
    features = [
        *[feature(request, loc, "result", url_of) for loc in result.results],
        *[feature(request, loc, "nearest_beyond", url_of) for loc in result.nearest_beyond],
        *[feature(request, loc, "mail_based", url_of) for loc in result.mail_based],
    ]
    return trusted_json(
        {"type": "FeatureCollection", "features": features, **paging(request, result)},
        content_type=GEOJSON,
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


# The exports are built in the background (locations/web/caching.py): until the first
# copy is stored, a 503 that asks to come back.
NOT_BUILT_YET = {
    "description": "Service Unavailable: the file is being prepared (a first build), or the "
    "database did not answer; come back after Retry-After",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before asking again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/json": {"schema": ERROR_SCHEMA}},
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
            },
            503: NOT_BUILT_YET,
        }
    },
)
def export_locations_csv(request: HttpRequest):
    return csv_export.csv_response()


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
            },
            503: NOT_BUILT_YET,
        }
    },
)
def export_hsds_zip(request: HttpRequest):
    return hsds.hsds_response(absolute_url(request, "/").rstrip("/"))
