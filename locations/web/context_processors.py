import functools

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, translate_url
from django.utils.translation import get_language

from ..domain.site import absolute_url, site_path
from ..models import Location
from ..services import cache_version

# Whether demo listings exist, per data version: every write changes the version
# (services/cache_version.py), so an answer kept under one is never out of date, and the
# banner costs no query on the pages computed between two writes.
_demo_flags: dict[str, bool] = {}


def demo_data_present(version: str | None = None) -> bool:
    """Whether demo listings exist, kept per data version: `version` is the one this
    request read already (the public cache reads it), else it is read now."""
    try:
        version = version or cache_version.current()
    except Exception:  # no data version (the cache is down): ask the database
        return Location.objects.filter(is_demo=True).exists()
    flag = _demo_flags.get(version)
    if flag is None:
        flag = Location.objects.filter(is_demo=True).exists()
        if len(_demo_flags) >= 16:
            _demo_flags.clear()
        _demo_flags[version] = flag
    return flag


def site(request):
    """Values every public page needs: the demo banner, the admin path, the link-preview
    image (the other-language links are tags: templatetags/site_links.py)."""
    return {
        # Evaluated lazily: pages that never show the banner (admin) skip it.
        "demo_data_present": lambda: demo_data_present(getattr(request, "data_version", None)),
        "admin_path": settings.ADMIN_PATH,
        # The link-preview image (og:image), absolute as link previews need it.
        "og_image": lambda: og_image(request),
    }


def this_page(request) -> str:
    """This page's path and query, made safe to link to (see site_path)."""
    return site_path(request.get_full_path())


@functools.lru_cache(maxsize=2000)
def translated_path(path: str, code: str, active: str, prefix: str) -> str:
    """translate_url() of a path without query, once per process for each path, pair of
    languages (the active one decides which URL patterns the path matches) and script
    prefix."""
    return translate_url(path, code)


def translated(url: str, code: str) -> str:
    """This site's path and query `url` in language `code` (as translate_url)."""
    path, mark, query = url.partition("?")
    return translated_path(path, code, get_language(), get_script_prefix()) + mark + query


def other_languages(request) -> list[dict]:
    """This same page, query included, in each language but the current one."""
    current = get_language()
    here = this_page(request)
    return [
        {"code": code, "name": name, "url": site_path(translated(here, code))}
        for code, name in settings.LANGUAGES
        if code != current
    ]


def alternate_languages(request) -> list[dict]:
    """Absolute URLs of this page in every language, for <link rel="alternate" hreflang>."""
    here = this_page(request)
    links = [
        {"code": code, "url": absolute_url(request, translated(here, code))}
        for code, _name in settings.LANGUAGES
    ]
    default = next(link for link in links if link["code"] == settings.LANGUAGE_CODE)
    return [*links, {"code": "x-default", "url": default["url"]}]


def og_image(request) -> str:
    """The absolute URL of the 1200×630 link-preview image in the page's language."""
    name = "img/og-image-es.png" if get_language() == "es" else "img/og-image.png"
    return absolute_url(request, static(name))
