"""The state and city parts of browse URLs, and redirects to their canonical spelling."""

from urllib.parse import urlencode

from django.http import (
    Http404,
    HttpRequest,
    HttpResponsePermanentRedirect,
)
from django.urls import reverse
from django.utils.translation import gettext as _

from ..domain.usps import state_code

# Browse pages: every state, its cities, a city's places. Links people can share and
# search engines can follow without typing a place. URLs use lower-case state codes.


def state_in_url(text: str) -> str:
    """The USPS code a URL's state part names ("ny", "NY", "new-york"), else 404."""
    code = state_code(text.replace("-", " "))
    if code is None:
        raise Http404(_("There is no state or territory “%(state)s”.") % {"state": text})
    return code


def moved_to(request: HttpRequest, path: str) -> HttpResponsePermanentRedirect:
    """A 301 to the canonical spelling of this page, query string kept."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


def search_near_url(city: str, state: str) -> str:
    """The search near a city, as /search?near=City,+ST."""
    return reverse("search") + "?" + urlencode({"near": f"{city}, {state}"}, safe=",")
