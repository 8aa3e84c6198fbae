"""What the API answers and accepts, as typed schemas (the OpenAPI schema comes from
these)."""

from datetime import date
from typing import Literal

from ninja import Field, Schema

from ..models import Location
from ..search import PAGE_SIZE


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
