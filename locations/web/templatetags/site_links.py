"""Template helpers for every public page's head and menu: this same page in the other
languages. Written here rather than by a template loop: every page has them, and they
are built from the request's own path and query (locations.web.context_processors)."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..context_processors import alternate_languages, other_languages

register = template.Library()


@register.simple_tag(takes_context=True)
def alternate_links(context) -> SafeString:
    """{% alternate_links %}: <link rel="alternate" hreflang> for this page in each
    language, and x-default, each followed by a new line."""
    return mark_safe(
        "".join(
            f'<link rel="alternate" hreflang="{escape(link["code"])}" '
            f'href="{escape(link["url"])}">\n  '
            for link in alternate_languages(context.request)
        )
    )


@register.simple_tag(takes_context=True)
def language_links(context) -> SafeString:
    """{% language_links %}: the menu's <li> links to this page in the other languages."""
    return mark_safe(
        "".join(
            f'<li><a class="language-link" href="{escape(link["url"])}" '
            f'hreflang="{escape(link["code"])}" lang="{escape(link["code"])}">'
            f"{escape(str(link['name']))}</a></li>"
            for link in other_languages(context.request)
        )
    )
