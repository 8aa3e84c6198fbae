"""A place's own pages: its detail page (the permalink people share) and its flyer."""

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..domain.site import absolute_url, tile_settings
from ..models import Location
from .directions import directions_url
from .structured_data import structured_data


@require_safe
def location_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        location = Location.objects.published().prefetch_related("hours").get(slug=slug)
    except Location.DoesNotExist:
        # A listing merged into another keeps its shared links working.
        kept = Location.objects.published().filter(merged_from__slug=slug).only("slug").first()
        if kept is None:
            raise Http404("No such location.") from None
        return HttpResponsePermanentRedirect(kept.get_absolute_url())
    ctx = location_context(request, location)
    ctx["description"] = _(
        "Naloxone at %(name)s in %(city)s, %(state)s: address, hours, phone and what is offered."
    ) % {"name": location.name, "city": location.city, "state": location.state}
    ctx["structured_data"] = structured_data(location, ctx["permalink"])
    ctx["location_map"] = location_map(location)
    ctx["share_config"] = {
        "title": location.name,
        "copied": _("Link copied"),
        "selectToCopy": _("The link is selected: press Ctrl+C (⌘C on a Mac) to copy it."),
    }
    return render(request, "locations/location_detail.html", ctx)


@require_safe
def location_flyer(request: HttpRequest, slug: str) -> HttpResponse:
    """A one-page printable sheet about a place, with a QR code of its permalink."""
    location = get_object_or_404(Location.objects.published().prefetch_related("hours"), slug=slug)
    ctx = location_context(request, location)
    ctx["week"] = location.week(None)  # on paper for weeks: no day is "today"
    return render(request, "locations/flyer.html", ctx)


def location_context(request: HttpRequest, location: Location) -> dict:
    """What the detail page and the flyer both show. The permalink is the page's absolute
    URL in the current language, so a Spanish page shares the Spanish link."""
    moment = timezone.now()
    permalink = absolute_url(request, location.get_absolute_url())
    return {
        "location": location,
        "status": location.open_status(moment),
        "week": location.week(moment),
        "permalink": permalink,
        "canonical_url": permalink,
        "directions_url": directions_url(location),
    }


def location_map(location: Location) -> dict | None:
    """What the detail page's map draws: the place and the tile settings. None when there
    is no place to show (no coordinates, or a mail-based program)."""
    if location.latitude is None or location.kind == Location.Kind.MAIL_BASED:
        return None
    return {
        "lat": location.latitude,
        "lng": location.longitude,
        "name": location.name,
        "approximate": location.is_approximate,
        "tiles": tile_settings(),
    }
