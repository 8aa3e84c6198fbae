"""The directory as open data: every published place as a CSV file in the import format,
and as an Open Referral HSDS 3.1 tabular data package (a zip of CSV tables described by
datapackage.json).

Both read the rows through `export_locations()`: one query, however many places there
are, read in chunks from a server-side cursor so that memory stays flat. Only public
columns are ever loaded; staff-only fields (internal notes, who verified a place and
how, import provenance) cannot leak into a file because they are never read.
"""

import csv
import hashlib
import io
import json
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, time
from typing import IO

from django.conf.locale import LANG_INFO
from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.db.models import CharField, Count, Max, OuterRef, QuerySet
from django.db.models import Value as V
from django.db.models.functions import Concat
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation

from .hours import MIDNIGHT, format_hours
from .importer import COLUMNS, OFFERING_COLUMNS, spreadsheet_safe
from .models import Location, OpeningHours, format_phone
from .usps import STATES

LICENCE = "Open data, reuse freely; please credit Naloxone Finder"
# Columns the exports read: what the public pages and API show, nothing staff-only.
EXPORT_FIELDS = [
    *Location.LISTING_FIELDS,
    "description", "email", "languages", "states_served", "updated_at",
]  # fmt: skip
# Rows fetched per round trip of the server-side cursor.
CHUNK_SIZE = 2000
# Spooled tables stay in memory up to this size, then move to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024
BUFFER_CHARS = 64 * 1024
HSDS_CACHE_KEY = "exports:hsds.zip"
# An upper bound on how long a package built by older code can outlive a deploy.
HSDS_CACHE_SECONDS = 60 * 60


def with_export_columns(locations: QuerySet, *extra: str) -> QuerySet:
    """Places with their public columns only (and `extra` ones), and their opening hours
    as `hours_rows` (["0 09:00:00 17:00:00", ...]: weekday, opens, closes).

    The hours come in an array subquery, so an export is one query; a prefetch would
    need every place in memory at once to collect their ids.
    """
    hours = (
        OpeningHours.objects.filter(location=OuterRef("pk"))
        .order_by("weekday", "opens", "closes")
        .values(row=Concat("weekday", V(" "), "opens", V(" "), "closes", output_field=CharField()))
    )
    return locations.only(*EXPORT_FIELDS, *extra).annotate(hours_rows=ArraySubquery(hours))


def export_locations() -> QuerySet:
    """Every published place for the exports, in a stable order (see with_export_columns)."""
    return with_export_columns(Location.objects.published()).order_by(
        "state", "city", "name", "slug"
    )


def hours_of(location: Location) -> list[tuple[int, time, time]]:
    """The (weekday, opens, closes) rows `export_locations()` put on a place."""
    rows = []
    for row in location.hours_rows:
        weekday, opens, closes = row.split(" ")
        rows.append((int(weekday), time.fromisoformat(opens), time.fromisoformat(closes)))
    return rows


