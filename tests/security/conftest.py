"""What the security tests share: a small directory, a production-like setup, and a
concrete path for every route the site has."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from locations.models import Location
from tests.factories import make_location, make_zipcodes

# The host a production-like test serves; any other Host is an attacker's.
HOST = "naloxone.example"


@pytest.fixture
def production(settings):
    """DEBUG off with a host list, as a deployment runs (the 400 and 500 pages are live)."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [HOST]
    settings.SITE_URL = ""
    return settings


@pytest.fixture
def place(db) -> Location:
    """One published place, in New York, for the routes that name a place."""
    make_zipcodes("10001")
    return make_location(name="Corner Pharmacy", zip_code="10001", city="New York", state="NY")


def route_values(place: Location) -> dict[str, str]:
    """A real value for each parameter a route can name; a route with another parameter
    makes every_route fail, so that a new route is not left out of the battery."""
    return {
        "slug": place.slug,
        "state": "ny",
        "city": "new-york",
        "section": "pages",
        "st": "NY",
        "token": "no-such-token",
    }


def _walk(patterns, namespace: str | None, found: list[tuple[str, list[str]]]) -> None:
    """Add (name, parameters) of each named route under patterns to found."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin's own routes: its sign-in is added by every_route
            inner = pattern.namespace or namespace
            _walk(pattern.url_patterns, inner, found)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names = list(pattern.pattern.regex.groupindex)
            found.append((f"{namespace}:{pattern.name}" if namespace else pattern.name, names))


def every_route(place: Location) -> list[str]:
    """A concrete path for every named route but the admin's (sign-in and index kept),
    in English and, for public pages, in Spanish."""
    found: list[tuple[str, list[str]]] = []
    _walk(get_resolver().url_patterns, None, found)
    values = route_values(place)
    paths = {reverse("admin:login"), reverse("admin:index")}
    for name, parameters in found:
        kwargs = {parameter: values[parameter] for parameter in parameters}
        for language in ("en", "es"):
            with translation.override(language):
                paths.add(reverse(name, kwargs=kwargs))
    return sorted(paths)
