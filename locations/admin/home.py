"""The admin's index as staff's home: what needs someone's action, counted, each count
linking to its queue (templates/admin/index.html shows them above the models)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import PossibleDuplicate, ProblemReport, Suggestion, VerificationQueue


def needs_action(request) -> list[dict]:
    """The queues this user may see, each with how many items wait in it: one count
    query per queue (the permissions come from the user's cache)."""
    user = request.user
    queues = [
        (
            "locations.view_suggestion",
            lambda: Suggestion.objects.filter(status=Suggestion.Status.NEW),
            _("New suggestions"),
            reverse("admin:locations_suggestion_changelist") + "?status__exact=new",
        ),
        (
            "locations.view_problemreport",
            lambda: ProblemReport.objects.filter(status=ProblemReport.Status.NEW),
            _("New problem reports"),
            reverse("admin:locations_problemreport_changelist") + "?status__exact=new",
        ),
        (
            "locations.view_possibleduplicate",
            lambda: PossibleDuplicate.objects.filter(status=PossibleDuplicate.Status.OPEN),
            _("Open possible duplicates"),
            reverse("admin:locations_possibleduplicate_changelist") + "?status__exact=open",
        ),
        (
            "locations.view_verificationqueue",
            lambda: VerificationQueue.objects.due(),
            _("Listings overdue for verification"),
            reverse("admin:locations_verificationqueue_changelist"),
        ),
    ]
    return [
        {"label": label, "count": rows().count(), "url": url}
        for permission, rows, label, url in queues
        if user.has_perm(permission)
    ]


_index = admin.site.index


def index(request, extra_context=None):
    """The admin site's index with the counts of what needs action."""
    return _index(request, {"needs_action": needs_action(request), **(extra_context or {})})


# The default site's own index view, with the counts added (its URL is built from this
# attribute when the admin's URLs are first read, after the app's admin modules load).
admin.site.index = index
