"""The public read-only API under /api/v1/: JSON and GeoJSON, the OpenAPI schema at
/api/v1/openapi.json and a plain HTML guide at /api/v1/docs.

What every answer shares (rate limit, CORS, Cache-Control and ETag, JSON errors for
unknown paths and wrong methods) is added in middleware.py; `PublicAPI` declares it in
the schema.
"""

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

GEOJSON = "application/geo+json"
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


def declare_shared_responses(responses: dict) -> None:
    """Add to one operation's responses what middleware.py gives every answer."""
    success = responses.get(200)
    if success is not None:
        content = success.get("content", {})
        if GEOJSON in content and "application/json" in content:
            # ninja declares every model as JSON; this one is served as GeoJSON only.
            content[GEOJSON] = content.pop("application/json")
        success.setdefault("headers", {}).update(
            {
                "ETag": {
                    "description": "Tag of this answer's content",
                    "schema": {"type": "string"},
                },
                "Cache-Control": {
                    "description": "public, max-age=300",
                    "schema": {"type": "string"},
                },
            }
        )
        responses.setdefault(
            304,
            {"description": "Not Modified: If-None-Match named the current ETag. No body."},
        )
    responses.setdefault(
        400,
        {
            "description": "Bad Request: the address or a parameter holds a control character",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
    )
    responses.setdefault(
        429,
        {
            "description": "Too Many Requests: this address used up its allowance (API_RATE_LIMIT)",
            "headers": {
                "Retry-After": {
                    "description": "Seconds until the allowance renews",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
    )


class PublicAPI(NinjaAPI):
    """The API, with a schema that also declares the shared answers (304, 400, 429,
    headers)."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for path_item in schema["paths"].values():
            for operation in path_item.values():
                declare_shared_responses(operation["responses"])
        return schema


api = PublicAPI(
    title="Naloxone Finder API",
    version="1",
    description=(
        "Places that carry naloxone, searchable by distance, as JSON or GeoJSON. Read-only; "
        "no key needed; open to scripts on any site (CORS). A guide with examples is at "
        "/api/v1/docs."
    ),
    urls_namespace="api",
    # ninja's own docs page loads Swagger UI from a CDN; /api/v1/docs is ours instead.
    docs_url=None,
)


@api.exception_handler(NinjaValidationError)
def invalid_request(request: HttpRequest, exc: NinjaValidationError):
    fields = sorted({".".join(str(p) for p in e.get("loc", [])[1:]) for e in exc.errors})
    message = _("Invalid or missing parameter: %(names)s") % {
        "names": ", ".join(f for f in fields if f)
    }
    return api.create_response(request, {"error": message}, status=400)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    message = _("No published location has that slug.")
    return api.create_response(request, {"error": message}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, {"error": str(exc)}, status=exc.status_code)


def database_unavailable(request: HttpRequest, exc: Exception):
    """A database that times out or cannot be reached: 503, try again shortly (the pages
    get the same from naloxone_finder.db_router.DatabaseUnavailableMiddleware)."""
    message = "The directory's database is not answering. Try again in a minute."
    response = api.create_response(request, {"error": message}, status=503)
    response["Retry-After"] = "30"
    return response


for database_error in (OperationalError, InterfaceError):
    api.add_exception_handler(database_error, database_unavailable)
