"""The public forms' pages: suggest a place, report a problem with a listing, and their
thank-you pages. The writing and the rate limit are services."""

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from ..domain.site import absolute_url
from ..models import Location, ProblemReport, Suggestion
from ..services.rate_limits import count_submission, seconds_until_allowed
from ..services.submissions import save_submission
from .forms import ProblemReportForm, PublicForm, SuggestionForm


def too_many(request: HttpRequest, seconds: int, template: str, context: dict) -> HttpResponse:
    """429 with the form again, as it was filled in, and a message that says when it can
    be sent, in the visitor's language: nobody loses what they typed."""
    minutes = max(1, round(seconds / 60))
    response = render(
        request, template, {**context, "rate_limited": True, "minutes": minutes}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


def admin_url(request: HttpRequest, submission: Model) -> str:
    """The full address of a submission's page in the admin."""
    meta = submission._meta
    path = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[submission.pk])
    return absolute_url(request, path)


def handle(request: HttpRequest, form: PublicForm, unsaved, thanks_url: str, page: tuple):
    """The POST side of both forms: rate limit, honeypot, validation, save, email, redirect.
    `unsaved(form)` gives the submission to keep; `page` is the form page's (template,
    context), shown again when the limit refuses it. Returns a response, or None to show
    the form again with its errors."""
    wait = seconds_until_allowed(request)
    if wait:
        return too_many(request, wait, *page)
    if form.is_spam:
        # Answered like a success so the program learns nothing; nothing is kept.
        count_submission(request)
        return redirect(thanks_url)
    if not form.is_valid():
        return None
    # Counted before it is kept: submissions sent at the same time all pass the check
    # above, and the count tells which of them go over the limit.
    wait = count_submission(request)
    if wait:
        return too_many(request, wait, *page)
    save_submission(unsaved(form), lambda submission: admin_url(request, submission))
    return redirect(thanks_url)


@require_http_methods(["GET", "HEAD", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    form = SuggestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def unsaved(form: SuggestionForm) -> Suggestion:
            return form.save(commit=False)

        page = ("locations/suggest.html", {"form": form})
        response = handle(request, form, unsaved, reverse("suggest_thanks"), page)
        if response is not None:
            return response
    return render(request, "locations/suggest.html", {"form": form})


@require_safe
def suggest_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "locations/submission_thanks.html", {"kind": "suggestion"})


@require_http_methods(["GET", "HEAD", "POST"])
def report_problem(request: HttpRequest, slug: str) -> HttpResponse:
    location = Location.objects.published().filter(slug=slug).first()
    if location is None:
        # A listing merged into another: its report link leads to the kept one's form.
        kept = get_object_or_404(
            Location.objects.published().filter(merged_from__slug=slug).only("slug")
        )
        return redirect("report_problem", kept.slug, permanent=True)
    form = ProblemReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def unsaved(form: ProblemReportForm) -> ProblemReport:
            report = form.save(commit=False)
            report.location = location
            return report

        page = ("locations/report_problem.html", {"form": form, "location": location})
        response = handle(request, form, unsaved, reverse("report_thanks", args=[slug]), page)
        if response is not None:
            return response
    return render(request, "locations/report_problem.html", {"form": form, "location": location})


@require_safe
def report_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    location = get_object_or_404(Location.objects.published(), slug=slug)
    return render(
        request, "locations/submission_thanks.html", {"kind": "report", "location": location}
    )
