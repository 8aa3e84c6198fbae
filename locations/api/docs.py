"""The API's human guide at /api/v1/docs, made from its own OpenAPI schema."""

import re

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..domain.site import absolute_url
from ..exchange import csv_export
from ..search import PAGE_SIZE
from .app import api


@api.get("/docs", include_in_schema=False)
def docs(request: HttpRequest):
    """The human guide to the API: our own page, with no third-party assets."""
    with translation.override("en"):  # written in English only
        response = render(request, "api_docs.html", docs_context(request))
    response["Content-Language"] = "en"
    return response


def code_spans(text: str) -> str:
    """Markdown's `code` in a schema description as HTML <code>, the rest escaped."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))


def docs_context(request: HttpRequest) -> dict:
    """The endpoints as the OpenAPI schema describes them, so the guide cannot drift."""
    schema = api.get_openapi_schema()
    endpoints = []
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description_html": code_spans(operation.get("description", "")),
                    "parameters": [
                        {
                            "name": param["name"],
                            "where": param["in"],
                            "required": param.get("required", False),
                            "description": param.get("description", "")
                            or param.get("schema", {}).get("description", ""),
                        }
                        for param in operation.get("parameters", [])
                    ],
                    "responses": sorted(
                        (int(status), answer.get("description", ""))
                        for status, answer in operation["responses"].items()
                    ),
                }
            )
    return {
        "endpoints": endpoints,
        "base_url": absolute_url(request, reverse("api:api-root")).rstrip("/"),
        "site_url": absolute_url(request, "/").rstrip("/"),
        "rate_limit": settings.API_RATE_LIMIT,
        "licence": csv_export.LICENCE,
        "page_size": PAGE_SIZE,
    }
