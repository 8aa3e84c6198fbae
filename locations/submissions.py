"""Public suggestions and problem reports: the pages, their per-IP rate limit and the
email that tells staff a new one is waiting."""

import ipaddress
import logging
import re
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.mail import send_mail
from django.db.models import Model, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from .forms import ProblemReportForm, PublicForm, SuggestionForm
from .middleware import client_ip
from .models import Location, ProblemReport, Suggestion
from .roles import STAFF_GROUPS

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """("5/h") -> (5, 3600): how many submissions in how many seconds. "10/30m" works too."""
    match = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate)
    if not match:
        raise ValueError(f"Not a rate: {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * PERIODS[unit]


def client_network(request: HttpRequest) -> str:
    """Whose allowance a request uses: its IPv4 address, or its IPv6 address's /64, the
    block one home or server is usually given whole and could otherwise walk through."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address), 64), strict=False))
    return str(address)


def rate_key(request: HttpRequest, period: int, now: float) -> str:
    window = int(now // period)
    return f"submissions:{client_network(request)}:{period}:{window}"


def seconds_until_allowed(request: HttpRequest) -> int:
    """0 when this address may submit now, else the seconds until it may. Counted per
    fixed window in the "shared" cache, which all workers read. A cache outage lets
    submissions through rather than turning everyone away."""
    limit, period = parse_rate(settings.SUBMISSION_RATE_LIMIT)
    now = time.time()
    try:
        count = caches["shared"].get(rate_key(request, period, now), 0)
    except Exception:
        logger.exception("The shared cache failed; submission not rate-limited")
        return 0
    if count < limit:
        return 0
    return seconds_left(period, now)


def seconds_left(period: int, now: float) -> int:
    """Seconds until the current window of the rate limit ends (1 at least)."""
    return max(1, int(period - now % period))


def count_submission(request: HttpRequest) -> int:
    """Count one submission from this address in the current window, which the count
    outlives by a second at most. Returns the window's count with this one (0 when the
    cache failed)."""
    _limit, period = parse_rate(settings.SUBMISSION_RATE_LIMIT)
    now = time.time()
    key = rate_key(request, period, now)
    timeout = int(period - now % period) + 1
    cache = caches["shared"]
    try:
        try:
            if cache.add(key, 1, timeout=timeout):
                return 1
            # Atomic on Redis. The database cache increments by a get and a set, so two
            # submissions at the same instant may count as one (a flood is still held
            # back), and its set gives the key the cache's default expiry: restore ours.
            count = cache.incr(key)
            cache.touch(key, timeout=timeout)
            return count
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=timeout)
            return 1
    except Exception:
        logger.exception("The shared cache failed; submission not counted")
        return 0


def too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    """429 with a page that says when to try again, in the visitor's language."""
    minutes = max(1, round(seconds / 60))
    response = render(
        request,
        "locations/too_many_submissions.html",
        {"minutes": minutes, "seconds": seconds},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def admin_url(request: HttpRequest, submission: Model) -> str:
    """The full address of a submission's page in the admin."""
    meta = submission._meta
    path = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[submission.pk])
    if settings.SITE_URL:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path)


def staff_recipients() -> list[str]:
    """STAFF_NOTIFY_EMAILS; while it is empty, every active staff member who moderates
    submissions (a superuser, or in one of the staff groups) and has an email address."""
    if settings.STAFF_NOTIFY_EMAILS:
        return list(settings.STAFF_NOTIFY_EMAILS)
    moderators = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=STAFF_GROUPS))
        .exclude(email="")
    )
    return sorted(set(moderators.values_list("email", flat=True)))


def notify_staff(request: HttpRequest, submission: Suggestion | ProblemReport) -> None:
    """Email staff (staff_recipients) about a new submission. Names the place and links to
    the admin; the submitter's email and words stay in the admin. A mail failure is
    logged: the submission is already saved and the visitor is thanked all the same."""
    recipients = staff_recipients()
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(submission, Suggestion):
            subject = _("New suggestion: %(name)s (%(city)s, %(state)s)") % {
                "name": submission.name,
                "city": submission.city,
                "state": submission.state,
            }
        else:
            place = submission.location
            subject = _("Problem reported: %(name)s (%(city)s, %(state)s)") % {
                "name": place.name,
                "city": place.city,
                "state": place.state,
            }
            subject += f" · {submission.get_problem_display()}"
        body = "\n".join(
            [
                _("A visitor sent this through the public site. It waits in the admin:"),
                admin_url(request, submission),
                "",
            ]
        )
    # Header injection: a name with a line break must not end the Subject header.
    subject = " ".join(subject.split())[:200]
    try:
        send_mail(
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
            fail_silently=False,
        )
    except Exception:
        logger.exception(
            "Could not email staff about %s %s", submission._meta.model_name, submission.pk
        )


def handle(request: HttpRequest, form: PublicForm, save, thanks_url: str):
    """The POST side of both forms: rate limit, honeypot, validation, save, email, redirect.
    Returns a response, or None to show the form again with its errors."""
    wait = seconds_until_allowed(request)
    if wait:
        return too_many(request, wait)
    if form.is_spam:
        # Answered like a success so the program learns nothing; nothing is kept.
        count_submission(request)
        return redirect(thanks_url)
    if not form.is_valid():
        return None
    # Counted before it is kept: submissions sent at the same time all pass the check
    # above, and the count tells which of them go over the limit.
    count = count_submission(request)
    limit, period = parse_rate(settings.SUBMISSION_RATE_LIMIT)
    if count > limit:
        return too_many(request, seconds_left(period, time.time()))
    submission = save(form)
    notify_staff(request, submission)
    return redirect(thanks_url)


@require_http_methods(["GET", "HEAD", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    form = SuggestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def save(form: SuggestionForm) -> Suggestion:
            suggestion = form.save(commit=False)
            suggestion.language = translation.get_language()
            suggestion.save()
            return suggestion

        response = handle(request, form, save, reverse("suggest_thanks"))
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

        def save(form: ProblemReportForm) -> ProblemReport:
            report = form.save(commit=False)
            report.location = location
            report.language = translation.get_language()
            report.save()
            return report

        response = handle(request, form, save, reverse("report_thanks", args=[slug]))
        if response is not None:
            return response
    return render(request, "locations/report_problem.html", {"form": form, "location": location})


@require_safe
def report_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    location = get_object_or_404(Location.objects.published(), slug=slug)
    return render(
        request, "locations/submission_thanks.html", {"kind": "report", "location": location}
    )
