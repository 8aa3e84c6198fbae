"""Import locations from a CSV file: read and check every row first, then write in bulk.

`import_rows` is what the `import_locations` command runs (and what an admin upload
can run). The whole file is validated before anything is written; rows are matched to
existing locations by (source, external_id), so importing the same file twice changes
nothing the second time. The column format is documented in the README.
"""

import contextlib
import csv
import difflib
import functools
import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation

from . import geocoding
from .duplicates import address_parts, flag_duplicates, normalize_address
from .history import CHANGED, CREATED, DELETED, record_history
from .hours import parse_hours
from .models import (
    Location,
    OpeningHours,
    ZipCode,
    miles_between,
    normalize_phone,
    unique_slug,
)
from .usps import state_code

REQUIRED_COLUMNS = ["external_id", "name", "kind", "city", "state", "zip_code"]
OFFERING_COLUMNS = [name for name, _label in Location.OFFERINGS]
COLUMNS = [
    "external_id", "name", "kind", "street_address", "address_line2", "city", "state",
    "zip_code", "latitude", "longitude", "phone", "website", "email", "description",
    "status", "last_verified_on", "hours", *OFFERING_COLUMNS, "languages", "states_served",
]  # fmt: skip

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"
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


@dataclass
class RowError:
    """One problem in the file: the physical line (the header is line 1) and column."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return f"line {self.line}, column {self.column}: {self.message}"
        return f"line {self.line}: {self.message}"


@dataclass
class RowOutcome:
    """What importing one row did (or, on a dry run or after errors, would do)."""

    line: int
    external_id: str
    outcome: str  # NEW, UPDATED, UNCHANGED or ERROR
    errors: list[RowError] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)
    location: Location | None = None


@dataclass
class ImportResult:
    """Per-row outcomes of an import, with the counts the summary line reports."""

    source: str
    dry_run: bool = False
    skip_invalid: bool = False
    rows: list[RowOutcome] = field(default_factory=list)
    file_errors: list[RowError] = field(default_factory=list)
    written: bool = False
    duplicates: int = 0  # possible-duplicate pairs flagged by this import

    def _count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def created(self) -> int:
        return self._count(NEW)

    @property
    def updated(self) -> int:
        return self._count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def invalid(self) -> int:
        return self._count(ERROR)

    @property
    def errors(self) -> list[RowError]:
        return self.file_errors + [error for row in self.rows for error in row.errors]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.file_errors:
            return "Nothing was written."
        counts = f"create {self.created}, update {self.updated}, leave {self.unchanged} unchanged"
        if self.dry_run:
            return f"Dry run: would {counts}; {self.invalid} invalid. Nothing was written."
        if not self.written:
            return (
                f"Nothing was written: {self.invalid} invalid "
                f"{'row' if self.invalid == 1 else 'rows'} (the valid rows would "
                f"{counts}). Fix them, or use --skip-invalid to import the valid rows."
            )
        flagged = ""
        if self.duplicates:
            flagged = (
                f" Flagged {self.duplicates} possible "
                f"{'duplicate' if self.duplicates == 1 else 'duplicates'} for review."
            )
        return (
            f"Created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"skipped {self.invalid} invalid.{flagged}"
        )


def import_rows(
    file_obj: IO,
    source: str = "csv",
    dry_run: bool = False,
    skip_invalid: bool = False,
    *,
    user=None,
    change_reason: str = "",
) -> ImportResult:
    """Validate a CSV file of locations and, unless told otherwise, write it.

    Nothing is written on a dry run, when the file cannot be read, or when any row is
    invalid (unless skip_invalid, which writes the valid rows and reports the others).
    What is written is recorded in the locations' history as done by `user` (None for
    a command) with `change_reason`.
    """
    source = (source or "").strip()
    if not 1 <= len(source) <= Location._meta.get_field("source").max_length:
        raise ValueError("The source name must be 1 to 50 characters.")
    result = ImportResult(source=source, dry_run=dry_run, skip_invalid=skip_invalid)
    try:
        header, records = _read_csv(file_obj)
        columns = _check_header(header)
    except _FileError as error:
        result.file_errors.append(error.row_error)
        return result

    with transaction.atomic() if not dry_run else contextlib.nullcontext():
        if not dry_run:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        batch = _Batch(source, columns, records)
        result.rows = batch.check()
        if dry_run or (result.invalid and not skip_invalid):
            return result
        batch.geocode()
        batch.write(user, change_reason or f"Import from {source}")
        result.written = True
        result.duplicates = len(flag_duplicates(batch.written()))
    return result


class _FileError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.row_error = RowError(line, "", message)


def _read_csv(file_obj: IO) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header cells and (line number, cells) of each non-blank row."""
    data = file_obj.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise _FileError(
                line,
                "the file is not UTF-8 text; in Excel use Save As > 'CSV UTF-8 (Comma delimited)'",
            ) from None
    data = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(data, newline=""))
    records: list[tuple[int, list[str]]] = []
    header = None
    try:
        line = 1
        for cells in reader:
            if header is None:
                header = cells
            elif any(cell.strip() for cell in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise _FileError(reader.line_num, f"this is not a readable CSV line ({error})") from None
    if not header or not any(cell.strip() for cell in header):
        raise _FileError(1, "the file is empty: the first line must name the columns")
    return header, records


def _column_key(name: str) -> str:
    """ "Zip Code " -> "zip_code": headers match in any case, with stray spaces."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _check_header(header: list[str]) -> list[str]:
    """The column key of each header cell ("" for an unnamed one); raise when unusable."""
    columns = [_column_key(cell) for cell in header]
    if len(columns) == 1 and (";" in header[0] or "\t" in header[0]):
        raise _FileError(1, "the columns are not separated by commas: save the file as CSV")
    problems = []
    seen: dict[str, int] = {}
    for position, column in enumerate(columns, start=1):
        if column and column in seen:
            problems.append(
                f'column "{column}" appears twice (columns {seen[column]} and {position})'
            )
        seen.setdefault(column, position)
    unknown = [c for c in columns if c and c not in COLUMNS]
    if unknown:
        named = []
        for column in unknown:
            close = difflib.get_close_matches(column, COLUMNS, n=1)
            named.append(f"{column} (did you mean {close[0]}?)" if close else column)
        problems.append(
            f"unknown {'column' if len(unknown) == 1 else 'columns'}: {', '.join(named)}. "
            f"The columns are: {', '.join(COLUMNS)}"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        problems.append(
            f"missing required {'column' if len(missing) == 1 else 'columns'}: {', '.join(missing)}"
        )
    if ("latitude" in seen) != ("longitude" in seen):
        problems.append("the latitude and longitude columns go together: give both or neither")
    if problems:
        raise _FileError(1, "; ".join(problems))
    return columns


# Cell readers: each takes a stripped cell and returns the value to store, or raises
# ValueError with a message for the person fixing the file.


# Spreadsheets run a cell that starts with one of these as a formula. Exports put a quote
# in front of such text (spreadsheets hide it) and imports take exactly one off again, so
# an exported file imports unchanged.
FORMULA_START = re.compile(r"'*[=+\-@]")


def spreadsheet_safe(value: str) -> str:
    """Text for a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if FORMULA_START.match(value) else value


def _unquoted(value: str) -> str:
    return value[1:] if value.startswith("'") and FORMULA_START.match(value[1:]) else value


def _external_id(value: str) -> str:
    return _unquoted(value.strip())


def _words(value: str) -> str:
    return " ".join(value.split())


def _text(value: str) -> str:
    return _words(_unquoted(value))


def _paragraphs(value: str) -> str:
    return "\n".join(line.strip() for line in _unquoted(value.strip()).splitlines())


@functools.cache
def _kind_names() -> dict[str, str]:
    with translation.override("en"):
        names = {_key(str(label)): value for value, label in Location.Kind.choices}
    names.update({_key(value): value for value in Location.Kind.values})
    names.update(police="law_enforcement", sheriff="law_enforcement", mail="mail_based")
    names.update(vending="vending_machine", harm_reduction_program="harm_reduction")
    return names


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _kind(value: str) -> str:
    kind = _kind_names().get(_key(value))
    if kind is None:
        raise ValueError(f'unknown kind "{value}"; use one of: {", ".join(Location.Kind.values)}')
    return kind


def _state(value: str) -> str:
    code = state_code(value)
    if code is None:
        raise ValueError(
            f'unknown state "{value}"; use a USPS code like NY or a name like New York'
        )
    return code


def _zip(value: str) -> str:
    if match := re.fullmatch(r"(\d{5})(?:-?\d{4})?", value):
        return match[1]
    if re.fullmatch(r"\d{4}", value):
        # Spreadsheets drop the leading zero of New England ZIPs (02134 -> 2134).
        return "0" + value
    raise ValueError(f'"{value}" is not a ZIP code; use 5 digits (12345 or 12345-6789)')


def _coordinate(value: str, name: str, limit: int) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f'{name} "{value}" is not a number') from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ValueError(f"{name} {value} is out of range (-{limit} to {limit})")
    return number


