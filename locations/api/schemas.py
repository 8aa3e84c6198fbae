"""What the API answers and accepts, as typed schemas (the OpenAPI schema comes from
these)."""

from datetime import date
from typing import Literal

from ninja import Field, Schema

from ..models import Location
from ..search import LANGUAGE_CHOICES, PAGE_SIZE, RADIUS_CHOICES

# The values the search form reads as a filter on or off; "1" and "0" are the usual ones.
FLAG_VALUES = ["1", "0", "true", "false", "on", "off", "yes", "no"]


def enum(values: list[str], example):
    """json_schema_extra that lists a parameter's values as an enum in the OpenAPI schema:
    on the string (or the array's items) inside the optional parameter's anyOf."""

    def extra(schema: dict) -> None:
        for option in schema.get("anyOf", [schema]):
            if option.get("type") == "string":
                option["enum"] = values
            elif option.get("type") == "array":
                option["items"] = {"type": "string", "enum": values}
        schema["example"] = example

    return extra


def flag(description: str):
    """An on/off filter of the search, with its values as an enum in the OpenAPI schema."""
    return Field(None, description=description, json_schema_extra=enum(FLAG_VALUES, "1"))


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
        json_schema_extra=enum([str(r) for r in RADIUS_CHOICES], "25"),
    )
    kind: list[str] | None = Field(
        None,
        description="Repeatable: "
        + ", ".join(Location.Kind.values)
        + ". Several kinds mean any of them.",
        json_schema_extra=enum(list(Location.Kind.values), ["pharmacy", "harm_reduction"]),
    )
    free: str | None = flag("1: free naloxone only.")
    no_prescription: str | None = flag("1: no prescription needed only.")
    open_now: str | None = flag("1: open now, in each place's own time zone.")
    no_police: str | None = flag("1: leave out police and sheriff sites.")
    walk_in: str | None = flag("1: walk-in places only.")
    anonymous: str | None = flag("1: anonymous places only (no ID asked for).")
    nasal_spray: str | None = flag("1: places with naloxone nasal spray only.")
    injectable: str | None = flag("1: places with injectable naloxone only.")
    fentanyl_test_strips: str | None = flag("1: places with fentanyl test strips only.")
    wheelchair_accessible: str | None = flag("1: wheelchair-accessible places only.")
    open_24_7: str | None = flag("1: places where naloxone can be had at any hour only.")
    sells_otc: str | None = flag("1: places that sell naloxone over the counter only.")
    training: str | None = flag("1: places that offer overdose response training only.")
    language: str | None = Field(
        None,
        description="A language the staff speak.",
        json_schema_extra=enum([value for value, _label in LANGUAGE_CHOICES], "Spanish"),
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
