"""What happens to what visitors send: staff told of it, suggestions accepted as draft
listings, submissions accepted or rejected in bulk."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from ..models import Location, PlaceFields, ProblemReport, Submission, Suggestion
from . import cache_version
from .listings import save_listing
from .roles import STAFF_GROUPS

logger = logging.getLogger(__name__)


def draft_listing(suggestion: Suggestion) -> Location:
    """A draft listing prefilled from a suggestion (unsaved, not yet placed on the map:
    accepting it geocodes it, or puts it at its ZIP code's centre)."""
    location = Location(
        **{name: getattr(suggestion, name) for name in PlaceFields.FIELDS},
        status=Location.Status.DRAFT,
        source="suggestion",
        internal_notes=gettext("Suggested by a visitor on %(date)s.")
        % {"date": timezone.localdate(suggestion.created_at).isoformat()}
        + (f"\n{suggestion.notes}" if suggestion.notes else ""),
    )
    for name in suggestion.offerings:
        if name in dict(Location.OFFERINGS):
            setattr(location, name, True)
    return location


def accept_suggestion(suggestion: Suggestion, user) -> bool:
    """Accept a suggestion: a draft listing made from it (once), who and when recorded.
    True when a listing was made."""
    made = False
    if suggestion.location_id is None:
        location = draft_listing(suggestion)
        # Looked up like an address typed in the admin; the ZIP code's centre otherwise.
        save_listing(location, edited_fields=(), user=user)
        suggestion.location = location
        made = True
    suggestion.moderate(Submission.Status.ACCEPTED, user)
    suggestion.save()
    if made:
        cache_version.bump()
    return made


def moderate_submissions(submissions, status: str, user) -> int:
    """Set the status of these submissions (a QuerySet) in one UPDATE, with who and when."""
    return submissions.update(status=status, moderated_by=user, moderated_at=timezone.now())


def save_submission(
    submission: Suggestion | ProblemReport, admin_url: Callable[[Submission], str]
) -> None:
    """Keep what a visitor sent (in the language they used) and email staff a link to
    it; `admin_url` gives the full address of a saved submission's admin page."""
    submission.language = translation.get_language()
    submission.save()
    notify_staff(submission, admin_url(submission))


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


def notify_staff(submission: Suggestion | ProblemReport, admin_url: str) -> None:
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
                admin_url,
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
