"""US phone numbers: stored in E.164 (+12125550100), shown as people write them."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_phone(value: str) -> str:
    """Return a US phone number in E.164 form (+12125550100), or raise ValidationError."""
    if not value or not value.strip():
        return ""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(
            _("%(value)s is not a phone number. Use a 10-digit US number like (212) 555-0100."),
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Show a stored number the way people in the US write it: (212) 555-0100."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "US")
    if number.country_code == 1:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
