"""Numbers and names as people read them: "1 mile", "1,976.7 mi" ("1.976,7 mi" in
Spanish), and time zones by their everyday names ("Eastern Time", "Hora del Este")."""

import zoneinfo
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, ngettext


def number(value: float, decimals: int | None = None) -> str:
    """A number with the current language's separators, rounded to `decimals` places
    (None: as many as it has): 1,976.7 or 1.976,7."""
    if type(value) is int and -1000 < value < 1000 and not decimals:
        return str(value)  # what floatformat gives: no separator to place
    return floatformat(value, "g" if decimals is None else f"{decimals}g")


def miles(value: int) -> str:
    """A whole number of miles, singular or plural: "1 mile", "10 miles"."""
    return ngettext("%(miles)s mile", "%(miles)s miles", value) % {"miles": number(value)}


# For choices built when the module loads: translated when shown.
miles_lazy = lazy(miles, str)


def one_decimal(value: float) -> str:
    """number(value, 1), written directly: every listed place's distance is one. Rounded
    as floatformat rounds (half up, from the float's shortest repr), grouped by threes
    with the language's separators."""
    rounded = Decimal(repr(value)).quantize(TENTH, ROUND_HALF_UP)
    text = f"{rounded:,.1f}"
    decimal_mark = get_format("DECIMAL_SEPARATOR")
    thousands = get_format("THOUSAND_SEPARATOR")
    if (decimal_mark, thousands) == (".", ","):
        return text
    whole, _point, tenth = text.partition(".")
    return whole.replace(",", thousands) + decimal_mark + tenth


TENTH = Decimal("0.1")


def miles_away(value: float) -> str:
    """A distance to one decimal, abbreviated: "0.4 mi", "1,976.7 mi"."""
    return gettext("%(miles)s mi") % {"miles": one_decimal(value)}


# Standard UTC offset (hours) in January -> the name people use for the zone. US states
# and territories only; a zone elsewhere keeps its IANA name.
ZONE_NAMES = {
    -4: gettext_lazy("Atlantic Time"),
    -5: gettext_lazy("Eastern Time"),
    -6: gettext_lazy("Central Time"),
    -7: gettext_lazy("Mountain Time"),
    -8: gettext_lazy("Pacific Time"),
    -9: gettext_lazy("Alaska Time"),
    -10: gettext_lazy("Hawaii-Aleutian Time"),
    -11: gettext_lazy("Samoa Time"),
    10: gettext_lazy("Chamorro Time"),
}
# Where the offset alone would name it wrongly.
ZONE_NAMES_BY_ZONE = {
    "Pacific/Honolulu": gettext_lazy("Hawaii Time"),
    "US/Hawaii": gettext_lazy("Hawaii Time"),
}
US_ZONE_PREFIXES = ("America/", "Pacific/", "US/")


def zone_name(name: str) -> str:
    """ "America/New_York" -> "Eastern Time" (in the current language); an unknown or
    non-US zone as given; "" stays ""."""
    if name in ZONE_NAMES_BY_ZONE:
        return str(ZONE_NAMES_BY_ZONE[name])
    if not name or not name.startswith(US_ZONE_PREFIXES):
        return name
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return name
    offset = datetime(2025, 1, 15, 12, tzinfo=zone).utcoffset()
    hours = offset.total_seconds() / 3600 if offset is not None else None
    label = ZONE_NAMES.get(int(hours)) if hours is not None and hours.is_integer() else None
    return str(label) if label else name