def _latitude(value: str) -> float | None:
    return _coordinate(value, "latitude", 90)


def _longitude(value: str) -> float | None:
    return _coordinate(value, "longitude", 180)


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None


def _website(value: str) -> str:
    if value and "://" not in value:
        value = "https://" + value  # "www.example.org" is how people write it
    return value


def _email(value: str) -> str:
    return value.removeprefix("mailto:").strip()


def _status(value: str) -> str:
    if not value:
        return Location.Status.PUBLISHED
    status = _key(value)
    if status not in Location.Status.values:
        raise ValueError(
            f'unknown status "{value}"; use {", ".join(Location.Status.values)} '
            "(blank means published)"
        )
    return status


def _date(value: str) -> date | None:
    if not value:
        return None
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
        year, month, day = match.groups()
    elif match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value):
        month, day, year = match.groups()
    else:
        raise ValueError(f'"{value}" is not a date; write 2025-03-31 or 03/31/2025')
    try:
        result = date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f'"{value}" is not a real date') from None
    return result


@functools.lru_cache(maxsize=4096)
def _cached_hours(value: str) -> tuple:
    return tuple(parse_hours(value))


def _hours(value: str) -> list:
    # Files repeat the same few hours texts thousands of times.
    return list(_cached_hours(value))


_BOOLEANS = {
    **dict.fromkeys(["true", "t", "yes", "y", "1"], True),
    **dict.fromkeys(["false", "f", "no", "n", "0", ""], False),
}


