"""Small builders for test data: each returns a saved object with plausible defaults.

Also the accounts of each staff role, the public's submissions, and CSV rows to import.
"""

import csv
import io
import itertools
from datetime import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from locations.exchange.csv_format import COLUMNS
from locations.models import Location, OpeningHours, ProblemReport, Suggestion, ZipCode
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
    saved = save_listing(location)
    if saved.held:
        # Builders lay out a directory as it stands, where staff have already decided:
        # many tests put alike test pharmacies at one spot. The holding itself is tested
        # through save_listing (tests/services/test_held_duplicates.py).
        location.status = defaults["status"]
        Location.objects.filter(pk=location.pk).update(status=location.status)
    for weekday, opens, closes in hours or []:
        OpeningHours.objects.create(
            location=location, weekday=weekday, opens=time(*opens), closes=time(*closes)
        )
    return location


# Accounts. The app makes the two staff groups after every migrate (and test flush).
OUTREACH_STAFF = "Outreach staff"
DIRECTORY_ADMINS = "Directory admins"


def make_user(username: str, *groups: str, password: str | None = "pw", **fields):
    """An account in the named groups, email <username>@example.org unless told otherwise;
    not staff unless is_staff=True."""
    fields.setdefault("email", f"{username}@example.org")
    user = get_user_model().objects.create_user(username, password=password, **fields)
    user.groups.add(*(Group.objects.get(name=name) for name in groups))
    return user


def make_outreach_staff(username: str = "outreach", **fields):
    """Staff in the Outreach staff group: keeps the directory, deletes no listing."""
    return make_user(username, OUTREACH_STAFF, is_staff=True, **fields)


def make_directory_admin(username: str = "director", **fields):
    """Staff in the Directory admins group (not a superuser): also manages staff accounts."""
    return make_user(username, DIRECTORY_ADMINS, is_staff=True, **fields)


def make_superuser(username: str = "root", password: str | None = "pw", **fields):
    """A superuser, email <username>@example.org unless told otherwise."""
    fields.setdefault("email", f"{username}@example.org")
    return get_user_model().objects.create_superuser(username, password=password, **fields)


# What the public sends in.


def make_suggestion(**fields) -> Suggestion:
    """A new suggestion of a harm reduction program in New York (ZIP 10001)."""
    defaults = dict(
        name="Eastside Harm Reduction",
        kind=Location.Kind.HARM_REDUCTION,
        street_address="100 E 14th St",
        city="New York",
        state="NY",
        zip_code="10001",
        phone="+12125550199",
        website="https://eastside.example.org",
        offerings=["free_naloxone", "training"],
        notes="Ask at the front desk.",
        contact_email="visitor@example.net",
    )
    defaults.update(fields)
    return Suggestion.objects.create(**defaults)


def make_report(location: Location, **fields) -> ProblemReport:
    """A new report of a wrong phone number on the listing."""
    defaults = dict(problem=ProblemReport.Problem.WRONG_PHONE, details="New number")
    defaults.update(fields)
    return ProblemReport.objects.create(location=location, **defaults)


# CSV files to import.


def row(**fields) -> dict:
    """One CSV row: a pharmacy in ZIP 10001 unless told otherwise."""
    return {
        "external_id": "A1",
        "name": "Corner Pharmacy",
        "kind": "pharmacy",
        "city": "New York",
        "state": "NY",
        "zip_code": "10001",
        **fields,
    }


def csv_text(*rows: dict) -> str:
    """The rows as CSV, with the columns they use in the documented order."""
    used = {key for r in rows for key in r}
    columns = [c for c in COLUMNS if c in used] + sorted(used - set(COLUMNS))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def xlsx_bytes(*rows: list, sheets: int = 1) -> bytes:
    """An Excel workbook whose first sheet holds these rows (the first names the columns);
    `None` leaves a cell empty, a row of its own an empty sheet row."""
    from openpyxl import Workbook

    workbook = Workbook()
    for cells in rows:
        workbook.active.append(list(cells) if cells is not None else [])
    for number in range(1, sheets):
        workbook.create_sheet(f"Other {number}").append(["not", "read"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
