"""Import locations from a CSV file: read and check every row first, then write in bulk.

`import_rows` is what the `import_locations` command runs (and what an admin upload
can run). The whole file is validated before anything is written; rows are matched to
existing locations by (source, external_id), so importing the same file twice changes
nothing the second time. The column format is csv_format.py, documented in docs/importing.md.
"""

import contextlib
from collections import defaultdict
from datetime import date, timedelta
from typing import IO

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from naloxone_finder.database import answer_timeout

from ..domain.addresses import address_parts, normalize_address
from ..domain.geo import miles_between
from ..domain.validators import control_character
from ..models import Location, OpeningHours, ZipCode
from ..models.places import unique_slug
from ..services import cache_version, geocoding
from ..services.duplicates import flag_duplicates, held_if_published, to_hold
from ..services.history import CHANGED, CREATED, DELETED, record_history
from ..services.listings import hold
from .bulk_sql import LOCATION_FIELDS, copy_rows, db_values, reserve_ids, update_rows
from .csv_format import PLAIN_COLUMNS, READERS, REQUIRED_COLUMNS, read_external_id, read_zip
from .mapping import apply_mapping
from .reading import FileError, RowError, check_header
from .results import ERROR, NEW, UNCHANGED, UPDATED, ImportResult, RowOutcome
from .spreadsheets import read_table

# Coordinates further than this from their ZIP's centre are taken for a mistake
# (swapped latitude and longitude, a lost minus sign).
MAX_MILES_FROM_ZIP = 150
# Serializes imports, so two of them never pick the same new slug or external_id.
ADVISORY_LOCK_KEY = 0x4E46494D  # "NFIM"

# Compared to decide whether a re-imported row changed; written when it did.
TRACKED_FIELDS = [
    f.attname
    for f in Location._meta.concrete_fields
    if f.attname not in {"id", "slug", "created_at", "updated_at"}
]
# Never checked per row: set by us from trusted data, or too slow to check 25,000 times
# (the time zone validator lists the zone files on disk; the foreign key runs a query).
NOT_VALIDATED = {"id", "slug", "timezone", "verified_by", "created_at", "updated_at"}
ALL_FIELDS = {f.name for f in Location._meta.concrete_fields}


def import_rows(
    file_obj: IO,
    source: str = "csv",
    dry_run: bool = False,
    skip_invalid: bool = False,
    *,
    user=None,
    change_reason: str = "",
    mapping: dict | None = None,
    file_name: str = "",
) -> ImportResult:
    """Validate a CSV file of locations and, unless told otherwise, write it.

    Nothing is written on a dry run, when the file cannot be read, or when any row is
    invalid (unless skip_invalid, which writes the valid rows and reports the others).
    What is written is recorded in the locations' history as done by `user` (None for
    a command) with `change_reason`. An Excel workbook (by `file_name` or its content) is
    read like a CSV file; `mapping` renames the file's columns to ours first
    (exchange/mapping.py).
    """
    source = (source or "").strip()
    if not 1 <= len(source) <= Location._meta.get_field("source").max_length:
        raise ValueError("The source name must be 1 to 50 characters.")
    result = ImportResult(source=source, dry_run=dry_run, skip_invalid=skip_invalid)
    try:
        header, records = apply_mapping(*read_table(file_obj, file_name), mapping)
        columns = check_header(header)
    except FileError as error:
        result.file_errors.append(error.row_error)
        return result

    with contextlib.ExitStack() as writing:
        if not dry_run:
            # Longer than a page's limits: waiting for another import, then COPY.
            timeout = int(settings.DB_IMPORT_STATEMENT_TIMEOUT_MS)
            writing.enter_context(connection.answer_timeout(answer_timeout(timeout)))
            writing.enter_context(transaction.atomic())
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {timeout}")
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        batch = _Batch(source, columns, records)
        result.rows = batch.check()
        if dry_run or (result.invalid and not skip_invalid):
            return result
        batch.geocode()
        batch.write(user, change_reason or f"Import from {source}")
        result.written = True
        # COPY and UPDATE … FROM send no signals: the public copies go out of date here.
        cache_version.bump()
        flagged = flag_duplicates(batch.written())
        result.duplicates = len(flagged)
        held = _hold_duplicates(result.rows, bool(flagged), user)
        result.held_lines = sorted(held + [row.line for row in result.rows if row.held])
    return result