def export_id(slug: str) -> str:
    """The external_id a place gets in the CSV export: its slug, which is unique and never
    changes. The rare slug longer than an external_id may be (100 characters) is cut
    short and ends in a hash of the whole slug, so it stays unique and stable."""
    limit = Location._meta.get_field("external_id").max_length
    if len(slug) <= limit:
        return slug
    digest = hashlib.sha1(slug.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{slug[: limit - 9]}-{digest}"


US_PHONE = re.compile(r"\+1(\d{3})(\d{3})(\d{4})")


def phone_for_csv(e164: str) -> str:
    """(212) 555-0100 rather than +12125550100, which spreadsheets take for a formula.
    Written directly for US numbers: phonenumbers would take a tenth of a millisecond
    a row, seconds for a large directory."""
    if match := US_PHONE.fullmatch(e164):
        return "({}) {}-{}".format(*match.groups())
    return format_phone(e164)


def dated_filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


# The CSV export ------------------------------------------------------------------------


def csv_row(location: Location) -> dict[str, str]:
    """One place as a row of the import format (README, "Loading data").

    The slug is the external_id: it is unique across the whole directory and never
    changes, while a source's own IDs are only unique within that source (and rows
    added in the admin have none). A pin that is only the centre of the ZIP code is
    left blank, as in an import file, so that importing the row places it the same way
    and keeps it marked approximate.
    """
    approximate = location.location_precision == Location.Precision.ZIP_CENTROID
    has_pin = location.latitude is not None and not approximate
    verified = location.last_verified_on
    return {
        "external_id": export_id(location.slug),
        "name": spreadsheet_safe(location.name),
        "kind": location.kind,
        "street_address": spreadsheet_safe(location.street_address),
        "address_line2": spreadsheet_safe(location.address_line2),
        "city": spreadsheet_safe(location.city),
        "state": location.state,
        "zip_code": location.zip_code,
        "latitude": repr(location.latitude) if has_pin else "",
        "longitude": repr(location.longitude) if has_pin else "",
        "phone": phone_for_csv(location.phone),
        "website": location.website,
        "email": location.email,
        "description": spreadsheet_safe(location.description),
        "status": location.status,
        "last_verified_on": verified.isoformat() if verified else "",
        "hours": format_hours(hours_of(location)),
        **{name: "yes" if getattr(location, name) else "no" for name in OFFERING_COLUMNS},
        "languages": spreadsheet_safe("; ".join(location.languages)),
        "states_served": " ".join(location.states_served),
    }


class _Echo:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    locations: Iterable[Location], batch: int = 500, row: Callable = csv_row
) -> Iterator[str]:
    """The header, then each place made a row by `row`, in pieces of `batch` rows (one
    piece per row would make the server write thousands of tiny chunks)."""
    writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS)
    yield writer.writeheader()
    pending: list[str] = []
    for location in locations:
        pending.append(writer.writerow(row(location)))
        if len(pending) >= batch:
            yield "".join(pending)
            pending = []
    if pending:
        yield "".join(pending)


def csv_response() -> StreamingHttpResponse:
    """Every published place as a streamed CSV attachment."""
    rows = export_locations().iterator(chunk_size=CHUNK_SIZE)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    filename = dated_filename("naloxone-finder-locations", "csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The HSDS 3.1 data package ------------------------------------------------------------
#
# Mapping: each place is an organization (the pharmacy, department or program that
# hands naloxone out: HSDS's provider of the service) with one location, one service
# "Naloxone" delivered there (service_at_location), an address when it has a street
# address, a phone, weekly schedules, languages and, for mail-based programs, service
# areas (the states they mail to). Its kind and its offerings are attributes pointing
# at terms of two taxonomies of our own.

HSDS_VERSION = "3.1"
# Namespace of the uuid5 ids: an id depends only on the slug (and what the row is), so
# re-exports keep every id.
HSDS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "naloxone-finder:hsds")


