"""The directory as open data, part two: an Open Referral HSDS 3.1 tabular data package
(a zip of CSV tables described by datapackage.json).

Mapping: each place is an organization (the pharmacy, department or program that
hands naloxone out: HSDS's provider of the service) with one location, one service
"Naloxone" delivered there (service_at_location), an address when it has a street
address, a phone, weekly schedules, languages and, for mail-based programs, service
areas (the states they mail to). Its kind and its offerings are attributes pointing
at terms of two taxonomies of our own.
"""

import csv
import io
import json
import tempfile
import zipfile
from datetime import UTC, date, time
from typing import IO

from django.conf.locale import LANG_INFO
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpResponse
from django.utils import timezone, translation

from ..domain.hours import MIDNIGHT, format_hours
from ..domain.usps import STATES
from ..models import Location
from .csv_export import (
    BUFFER_CHARS,
    CHUNK_SIZE,
    LICENCE,
    SPOOL_BYTES,
    dated_filename,
    export_locations,
    hours_of,
)
from .csv_format import SafeDictWriter
from .hsds_tables import (
    BYDAY,
    END_OF_DAY,
    HSDS_TABLES,
    HSDS_VERSION,
    KIND_DESCRIPTIONS,
    LOCATION_OFFERINGS,
    OFFERING_DESCRIPTIONS,
    TAXONOMIES,
    hsds_id,
)

HSDS_CACHE_KEY = "exports:hsds.zip"
# An upper bound on how long a package built by older code can outlive a deploy.
HSDS_CACHE_SECONDS = 60 * 60


def _language_codes() -> dict[str, str]:
    """English language names to ISO 639 codes, from Django's own language table."""
    return {
        info["name"].lower(): code
        for code, info in LANG_INFO.items()
        if "name" in info and code.isalpha() and len(code) in (2, 3)
    }


class PlaceIds:
    """The ids of the rows one place contributes, from its slug (so re-exports keep them)."""

    def __init__(self, slug: str):
        self.slug = slug
        self.organization = hsds_id("organization", slug)
        self.location = hsds_id("location", slug)
        self.service = hsds_id("service", slug)


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
            writer = SafeDictWriter(buffer, fieldnames=[f["name"] for f in spec["fields"]])
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
        ids = PlaceIds(location.slug)
        self.add_provider(location, ids)
        self.add_contacts(location, ids)
        self.add_schedules(location, ids.location)
        self.add_reach(location, ids)
        self.add_attributes(location, ids)

    def add_provider(self, location: Location, ids: "PlaceIds") -> None:
        """The organization, its location, the Naloxone service and the link of the two."""
        mail_based = location.kind == Location.Kind.MAIL_BASED
        page_url = ids.slug.join(self.page_url)
        offered = [name for name, _label in Location.OFFERINGS if getattr(location, name)]
        self.write(
            "organization",
            id=ids.organization,
            name=location.name,
            description=location.description
            or f"{KIND_DESCRIPTIONS[location.kind]} Located in {location.city}, {location.state}.",
            email=location.email,
            website=location.website,
        )
        self.write(
            "location",
            id=ids.location,
            location_type="virtual" if mail_based else "physical",
            url=(location.website or page_url) if mail_based else "",
            organization_id=ids.organization,
            name=location.name,
            description=location.description,
            # A program that mails naloxone has no place to go to, so no pin.
            latitude="" if mail_based or location.latitude is None else location.latitude,
            longitude="" if mail_based or location.longitude is None else location.longitude,
        )
        self.write(
            "service",
            id=ids.service,
            organization_id=ids.organization,
            name="Naloxone",
            description="; ".join(self.offering_labels[name] for name in offered),
            url=page_url,
            email=location.email,
            status="active",
            fees_description="Free" if location.free_naloxone else "",
            assured_date=_iso(location.last_verified_on),
            last_modified=location.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        self.write(
            "service_at_location",
            id=hsds_id("service_at_location", ids.slug),
            service_id=ids.service,
            location_id=ids.location,
        )

    def add_contacts(self, location: Location, ids: "PlaceIds") -> None:
        """Its street address (where it has one) and its phone."""
        mail_based = location.kind == Location.Kind.MAIL_BASED
        slug = ids.slug
        if location.street_address:
            self.write(
                "address",
                id=hsds_id("address", slug),
                location_id=ids.location,
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
            # Stored as +12125550100;ext=5: HSDS has a column for the extension.
            number, _sep, extension = location.phone.partition(";ext=")
            extra = {"extension": int(extension)} if extension else {}
            self.write(
                "phone",
                id=hsds_id("phone", slug),
                location_id=ids.location,
                number=number,
                type="voice",
                **extra,
            )

    def add_reach(self, location: Location, ids: "PlaceIds") -> None:
        """The languages spoken there, and the states a mail-based program mails to."""
        slug = ids.slug
        # Staff may type a language or a state twice; a second row would repeat an id.
        for name in _unique(location.languages):
            self.write(
                "language",
                id=hsds_id("language", slug, name.lower()),
                location_id=ids.location,
                name=name,
                code=self.languages.get(name.lower(), ""),
            )
        for state in _unique(location.states_served):
            self.write(
                "service_area",
                id=hsds_id("service_area", slug, state),
                service_id=ids.service,
                name=STATES.get(state, state),
                description=f"Mails naloxone to addresses in {STATES.get(state, state)}.",
            )

    def add_attributes(self, location: Location, ids: "PlaceIds") -> None:
        """Its kind and each of its offerings, as terms of our two taxonomies."""
        slug = ids.slug
        offered = [name for name, _label in Location.OFFERINGS if getattr(location, name)]
        self.write(
            "attribute",
            id=hsds_id("attribute", slug, "kind"),
            link_id=ids.location,
            link_entity="location",
            taxonomy_term_id=self.term_ids[location.kind],
            label=self.kind_labels[location.kind],
        )
        for name in offered:
            on_location = name in LOCATION_OFFERINGS
            self.write(
                "attribute",
                id=hsds_id("attribute", slug, name),
                link_id=ids.location if on_location else ids.service,
                link_entity="location" if on_location else "service",
                taxonomy_term_id=self.term_ids[name],
                label=self.offering_labels[name],
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