def _boolean(value: str) -> bool:
    result = _BOOLEANS.get(value.lower())
    if result is None:
        raise ValueError(f'"{value}" is not yes or no; use true/false, yes/no, 1/0 or blank (no)')
    return result


def _languages(value: str) -> list[str]:
    languages: list[str] = []
    for part in re.split(r"[;,]", _unquoted(value)):
        language = _words(part)
        if language and language.lower() not in (known.lower() for known in languages):
            languages.append(language)
    return languages


def _states(value: str) -> list[str]:
    codes: list[str] = []
    for part in re.split(r"[;,]", value):
        part = part.strip()
        if not part:
            continue
        code = state_code(part)
        # "NY NJ CT" is three codes; "New York" is one name.
        found = [code] if code else [state_code(word) for word in part.split()]
        if None in found:
            raise ValueError(
                f'unknown state "{part}"; use USPS codes like NY, NJ separated by ";", "," '
                "or spaces"
            )
        codes.extend(code for code in found if code not in codes)
    return codes


READERS = {
    "external_id": _external_id,
    "name": _text,
    "kind": _kind,
    "street_address": _text,
    "address_line2": _text,
    "city": _text,
    "state": _state,
    "zip_code": _zip,
    "latitude": _latitude,
    "longitude": _longitude,
    "phone": _phone,
    "website": _website,
    "email": _email,
    "description": _paragraphs,
    "status": _status,
    "last_verified_on": _date,
    "hours": _hours,
    "languages": _languages,
    "states_served": _states,
    **dict.fromkeys(OFFERING_COLUMNS, _boolean),
}
# What geocoding may set on a row.
PLACE_FIELDS = ["latitude", "longitude", "location_precision"]
# Columns copied straight onto the model field of the same name.
PLAIN_COLUMNS = [
    c for c in COLUMNS if c not in {"latitude", "longitude", "last_verified_on", "hours"}
]


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
            if len(cells) == len(self.columns) and (external_id := _external_id(cells[position])):
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
                codes.add(_zip(cells[zip_index].strip()))
        self.zips = ZipCode.objects.in_bulk(codes) if codes else {}

    def _check_row(self, line: int, cells: list[str], lines_of: dict) -> RowOutcome:
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

        values, errors = {}, {}
        for column, cell in zip(self.columns, cells, strict=True):
            cell = cell.strip()
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
        outcome.external_id = external_id
        if len(lines_of.get(external_id, [])) > 1:
            others = [str(n) for n in lines_of[external_id] if n != line]
            errors["external_id"] = (
                f'"{external_id}" is used on more than one line (also line '
                f"{', '.join(others)}); each location needs its own ID"
            )

        location = self.existing.get(external_id)
        is_new = location is None
        if is_new:
            location = Location(
                source=self.source, external_id=external_id, status=Location.Status.PUBLISHED
            )
            before = None
        else:
            before = [getattr(location, name) for name in TRACKED_FIELDS]
        old_zip = location.zip_code
        old_address = address_parts(location)

        for column in PLAIN_COLUMNS:
            if column in values:
                setattr(location, column, values[column])
        if "last_verified_on" not in errors:
            self._set_verified(location, verified_on)
        self._set_place(location, values, errors, old_zip, is_new)
        if location.merged_into_id:
            # Merged into another listing by staff: the file cannot bring it back.
            location.status = Location.Status.CLOSED
        if is_new or address_parts(location) != old_address:
            location.normalized_address = normalize_address(*address_parts(location))

        hours = values.get("hours")
        changed = []
        if not is_new:
            after = [getattr(location, name) for name in TRACKED_FIELDS]
            changed = [
                name
                for name, old, new in zip(TRACKED_FIELDS, before, after, strict=True)
                if old != new
            ]
            if hours is not None and hours != self.existing_hours.get(location.pk, []):
                changed.append("hours")
        # A row that changes nothing writes nothing, so only new and changed rows need
        # the model's checks (a re-import of an unchanged file skips them).
        if is_new or changed:
            raw = {c: v.strip() for c, v in zip(self.columns, cells, strict=True)}
            self._validate(location, errors, raw)
        if errors:
            outcome.errors = [RowError(line, column, message) for column, message in errors.items()]
            return outcome

        outcome.location = location
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
        return outcome

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
            for location, pk in zip(self.new, _reserve_ids(Location, len(self.new)), strict=True):
                location.pk = pk
                location.slug = unique_slug(location.name, location.city, location.state, taken)
                location.created_at = location.updated_at = now
                location._state.adding = False
            _copy(Location._meta.db_table, LOCATION_FIELDS, map(_db_values, self.new))

        if self.changed:
            for location, _fields in self.changed:
                location.updated_at = now
            changed = {name for _location, fields in self.changed for name in fields}
            _update(Location, [location for location, _ in self.changed], changed | {"updated_at"})

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
            _copy(opts.db_table, fields, hours)

        # One INSERT ... SELECT per kind of change (none when nothing of that kind).
        record_history(Location, [x.pk for x in self.new], CREATED, user, reason)
        record_history(Location, [x.pk for x, _ in self.changed], CHANGED, user, reason)
        hours_of = sorted({location_id for location_id, *_rest in hours})
        record_history(OpeningHours, hours_of, CREATED, user, reason, key="location_id")


