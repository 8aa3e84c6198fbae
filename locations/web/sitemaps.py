"""sitemap.xml for search engines: every public page in each language, with hreflang
alternates. Only published places appear, and nothing staff-only.

/sitemap.xml is an index of sections (/sitemap-<section>.xml); a section longer than
50,000 URLs (counting every language) is split into pages (?p=2, …), each listed in the
index.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from ..models import Location


class PublicSitemap(Sitemap):
    """URLs in every language with their alternates, on SITE_URL when it is set, else on
    the host the sitemap was asked for."""

    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol: str | None = None) -> str:
        if settings.SITE_URL:
            return settings.SITE_URL.split("://", 1)[0]
        return super().get_protocol(protocol)

    def get_domain(self, site=None) -> str:
        # Without django.contrib.sites the views pass a RequestSite: the request's host.
        if settings.SITE_URL:
            return settings.SITE_URL.split("://", 1)[1]
        return super().get_domain(site)


# Pages that are not about one place, by URL name.
PAGE_NAMES = ["home", "naloxone", "states"]


def can_reverse(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


class PagesSitemap(PublicSitemap):
    """The home page, the naloxone page and the list of states."""

    def items(self) -> list[str]:
        return [name for name in PAGE_NAMES if can_reverse(name)]

    def location(self, item: str) -> str:
        return reverse(item)


class StatesSitemap(PublicSitemap):
    """Each state page with published places."""

    def items(self) -> list[str]:
        return [row["state"] for row in Location.objects.state_counts()]

    def location(self, item: str) -> str:
        return reverse("state", args=[item.lower()])


class CitiesSitemap(PublicSitemap):
    """Each city page (the first page of a long city's list)."""

    def items(self) -> list[tuple[str, str]]:
        return Location.objects.city_slugs()

    def location(self, item: tuple[str, str]) -> str:
        state, city = item
        return reverse("city", args=[state.lower(), city])


class LocationsSitemap(PublicSitemap):
    """Each published place's permalink."""

    def items(self):
        return Location.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, location: Location):
        return location.updated_at


SECTIONS = {
    "pages": PagesSitemap,
    "states": StatesSitemap,
    "cities": CitiesSitemap,
    "locations": LocationsSitemap,
}


@x_robots_tag
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The sitemap index: every page of every section that has URLs.

    Django's own index view names the sections on the request's host; this one uses
    the sections' get_protocol/get_domain, so SITE_URL holds here too.
    """
    site = get_current_site(request)
    entries = []
    for name, section in SECTIONS.items():
        sitemap = section()
        paginator = sitemap.paginator
        if not paginator.count:
            continue
        path = reverse("sitemap_section", args=[name])
        url = f"{sitemap.get_protocol(request.scheme)}://{sitemap.get_domain(site)}{path}"
        entries.append(SitemapIndexItem(url))
        entries += [SitemapIndexItem(f"{url}?p={n}") for n in paginator.page_range[1:]]
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """One section's URLs (one page of them with ?p=); 404 for an unknown section."""
    return django_sitemap(request, SECTIONS, section=section)
