import re
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Location, OpeningHours, ZipCode, format_phone

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
        return [
            ("recent", _("Within 90 days")),
            ("aging", _("90 to 180 days ago")),
            ("stale", _("Over 180 days ago")),
            ("never", _("Never verified")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        day_90, day_180 = today - timedelta(days=90), today - timedelta(days=180)
        match self.value():
            case "recent":
                return queryset.filter(last_verified_on__gte=day_90)
            case "aging":
                return queryset.filter(last_verified_on__lt=day_90, last_verified_on__gte=day_180)
            case "stale":
                return queryset.filter(last_verified_on__lt=day_180)
            case "never":
                return queryset.filter(last_verified_on__isnull=True)
        return queryset


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


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    form = LocationForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # No foreign key among the columns, so the page is one query for the rows and one
    # for the count, however many rows it shows.
    list_display = ["name", "kind", "city", "state", "status", "last_verified_on", "phone_column"]
    list_filter = ["kind", "state", "status", VerificationAgeFilter]
    search_fields = ["name", "city", "zip_code", "phone"]
    list_per_page = 50
    inlines = [OpeningHoursInline]
    actions = ["mark_verified_today", "publish", "unpublish"]
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
                    "Leave latitude and longitude blank to place the location at the centre "
                    "of its ZIP code; it is then marked approximate. A blank time zone is "
                    "also taken from the ZIP code."
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

    @admin.display(description=_("phone"), ordering="phone")
    def phone_column(self, obj: Location) -> str:
        return obj.phone_display

    @admin.display(description=_("public page"))
    def public_page(self, obj: Location) -> str:
        if not obj.slug:
            return _("Made from the name, city and state when first saved; never changes.")
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.slug)

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
        if "last_verified_on" in form.changed_data and obj.last_verified_on:
            obj.verified_by = request.user
        super().save_model(request, obj, form, change)
        warn_of_new_duplicates(request, obj)

    def _update_and_report(self, request, queryset, singular: str, plural: str, **values):
        """One UPDATE for the selected rows, then "N locations …" to the user."""
        count = queryset.update(**values, updated_at=timezone.now())
        self.message_user(request, ngettext(singular, plural, count) % count, messages.SUCCESS)

    @admin.action(description=_("Mark verified today"), permissions=["change"])
    def mark_verified_today(self, request, queryset):
        # The verification method is kept as it was: a bulk action can't know it.
        self._update_and_report(
            request,
            queryset,
            "%d location marked verified today.",
            "%d locations marked verified today.",
            last_verified_on=timezone.localdate(),
            verified_by=request.user,
        )

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish(self, request, queryset):
        self._update_and_report(
            request,
            queryset,
            "%d location published.",
            "%d locations published.",
            status=Location.Status.PUBLISHED,
        )

    @admin.action(description=_("Unpublish (back to draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._update_and_report(
            request,
            queryset,
            "%d location unpublished (now a draft).",
            "%d locations unpublished (now drafts).",
            status=Location.Status.DRAFT,
        )


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
