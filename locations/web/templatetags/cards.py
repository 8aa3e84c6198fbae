"""Template helpers for result cards (see locations.web.result_cards)."""

from django import template
from django.utils.safestring import SafeString

from .. import result_cards

register = template.Library()


@register.simple_tag
def location_card(location) -> SafeString:
    """{% location_card location %}: the place's card in a list."""
    return result_cards.location_card(location)


@register.simple_tag
def result_items(locations, numbered: bool = True) -> SafeString:
    """{% result_items locations %}: the <li> of each place in a search's list, with its
    anchor (and its number, unless numbered=False), as result_cards.result_items."""
    return result_cards.result_items(locations, numbered)
