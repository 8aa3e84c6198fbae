import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from . import admin_users  # noqa: F401  (replaces the user admin)
from .admin_import import LocationImportExportMixin
from .admin_submissions import ProblemReportInline
from .geocoding import place_edited
from .history import CHANGED, ChangeDisplay, record_history
from .models import Location, OpeningHours, VerificationQueue, ZipCode, format_phone
from .views import tile_settings

# What a typed phone number may look like: digits and the usual punctuation only.
PHONE_SEARCH = re.compile(r"^[\d\s().+-]+$")


def phone_search_digits(term: str) -> str:
    """The digits of a search term that looks like (part of) a phone number, else ""."""
    term = term.strip()
    if not PHONE_SEARCH.match(term):
        return ""
    digits = re.sub(r"\D", "", term)
    # Seven digits at least (a local number), so a ZIP code is never taken for a phone.
    return digits if 7 <= len(digits) <= 11 else ""


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


@admin.display(description=_("phone"), ordering="phone")
def phone_column(obj: Location) -> str:
    """A listing's phone the way staff write it, (212) 555-0100."""
    return obj.phone_display


class VerifyActionsMixin:
    """Bulk actions: one UPDATE and one history insert, however many rows are selected."""

    def _update_and_report(self, request, queryset, message, **values):
        """Update the selected rows, record who did it, then tell the user `message` (an
        ngettext_lazy pair taking the number of rows)."""
        # One transaction: the history row is written with the change or not at all, and
        # the UPDATE's row locks keep another save from slipping in between the two.
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True))
            count = Location.objects.filter(pk__in=ids).update(**values, updated_at=timezone.now())
            record_history(Location, ids, CHANGED, request.user)
        self.message_user(request, message % count, messages.SUCCESS)

    def _mark_verified(self, request, queryset, method: str) -> None:
        self._update_and_report(
            request,
            queryset,
            ngettext_lazy(
                "%d location marked verified today.", "%d locations marked verified today."
            ),
            last_verified_on=timezone.localdate(),
            verification_method=method,
            verified_by=request.user,
        )

    @admin.action(description=_("Mark verified: phone call"), permissions=["change"])
    def mark_verified_phone(self, request, queryset):
        self._mark_verified(request, queryset, Location.VerificationMethod.PHONE)

    @admin.action(description=_("Mark verified: visit"), permissions=["change"])
    def mark_verified_visit(self, request, queryset):
        self._mark_verified(request, queryset, Location.VerificationMethod.VISIT)

    @admin.action(description=_("Mark verified: partner report"), permissions=["change"])
    def mark_verified_partner(self, request, queryset):
        self._mark_verified(request, queryset, Location.VerificationMethod.PARTNER)


# Opening hours changes listed on a location's history page (the newest).
HOURS_HISTORY_SHOWN = 100