def hsds_id(*parts: str) -> str:
    """uuid5(HSDS_NAMESPACE, "part/part/..."), written out by hand: the same string
    str(uuid.uuid5(...)) gives, in a third of the time (an export makes a dozen a place)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + "/".join(parts).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_NAMESPACE_BYTES = HSDS_NAMESPACE.bytes


def _field(name, type="string", format=None, *, required=False, unique=False, enum=None):
    field = {"name": name, "type": type}
    if format:
        field["format"] = format
    constraints = {"required": required}
    if unique:
        constraints["unique"] = True
    if enum:
        constraints["enum"] = enum
    field["constraints"] = constraints
    return field


def _id():
    return _field("id", format="uuid", required=True, unique=True)


def _ref(name, required=False):
    return _field(name, format="uuid", required=required)


# The tables we fill, in the order of the spec's datapackage, each with every scalar
# field of its schema/<table>.json in HSDS 3.1 (the arrays are other tables). Types are
# the Frictionless ones (the spec's `datapackage_type` where it gives one); "required"
# is the spec's `required` plus its `tabular_required`, the links a CSV row must fill.
HSDS_TABLES = {
    "organization": {
        "path": "organizations.csv",
        "description": "The providers: one per place (the pharmacy, department or program).",
        "fields": [
            _id(),
            _field("name", required=True),
            _field("alternate_name"),
            _field("description", required=True),
            _field("email", format="email"),
            _field("website", format="uri"),
            _field("tax_status"),
            _field("tax_id"),
            _field("year_incorporated", "number"),
            _field("legal_status"),
            _field("logo"),
            _field("uri", format="uri"),
            _ref("parent_organization_id"),
        ],
        "links": {"parent_organization_id": "organization"},
    },
    "service": {
        "path": "services.csv",
        "description": 'One service "Naloxone" for each place.',
        "fields": [
            _id(),
            _ref("organization_id", required=True),
            _ref("program_id"),
            _field("name", required=True),
            _field("alternate_name"),
            _field("description"),
            _field("url", format="uri"),
            _field("email", format="email"),
            _field(
                "status",
                required=True,
                enum=["active", "inactive", "defunct", "temporarily closed"],
            ),
            _field("interpretation_services"),
            _field("application_process"),
            _field("fees_description"),
            _field("wait_time"),
            _field("fees"),
            _field("accreditations"),
            _field("eligibility_description"),
            _field("minimum_age", "number"),
            _field("maximum_age", "number"),
            _field("assured_date", "date"),
            _field("assurer_email", format="email"),
            _field("licenses"),
            _field("alert"),
            _field("last_modified", "datetime"),
        ],
        "links": {"organization_id": "organization"},
    },
    "attribute": {
        "path": "attributes.csv",
        "description": "Each place's kind (on its location) and offerings (on its service "
        "or, for wheelchair access, its location), as taxonomy terms.",
        "fields": [
            _id(),
            _field("link_id", format="uuid", required=True),
            _ref("taxonomy_term_id", required=True),
            _field("link_type"),
            _field("link_entity", required=True),
            _field("value"),
            _field("label"),
        ],
        # link_id points at the table link_entity names, which a foreign key cannot say.
        "links": {"taxonomy_term_id": "taxonomy_term"},
    },
    "service_at_location": {
        "path": "service_at_location.csv",
        "description": "Where each service is delivered.",
        "fields": [
            _id(),
            _ref("service_id", required=True),
            _ref("location_id", required=True),
            _field("description"),
        ],
        "links": {"service_id": "service", "location_id": "location"},
    },
    "location": {
        "path": "locations.csv",
        "description": "One per place: physical, or virtual for programs that mail naloxone.",
        "fields": [
            _id(),
            _field("location_type", required=True, enum=["physical", "postal", "virtual"]),
            _field("url", format="uri"),
            _ref("organization_id"),
            _field("name"),
            _field("alternate_name"),
            _field("description"),
            _field("transportation"),
            _field("latitude", "number"),
            _field("longitude", "number"),
            _field("external_identifier"),
            _field("external_identifier_type"),
        ],
        "links": {"organization_id": "organization"},
    },
    "phone": {
        "path": "phones.csv",
        "description": "Each place's phone number (E.164).",
        "fields": [
            _id(),
            _ref("location_id"),
            _ref("service_id"),
            _ref("organization_id"),
            _ref("contact_id"),
            _ref("service_at_location_id"),
            _field("number", required=True),
            _field("extension", "number"),
            _field("type"),
            _field("description"),
        ],
        "links": {
            "location_id": "location",
            "service_id": "service",
            "organization_id": "organization",
            "service_at_location_id": "service_at_location",
        },
    },
    "address": {
        "path": "addresses.csv",
        "description": "Street addresses: physical, or postal for programs that mail naloxone.",
        "fields": [
            _id(),
            _ref("location_id"),
            _field("attention"),
            _field("address_1", required=True),
            _field("address_2"),
            _field("city", required=True),
            _field("region"),
            _field("state_province", required=True),
            _field("postal_code", required=True),
            _field("country", required=True),
            _field("address_type", required=True, enum=["physical", "postal", "virtual"]),
        ],
        "links": {"location_id": "location"},
    },
    "schedule": {
        "path": "schedules.csv",
        "description": "Weekly opening hours of each location, in its local time.",
        "fields": [
            _id(),
            _ref("service_id"),
            _ref("location_id"),
            _ref("service_at_location_id"),
            _field("valid_from", "date"),
            _field("valid_to", "date"),
            _field("dtstart", "date"),
            _field("timezone", "number"),
            _field("until", "date"),
            _field("count", "number"),
            _field("wkst", enum=["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
            _field("freq", enum=["WEEKLY", "MONTHLY"]),
            _field("interval", "number"),
            _field("byday"),
            _field("byweekno"),
            _field("bymonthday"),
            _field("byyearday"),
            _field("description"),
            _field("opens_at", "time"),
            _field("closes_at", "time"),
            _field("schedule_link", format="uri"),
            _field("attending_type"),
            _field("notes"),
        ],
        "links": {
            "service_id": "service",
            "location_id": "location",
            "service_at_location_id": "service_at_location",
        },
    },
    "service_area": {
        "path": "service_areas.csv",
        "description": "The states each mail-based program mails naloxone to.",
        "fields": [
            _id(),
            _ref("service_id"),
            _ref("service_at_location_id"),
            _field("name"),
            _field("description"),
            _field("extent"),
            _field("extent_type"),
            _field("uri"),
        ],
        "links": {"service_id": "service", "service_at_location_id": "service_at_location"},
    },
    "language": {
        "path": "languages.csv",
        "description": "Languages the staff of each location speak.",
        "fields": [
            _id(),
            _ref("service_id"),
            _ref("location_id"),
            _ref("phone_id"),
            _field("name"),
            _field("code"),
            _field("note"),
        ],
        "links": {"service_id": "service", "location_id": "location", "phone_id": "phone"},
    },
    "taxonomy_term": {
        "path": "taxonomy_terms.csv",
        "description": "The kinds of place and the offerings.",
        "fields": [
            _id(),
            _field("code", unique=True),
            _field("name", required=True),
            _field("description", required=True),
            _ref("parent_id"),
            _field("taxonomy"),
            _field("language"),
            _ref("taxonomy_id"),
            _field("term_uri", format="uri"),
        ],
        "links": {"parent_id": "taxonomy_term", "taxonomy_id": "taxonomy"},
    },
    "taxonomy": {
        "path": "taxonomies.csv",
        "description": "Naloxone Finder's own two vocabularies.",
        "fields": [
            _id(),
            _field("name", required=True),
            _field("description", required=True),
            _field("uri", format="uri"),
            _field("version"),
        ],
        "links": {},
    },
}

KINDS_TAXONOMY = "Naloxone Finder site kinds"
OFFERINGS_TAXONOMY = "Naloxone Finder offerings"
TAXONOMIES = {
    "kinds": (KINDS_TAXONOMY, "What sort of place a listing is."),
    "offerings": (OFFERINGS_TAXONOMY, "What a place offers besides naloxone itself."),
}
KIND_DESCRIPTIONS = {
    "pharmacy": "A pharmacy or drugstore that dispenses or sells naloxone.",
    "law_enforcement": "A police or sheriff's department that gives out naloxone.",
    "harm_reduction": "A harm-reduction or community program that gives out naloxone.",
    "health_department": "A state, county or city health department.",
    "hospital": "A hospital, including its emergency department or its pharmacy.",
    "clinic": "A health clinic or doctor's office.",
    "vending_machine": "A machine that dispenses naloxone.",
    "mail_based": "A program that mails naloxone to people in the states it serves.",
    "other": "Another kind of place that carries naloxone.",
}
OFFERING_DESCRIPTIONS = {
    "free_naloxone": "Naloxone is given out free of charge.",
    "no_prescription": "No prescription is needed to get naloxone here.",
    "sells_otc": "Sells naloxone over the counter.",
    "nasal_spray": "Has naloxone nasal spray.",
    "injectable": "Has injectable naloxone.",
    "training": "Offers training in how to respond to an overdose.",
    "fentanyl_test_strips": "Gives out fentanyl test strips.",
    "walk_in": "Walk in; no appointment needed.",
    "anonymous": "Anonymous; no ID asked for.",
    "open_24_7": "Naloxone can be had at any hour of every day.",
    "wheelchair_accessible": "The place is wheelchair accessible.",
}
# Offerings that describe the place rather than the service delivered there.
LOCATION_OFFERINGS = {"wheelchair_accessible"}
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
# HSDS has no way to say "all day"; its guidance is 00:00 to 23:59.
END_OF_DAY = time(23, 59)


def _language_codes() -> dict[str, str]:
    """English language names to ISO 639 codes, from Django's own language table."""
    return {
        info["name"].lower(): code
        for code, info in LANG_INFO.items()
        if "name" in info and code.isalpha() and len(code) in (2, 3)
    }


