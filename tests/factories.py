"""Small builders for test data: each returns a saved object with plausible defaults."""

import itertools
from datetime import time

from locations.models import Location, OpeningHours, ZipCode
from locations.services.listings import save_listing

_counter = itertools.count(1)

# A few real ZIP centroids (from the zipcodes package) that tests can rely on.
ZIPS = {
    "10001": ("New York", "NY", "New York County", 40.7484, -73.9967, "America/New_York"),
    "10011": ("New York", "NY", "New York County", 40.7402, -73.9996, "America/New_York"),
    "11201": ("Brooklyn", "NY", "Kings County", 40.6937, -73.9892, "America/New_York"),
    "12207": ("Albany", "NY", "Albany County", 42.6575, -73.7461, "America/New_York"),
    "60601": ("Chicago", "IL", "Cook County", 41.8858, -87.6181, "America/Chicago"),
    "60602": ("Chicago", "IL", "Cook County", 41.8830, -87.6292, "America/Chicago"),
    "94103": ("San Francisco", "CA", "San Francisco County", 37.7725, -122.4147,
              "America/Los_Angeles"),
    "59001": ("Absarokee", "MT", "Stillwater County", 45.5205, -109.4429, "America/Denver"),
}  # fmt: skip


def make_zipcodes(*codes: str) -> list[ZipCode]:
    """Save the named ZIPs from ZIPS (all of them when none are named)."""
    made = []
    for code in codes or ZIPS:
        city, state, county, lat, lng, tz = ZIPS[code]
        made.append(
            ZipCode.objects.update_or_create(
                code=code,
                defaults=dict(
                    city=city,
                    state=state,
                    county=county,
                    latitude=lat,
                    longitude=lng,
                    timezone=tz,
                ),
            )[0]
        )
    return made


def make_location(**fields) -> Location:
    """A published pharmacy in New York unless told otherwise."""
    n = next(_counter)
    defaults = dict(
        name=f"Test Pharmacy {n}",
        kind=Location.Kind.PHARMACY,
        street_address=f"{n} Main St",
        city="New York",
        state="NY",
        zip_code="10001",
        latitude=40.7484,
        longitude=-73.9967,
        timezone="America/New_York",
        status=Location.Status.PUBLISHED,
    )
    defaults.update(fields)
    hours = defaults.pop("hours", None)
    location = Location(**defaults)
    save_listing(location)
    for weekday, opens, closes in hours or []:
        OpeningHours.objects.create(
            location=location, weekday=weekday, opens=time(*opens), closes=time(*closes)
        )
    return location
