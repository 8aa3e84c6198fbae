"""Asking the people who run a listing to confirm it: the bulk action and the button on
a location's page (mixed into the locations admin), and the read-only list of the
requests sent and their answers. The sending is services/confirmations.py."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..domain.site import absolute_url
from ..models import ConfirmationRequest
from ..services import confirmations


def site_base_url(request) -> str:
    """The site's address for links in emails: SITE_URL, else this request's host."""
    return absolute_url(request, "/").rstrip("/")


class ConfirmationActionsMixin:
    """ "Ask to confirm" for one listing (a button on its page) or many (an action)."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/confirmation/",
                self.admin_site.admin_view(self.confirmation_view),
                name="{}_{}_confirmation".format(*info),
            ),
            *super().get_urls(),
        ]

    def _report_sent(self, request, sent: list, failed: list, skipped: int) -> None:
        if sent:
            self.message_user(
                request,
                ngettext(
                    "Sent %d confirmation request.", "Sent %d confirmation requests.", len(sent)
                )
                % len(sent),
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d listing has no email address or is closed: nothing was sent to it.",
                    "%d listings have no email address or are closed: nothing was sent to them.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )
        if failed:
            self.message_user(
                request,
                _("The email could not be sent to: %(names)s. Try again later.")
                % {"names": ", ".join(location.name for location in failed)},
                messages.ERROR,
            )

    @admin.action(
        description=gettext_lazy("Ask the listings’ contacts to confirm them (email)"),
        permissions=["change"],
    )
    def send_confirmation_requests(self, request, queryset):
        locations = list(queryset.order_by("pk"))
        askable = [location for location in locations if confirmations.can_be_asked(location)]
        sent, failed = confirmations.send_requests(askable, site_base_url(request), request.user)
        self._report_sent(request, sent, failed, len(locations) - len(askable))

    def confirmation_view(self, request, object_id):
        """A page that asks "Send?" and, on POST, sends one request."""
        location = self.get_object(request, unquote(object_id))
        if location is None:
            raise Http404
        if not self.has_change_permission(request, location):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[location.pk]
        )
        askable = confirmations.can_be_asked(location)
        if request.method == "POST" and askable:
            sent, failed = confirmations.send_requests(
                [location], site_base_url(request), request.user
            )
            self._report_sent(request, sent, failed, 0)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": location,
            "title": _("Ask the people who run it to confirm this listing"),
            "askable": askable,
            "change_url": change_url,
            "requests": location.confirmation_requests.select_related("sent_by")[:20],
            "days": confirmations.CONFIRMATION_MAX_AGE.days,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "admin/locations/location/confirmation.html",
            context,
            status=200 if askable or request.method != "POST" else 400,
        )


@admin.register(ConfirmationRequest)
class ConfirmationRequestAdmin(admin.ModelAdmin):
    """Every request sent and what came of it: read only, for the record."""

    list_display = ["location", "email", "sent_at", "sent_by", "answer", "used_at"]
    list_filter = ["answer"]
    search_fields = ["location__name", "email"]
    list_select_related = ["location", "sent_by"]
    fields = [
        "location", "email", "language", "sent_at", "sent_by", "used_at", "answer", "suggestion",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