class _HsdsTables:
    """The CSV tables of one export, each spooled to memory or a temporary file."""

    def __init__(self, site_url: str):
        self.site_url = site_url
        # Rows gather in a small buffer per table, moved to the table's spool now and
        # then: writing each row straight to the spool costs a third of the time.
        self.files: dict[str, IO] = {}
        self.buffers: dict[str, io.StringIO] = {}
        self.writers: dict[str, csv.DictWriter] = {}
        for table, spec in HSDS_TABLES.items():
            # Open until close(): every table is written to row by row, all at once.
            self.files[table] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
            )
            self.buffers[table] = buffer = io.StringIO(newline="")
            writer = csv.DictWriter(buffer, fieldnames=[f["name"] for f in spec["fields"]])
            writer.writeheader()
            self.writers[table] = writer
        self.languages = _language_codes()
        # Worked out once, not once per place: labels (in the active language, English
        # while an export runs), the page URL pattern, the taxonomy terms' ids.
        self.kind_labels = {code: str(label) for code, label in Location.Kind.choices}
        self.offering_labels = {name: str(label) for name, label in Location.OFFERINGS}
        before, after = Location(slug="SLUG").get_absolute_url().split("SLUG")
        self.page_url = (site_url + before, after)
        self.term_ids = {
            code: hsds_id("taxonomy_term", code)
            for code in [*Location.Kind.values, *self.offering_labels]
        }

    def write(self, table: str, **row) -> None:
        self.writers[table].writerow(row)

    def flush(self, at_least: int = 0) -> None:
        """Move buffered rows to the spools (those of buffers over `at_least` characters)."""
        for table, buffer in self.buffers.items():
            if buffer.tell() > at_least:
                self.files[table].write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()

    def close(self) -> None:
        for spool in self.files.values():
            spool.close()

    def add_taxonomies(self) -> None:
        for key, (name, description) in TAXONOMIES.items():
            self.write("taxonomy", id=hsds_id("taxonomy", key), name=name, description=description)
        for code, label in Location.Kind.choices:
            self.add_term("kinds", code, str(label), KIND_DESCRIPTIONS[code])
        for code, label in Location.OFFERINGS:
            self.add_term("offerings", code, str(label), OFFERING_DESCRIPTIONS[code])

    def add_term(self, taxonomy: str, code: str, name: str, description: str) -> None:
        self.write(
            "taxonomy_term",
            id=self.term_ids[code],
            code=code,
            name=name,
            description=description,
            language="en",
            taxonomy_id=hsds_id("taxonomy", taxonomy),
        )

    def add_location(self, location: Location) -> None:
        """Every row one place contributes, to every table."""
        slug = location.slug
        organization_id = hsds_id("organization", slug)
        location_id = hsds_id("location", slug)
        service_id = hsds_id("service", slug)
        kind_label = self.kind_labels[location.kind]
        mail_based = location.kind == Location.Kind.MAIL_BASED
        page_url = slug.join(self.page_url)
        offered = [name for name, _label in Location.OFFERINGS if getattr(location, name)]
        labels = self.offering_labels

        self.write(
            "organization",
            id=organization_id,
            name=location.name,
            description=location.description
            or f"{KIND_DESCRIPTIONS[location.kind]} Located in {location.city}, {location.state}.",
            email=location.email,
            website=location.website,
        )
        self.write(
            "location",
            id=location_id,
            location_type="virtual" if mail_based else "physical",
            url=(location.website or page_url) if mail_based else "",
            organization_id=organization_id,
            name=location.name,
            description=location.description,
            # A program that mails naloxone has no place to go to, so no pin.
            latitude="" if mail_based or location.latitude is None else location.latitude,
            longitude="" if mail_based or location.longitude is None else location.longitude,
        )
        self.write(
            "service",
            id=service_id,
            organization_id=organization_id,
            name="Naloxone",
            description="; ".join(labels[name] for name in offered),
            url=page_url,
            email=location.email,
            status="active",
            fees_description="Free" if location.free_naloxone else "",
            assured_date=_iso(location.last_verified_on),
            last_modified=location.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        self.write(
            "service_at_location",
            id=hsds_id("service_at_location", slug),
            service_id=service_id,
            location_id=location_id,
        )
        if location.street_address:
            self.write(
                "address",
                id=hsds_id("address", slug),
                location_id=location_id,
                address_1=location.street_address,
                address_2=location.address_line2,
                city=location.city,
                state_province=location.state,
                postal_code=location.zip_code,
                country="US",
                # Where a mail-based program is, not a place to go to.
                address_type="postal" if mail_based else "physical",
            )
        if location.phone:
            self.write(
                "phone",
                id=hsds_id("phone", slug),
                location_id=location_id,
                number=location.phone,
                type="voice",
            )
        self.add_schedules(location, location_id)
        # Staff may type a language or a state twice; a second row would repeat an id.
        for name in _unique(location.languages):
            self.write(
                "language",
                id=hsds_id("language", slug, name.lower()),
                location_id=location_id,
                name=name,
                code=self.languages.get(name.lower(), ""),
            )
        for state in _unique(location.states_served):
            self.write(
                "service_area",
                id=hsds_id("service_area", slug, state),
                service_id=service_id,
                name=STATES.get(state, state),
                description=f"Mails naloxone to addresses in {STATES.get(state, state)}.",
            )

        self.write(
            "attribute",
            id=hsds_id("attribute", slug, "kind"),
            link_id=location_id,
            link_entity="location",
            taxonomy_term_id=self.term_ids[location.kind],
            label=kind_label,
        )
        for name in offered:
            on_location = name in LOCATION_OFFERINGS
            self.write(
                "attribute",
                id=hsds_id("attribute", slug, name),
                link_id=location_id if on_location else service_id,
                link_entity="location" if on_location else "service",
                taxonomy_term_id=self.term_ids[name],
                label=labels[name],
            )

    def add_schedules(self, location: Location, location_id: str) -> None:
        """One WEEKLY schedule per distinct opening period, listing the days it applies
        to. Times are the place's local clock times: HSDS asks for a UTC offset, but a
        fixed offset would be wrong for half the year wherever clocks change, so the
        time zone is named in the description instead."""
        days_of: dict[tuple[time, time], list[int]] = {}
        for weekday, opens, closes in hours_of(location):
            days_of.setdefault((opens, closes), []).append(weekday)
        zone = f", local time ({location.timezone})" if location.timezone else ", local time"
        for (opens, closes), days in days_of.items():
            byday = ",".join(BYDAY[day] for day in sorted(days))
            all_day = opens == closes == MIDNIGHT
            text = format_hours((day, opens, closes) for day in days)
            if closes <= opens and not all_day:
                text += " (closes after midnight)"
            self.write(
                "schedule",
                id=hsds_id("schedule", location.slug, byday, f"{opens:%H%M}", f"{closes:%H%M}"),
                location_id=location_id,
                freq="WEEKLY",
                wkst="MO",
                byday=byday,
                opens_at=f"{opens:%H:%M:%S}",
                closes_at=f"{(END_OF_DAY if all_day else closes):%H:%M:%S}",
                description=text + zone,
            )

    def datapackage(self) -> dict:
        """The Frictionless tabular data package descriptor for these tables."""
        resources = []
        for table, spec in HSDS_TABLES.items():
            schema = {"fields": spec["fields"], "primaryKey": "id"}
            foreign_keys = [
                {"fields": field, "reference": {"resource": target, "fields": "id"}}
                for field, target in spec["links"].items()
            ]
            if foreign_keys:
                schema["foreignKeys"] = foreign_keys
            resources.append(
                {
                    "name": table,
                    "path": spec["path"],
                    "description": spec["description"],
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "schema": schema,
                }
            )
        return {
            "profile": "tabular-data-package",
            "name": "naloxone-finder-hsds",
            "title": "Naloxone Finder: places that carry naloxone (Open Referral HSDS 3.1)",
            "description": "Every published listing of the Naloxone Finder directory as "
            "Human Services Data Specification 3.1 tables.",
            "homepage": self.site_url + "/",
            "hsds_version": HSDS_VERSION,
            "created": timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            # "other-at" is the Open Definition's id for an open licence that asks for
            # attribution, which is what the title says.
            "licenses": [{"name": "other-at", "title": LICENCE}],
            "sources": [{"title": "Naloxone Finder", "path": self.site_url + "/"}],
            "resources": resources,
        }

    def write_zip(self, target: IO) -> None:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "datapackage.json", json.dumps(self.datapackage(), indent=2, ensure_ascii=False)
            )
            for table, spec in HSDS_TABLES.items():
                spool = self.files[table]
                spool.seek(0)
                with archive.open(spec["path"], "w") as entry:
                    while chunk := spool.read(64 * 1024):
                        entry.write(chunk.encode("utf-8"))


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _unique(values: list[str]) -> list[str]:
    """The values without repeats (ignoring case), in their order."""
    seen: set[str] = set()
    unique = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            unique.append(value)
    return unique


