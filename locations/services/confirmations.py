"""Listings confirmed by the people who run them.

Staff (or the monthly command) send a listing's contact email a link to
/confirm/<token>/. The token is signed (django.core.signing, with its own salt, so no
other signed value of the site works as one) and carries a random nonce and the time it
was made; only the nonce's SHA-256 is stored, in a ConfirmationRequest row, which makes
the link single-use (`used_at`) and the whole exchange auditable. A link works for
CONFIRMATION_MAX_AGE (14 days). Each request sent and each answer is recorded in the
listing's history.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ..models import ConfirmationRequest, Location, Suggestion
from .history import CHANGED, record_history
from .listings import update_listings
from .submissions import save_submission

logger = logging.getLogger(__name__)

SALT = "locations.confirmation_request"
CONFIRMATION_MAX_AGE = timedelta(days=14)
# The states whose listings are written to in Spanish (the others in English).
SPANISH_STATES = {"PR"}

# Why a link does not work, for the page that says so.
BAD, EXPIRED, USED = "bad", "expired", "used"


def token_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def listing_language(location: Location) -> str:
    """The language the email to a listing's contact is written in."""
    return "es" if location.state in SPANISH_STATES else settings.LANGUAGE_CODE


def can_be_asked(location: Location) -> bool:
    """Whether a listing has someone to ask: an email, and not closed or merged."""
    return bool(location.email) and location.status != Location.Status.CLOSED


def confirmation_links(token: str, base_url: str) -> dict[str, str]:
    """The link in English and in Spanish (the email gives both)."""
    links = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            links[language] = base_url + reverse("confirm_listing", args=[token])
    return links


def send_request(location: Location, base_url: str, user=None) -> ConfirmationRequest | None:
    """Email the listing's contact a link to confirm it or propose changes, recorded in a
    ConfirmationRequest and in the listing's history. None (nothing sent) when the
    listing has no email or is closed. `base_url` is the site's address
    ("https://naloxone.example.org"). A mail failure is raised after the request row is
    rolled back, so no row claims an email that never left."""
    if not can_be_asked(location):
        return None
    nonce = secrets.token_urlsafe(24)
    token = signing.dumps({"n": nonce}, salt=SALT, compress=False)
    language = listing_language(location)
    links = confirmation_links(token, base_url)
    with transaction.atomic():
        request = ConfirmationRequest.objects.create(
            location=location,
            email=location.email,
            token_hash=token_hash(nonce),
            language=language,
            sent_by=user,
        )
        record_history(
            Location,
            [location.pk],
            CHANGED,
            user,
            f"Confirmation request sent to {location.email}",
        )
        with translation.override(language):
            context = {
                "location": location,
                "links": links,
                "days": CONFIRMATION_MAX_AGE.days,
            }
            subject = " ".join(
                render_to_string("locations/email/confirmation_subject.txt", context).split()
            )[:200]
            body = render_to_string("locations/email/confirmation_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [location.email], fail_silently=False)
    return request


def send_requests(
    locations, base_url: str, user=None
) -> tuple[list[ConfirmationRequest], list[Location]]:
    """Send a request to each listing that can be asked; (requests sent, listings that
    failed to send). A failed email is logged and the others go on."""
    sent, failed = [], []
    for location in locations:
        try:
            request = send_request(location, base_url, user)
        except Exception:
            logger.exception("Could not send a confirmation request for location %s", location.pk)
            failed.append(location)
            continue
        if request is not None:
            sent.append(request)
    return sent, failed


def due_for_request(today=None):
    """Listings past VERIFY_AFTER_DAYS (or never verified) that have an email, are not
    closed, and have no request sent in the last CONFIRMATION_MAX_AGE (one that may still
    be answered)."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.VERIFY_AFTER_DAYS)
    recent = timezone.now() - CONFIRMATION_MAX_AGE
    return (
        Location.objects.exclude(status=Location.Status.CLOSED)
        .exclude(email="")
        .filter(Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=cutoff))
        .exclude(confirmation_requests__sent_at__gte=recent)
        .order_by("last_verified_on", "pk")
    )


@dataclass
class Lookup:
    """What a token leads to: the request (and its listing), or why it does not work."""

    request: ConfirmationRequest | None = None
    problem: str = ""


def find_request(token: str, *, for_update: bool = False) -> Lookup:
    """The request a token from a link belongs to, or BAD, EXPIRED or USED."""
    try:
        value = signing.loads(token, salt=SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        return Lookup(problem=EXPIRED)
    except signing.BadSignature:
        return Lookup(problem=BAD)
    nonce = value.get("n") if isinstance(value, dict) else None
    if not isinstance(nonce, str):
        return Lookup(problem=BAD)
    requests = ConfirmationRequest.objects.select_related("location")
    if for_update:
        requests = requests.select_for_update(of=("self",))
    request = requests.filter(token_hash=token_hash(nonce)).first()
    if request is None or request.location.status == Location.Status.CLOSED:
        return Lookup(problem=BAD)
    if request.used_at is not None:
        return Lookup(request, USED)
    if request.sent_at < timezone.now() - CONFIRMATION_MAX_AGE:
        return Lookup(request, EXPIRED)
    return Lookup(request)


def confirm(token: str) -> Lookup:
    """ "Still accurate": the listing verified today by the people who run it (no staff
    member), the request used up, both recorded. Single-use even for two clicks at
    once: the request row is locked."""
    with transaction.atomic():
        found = find_request(token, for_update=True)
        if found.problem:
            return found
        request = found.request
        request.used_at = timezone.now()
        request.answer = ConfirmationRequest.Answer.CONFIRMED
        request.save(update_fields=["used_at", "answer"])
        update_listings(
            [request.location_id],
            None,
            f"Confirmed as still accurate by its contact ({request.email})",
            last_verified_on=timezone.localdate(),
            verification_method=Location.VerificationMethod.OWNER,
            verified_by=None,
        )
    return found


def propose_changes(
    token: str, suggestion: Suggestion, admin_url: Callable[[Suggestion], str]
) -> Lookup:
    """Keep the contact's proposed changes as a suggestion linked to the listing, in the
    moderation queue (staff are emailed as for any suggestion); use up the request and
    record the answer in the listing's history."""
    with transaction.atomic():
        found = find_request(token, for_update=True)
        if found.problem:
            return found
        request = found.request
        suggestion.location = request.location
        suggestion.contact_email = suggestion.contact_email or request.email
        suggestion.staff_note = (
            "Changes proposed by the listing's contact through a confirmation link "
            f"(request {request.pk})."
        )
        save_submission(suggestion, admin_url)
        request.used_at = timezone.now()
        request.answer = ConfirmationRequest.Answer.CHANGES
        request.suggestion = suggestion
        request.save(update_fields=["used_at", "answer", "suggestion"])
        record_history(
            Location,
            [request.location_id],
            CHANGED,
            None,
            f"Changes proposed by its contact ({request.email}), suggestion {suggestion.pk}",
        )
    return found
