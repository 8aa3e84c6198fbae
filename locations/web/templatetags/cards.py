"""Template helpers for result cards (see locations.web.result_cards)."""

from django import template
from django.utils.safestring import SafeString

from .. import result_cards

register = template.Library()


@register.simple_tag
def location_card(location) -> SafeString:
    """{% location_card location %}: the place's card in a list."""
    return result_cards.location_card(location)
