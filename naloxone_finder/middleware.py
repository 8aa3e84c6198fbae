"""Request checks that hold for every page, API call and admin screen alike."""

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

from locations.domain.validators import control_character

# A path holds no line breaks or tabs either: browsers drop them from links, which turns
# "/\t/evil.example" into "//evil.example".
PATH_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def first_control_character(request: HttpRequest) -> str | None:
    """The first control character in the path, the query or the form fields, if any."""
    if match := PATH_CONTROL_CHARACTER.search(request.path_info):
        return f"U+{ord(match[0]):04X}"
    fields = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for data in fields:
        for key, values in data.lists():
            for text in [key, *values]:
                if found := control_character(text):
                    return found
    return None


def reject_control_characters(get_response):
    """Answer 400 to a request whose path, query or form fields hold a control character
    (PostgreSQL cannot store NUL, and no person types the others), before any view sees it."""

    def middleware(request: HttpRequest) -> HttpResponse:
        """Refuse the request, or pass it on."""
        found = first_control_character(request)
        if found is None:
            return get_response(request)
        message = _(
            "The address or a form field holds a control character (%(character)s), which "
            "nothing on this site accepts. Remove it and try again."
        ) % {"character": found}
        if request.path_info.startswith("/api/"):
            return JsonResponse({"error": message}, status=400)
        return HttpResponseBadRequest(loader.render_to_string("400.html", {"message": message}))

    return middleware


def admin_in_the_staff_language(get_response):
    """Show the admin in the language the staff member's browser asks for (English or
    Spanish). Public pages take their language from the URL (/es/…); the admin has one
    URL, so without this it would always be in English."""
    prefix = "/" + settings.ADMIN_PATH

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(prefix):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return get_response(request)

    return middleware
