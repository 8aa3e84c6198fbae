"""Street addresses to coordinates through the US Census Geocoder.

GEOCODER = "census" asks the Census Geocoder at GEOCODER_URL: one address at a time for
saves in the admin, its batch endpoint for imports. GEOCODER = "none" asks nobody. A
place the geocoder cannot find (or cannot be asked about) sits at the centre of its ZIP
code, marked approximate. Nothing here raises to the caller: a geocoder that is down or
answers nonsense is logged as a warning and the place falls back to its ZIP centre.
"""

import logging
import math
from collections.abc import Iterable, Sequence

import censusgeocode
from django.conf import settings

from ..models import Location, ZipCode

logger = logging.getLogger(__name__)

BENCHMARK = "Public_AR_Current"
# The Census batch endpoint takes at most 10,000 addresses per file.
BATCH_SIZE = 10_000
# The fields the geocoder reads; a change to any of them may move the place.
ADDRESS_FIELDS = frozenset({"street_address", "city", "state", "zip_code"})
COORDINATE_FIELDS = frozenset({"latitude", "longitude"})

Point = tuple[float, float]  # (latitude, longitude)


def enabled() -> bool:
    return settings.GEOCODER == "census"


def geocodable(location: Location) -> bool:
    """Only a place people walk into has a street address worth looking up."""
    return bool(
        location.street_address.strip()
        and location.kind != Location.Kind.MAIL_BASED
        and location.city
        and location.state
        and location.zip_code
    )


def _client() -> censusgeocode.CensusGeocode:
    client = censusgeocode.CensusGeocode(benchmark=BENCHMARK)
    # The client keeps its URL template on the class; this instance asks GEOCODER_URL.
    client._url = settings.GEOCODER_URL.rstrip("/") + "/{returntype}/{searchtype}"
    return client


def _point(latitude, longitude) -> Point | None:
    """A usable (latitude, longitude) from what the geocoder sent, else None."""
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def geocode_one(location: Location) -> Point | None:
    """The position of one street address, or None (no match, failure, or not asked)."""
    if not enabled() or not geocodable(location):
        return None
    address = f"{location.street_address}, {location.city}, {location.state} {location.zip_code}"
    try:
        matches = _client().address(
            location.street_address,
            city=location.city,
            state=location.state,
            zip=location.zip_code,
            returntype="locations",
            timeout=settings.GEOCODER_TIMEOUT,
        )
        if not matches:
            logger.info("Geocoder found no match for %s", address)
            return None
        if len(matches) > 1:
            # Several candidates: picking one could put the pin in the wrong town.
            logger.info("Geocoder found %d candidates for %s", len(matches), address)
            return None
        coordinates = matches[0]["coordinates"]
        point = _point(coordinates["y"], coordinates["x"])
    except Exception as error:  # the client lets requests', JSON and parsing errors through
        logger.warning("Geocoder failed for %s: %r", address, error)
        return None
    if point is None:
        logger.warning("Geocoder sent unusable coordinates for %s", address)
    return point


def address_geocoder():
    """The function the public search looks street addresses up with, or None when
    SEARCH_GEOCODE_ADDRESSES (or the geocoder) is off."""
    if settings.SEARCH_GEOCODE_ADDRESSES and enabled():
        return geocode_address
    return None


def geocode_address(text: str) -> Point | None:
    """(latitude, longitude) of an address a visitor typed, or None. The address is
    neither logged nor kept: a failure is logged without it."""
    try:
        matches = _client().onelineaddress(
            text, returntype="locations", timeout=settings.GEOCODER_TIMEOUT
        )
        if not matches or len(matches) > 1:
            return None
        coordinates = matches[0]["coordinates"]
        return _point(coordinates["y"], coordinates["x"])
    except Exception as error:
        logger.warning("Geocoder failed for a search address: %s", type(error).__name__)
        return None


