from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from locations.api import api

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("locations.urls")),
]

admin.site.site_header = "Naloxone Finder staff"
admin.site.site_title = "Naloxone Finder staff"
admin.site.index_title = "Directory"
