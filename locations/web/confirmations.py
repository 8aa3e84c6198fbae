"""The page a listing's contact opens from a confirmation email: see the listing as the
public does, then confirm it ("still accurate") or propose changes. No account: the
signed, single-use link is the key (services/confirmations.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ..domain.site import absolute_url
from ..models import Location
from ..services import confirmations
from ..services.rate_limits import count_submission, seconds_until_allowed
from .forms import SuggestionForm

# The status of the page for a link that does not work.
PROBLEM_STATUS = {confirmations.BAD: 404, confirmations.EXPIRED: 410, confirmations.USED: 410}


def too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    """429, in the visitor's language, with when to try again."""
    response = render(
        request,
        "locations/too_many_submissions.html",
        {"minutes": max(1, round(seconds / 60)), "seconds": seconds},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def over_the_limit(request: HttpRequest) -> HttpResponse | None:
    """Count this answer (or wrong link) against the visitor's address, as the public
    forms do (SUBMISSION_RATE_LIMIT); a 429 when it goes over."""
    wait = count_submission(request)
    return too_many(request, wait) if wait else None


def link_problem(request: HttpRequest, problem: str) -> HttpResponse:
    return render(
        request,
        "locations/confirmation_problem.html",
        {"problem": problem},
        status=PROBLEM_STATUS[problem],
    )


def lookup(request: HttpRequest, token: str):
    """(the request, None), or (None, the response for a link that does not work)."""
    wait = seconds_until_allowed(request)
    if wait:
        return None, too_many(request, wait)
    found = confirmations.find_request(token)
    if found.problem:
        # Wrong links count against the address, so guessing is slow.
        if found.problem == confirmations.BAD and (response := over_the_limit(request)):
            return None, response
        return None, link_problem(request, found.problem)
    return found.request, None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_listing(request: HttpRequest, token: str) -> HttpResponse:
    confirmation, response = lookup(request, token)
    if response:
        return response
    if request.method == "POST":
        if response := over_the_limit(request):
            return response
        found = confirmations.confirm(token)
        if found.problem:
            return link_problem(request, found.problem)
        return redirect(reverse("confirm_thanks") + "?answer=confirmed")
    location = Location.objects.prefetch_related("hours").get(pk=confirmation.location_id)
    return render(
        request,
        "locations/confirm_listing.html",
        {"location": location, "week": location.week(timezone.now()), "token": token},
    )


def initial_from(location: Location) -> dict:
    """The suggestion form filled in with the listing as it is."""
    initial = {name: getattr(location, name) for name in Location.FIELDS}
    initial["offerings"] = [name for name, _label in Location.OFFERINGS if getattr(location, name)]
    if location.phone:
        initial["phone"] = location.phone_display
    return initial


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def propose_changes(request: HttpRequest, token: str) -> HttpResponse:
    confirmation, response = lookup(request, token)
    if response:
        return response
    location = confirmation.location
    if request.method != "POST":
        form = SuggestionForm(initial=initial_from(location))
    else:
        form = SuggestionForm(request.POST)
        if form.is_spam:
            over_the_limit(request)
            return redirect(reverse("confirm_thanks") + "?answer=changes")
        if form.is_valid():
            if response := over_the_limit(request):
                return response

            def admin_url(suggestion) -> str:
                path = reverse("admin:locations_suggestion_change", args=[suggestion.pk])
                return absolute_url(request, path)

            found = confirmations.propose_changes(token, form.save(commit=False), admin_url)
            if found.problem:
                return link_problem(request, found.problem)
            return redirect(reverse("confirm_thanks") + "?answer=changes")
    return render(
        request,
        "locations/confirm_changes.html",
        {"form": form, "location": location, "token": token},
        status=400 if form.errors else 200,
    )


@require_safe
def confirm_thanks(request: HttpRequest) -> HttpResponse:
    answer = request.GET.get("answer")
    return render(request, "locations/confirmation_thanks.html", {"changes": answer == "changes"})
