"""The search page's sentences about a search, written here rather than by
{% blocktranslate %}: the heading over the results (also the embed's), and the one-line
summary a phone shows above them. They are on every search page, each a translation
lookup plus a few values, which the template tag made several times dearer.

The messages are the ones the templates had, word for word, so the translations are
unchanged; the values are escaped and the translated text trusted, as the tag does.
"""

from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from ..search import SearchResult


def value(text) -> str:
    """A value as a template writes it: localised, then escaped."""
    return conditional_escape(localize(text))


def results_heading(result: SearchResult) -> SafeString:
    """ "12 places within 10 miles of Albany, NY" or "Nothing within 10 miles of …"."""
    words = {"distance": value(result.radius_words), "place": value(result.point.label)}
    if result.total:
        words["counter"] = value(result.total)
        sentence = ngettext(
            "%(counter)s place within %(distance)s of %(place)s",
            "%(counter)s places within %(distance)s of %(place)s",
            result.total,
        )
    else:
        sentence = gettext("Nothing within %(distance)s of %(place)s")
    return mark_safe(sentence % words)


def search_summary(result: SearchResult, filters_on: int) -> SafeString:
    """ "Near Albany, NY · 10 mi · 2 filters" (the filters only when some are on)."""
    parts = [
        gettext("Near %(place)s") % {"place": value(result.point.label)},
        gettext("%(miles)s mi") % {"miles": value(result.radius)},
    ]
    if filters_on:
        parts.append(
            ngettext("%(counter)s filter", "%(counter)s filters", filters_on)
            % {"counter": value(filters_on)}
        )
    return mark_safe(" · ".join(parts))
