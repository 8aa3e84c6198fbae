"""Links and map settings every public surface (pages, API, admin map) shares."""

from django.conf import settings
from django.http import HttpRequest


def site_path(path: str) -> str:
    """A path that stays on this site: leading slashes and backslashes become one slash,
    so a request for "//evil.example/search" can never be echoed back as a link to
    another host (browsers read "//host" and "/\\host" as one)."""
    return "/" + path.lstrip("/\\")


def absolute_url(request: HttpRequest, path: str) -> str:
    """A full URL on the configured public site (SITE_URL), else on this request's host."""
    path = site_path(path)
    if settings.SITE_URL:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path)


def tile_settings() -> dict:
    """Where the maps' tiles come from, for the scripts that draw them."""
    return {
        "url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "max_zoom": settings.MAP_TILE_MAX_ZOOM,
    }