def geocode_many(locations: Sequence[Location]) -> dict[int, Point]:
    """Positions of many street addresses through the batch endpoint, keyed by each
    location's index in `locations`; those not found (or not asked about) are left out."""
    if not enabled():
        return {}
    wanted = [(index, loc) for index, loc in enumerate(locations) if geocodable(loc)]
    found: dict[int, Point] = {}
    for start in range(0, len(wanted), BATCH_SIZE):
        found.update(_geocode_batch(wanted[start : start + BATCH_SIZE]))
    return found


def _geocode_batch(chunk: list[tuple[int, Location]]) -> dict[int, Point]:
    rows = [
        {
            "id": index,
            "street": location.street_address,
            "city": location.city,
            "state": location.state,
            "zip": location.zip_code,
        }
        for index, location in chunk
    ]
    asked = {str(index) for index, _location in chunk}
    try:
        results = _client().addressbatch(
            rows, returntype="locations", timeout=settings.GEOCODER_BATCH_TIMEOUT
        )
    except Exception as error:
        logger.warning("Geocoder batch of %d addresses failed: %r", len(rows), error)
        return {}
    found: dict[int, Point] = {}
    strays = 0
    for result in results:
        row_id = (result.get("id") or "").strip()
        if row_id not in asked:
            # An error page read as CSV ends up here, one "row" per line of it.
            strays += 1
            continue
        if result.get("match"):
            point = _point(result.get("lat"), result.get("lon"))
            if point is not None:
                found[int(row_id)] = point
    if strays:
        logger.warning(
            "Geocoder batch of %d addresses: %d lines of the answer were not results",
            len(rows),
            strays,
        )
    return found


_LOOK_UP = object()


def set_point(location: Location, point: Point | None, zip_row=_LOOK_UP) -> None:
    """Place the location where the geocoder found it, else at its ZIP code's centre.

    `zip_row` is the location's ZipCode when the caller has it (None: not in our table);
    an unknown ZIP code leaves the coordinates as they were.
    """
    if point is not None:
        location.latitude, location.longitude = point
        location.location_precision = Location.Precision.ADDRESS
        return
    if zip_row is _LOOK_UP:
        zip_row = ZipCode.objects.filter(code=location.zip_code).first()
    if zip_row is not None:
        location.latitude, location.longitude = zip_row.latitude, zip_row.longitude
        location.location_precision = Location.Precision.ZIP_CENTROID


def place_edited(location: Location, changed_fields: Iterable[str]) -> bool | None:
    """Decide where a location edited by a person goes, before it is saved.

    `changed_fields` are the fields the person changed (all of them for a new place).
    Coordinates the person set win: nobody is asked, and they are marked set by hand
    (unless the person chose the precision too).
    Blank coordinates, a new place, or a changed address ask the geocoder; without a
    match the place goes to its ZIP code's centre, marked approximate. A changed ZIP code
    nobody looks up moves the place to the new ZIP's centre, as an import does, and its
    time zone is taken again from the new ZIP (unless the person chose one).

    Returns whether the geocoder found the address, or None when it was not asked.
    """
    changed = set(changed_fields)
    if "zip_code" in changed and "timezone" not in changed:
        # The old ZIP's zone may be wrong now; a blank one is filled in on saving.
        location.timezone = ""
    if changed & COORDINATE_FIELDS and location.latitude is not None:
        if "location_precision" not in changed:  # unless they said how exact it is
            location.location_precision = Location.Precision.MANUAL
        return None
    address_changed = location._state.adding or bool(changed & ADDRESS_FIELDS)
    if enabled() and geocodable(location) and (address_changed or location.latitude is None):
        point = geocode_one(location)
        set_point(location, point)
        return point is not None
    if location.latitude is None or "zip_code" in changed:
        # Not looked up (no street address, or geocoding off): the ZIP centre stands in,
        # and a place whose ZIP changed follows it rather than stay in the old one.
        set_point(location, None)
    return None