VERIFY_ACTIONS = ["mark_verified_phone", "mark_verified_visit", "mark_verified_partner"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1
    fields = ["weekday", "opens", "closes"]


class LocationForm(forms.ModelForm):
    """Shows the stored +1XXXXXXXXXX phone the way staff write it: (212) 555-0100.

    No Meta: the admin builds the form's fields from LocationAdmin.fieldsets.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.phone and "phone" in self.fields:
            self.initial["phone"] = format_phone(self.instance.phone)

    def clean_last_verified_on(self):
        verified_on = self.cleaned_data["last_verified_on"]
        # A typo in the year would keep the listing off the verification queue for good.
        # Tomorrow is allowed: it is already today in Guam.
        if verified_on and verified_on > timezone.localdate() + timedelta(days=1):
            raise forms.ValidationError(_("The verification date can't be in the future."))
        return verified_on


@admin.register(Location)
class LocationAdmin(LocationImportExportMixin, VerifyActionsMixin, SimpleHistoryAdmin):
    form = LocationForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # No foreign key among the columns, so the page is one query for the rows and one
    # for the count, however many rows it shows.
    list_display = [
        "name",
        "kind",
        "city",
        "state",
        "status",
        "location_precision",
        "last_verified_on",
        phone_column,
    ]
    list_filter = [
        "kind",
        "state",
        "status",
        "location_precision",
        NeedsVerificationFilter,
        VerificationAgeFilter,
    ]
    search_fields = ["name", "city", "zip_code", "phone"]
    list_per_page = 50
    inlines = [OpeningHoursInline, ProblemReportInline]
    actions = [*VERIFY_ACTIONS, "publish", "unpublish"]
    readonly_fields = [
        "possible_duplicates",
        "verified_by",
        "public_page",
        "external_id",
        "source",
        "is_demo",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            _("The place"),
            {"fields": ["name", "kind", "status", "description", "possible_duplicates"]},
        ),
        (
            _("Address"),
            {"fields": ["street_address", "address_line2", "city", "state", "zip_code"]},
        ),
        (
            _("Map"),
            {
                "fields": ["latitude", "longitude", "location_precision", "timezone"],
                "description": _(
                    "Leave latitude and longitude blank to place the location from its "
                    "street address, or at the centre of its ZIP code (marked approximate) "
                    "when the address is not found. A changed address is looked up again. "
                    "A blank time zone is taken from the ZIP code."
                ),
            },
        ),
        (_("Contact"), {"fields": ["phone", "website", "email"]}),
        (_("Offerings"), {"fields": [name for name, _label in Location.OFFERINGS]}),
        (_("Languages and states served"), {"fields": ["languages", "states_served"]}),
        (
            _("Verification"),
            {
                "fields": ["last_verified_on", "verification_method", "verified_by"],
                "description": _("Changing the date records you as the person who verified it."),
            },
        ),
        (
            _("Staff only"),
            {
                "fields": ["internal_notes"],
                "description": _("Never shown on the public site or in the API."),
            },
        ),
        (
            _("Record"),
            {
                "fields": [
                    "public_page",
                    "external_id",
                    "source",
                    "is_demo",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    def get_historical_record_context_helper(self, request, historical_record):
        return ChangeDisplay(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        # An id that is not a number names no location (the base view would fail on it).
        try:
            location_id = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        # Opening hours have their own history; list the latest changes under the
        # location's own (one query, whatever the number of rows).
        hours = (
            OpeningHours.history.filter(location_id=location_id)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:HOURS_HISTORY_SHOWN]
        )
        context = {"hours_history": hours, **(extra_context or {})}
        return super().history_view(request, object_id, context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The version page's form saves (reverts) on POST: only for those who may change
        # locations. An id that is not a number names no version.
        if not str(version_id).isdecimal():
            raise Http404
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description=_("public page"))
    def public_page(self, obj: Location) -> str:
        if not obj.slug:
            return _("Made from the name, city and state when first saved; never changes.")
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.slug)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # For admin-map.js: where tiles come from, and the whole country when the
        # place has no coordinates yet.
        context["pin_map"] = {
            "tiles": tile_settings(),
            "center": [39.8, -98.6],
            "zoom": 4,
            "pin_label": _("Location pin; drag it to move the location"),
        }
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("possible duplicates"))
    def possible_duplicates(self, obj: Location) -> str:
        return open_duplicates_html(obj)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Phones are stored as +12125550100; staff type (212) 555-0100 or 212-555-0100.
        digits = phone_search_digits(search_term)
        if digits:
            results |= queryset.filter(phone__contains=digits)
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        match = request.resolver_match
        if match and match.url_name.endswith("_simple_history"):
            # Saved from an old version's page: say so in the history (which keeps the
            # version's own verifier).
            obj._change_reason = "Reverted to an earlier version"
        elif {"last_verified_on", "verification_method"} & set(form.changed_data):
            # Whoever records a verification is its verifier; clearing the date clears it.
            obj.verified_by = request.user if obj.last_verified_on else None
        if "latitude" in form.fields and form.cleaned_data.get("latitude") is None:
            # Left blank: the form's check placed it at the ZIP centre; the geocoder
            # may do better.
            obj.latitude = obj.longitude = None
        found = place_edited(obj, form.changed_data)
        super().save_model(request, obj, form, change)
        if found is False:
            self.message_user(
                request,
                _(
                    "The street address was not found, so the location was placed at the "
                    "centre of its ZIP code and marked approximate. Check the address, or "
                    "set the position on the map."
                ),
                messages.WARNING,
            )
        warn_of_new_duplicates(request, obj)

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish(self, request, queryset):
        self._update_and_report(
            request,
            queryset,
            ngettext_lazy("%d location published.", "%d locations published."),
            status=Location.Status.PUBLISHED,
        )

    @admin.action(description=_("Unpublish (back to draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._update_and_report(
            request,
            queryset,
            ngettext_lazy(
                "%d location unpublished (now a draft).", "%d locations unpublished (now drafts)."
            ),
            status=Location.Status.DRAFT,
        )


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


@admin.register(ZipCode)
class ZipCodeAdmin(admin.ModelAdmin):
    """The ZIP table comes from `manage.py load_zipcodes`; staff may look, not edit."""

    list_display = ["code", "city", "state", "county", "latitude", "longitude", "timezone"]
    search_fields = ["^code", "city"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Registers the possible-duplicates admin; LocationAdmin uses its helpers.
from .admin_duplicates import open_duplicates_html, warn_of_new_duplicates  # noqa: E402