def _hold_duplicates(rows: list[RowOutcome], flagged: bool, user) -> list[int]:
    """Keep as drafts the rows being published (new, or their status changed) that are
    likely duplicates of published listings; return their lines. One query to find
    them (none when nothing could be held), one to hold them."""
    publishing = {
        row.location.pk: row
        for row in rows
        if row.location is not None
        and row.location.status == Location.Status.PUBLISHED
        and (row.outcome == NEW or (row.outcome == UPDATED and "status" in row.changed_fields))
    }
    # A new row can only meet a pair this import flagged; a row published again may
    # have an open pair from before.
    if not publishing or not (
        flagged or any(row.outcome == UPDATED for row in publishing.values())
    ):
        return []
    held = to_hold(publishing)
    hold(held, user)
    for pk in held:
        publishing[pk].location.status = Location.Status.DRAFT
    return sorted(publishing[pk].line for pk in held)


# What geocoding may set on a row.
PLACE_FIELDS = ["latitude", "longitude", "location_precision"]


class _Batch:
    """The rows of one file, checked against each other and the database, then written."""

    def __init__(self, source: str, columns: list[str], records: list[tuple[int, list[str]]]):
        self.source = source
        self.columns = columns
        self.present = {c for c in columns if c}
        self.records = records
        self.new: list[Location] = []
        self.changed: list[tuple[Location, list[str]]] = []
        self.hours: dict[int, list] = {}  # id(location) -> rows to write
        self.replace_hours: list[int] = []  # pks whose hours are rewritten
        # New or changed rows whose address changed and whose file gave no coordinates:
        # (location, its changed fields or None when new, its outcome).
        self.to_geocode: list[tuple[Location, list[str] | None, RowOutcome]] = []
        # Tomorrow here is already today in Guam, a day ahead of the mainland.
        self.latest_date = timezone.localdate() + timedelta(days=1)

    def check(self) -> list[RowOutcome]:
        """Read and validate every row; remember what writing would do."""
        position = self.columns.index("external_id")
        lines_of: dict[str, list[int]] = defaultdict(list)
        for line, cells in self.records:
            external_id = (
                read_external_id(cells[position]) if len(cells) == len(self.columns) else ""
            )
            # An ID with a control character is refused by its row; it cannot be looked up.
            if external_id and not control_character(external_id):
                lines_of[external_id].append(line)
        self._load(list(lines_of))
        return [self._check_row(line, cells, lines_of) for line, cells in self.records]

    def _load(self, external_ids: list[str]) -> None:
        # Three queries whatever the size of the file.
        self.existing = {
            location.external_id: location
            for location in Location.objects.filter(
                source=self.source, external_id__in=external_ids
            ).order_by()
        }
        self.existing_hours: dict[int, list] = defaultdict(list)
        if self.existing:
            for location_id, *row in (
                OpeningHours.objects.filter(location_id__in=[x.pk for x in self.existing.values()])
                .order_by("location_id", "weekday", "opens", "closes")
                .values_list("location_id", "weekday", "opens", "closes")
            ):
                self.existing_hours[location_id].append(tuple(row))
        zip_index = self.columns.index("zip_code")
        codes = set()
        for _line, cells in self.records:
            with contextlib.suppress(ValueError, IndexError):
                codes.add(read_zip(cells[zip_index].strip()))
        self.zips = ZipCode.objects.in_bulk(codes) if codes else {}
        # Drafts held as likely duplicates stay drafts while their pair is open, so the
        # same file imported again changes nothing (one query, when there are drafts).
        self.still_held = held_if_published(
            x.pk for x in self.existing.values() if x.status == Location.Status.DRAFT
        )

    def _check_row(self, line: int, cells: list[str], lines_of: dict) -> RowOutcome:
        """Read one row onto its location (new, or the one imported before with its
        external_id) and decide what writing it would do."""
        outcome = RowOutcome(line=line, external_id="", outcome=ERROR)
        if len(cells) != len(self.columns):
            outcome.errors.append(
                RowError(
                    line,
                    "",
                    f"this row has {len(cells)} cells but the header has {len(self.columns)}; "
                    "check for a missing or extra comma (quote cells that contain commas)",
                )
            )
            return outcome
        values, errors = self._read_cells(line, cells, lines_of)
        external_id = outcome.external_id = values.get("external_id", "")
        location = self.existing.get(external_id)
        is_new = location is None
        if is_new:
            location = Location(
                source=self.source, external_id=external_id, status=Location.Status.PUBLISHED
            )
        before = None if is_new else [getattr(location, name) for name in TRACKED_FIELDS]
        self._apply(location, values, errors, is_new)
        if location.pk in self.still_held and location.status == Location.Status.PUBLISHED:
            location.status = Location.Status.DRAFT
            outcome.held = True
        hours = values.get("hours")
        changed = [] if is_new else self._changes(location, before, hours)
        # A row that changes nothing writes nothing, so only new and changed rows need
        # the model's checks (a re-import of an unchanged file skips them).
        if is_new or changed:
            raw = {c: v.strip() for c, v in zip(self.columns, cells, strict=True)}
            self._validate(location, errors, raw)
        if errors:
            outcome.errors = [RowError(line, column, message) for column, message in errors.items()]
            return outcome
        outcome.location = location
        self._plan(outcome, location, values, changed, is_new)
        return outcome

    def _read_cells(self, line: int, cells: list[str], lines_of: dict) -> tuple[dict, dict]:
        """({column: value}, {column: error message}) of one row's cells."""
        values, errors = {}, {}
        for column, cell in zip(self.columns, cells, strict=True):
            cell = cell.strip()
            if found := control_character(cell):
                # Checked first: PostgreSQL's COPY would refuse a NUL after the dry run passed.
                errors[column] = f"holds a control character ({found}); remove it"
                continue
            if not column:
                if cell:
                    errors[""] = f'a cell under a column with no name holds "{cell}"'
                continue
            if not cell and column in REQUIRED_COLUMNS:
                errors[column] = "required, but this cell is blank"
                continue
            try:
                values[column] = READERS[column](cell)
            except ValueError as error:
                errors[column] = str(error)
        verified_on = values.get("last_verified_on")
        if verified_on and verified_on > self.latest_date:
            errors["last_verified_on"] = f"{verified_on:%Y-%m-%d} is in the future"
        external_id = values.get("external_id", "")
        if len(lines_of.get(external_id, [])) > 1:
            others = [str(n) for n in lines_of[external_id] if n != line]
            errors["external_id"] = (
                f'"{external_id}" is used on more than one line (also line '
                f"{', '.join(others)}); each location needs its own ID"
            )
        return values, errors

    def _apply(self, location: Location, values: dict, errors: dict, is_new: bool) -> None:
        """Set the row's values on its location, with its place on the map."""
        old_zip = location.zip_code
        old_address = address_parts(location)
        for column in PLAIN_COLUMNS:
            if column in values:
                setattr(location, column, values[column])
        if "last_verified_on" not in errors:
            self._set_verified(location, values.get("last_verified_on"))
        self._set_place(location, values, errors, old_zip, is_new)
        if location.merged_into_id:
            # Merged into another listing by staff: the file cannot bring it back.
            location.status = Location.Status.CLOSED
        if is_new or address_parts(location) != old_address:
            location.normalized_address = normalize_address(*address_parts(location))

    def _changes(self, location: Location, before: list, hours: list | None) -> list[str]:
        """The fields (and "hours") a re-imported row changes."""
        after = [getattr(location, name) for name in TRACKED_FIELDS]
        changed = [
            name for name, old, new in zip(TRACKED_FIELDS, before, after, strict=True) if old != new
        ]
        if hours is not None and hours != self.existing_hours.get(location.pk, []):
            changed.append("hours")
        return changed

    def _plan(self, outcome: RowOutcome, location: Location, values, changed, is_new) -> None:
        """Remember what writing a valid row does: create, update or nothing, its hours,
        and whether its address needs looking up."""
        hours = values.get("hours")
        wants_geocoding = values.get("latitude") is None and geocoding.geocodable(location)
        if is_new:
            outcome.outcome = NEW
            self.new.append(location)
            if hours:
                self.hours[id(location)] = hours
            if wants_geocoding:
                self.to_geocode.append((location, None, outcome))
        elif changed:
            outcome.outcome, outcome.changed_fields = UPDATED, changed
            fields = [name for name in changed if name != "hours"]
            self.changed.append((location, fields))
            if "hours" in changed:
                self.replace_hours.append(location.pk)
                self.hours[id(location)] = hours
            if wants_geocoding and geocoding.ADDRESS_FIELDS.intersection(changed):
                self.to_geocode.append((location, fields, outcome))
        else:
            outcome.outcome = UNCHANGED

    def _set_verified(self, location: Location, verified_on: date | None) -> None:
        # The date only moves forward: an older or blank date in the file leaves a
        # newer check (say, a phone call by staff) alone.
        if verified_on and (
            location.last_verified_on is None or verified_on > location.last_verified_on
        ):
            location.last_verified_on = verified_on
            location.verification_method = Location.VerificationMethod.IMPORT
            location.verified_by = None

    def _set_place(self, location, values, errors, old_zip, is_new) -> None:
        """Coordinates and time zone: from the file, else kept, else the ZIP's centre."""
        if "zip_code" in errors:
            return
        zip_row = self.zips.get(location.zip_code)
        zip_changed = not is_new and location.zip_code != old_zip
        latitude, longitude = values.get("latitude"), values.get("longitude")
        if "latitude" in errors or "longitude" in errors:
            pass
        elif (latitude is None) != (longitude is None):
            blank = "longitude" if longitude is None else "latitude"
            errors[blank] = "give both latitude and longitude, or neither"
        elif latitude is not None:
            if (latitude, longitude) != (location.latitude, location.longitude):
                location.latitude, location.longitude = latitude, longitude
                location.location_precision = Location.Precision.ADDRESS
            off_by = (
                miles_between(zip_row.latitude, zip_row.longitude, latitude, longitude)
                if zip_row
                else 0
            )
            if off_by > MAX_MILES_FROM_ZIP:
                errors["latitude"] = (
                    f"{latitude}, {longitude} is {off_by:,.0f} miles from ZIP {zip_row.code}; "
                    "check the coordinates (swapped, or a lost minus sign?)"
                )
        elif (
            is_new
            or zip_changed
            or location.latitude is None
            or location.location_precision == Location.Precision.ZIP_CENTROID
        ):
            # Otherwise the row keeps coordinates set earlier (by a file, or by staff
            # placing the pin) while its ZIP stays the same.
            if zip_row is None:
                errors["zip_code"] = (
                    f"ZIP code {location.zip_code} is not in our ZIP table; "
                    "give latitude and longitude"
                )
            else:
                location.latitude = None
                location.fill_from_zip(zip_row)
        if zip_row and (is_new or zip_changed or not location.timezone):
            location.timezone = zip_row.timezone
        elif zip_changed:
            location.timezone = ""  # the old ZIP's zone may be wrong; unknown is honest

    def _validate(self, location: Location, errors: dict, cells: dict[str, str]) -> None:
        """The model's own checks, minus those that would query the database per row
        (uniqueness is checked across the file, and against the database by source)."""
        checked = self.present | {"latitude", "longitude", "location_precision", "status"}
        exclude = (ALL_FIELDS - checked) | NOT_VALIDATED | set(errors)
        try:
            location.clean_fields(exclude=exclude)
            if location.latitude is not None and location.timezone:
                # With both set, clean() never looks the ZIP code up.
                location.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = "" if name == NON_FIELD_ERRORS else name
                if column not in errors:
                    got = f' (got "{cells[column]}")' if cells.get(column) else ""
                    errors[column] = " ".join(messages) + got

    def written(self) -> list[Location]:
        """The rows write() created or changed."""
        return [*self.new, *(location for location, _fields in self.changed)]

    def geocode(self) -> None:
        """Look up the street addresses of new and moved rows in one batch (per 10,000).

        A match places the row at its address; otherwise it goes to (or stays at) its ZIP
        centre, marked approximate. With geocoding off the ZIP centres set while checking
        stand, and a moved row keeps the coordinates it had.
        """
        if not self.to_geocode or not geocoding.enabled():
            return
        found = geocoding.geocode_many([location for location, _f, _o in self.to_geocode])
        for index, (location, fields, outcome) in enumerate(self.to_geocode):
            before = (location.latitude, location.longitude, location.location_precision)
            geocoding.set_point(location, found.get(index), self.zips.get(location.zip_code))
            if fields is None:
                continue
            moved = [
                name
                for name, old in zip(PLACE_FIELDS, before, strict=True)
                if getattr(location, name) != old
            ]
            fields.extend(name for name in moved if name not in fields)
            outcome.changed_fields.extend(n for n in moved if n not in outcome.changed_fields)

    def write(self, user=None, reason: str = "") -> None:
        """Create the new rows, update the changed ones, replace their opening hours,
        and record all of it in the history as done by `user`, for `reason`."""
        now = timezone.now()
        if self.new:
            taken = set(Location.objects.order_by().values_list("slug", flat=True))
            for location, pk in zip(self.new, reserve_ids(Location, len(self.new)), strict=True):
                location.pk = pk
                location.slug = unique_slug(location.name, location.city, location.state, taken)
                location.created_at = location.updated_at = now
                location._state.adding = False
            copy_rows(Location._meta.db_table, LOCATION_FIELDS, map(db_values, self.new))

        if self.changed:
            for location, _fields in self.changed:
                location.updated_at = now
            changed = {name for _location, fields in self.changed for name in fields}
            update_rows(
                Location, [location for location, _ in self.changed], changed | {"updated_at"}
            )

        if self.replace_hours:
            # The hours being replaced go into their history first; then one DELETE
            # (a plain delete() would fetch them to send a signal for each row).
            record_history(
                OpeningHours, self.replace_hours, DELETED, user, reason, key="location_id"
            )
            old_hours = OpeningHours.objects.filter(location_id__in=self.replace_hours)
            old_hours._raw_delete(old_hours.db)
        hours = [
            (location.pk, weekday, opens, closes)
            for location in [*self.new, *(location for location, _ in self.changed)]
            for weekday, opens, closes in self.hours.get(id(location), [])
        ]
        if hours:
            opts = OpeningHours._meta
            fields = [opts.get_field(name) for name in ("location", "weekday", "opens", "closes")]
            copy_rows(opts.db_table, fields, hours)

        # One INSERT ... SELECT per kind of change (none when nothing of that kind).
        record_history(Location, [x.pk for x in self.new], CREATED, user, reason)
        record_history(Location, [x.pk for x, _ in self.changed], CHANGED, user, reason)
        hours_of = sorted({location_id for location_id, *_rest in hours})
        record_history(OpeningHours, hours_of, CREATED, user, reason, key="location_id")
