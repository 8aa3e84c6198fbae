"""The directory as open data, part one: every published place as a CSV file in the
import format, and what both exports share.

Both exports read the rows through `export_locations()`: one query, however many places
there are, read in chunks from a server-side cursor so that memory stays flat. Only
public columns are ever loaded; staff-only fields (internal notes, who verified a place
and how, import provenance) cannot leak into a file because they are never read.
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import time

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, OuterRef, QuerySet
from django.db.models import Value as V
from django.db.models.functions import Concat
from django.http import StreamingHttpResponse
from django.utils import timezone

from ..domain.hours import format_hours
from ..domain.phones import format_phone
from ..models import Location, OpeningHours
from .csv_format import COLUMNS, OFFERING_COLUMNS, SafeDictWriter

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
        "name": location.name,
        "kind": location.kind,
        "street_address": location.street_address,
        "address_line2": location.address_line2,
        "city": location.city,
        "state": location.state,
        "zip_code": location.zip_code,
        "latitude": repr(location.latitude) if has_pin else "",
        "longitude": repr(location.longitude) if has_pin else "",
        "phone": phone_for_csv(location.phone),
        "website": location.website,
        "email": location.email,
        "description": location.description,
        "status": location.status,
        "last_verified_on": verified.isoformat() if verified else "",
        "hours": format_hours(hours_of(location)),
        **{name: "yes" if getattr(location, name) else "no" for name in OFFERING_COLUMNS},
        "languages": "; ".join(location.languages),
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
    writer = SafeDictWriter(_Echo(), fieldnames=COLUMNS)
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
