"""Keeping listings verified: the verification queue, the filters by verification age,
and the "Mark verified" actions both location lists offer."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import F, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import Location, VerificationQueue
from ..services.listings import mark_verified
from .columns import phone_column


class VerificationAgeFilter(admin.SimpleListFilter):
    """Listings by how long ago someone last confirmed them."""

    title = _("verification age")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        days = settings.VERIFY_AFTER_DAYS
        return [
            ("recent", _("Within %(days)d days") % {"days": days}),
            ("aging", _("%(days)d to %(twice)d days ago") % {"days": days, "twice": 2 * days}),
            ("stale", _("Over %(twice)d days ago") % {"twice": 2 * days}),
            ("never", _("Never verified")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        days = settings.VERIFY_AFTER_DAYS
        due, overdue = today - timedelta(days=days), today - timedelta(days=2 * days)
        match self.value():
            case "recent":
                return queryset.filter(last_verified_on__gte=due)
            case "aging":
                return queryset.filter(last_verified_on__lt=due, last_verified_on__gte=overdue)
            case "stale":
                return queryset.filter(last_verified_on__lt=overdue)
            case "never":
                return queryset.filter(last_verified_on__isnull=True)
        return queryset


class NeedsVerificationFilter(admin.SimpleListFilter):
    """Listings nobody has confirmed for VERIFY_AFTER_DAYS days, or ever."""

    title = _("needs verification")
    parameter_name = "needs_verification"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Needs verification")),
            ("no", _("Verified recently")),
        ]

    def queryset(self, request, queryset):
        cutoff = timezone.localdate() - timedelta(days=settings.VERIFY_AFTER_DAYS)
        due = Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=cutoff)
        match self.value():
            case "yes":
                return queryset.filter(due)
            case "no":
                return queryset.exclude(due)
        return queryset


class VerifyActionsMixin:
    """Bulk actions: one UPDATE and one history insert, however many rows are selected."""

    def _mark_verified(self, request, queryset, method: str) -> None:
        count = mark_verified(queryset.values_list("pk", flat=True), request.user, method)
        message = ngettext(
            "%d location marked verified today.", "%d locations marked verified today.", count
        )
        self.message_user(request, message % count, messages.SUCCESS)

    @admin.action(description=_("Mark verified: phone call"), permissions=["change"])
    def mark_verified_phone(self, request, queryset):
        self._mark_verified(request, queryset, Location.VerificationMethod.PHONE)

    @admin.action(description=_("Mark verified: visit"), permissions=["change"])
    def mark_verified_visit(self, request, queryset):
        self._mark_verified(request, queryset, Location.VerificationMethod.VISIT)

    @admin.action(description=_("Mark verified: partner report"), permissions=["change"])
    def mark_verified_partner(self, request, queryset):
        self._mark_verified(request, queryset, Location.VerificationMethod.PARTNER)


VERIFY_ACTIONS = ["mark_verified_phone", "mark_verified_visit", "mark_verified_partner"]


@admin.register(VerificationQueue)
class VerificationQueueAdmin(VerifyActionsMixin, admin.ModelAdmin):
    """Listings due for a check, the longest-waiting first. Each opens in the location's
    own change form, where saves are recorded in its history."""

    list_display = [
        "name_link",
        "kind",
        "city",
        "state",
        "status",
        "last_verified_on",
        phone_column,
    ]
    list_display_links = None
    list_filter = ["kind", "state", "status"]
    search_fields = ["name", "city", "zip_code"]
    list_per_page = 50
    actions = VERIFY_ACTIONS

    def get_queryset(self, request):
        return VerificationQueue.objects.due()

    def changelist_view(self, request, extra_context=None):
        days = settings.VERIFY_AFTER_DAYS
        title = _("Verification queue: not verified for %(days)d days, oldest first") % {
            "days": days
        }
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_ordering(self, request):
        # Oldest first, never verified at the top; a column header may override it.
        return [F("last_verified_on").asc(nulls_first=True), "name"]

    @admin.display(description=_("name"), ordering="name")
    def name_link(self, obj: Location) -> str:
        url = reverse("admin:locations_location_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:locations_location_change", object_id)
