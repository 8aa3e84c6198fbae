"""The public cache: whole answers to anonymous GETs of the public reads, kept in the
"public" cache (Redis with CACHE_URL, else files shared by this machine's workers), and
the HTTP caching headers of every answer.

Cached: the search page, a place's page, the browse pages (states, a state, a city),
the embed, the sitemaps, and the API's search, place, GeoJSON, states, cities and the
two exports. The key holds:

- the data version (services/cache_version.py): every write changes it, so a change
  shows at once and nothing older is ever served;
- the current minute for answers that show "open now" (never more than a minute old);
- the language, the scheme and host (absolute links), the path;
- the query normalised: parameters in one order, blanks dropped, the search's filters
  as 1 or left out, kinds sorted, `near` in one case and spacing with a ZIP+4 cut to
  its ZIP, and the default radius written out. Two spellings of one search are one entry.

Signed-in people (staff) are never served a cached copy and never store one; neither is
a visitor with a message waiting. Only 200s are stored, never an answer that sets a
cookie or carries a CSRF token.

The heavy answers (sitemaps, exports) are never built while a request waits: the first
request that finds no copy for the current version takes a lock (cache.add) and starts
the build in a thread of its process (with a database connection of its own), so that
it is built once per version. Until it is stored, every request for it (the one that
started it too) is given at once the previous version's copy (Cache-Control: no-cache),
or, when there is none at all, a 503 with Retry-After: a crawler or a script that
honours Retry-After comes back and finds it built. A build that fails logs why and
releases the lock: the next request starts another. An answer a build gives that is a
client error (an unknown sitemap section or page: 404) is kept, not stored as public.

Headers: anonymous public answers get Cache-Control with max-age and s-maxage (see
domain/http_cache.py), an ETag from the key and a 304 for If-None-Match naming it,
and Vary: Accept-Language, Cookie. The admin, errors, 429s, pages with a CSRF token and
whatever a signed-in person sees get no-store.
"""

import contextvars
import copy
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import (
    Resolver404,
    get_script_prefix,
    get_urlconf,
    resolve,
    set_script_prefix,
    set_urlconf,
)
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, urlencode
from django.utils.translation import gettext as _

from naloxone_finder.db_router import use_primary

from ..domain import http_cache
from ..search import DEFAULT_RADIUS, FALSE_VALUES, TRUE_VALUES, ZIP_RE
from ..services import cache_version
from .search_params import FLAGS


@dataclass(frozen=True)
class Route:
    clock: bool = False  # shows "open now" or the day: the minute is part of the key
    search: bool = False  # takes the search's parameters
    heavy: bool = False  # slow to build: built in the background, once per version
    # Heavy routes: the only parameters the view reads (the last value of each); any
    # other is left out of the key, so that made-up queries cannot start more builds.
    reads: tuple[str, ...] = ()


ROUTES = {
    "search": Route(clock=True, search=True),
    "location_detail": Route(clock=True),
    "states": Route(),
    "state": Route(clock=True),
    "city": Route(clock=True),
    "embed": Route(clock=True, search=True),
    "sitemap": Route(heavy=True),
    "sitemap_section": Route(heavy=True, reads=("p",)),
    "api:search_locations": Route(clock=True, search=True),
    "api:search_locations_geojson": Route(clock=True, search=True),
    "api:get_location": Route(clock=True),
    "api:list_states": Route(),
    "api:list_cities": Route(),
    "api:export_locations_csv": Route(heavy=True),
    "api:export_hsds_zip": Route(heavy=True),
}

# How long entries are kept. The data version, not these, keeps them current: they only
# bound the memory that old versions hold.
CLOCK_SECONDS = 120
PLAIN_SECONDS = 60 * 60
HEAVY_SECONDS = 24 * 60 * 60
# A builder of a heavy answer holds its lock this long at most (if it dies, it expires).
LOCK_SECONDS = 120
# A 503 for a heavy answer not built yet asks to come back after this many seconds.
RETRY_AFTER_SECONDS = 5
# Heavy builds running at once in one process; beyond, requests get the 503 (or the
# previous copy) and the build is started by a later one.
MAX_BUILDS = 2
# Off only in tests whose data sits in an uncommitted transaction, which a build's own
# database connection could not see: the request that takes the lock builds it itself.
BUILD_IN_BACKGROUND = True

