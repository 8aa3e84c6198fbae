"""Template helpers for the search form (see locations.web.fragments)."""

from django import template
from django.utils.safestring import SafeString

from .. import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def search_fields(context) -> SafeString:
    """{% search_fields %}: the distance and filters of the search form, as
    includes/search_fields.html renders them for this context's choices."""
    return fragments.search_fields(context)
