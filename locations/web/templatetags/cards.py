"""Template helpers for result cards: the maps link and the first few offerings."""

from django import template

from ..directions import directions_url as make_directions_url

register = template.Library()

CHIPS = 3  # offerings a card shows before "n more"; the place's page shows them all


@register.filter
def directions_url(location) -> str:
    return make_directions_url(location)


@register.filter
def first_chips(offerings: list[str]) -> list[str]:
    return offerings[:CHIPS]


@register.filter
def more_chips(offerings: list[str]) -> int:
    return max(len(offerings) - CHIPS, 0)