# Attributes of a response that outer middleware reads (the embed may be framed and has
# its own CSP); kept with the stored copy.
KEPT_PREFIXES = ("xframe_options_", "_csp_")
HEADER = "X-Public-Cache"  # hit, miss, previous, building, bypass: for operators, tests

log = logging.getLogger(__name__)


class SafeStore:
    """The public cache, failing open: when it cannot be reached (Redis down), answers
    are computed as if nothing were cached, and nothing is stored."""

    def __init__(self, store):
        self.store = store
        self.broken = False  # an operation failed: nothing can be stored

    def get(self, key):
        try:
            return self.store.get(key)
        except Exception:
            self.broken = True
            log.exception("The public cache could not be read")
            return None

    def set(self, key, value, timeout) -> None:
        try:
            self.store.set(key, value, timeout)
        except Exception:
            self.broken = True
            log.exception("The public cache could not be written")

    def add(self, key, value, timeout) -> bool:
        try:
            return self.store.add(key, value, timeout)
        except Exception:
            self.broken = True
            log.exception("The public cache could not be written")
            return True

    def delete(self, key) -> None:
        try:
            self.store.delete(key)
        except Exception:
            self.broken = True
            log.exception("The public cache could not be written")


# The heavy builds running in this process's threads.
_builds: set[threading.Thread] = set()
_builds_lock = threading.Lock()


def start_build(name: str, build) -> bool:
    """Run build() in a thread of its own, with a copy of this request's context (so the
    same database choice: replica or primary) but its own database connections, closed
    when it ends. False when MAX_BUILDS are already running here.

    The thread is not a daemon: a worker that is told to stop (gunicorn's max-requests,
    a reload) finishes its builds before it exits, within gunicorn's graceful timeout."""
    context = contextvars.copy_context()

    def run() -> None:
        try:
            context.run(build)
        except Exception:
            log.exception("A heavy answer could not be built: %s", name)
        finally:
            connections.close_all()  # this thread's connections only
            with _builds_lock:
                _builds.discard(thread)

    thread = threading.Thread(target=run, name=f"heavy build {name}")
    with _builds_lock:
        if len(_builds) >= MAX_BUILDS:
            return False
        _builds.add(thread)
    thread.start()
    return True


def join_builds(timeout: float | None = None) -> None:
    """Wait for the heavy builds running in this process to end (for tests)."""
    with _builds_lock:
        running = list(_builds)
    for thread in running:
        thread.join(timeout)


def running_builds() -> int:
    with _builds_lock:
        return len(_builds)


def normal_near(text: str) -> str:
    text = " ".join(text.split()).casefold()
    if match := ZIP_RE.match(text):
        return match.group(1)
    return text


def normal_query(request: HttpRequest, route: Route) -> str:
    """The query string with one spelling for each query that gives the same answer."""
    if route.heavy:
        return urlencode([(name, request.GET[name]) for name in route.reads if name in request.GET])
    pairs = []
    for name in request.GET:
        values = [value.strip() for value in request.GET.getlist(name)]
        if route.search and name == "near":
            # A blank near is a question of its own (an error), not no near at all.
            pairs += [(name, normal_near(value)) for value in values]
            continue
        values = [value for value in values if value]
        if route.search and name in FLAGS:
            on = [value.lower() in TRUE_VALUES for value in values]
            off = [value.lower() in FALSE_VALUES for value in values]
            values = [
                "1" if is_on else value
                for value, is_on, is_off in zip(values, on, off, strict=True)
                if not is_off
            ]
        pairs += [(name, value) for value in values]
    if route.search and "near" in request.GET and not any(name == "radius" for name, _ in pairs):
        pairs.append(("radius", str(DEFAULT_RADIUS)))
    return urlencode(sorted(pairs))


def route_of(request: HttpRequest) -> Route | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return ROUTES.get(match.view_name)


def recently_written(key: str) -> bool:
    """Whether the data version in this key is younger than a replica may lag behind."""
    if not settings.REPLICA_DATABASES:
        return False
    token = key.split("|", 1)[0]
    return cache_version.seconds_since_write(token) < settings.DATABASE_REPLICA_MAX_LAG_SECONDS


def signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def is_admin(request: HttpRequest) -> bool:
    return request.path_info.startswith("/" + settings.ADMIN_PATH)


def used_csrf_token(request: HttpRequest) -> bool:
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


def ensure_no_store(response: HttpResponse, value: str = http_cache.NO_STORE) -> None:
    if "no-store" not in response.get("Cache-Control", ""):
        response["Cache-Control"] = value


class PublicCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        route = None
        if request.method in ("GET", "HEAD") and not is_admin(request):
            route = route_of(request)
        if route is None:
            return self.not_shared(request, self.get_response(request))
        if signed_in(request) or "messages" in request.COOKIES:
            response = self.get_response(request)
            response[HEADER] = "bypass"
            ensure_no_store(response, http_cache.PRIVATE_NO_STORE)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response
        return self.shared(request, route)

    def not_shared(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Answers outside the public cache: no-store where nobody may keep them."""
        if is_admin(request) or response.status_code >= 400 or used_csrf_token(request):
            ensure_no_store(response)
        return response

    def key_of(self, request: HttpRequest, route: Route, now) -> tuple[str, str]:
        """(the key without the version, the key)."""
        minute = http_cache.minute_of(now) if route.clock else "-"
        base = "|".join(
            [
                translation.get_language() or "",
                request.scheme,
                request.get_host(),
                request.path,
                normal_query(request, route),
            ]
        )
        # Kept on the request: the page's demo banner (context_processors) needs it too.
        request.data_version = cache_version.for_request(request)
        return base, f"{request.data_version}|{minute}|{base}"

    def shared(self, request: HttpRequest, route: Route) -> HttpResponse:
        now = timezone.now()
        try:
            base, key = self.key_of(request, route, now)
        except Exception:
            # No data version, no copy that can be trusted: answer from the database.
            log.exception("The public cache's data version could not be read")
            response = self.get_response(request)
            response[HEADER] = "bypass"
            return self.not_shared(request, response)
        etag = http_cache.entity_tag(key)
        control = http_cache.public_cache_control(now if route.clock else None)
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
            self.label(response, etag, control, "hit")
            return response
        store = SafeStore(cache_version.public_cache())
        entry_key = "nf:page:" + etag.strip('"')
        entry = store.get(entry_key)
        if entry is not None:
            if entry["status"] != 200:
                # A heavy build's client error (an unknown sitemap page): kept, not shared.
                response = rebuilt(entry)
                response[HEADER] = "hit"
                return self.not_shared(request, response)
            return self.label(rebuilt(entry), etag, control, "hit")
        if recently_written(key):
            # A read replica may not have replayed the write yet: what is computed now is
            # kept under the new version, so it must come from the primary.
            use_primary()
        if route.heavy:
            return self.heavy(request, store, entry_key, base, etag, control)
        response = self.get_response(request)
        if self.storable(request, response):
            seconds = CLOCK_SECONDS if route.clock else PLAIN_SECONDS
            store.set(entry_key, entry_of(response, etag), seconds)
            return self.label(response, etag, control, "miss")
        return self.not_shared(request, response)

    def heavy(self, request, store, entry_key, base, etag, control) -> HttpResponse:
        """A heavy answer with no copy for this version: started in the background by the
        request that takes the lock; meanwhile the previous copy, else a 503 at once."""
        latest_key = "nf:latest:" + http_cache.entity_tag(base).strip('"')
        lock_key = entry_key + ":lock"
        keys = (entry_key, latest_key, lock_key)
        if running_builds() < MAX_BUILDS and store.add(lock_key, 1, LOCK_SECONDS):
            if store.broken:
                # Nothing can be stored: answer from the database, as with no cache at all.
                response = self.get_response(request)
                response[HEADER] = "bypass"
                return self.not_shared(request, response)
            entry = store.get(entry_key)
            if entry is not None:
                # Another request stored it between the first look and the lock.
                store.delete(lock_key)
                return self.label(rebuilt(entry), etag, control, "hit")
            if not BUILD_IN_BACKGROUND:
                try:
                    response = self.build(request, store, keys, etag)
                finally:
                    store.delete(lock_key)
                if self.storable(request, response):
                    return self.label(response, etag, control, "miss")
                return self.not_shared(request, response)
            if not self.start_build(request, keys, etag):
                store.delete(lock_key)
        previous = store.get(latest_key)
        if previous is not None:
            # The current copy is being built: the one before it, not to be kept.
            if previous["etag"] in parse_etags(request.headers.get("If-None-Match", "")):
                response = HttpResponseNotModified()
            else:
                response = rebuilt(previous)
            self.label(response, previous["etag"], http_cache.NO_CACHE, "previous")
            return response
        return not_ready(request)

    def start_build(self, request, keys, etag) -> bool:
        """Build in a thread, on a copy of the request, in this request's language, URL
        prefix and URLconf (thread-local in Django); the lock is released at the end."""
        language = translation.get_language()
        prefix, urlconf = get_script_prefix(), get_urlconf()
        detached = copy.copy(request)
        detached.META = request.META.copy()
        detached.method = "GET"  # a HEAD is answered from the stored GET

        def build() -> None:
            set_script_prefix(prefix)
            set_urlconf(urlconf)
            own = SafeStore(cache_version.public_cache())  # this thread's client
            try:
                with translation.override(language):
                    self.build(detached, own, keys, etag)
            finally:
                own.delete(keys[2])

        return start_build(request.path, build)

    def build(self, request, store, keys, etag) -> HttpResponse:
        """Compute a heavy answer and store it (a 200) under this version and as the
        latest; a client error is kept under this version only, not shared."""
        entry_key, latest_key, _lock_key = keys
        response = self.get_response(request)
        if response.streaming and response.status_code == 200:
            response = materialised(response)
        if self.storable(request, response):
            entry = entry_of(response, etag)
            store.set(entry_key, entry, HEAVY_SECONDS)
            store.set(latest_key, entry, HEAVY_SECONDS)
        elif request.method != "GET":
            pass  # a HEAD built in the request (tests): answered, not stored
        elif 400 <= response.status_code < 500 and not response.streaming:
            store.set(entry_key, entry_of(response, etag), PLAIN_SECONDS)
        else:
            log.error("A heavy answer was not stored: %s answered %s", request.path,
                      response.status_code)  # fmt: skip
        return response

    @staticmethod
    def storable(request: HttpRequest, response: HttpResponse) -> bool:
        control = response.get("Cache-Control", "")
        return (
            request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not used_csrf_token(request)
            and "no-store" not in control
            and "private" not in control
        )

    @staticmethod
    def label(response: HttpResponse, etag: str, control: str, how: str) -> HttpResponse:
        response["ETag"] = etag
        response["Cache-Control"] = control
        response[HEADER] = how
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


def not_ready(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: nothing is built yet for this heavy answer. Plain text for a
    page, the API's JSON error for the API; stored nowhere."""
    message = _("This file is being prepared. Please try again in a few seconds.")
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"error": message}, status=503)
    else:
        plain = "text/plain; charset=utf-8"
        response = HttpResponse(message + "\n", status=503, content_type=plain)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = http_cache.NO_STORE
    response[HEADER] = "building"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    # Expected while a build runs, not a server error: Django would log each as one.
    response._has_been_logged = True
    return response


def materialised(response) -> HttpResponse:
    """A streamed answer read into one body, so that it can be stored."""
    try:
        body = b"".join(response.streaming_content)
    finally:
        # Not response.close(): that also sends request_finished, which ends the request
        # (and its database connection) for Django.
        for closer in response._resource_closers:
            closer()
        response._resource_closers.clear()
    whole = HttpResponse(body, status=response.status_code)
    for name, value in response.items():
        whole[name] = value
    return whole


def entry_of(response: HttpResponse, etag: str) -> dict:
    skipped = {"etag", "cache-control", HEADER.lower(), "vary"}
    return {
        "etag": etag,
        "status": response.status_code,
        "headers": [(k, v) for k, v in response.items() if k.lower() not in skipped],
        "body": response.content,
        "attributes": {
            name: value for name, value in vars(response).items() if name.startswith(KEPT_PREFIXES)
        },
    }


def rebuilt(entry: dict) -> HttpResponse:
    response = HttpResponse(entry["body"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    for name, value in entry["attributes"].items():
        setattr(response, name, value)
    return response
