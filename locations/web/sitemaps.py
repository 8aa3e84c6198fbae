"""sitemap.xml for search engines: every public page in each language, with hreflang
alternates. Only published places appear, and nothing staff-only.

/sitemap.xml is an index of sections (/sitemap-<section>.xml); a section longer than
50,000 URLs (counting every language) is split into pages (?p=2, …), each listed in the
index.
"""

from datetime import datetime
from html import escape

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from ..models import Location
from ..models.places import place_path


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

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        """What Sitemap.get_urls gives, without a language switch and a reverse() for
        each of a place's URLs (four each: its own and its three alternates): each
        language's path around the slug is found once."""
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        languages = self._languages()

        def url(location: Location, code: str) -> str:
            return base + place_path(location.slug, code)

        default = settings.LANGUAGE_CODE
        urls, latest = [], None
        for location, code in self.paginator.page(page).object_list:
            alternates = [{"location": url(location, c), "lang_code": c} for c in languages]
            if self.x_default and default in languages:
                bare = url(location, default).replace(f"/{default}/", "/", 1)
                alternates.append({"location": bare, "lang_code": "x-default"})
            lastmod = location.updated_at
            if latest is None or lastmod > latest:
                latest = lastmod
            urls.append({
                "item": (location, code), "location": url(location, code), "lastmod": lastmod,
                "changefreq": None, "priority": "", "alternates": alternates,
            })  # fmt: skip
        if latest is not None:
            self.latest_lastmod = latest
        return urls


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


@x_robots_tag
@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """One section's URLs (one page of them with ?p=); 404 for an unknown section or
    page. What django.contrib.sitemaps' view answers, written without its template (a
    template tag for each of hundreds of thousands of values takes seconds)."""
    if section not in SECTIONS:
        raise Http404(f"No sitemap available for section: {section!r}")
    sitemap = SECTIONS[section]()
    page = request.GET.get("p", 1)
    try:
        urls = sitemap.get_urls(page=page, site=get_current_site(request), protocol=request.scheme)
    except EmptyPage as error:
        raise Http404(f"Page {page} empty") from error
    except PageNotAnInteger as error:
        raise Http404(f"No page '{page}'") from error
    lastmod = getattr(sitemap, "latest_lastmod", None)
    headers = {"Last-Modified": http_date(lastmod.timestamp())} if lastmod else None
    return HttpResponse(urlset_xml(urls), content_type="application/xml", headers=headers)


URLSET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
    'sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)


def urlset_xml(urls: list[dict]) -> str:
    """Byte for byte what django.contrib.sitemaps' sitemap.xml template renders (its
    {% spaceless %} leaves no whitespace between tags)."""
    parts = [URLSET_HEAD]
    for url in urls:
        parts += ["<url><loc>", escape(url["location"]), "</loc>"]
        if url["lastmod"]:
            parts += ["<lastmod>", date_format(url["lastmod"]), "</lastmod>"]
        if url["changefreq"]:
            parts += ["<changefreq>", escape(url["changefreq"]), "</changefreq>"]
        if url["priority"]:
            parts += ["<priority>", escape(url["priority"]), "</priority>"]
        for alternate in url["alternates"]:
            parts += [
                '<xhtml:link rel="alternate" hreflang="', escape(alternate["lang_code"]),
                '" href="', escape(alternate["location"]), '"/>',
            ]  # fmt: skip
        parts.append("</url>")
    parts.append("\n</urlset>\n")
    return "".join(parts)


def date_format(value) -> str:
    """The template's |date:"Y-m-d": an aware time in the current time zone."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d")
