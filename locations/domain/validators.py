"""Checks shared by the models' fields: ZIP codes, coordinates and time zones; and the
control characters no text the site takes in may hold."""

import functools
import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

zip_code_validator = RegexValidator(r"^\d{5}$", _("Enter a 5-digit ZIP code."))
latitude_validators = [MinValueValidator(-90), MaxValueValidator(90)]
longitude_validators = [MinValueValidator(-180), MaxValueValidator(180)]


@functools.cache
def known_timezones() -> frozenset[str]:
    """IANA zone names on this system (listing them reads the disk, so once only)."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value and value not in known_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


# Control characters: PostgreSQL cannot store NUL in text at all, and the others are never
# typed by a person. Tab, line feed and carriage return are kept: a description has lines.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character(text: str) -> str | None:
    """The first control character in text, named like U+0000, or None when it has none."""
    if match := CONTROL_CHARACTER.search(text):
        return f"U+{ord(match[0]):04X}"
    return None
