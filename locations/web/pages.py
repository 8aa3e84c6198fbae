"""Pages that stand alone: home, what naloxone is, robots.txt and the health check."""

from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..domain.site import absolute_url
from ..search import (
    SearchForm,
)
from .search_params import form_context


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "locations/home.html", form_context(request, SearchForm()))


@require_safe
def naloxone(request: HttpRequest) -> HttpResponse:
    return render(request, "locations/naloxone.html", form_context(request, SearchForm()))


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Load balancers ask here: 200 when the database answers, 503 when not. It reads the
    listings table, so a table locked past the statement timeout counts as not answering."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM locations_location LIMIT 1")
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawl every public page, not the API. Names the sitemap by its absolute URL, as the
    robots.txt standard asks. The admin is left out, since naming it here would publish its
    configurable path (its pages say noindex themselves). Searches that find places are
    crawlable (each names its canonical URL); those that find nothing say noindex."""
    ctx = {
        "disallow": ["/api/"],
        "sitemap_url": absolute_url(request, reverse("sitemap")),
    }
    return render(request, "robots.txt", ctx, content_type="text/plain; charset=utf-8")
