from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Location
from .search import DEFAULT_RADIUS, FlagField, PageOutOfRange, SearchForm, run_search

FLAGS = [name for name, field in SearchForm.base_fields.items() if isinstance(field, FlagField)]


def form_context(request: HttpRequest, form: SearchForm) -> dict:
    """What the search form needs to show the query it was given."""
    return {
        "form": form,
        "query": request.GET,
        "selected_radius": request.GET.get("radius") or str(DEFAULT_RADIUS),
        "selected_kinds": request.GET.getlist("kind"),
        "filters_on": sum(request.GET.get(f) == "1" for f in FLAGS)
        + len(request.GET.getlist("kind")),
    }


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "locations/home.html", form_context(request, SearchForm()))


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    if "near" not in request.GET:
        return render(request, "locations/search.html", form_context(request, SearchForm()))
    form = SearchForm(request.GET)
    ctx = form_context(request, form)
    if not form.is_valid():
        ctx["error"] = form.first_error()
        return render(request, "locations/search.html", ctx, status=400)
    try:
        ctx["result"] = run_search(form.cleaned_data)
    except PageOutOfRange as error:
        ctx["error"] = _("There is no page %(page)s of these results; the last is %(last)s.") % {
            "page": error.page,
            "last": error.pages,
        }
        return render(request, "locations/search.html", ctx, status=400)
    return render(request, "locations/search.html", ctx)


@require_safe
def location_detail(request: HttpRequest, slug: str) -> HttpResponse:
    location = get_object_or_404(Location.objects.published().prefetch_related("hours"), slug=slug)
    moment = timezone.now()
    ctx = {
        "location": location,
        "open_now": location.is_open_at(moment),
        "week": location.week(moment),
        "canonical_url": absolute_url(request, location.get_absolute_url()),
        "directions_url": directions_url(location),
    }
    return render(request, "locations/location_detail.html", ctx)


def absolute_url(request: HttpRequest, path: str) -> str:
    """A full URL on the configured public site (SITE_URL), else on this request's host."""
    if settings.SITE_URL:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path)


def directions_url(location: Location) -> str:
    """A maps link that phones open in their own maps app."""
    if location.street_address and not location.is_approximate:
        destination = ", ".join(
            [location.street_address, location.city, f"{location.state} {location.zip_code}"]
        )
    else:
        destination = f"{location.latitude},{location.longitude}"
    return "https://www.google.com/maps/dir/?" + urlencode({"api": 1, "destination": destination})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Load balancers ask here: 200 when the database answers, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
