"""The locations CSV format, declared once: its columns, and how each cell is read (for
imports) and kept from running as a spreadsheet formula (for every CSV we write).

Each cell reader takes a stripped cell and returns the value to store, or raises
ValueError with a message for the person fixing the file.
"""

import csv
import functools
import math
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import translation

from ..domain.hours import parse_hours
from ..domain.phones import normalize_phone
from ..domain.usps import state_code
from ..models import Location

REQUIRED_COLUMNS = ["external_id", "name", "kind", "city", "state", "zip_code"]
OFFERING_COLUMNS = [name for name, _label in Location.OFFERINGS]
COLUMNS = [
    "external_id", "name", "kind", "street_address", "address_line2", "city", "state",
    "zip_code", "latitude", "longitude", "phone", "website", "email", "description",
    "status", "last_verified_on", "hours", *OFFERING_COLUMNS, "languages", "states_served",
]  # fmt: skip


# Spreadsheets run a cell that starts with one of these as a formula. Exports put a quote
# in front of such text (spreadsheets hide it) and imports take exactly one off again, so
# an exported file imports unchanged.
FORMULA_START = re.compile(r"'*[=+\-@]")


def spreadsheet_safe(value: str) -> str:
    """Text for a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if FORMULA_START.match(value) else value


# Cells a spreadsheet may read as they are: plain numbers (-73.98, +2, 1e5) and phone
# numbers (+1 212 555 0100): they compute nothing and a quote would change their value.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|\+\d[\d ().-]*")


# A cell can be taken for a formula only when it starts with one of these.
FORMULA_FIRST = frozenset("'=+-@")


def csv_cell(value):
    """A value as every CSV we write holds it: text guarded against formulas, numbers kept."""
    if not isinstance(value, str) or not value or value[0] not in FORMULA_FIRST:
        return value  # most cells: nothing to look at further
    if PLAIN_NUMBER.fullmatch(value):
        return value
    return spreadsheet_safe(value)


class SafeDictWriter(csv.DictWriter):
    """csv.DictWriter whose every cell goes through csv_cell: the one way the project
    writes CSV, so that no export can hand a spreadsheet a formula."""

    def writerow(self, rowdict):
        """Write one row, each cell made safe. What DictWriter.writerow does, with the
        cells made safe on the way instead of in a copy of the row (exports write
        hundreds of thousands of rows)."""
        if self.extrasaction == "raise" and not rowdict.keys() <= self.fields:
            return super().writerow(rowdict)  # raises ValueError naming the extra keys
        restval = self.restval
        return self.writer.writerow(
            [csv_cell(rowdict[key]) if key in rowdict else restval for key in self.fieldnames]
        )

    @functools.cached_property
    def fields(self) -> frozenset:
        return frozenset(self.fieldnames)

    def writerows(self, rowdicts):
        """Write several rows, each cell made safe."""
        return super().writerows(
            {key: csv_cell(value) for key, value in row.items()} for row in rowdicts
        )


def unquoted(value: str) -> str:
    return value[1:] if value.startswith("'") and FORMULA_START.match(value[1:]) else value


def read_external_id(value: str) -> str:
    return unquoted(value.strip())


def _words(value: str) -> str:
    return " ".join(value.split())


def _text(value: str) -> str:
    return _words(unquoted(value))


def _paragraphs(value: str) -> str:
    return "\n".join(line.strip() for line in unquoted(value.strip()).splitlines())


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


def read_zip(value: str) -> str:
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
    for part in re.split(r"[;,]", unquoted(value)):
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
    "external_id": read_external_id,
    "name": _text,
    "kind": _kind,
    "street_address": _text,
    "address_line2": _text,
    "city": _text,
    "state": _state,
    "zip_code": read_zip,
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

# Columns copied straight onto the model field of the same name.
PLAIN_COLUMNS = [
    c for c in COLUMNS if c not in {"latitude", "longitude", "last_verified_on", "hours"}
]