# PostgreSQL's COPY moves rows many times faster than INSERT (or bulk_update's CASE
# expressions), since no SQL text is built for each value: 25,000 rows take a second.

LOCATION_FIELDS = Location._meta.concrete_fields


def _db_values(location: Location) -> list:
    return [f.get_db_prep_save(getattr(location, f.attname), connection) for f in LOCATION_FIELDS]


def _reserve_ids(model, count: int) -> list[int]:
    """Take `count` ids from the table's sequence in one query (COPY returns none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _update(model, locations: list[Location], field_names: set[str]) -> None:
    """UPDATE the named fields of these rows: COPY them into a scratch table, then one
    UPDATE ... FROM. Fields no row changed (staff notes, say) are never written."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [
        quote(f.column)
        for f in LOCATION_FIELDS
        if f.name in field_names or f.attname in field_names
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE import_changes (LIKE {table})")
        _copy("import_changes", LOCATION_FIELDS, map(_db_values, locations))
        assignments = ", ".join(f"{column} = c.{column}" for column in columns)
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM import_changes AS c WHERE t.id = c.id"
        )
        cursor.execute("DROP TABLE import_changes")


def _copy(table: str, fields, rows) -> None:
    """COPY rows (lists of database values, in the order of `fields`) into `table`."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor:
        # Logged like a query when queries are recorded (DEBUG, tests).
        log = getattr(cursor, "debug_sql", None)
        with log(sql) if log else contextlib.nullcontext(), cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
