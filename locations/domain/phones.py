"""US phone numbers: stored in E.164 (+12125550100, with ";ext=5" for an extension),
shown as people write them ((212) 555-0100 ext. 5), dialled through RFC 3966 tel: URIs."""

import re
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The US and the territories that share its +1 numbering plan.
US_REGIONS = {"US", "PR", "GU", "VI", "AS", "MP"}
EXTENSION_SEPARATOR = ";ext="
# Long enough for any extension people give; the stored form fits PHONE_MAX_LENGTH.
MAX_EXTENSION_DIGITS = 10
PHONE_MAX_LENGTH = 32


def _is_dialable(number: phonenumbers.PhoneNumber) -> bool:
    return (
        number.country_code == 1
        and phonenumbers.is_valid_number(number)
        and phonenumbers.region_code_for_number(number) in US_REGIONS
        and len(number.extension or "") <= MAX_EXTENSION_DIGITS
    )


def normalize_phone(value: str) -> str:
    """Return a dialable US phone number in E.164 form (+12125550100, or
    +12125550100;ext=5 with an extension), or raise ValidationError.

    Valid, not merely possible: 555-1234 (no area code) and 000-000-0000 are refused.
    """
    if not value or not value.strip():
        return ""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not _is_dialable(number):
        raise ValidationError(
            _(
                "%(value)s is not a phone number that can be dialled in the US. Use 10 "
                "digits with the area code, like (212) 555-0100 or (212) 555-0100 ext. 5."
            ),
            params={"value": value},
            code="invalid_phone",
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        e164 += EXTENSION_SEPARATOR + number.extension
    return e164


@lru_cache(maxsize=32768)
def _parse_stored(stored: str) -> phonenumbers.PhoneNumber | None:
    """The stored number parsed (once per number: the shown form and the tel: link both
    need it). The result is shared: read it, never change it."""
    number_part, _sep, extension = stored.partition(EXTENSION_SEPARATOR)
    try:
        number = phonenumbers.parse(number_part, "US")
    except phonenumbers.NumberParseException:
        return None
    if extension:
        number.extension = extension
    return number


# A stored North American number (+1, then an area code and an exchange that do not
# start with 0 or 1, and four digits), with its extension if any: what nearly every
# listing holds. Lists show twenty of them a page, so these are written out directly;
# tests/domain/test_phones.py checks that this says what phonenumbers says.
NANP_STORED = re.compile(r"\+1([2-9]\d\d)([2-9]\d\d)(\d{4})(?:;ext=(\d{1,10}))?")


def nanp_parts(stored: str) -> tuple[str, str, str, str | None] | None:
    """(area code, exchange, line, extension or None) of a stored North American
    number; None for anything else."""
    match = NANP_STORED.fullmatch(stored)
    return match.groups() if match else None


@lru_cache(maxsize=32768)
def format_phone(stored: str) -> str:
    """Show a stored number the way people in the US write it: (212) 555-0100, or
    (212) 555-0100 ext. 5. Remembered per number: every list shows it."""
    if not stored:
        return ""
    if parts := nanp_parts(stored):
        area, exchange, line, extension = parts
        shown = f"({area}) {exchange}-{line}"
        return f"{shown} ext. {extension}" if extension else shown
    number = _parse_stored(stored)
    if number is None:
        return stored
    if number.country_code == 1:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@lru_cache(maxsize=32768)
def phone_uri(stored: str) -> str:
    """The RFC 3966 tel: URI that dials a stored number: tel:+1-212-555-0100;ext=5."""
    if not stored:
        return ""
    if parts := nanp_parts(stored):
        area, exchange, line, extension = parts
        uri = f"tel:+1-{area}-{exchange}-{line}"
        return f"{uri};ext={extension}" if extension else uri
    number = _parse_stored(stored)
    if number is None:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)
