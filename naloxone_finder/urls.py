from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from locations.api import api
from locations.web import pages, sitemaps

# Operations, the API and the admin have one URL; public pages have an English one and
# a Spanish one under /es/ so that either can be shared.
urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", pages.healthz, name="healthz"),
    path("robots.txt", pages.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    *i18n_patterns(path("", include("locations.web.urls")), prefix_default_language=False),
]

admin.site.site_header = "Naloxone Finder staff"
admin.site.site_title = "Naloxone Finder staff"
admin.site.index_title = "Directory"
