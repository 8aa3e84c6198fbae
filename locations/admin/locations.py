"""The locations list and form: the staff's main page, with its history and pin map."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from ..domain.phones import format_phone
from ..domain.site import tile_settings
from ..models import Location, OpeningHours
from ..services import listings
from .columns import phone_column, phone_search_digits
from .confirmations import ConfirmationActionsMixin
from .duplicates import open_duplicates_html, warn_of_held, warn_of_new_duplicates
from .hours import HoursField, hours_text, preview_view
from .imports import LocationImportExportMixin
from .submissions import ProblemReportInline
from .verification import (
    VERIFY_ACTIONS,
    NeedsVerificationFilter,
    VerificationAgeFilter,
    VerifyActionsMixin,
)

# Opening hours changes listed on a location's history page (the newest).
HOURS_HISTORY_SHOWN = 100


class ChangeDisplay(HistoricalRecordContextHelper):
    """Shows changed values the way the form does: choice labels, Yes/No, "—" for empty."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, DeletedObject):
            return "—" if value.pk is None else str(value)
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if field.choices and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class LocationForm(forms.ModelForm):
    """Shows the stored +1XXXXXXXXXX phone the way staff write it: (212) 555-0100, and
    the opening hours as one line of text read by the CSV's parser (admin/hours.py).

    No Meta: the admin builds the form's fields from LocationAdmin.fieldsets.
    """

    opening_hours = HoursField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.phone and "phone" in self.fields:
            self.initial["phone"] = format_phone(self.instance.phone)
        if "opening_hours" in self.fields:
            self.initial.setdefault("opening_hours", hours_text(self.instance))
            self.fields["opening_hours"].widget.timezone = self.instance.timezone

    def clean_last_verified_on(self):
        verified_on = self.cleaned_data["last_verified_on"]
        # A typo in the year would keep the listing off the verification queue for good.
        # Tomorrow is allowed: it is already today in Guam.
        if verified_on and verified_on > timezone.localdate() + timedelta(days=1):
            raise forms.ValidationError(_("The verification date can't be in the future."))
        return verified_on


@admin.register(Location)
class LocationAdmin(
    ConfirmationActionsMixin, LocationImportExportMixin, VerifyActionsMixin, SimpleHistoryAdmin
):
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
    inlines = [ProblemReportInline]
    actions = [*VERIFY_ACTIONS, "publish", "unpublish", "send_confirmation_requests"]
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
    # What staff fill most comes first: the place, where it is, how to reach it, when it
    # is open (beside the map pin), then what it offers.
    fieldsets = [
        (_("The place"), {"fields": ["name", "kind", "status", "possible_duplicates"]}),
        (
            _("Address"),
            {"fields": ["street_address", "address_line2", "city", "state", "zip_code"]},
        ),
        (_("Contact"), {"fields": ["phone", "website", "email"]}),
        (_("Opening hours"), {"fields": ["opening_hours"]}),
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
        (_("Offerings"), {"fields": [name for name, _label in Location.OFFERINGS]}),
        (
            _("Description, languages and states served"),
            {"fields": ["description", "languages", "states_served"]},
        ),
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

    def get_urls(self):
        preview = self.admin_site.admin_view(preview_view(self))
        return [
            path("hours-preview/", preview, name="locations_location_hours_preview"),
            *super().get_urls(),
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
        # For admin-hours.js: where the parser previews the week as staff type.
        context["hours_preview"] = {"url": reverse("admin:locations_location_hours_preview")}
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
        reason = ""
        match = request.resolver_match
        if match and match.url_name.endswith("_simple_history"):
            # Saved from an old version's page: say so in the history (which keeps the
            # version's own verifier).
            reason = "Reverted to an earlier version"
        elif {"last_verified_on", "verification_method"} & set(form.changed_data):
            # Whoever records a verification is its verifier; clearing the date clears it.
            obj.verified_by = request.user if obj.last_verified_on else None
        if "latitude" in form.fields and form.cleaned_data.get("latitude") is None:
            # Left blank: the form's check placed it at the ZIP centre; the geocoder
            # may do better.
            obj.latitude = obj.longitude = None
        hours = form.cleaned_data.get("opening_hours") if "opening_hours" in form.fields else None
        saved = listings.save_listing(
            obj, edited_fields=form.changed_data, user=request.user, reason=reason, hours=hours
        )
        if saved.geocoded is False:
            self.message_user(
                request,
                _(
                    "The street address was not found, so the location was placed at the "
                    "centre of its ZIP code and marked approximate. Check the address, or "
                    "set the position on the map."
                ),
                messages.WARNING,
            )
        warn_of_new_duplicates(request, saved.flagged_duplicates)
        warn_of_held(request, int(saved.held))

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish(self, request, queryset):
        ids = queryset.values_list("pk", flat=True)
        count, flagged, held = listings.publish(ids, request.user)
        message = ngettext("%d location published.", "%d locations published.", count)
        self.message_user(request, message % count, messages.SUCCESS)
        warn_of_new_duplicates(request, flagged)
        warn_of_held(request, len(held))

    @admin.action(description=_("Unpublish (back to draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = listings.unpublish(queryset.values_list("pk", flat=True), request.user)
        message = ngettext(
            "%d location unpublished (now a draft).",
            "%d locations unpublished (now drafts).",
            count,
        )
        self.message_user(request, message % count, messages.SUCCESS)
