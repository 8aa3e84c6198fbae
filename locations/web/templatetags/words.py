"""Template filters for numbers and names as people read them (locations.domain.words)."""

from django import template

from ...domain import words

register = template.Library()


@register.filter
def miles_away(value) -> str:
    """A distance in miles to one decimal with the language's separators: "1,976.7 mi"."""
    return "" if value is None else words.miles_away(value)


@register.filter
def zone_name(value: str) -> str:
    """An IANA time zone as people say it: "America/New_York" -> "Eastern Time"."""
    return words.zone_name(value or "")
