"""HTTP rules every response under /api/ follows: a per-IP rate limit, JSON errors, HEAD
and OPTIONS, Cache-Control and ETag with conditional GET.

Scoped to /api/ on purpose: the HTML pages carry per-visitor content (the CSRF token in
forms) and must not be shared by caches, so Django's ConditionalGetMiddleware, which
would apply to every page, is not used.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.translation import gettext as _

from ..domain.http_cache import public_cache_control
from ..services import api_rate_limit

API_PREFIX = "/api/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# The public reads get their own, shorter headers and an ETag from the public cache
# (locations/web/caching.py); this is for the rest (the guide, the OpenAPI schema).
SUCCESS_CACHE_CONTROL = public_cache_control()
# Errors are never stored: a 404 slug may be published a minute later, a 429 belongs to
# one client's address (a shared cache must not hand it to others), and a 400 costs
# nothing to compute again.
ERROR_CACHE_CONTROL = "no-store"


def too_many_requests(request: HttpRequest) -> JsonResponse | None:
    """A 429 answer when this client has used up API_RATE_LIMIT, else None (and the
    request is counted). Only the address is counted, never what was searched."""
    seconds = api_rate_limit.seconds_to_wait(request)
    if not seconds:
        return None
    message = _("Too many requests from your address. Try again in %(seconds)s seconds.") % {
        "seconds": seconds
    }
    response = JsonResponse({"error": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def options(request: HttpRequest) -> HttpResponse:
    """A plain OPTIONS request (CORS preflights are answered before this)."""
    try:
        resolve(request.path_info)
    except Resolver404:
        return HttpResponse(status=404)
    response = HttpResponse(status=204, headers={"Allow": ALLOWED_METHODS})
    del response["Content-Type"]  # no body, so no type
    return response


def error_message(status: int, reason: str) -> str:
    if status == 404:
        return _("There is no such API address. The endpoints are listed at /api/v1/docs.")
    if status == 405:
        return _("The API is read-only: use GET, HEAD or OPTIONS.")
    if status >= 500:
        return _("Something went wrong on our side. Please try again later.")
    return reason


def as_json_error(response: HttpResponse) -> HttpResponse:
    """Errors raised outside the API views (unknown paths, wrong methods, server errors)
    come as HTML or plain text: give them the API's {"error": "..."} form."""
    if "json" in response.get("Content-Type", ""):
        return response
    status = response.status_code
    json_response = JsonResponse({"error": error_message(status, response.reason_phrase)})
    json_response.status_code = status
    if status == 405:
        json_response["Allow"] = ALLOWED_METHODS
    return json_response


class ApiMiddleware:
    """Rate limit, errors, HEAD/OPTIONS and caching headers for everything under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        # The API's URLs name no language, so its labels and messages follow the request's
        # Accept-Language (LocaleMiddleware sends Content-Language and Vary to match).
        translation.activate(translation.get_language_from_request(request))
        method = request.method
        response = too_many_requests(request)
        if response is None and method == "OPTIONS":
            response = options(request)
        elif response is None and method == "HEAD":
            # HEAD is GET without the body (RFC 9110); the API's routes are declared GET.
            request.method = "GET"
            response = self.get_response(request)
            request.method = "HEAD"
        elif response is None:
            response = self.get_response(request)

        if response.status_code == 200 and method in ("GET", "HEAD"):
            if not response.has_header("Cache-Control"):
                response["Cache-Control"] = SUCCESS_CACHE_CONTROL
            if not response.has_header("ETag"):
                set_response_etag(response)
            # If-None-Match naming the current ETag: 304 with no body, same headers.
            response = get_conditional_response(
                request, etag=response.get("ETag"), response=response
            )
        if response.status_code >= 400:
            response = as_json_error(response)
            response["Cache-Control"] = ERROR_CACHE_CONTROL
        elif not response.has_header("Cache-Control"):
            response["Cache-Control"] = SUCCESS_CACHE_CONTROL
        if method == "HEAD" and not response.streaming and response.content:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