def hsds_zip(site_url: str) -> IO[bytes]:
    """The HSDS data package as a zip in a (spooled) temporary file, rewound.

    `site_url` ("https://example.org", no trailing slash) makes the links to each
    place's page absolute. Names and labels are written in English whatever the
    language of the request.
    """
    locations = export_locations().iterator(chunk_size=CHUNK_SIZE)
    # The caller reads it and closes it.
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        with translation.override("en"):
            tables = _HsdsTables(site_url)
            try:
                tables.add_taxonomies()
                for location in locations:
                    tables.add_location(location)
                    tables.flush(at_least=BUFFER_CHARS)
                tables.flush()
                tables.write_zip(archive)
            finally:
                tables.close()
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return archive


def directory_version() -> str:
    """What changes whenever the published directory does: how many places there are
    and the latest change to one (saving a place, the admin's actions and imports all
    set updated_at; a place that leaves changes the count)."""
    state = Location.objects.published().aggregate(count=Count("id"), latest=Max("updated_at"))
    latest = state["latest"].isoformat() if state["latest"] else "-"
    return f"{state['count']}/{latest}"


def hsds_response(site_url: str) -> HttpResponse:
    """The HSDS data package as a zip attachment.

    Building it takes about a third of a millisecond of CPU a place (seconds for a large
    directory), so the last one built is kept in the cache, under a single key so that
    old versions never pile up, and reused until the directory changes.
    """
    version = f"{directory_version()}/{site_url}"
    cached = cache.get(HSDS_CACHE_KEY)
    if cached and cached[0] == version:
        data = cached[1]
    else:
        with hsds_zip(site_url) as archive:
            data = archive.read()
        cache.set(HSDS_CACHE_KEY, (version, data), HSDS_CACHE_SECONDS)
    filename = dated_filename("naloxone-finder-hsds", "zip")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
