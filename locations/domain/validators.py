"""Checks shared by the models' fields: ZIP codes, coordinates and time zones."""

import functools
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
