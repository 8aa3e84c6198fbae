"""The embed partner sites show in an iframe, and the page that gives them its code."""

from csp.decorators import csp_replace
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from ..domain.site import absolute_url
from ..search import (
    SearchForm,
)
from .search_params import form_context, nearest_places, search_pairs, with_query

# Embedding and share kits. The embed and the flyers show a search's nearest places, not
# a page of them, so they never read `page`.
EMBED_LIMIT = 10


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@require_safe
def embed(request: HttpRequest) -> HttpResponse:
    """The compact results list partner sites show in an iframe: the only page any site
    may frame. Its links open the full site in a new tab."""
    pairs = search_pairs(request.GET)
    ctx = {
        "near": request.GET.get("near", ""),
        # The partner's distance and filters ride along when a visitor types a place.
        "kept": [(name, value) for name, value in pairs if name != "near"],
        "search_url": with_query(reverse("search"), pairs),
    }
    if not request.GET.get("near", "").strip():
        return render(request, "locations/embed.html", ctx)
    _form, result, ctx["error"] = nearest_places(request)
    if result is None:
        return render(request, "locations/embed.html", ctx, status=400)
    ctx["result"] = result
    ctx["places"] = (result.results or result.nearest_beyond)[:EMBED_LIMIT]
    return render(request, "locations/embed.html", ctx)


@require_safe
def embed_code(request: HttpRequest) -> HttpResponse:
    """The iframe snippet for a chosen search, with a live preview of the embed."""
    query = request.GET.copy()
    query.pop("page", None)
    form = SearchForm(query)
    ctx = form_context(request, form)
    near = " ".join(query.get("near", "").split())
    if not form.is_valid():
        if not near:
            # Without a place the embed asks its visitors for one: not an error here.
            form.errors.pop("near", None)
        if form.errors:
            ctx["error"] = form.first_error()
            return render(request, "locations/embed_code.html", ctx, status=400)
    path = with_query(reverse("embed"), search_pairs(query))
    title = _("Naloxone near %(place)s") % {"place": near} if near else _("Find naloxone near you")
    ctx["snippet"] = format_html(
        '<iframe src="{}" title="{}" width="100%" height="600" loading="lazy"></iframe>',
        absolute_url(request, path),
        title,
    )
    ctx["preview_url"] = path
    ctx["embed_config"] = {
        "embedUrl": absolute_url(request, reverse("embed")),
        "previewUrl": reverse("embed"),
        "title": _("Naloxone near %(place)s"),
        "titleAny": _("Find naloxone near you"),
        "copied": _("Copied. Paste it into your web page’s HTML."),
        "copyFailed": _("Your browser did not let us copy: the code is selected, copy it."),
    }
    return render(request, "locations/embed_code.html", ctx)


# Share kits: one-page flyers to print and pin up, each with a QR code to the live page.
