"""Phone numbers in the admin's lists: shown as staff write them, found as they type them."""

import re

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Location

# What a typed phone number may look like: digits and the usual punctuation only.
PHONE_SEARCH = re.compile(r"^[\d\s().+-]+$")


def phone_search_digits(term: str) -> str:
    """The digits of a search term that looks like (part of) a phone number, else ""."""
    term = term.strip()
    if not PHONE_SEARCH.match(term):
        return ""
    digits = re.sub(r"\D", "", term)
    # Seven digits at least (a local number), so a ZIP code is never taken for a phone.
    return digits if 7 <= len(digits) <= 11 else ""


@admin.display(description=_("phone"), ordering="phone")
def phone_column(obj: Location) -> str:
    """A listing's phone the way staff write it, (212) 555-0100."""
    return obj.phone_display
