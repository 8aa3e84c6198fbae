"""Moderation queues for what the public sends: suggestions and problem reports."""

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from ..models import Location, ProblemReport, Submission, Suggestion
from ..services.submissions import accept_suggestion, moderate_submissions

MODERATION_FIELDS = ["status", "staff_note", "moderated_by", "moderated_at"]


def admin_link(obj) -> str:
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


class SubmissionAdmin(admin.ModelAdmin):
    """What both queues share: newest first, filtered by status, moderated by actions
    or by changing the status on the form; nobody adds submissions here."""

    list_filter = ["status"]
    list_per_page = 50
    date_hierarchy = "created_at"
    actions = ["accept", "reject"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            self.moderate(request, obj, obj.status)
        super().save_model(request, obj, form, change)

    def moderate(self, request, obj, status: str) -> None:
        obj.moderate(status, request.user)

    def moderate_selected(self, request, queryset, status: str, message) -> None:
        """One UPDATE of the selected rows' status, who and when; then `message` (an
        ngettext_lazy pair taking the number of rows) to the user."""
        count = moderate_submissions(queryset, status, request.user)
        self.message_user(request, message % count, messages.SUCCESS)

    @admin.action(description=_("Reject"), permissions=["change"])
    def reject(self, request, queryset):
        self.moderate_selected(
            request,
            queryset,
            Submission.Status.REJECTED,
            ngettext_lazy("%d submission rejected.", "%d submissions rejected."),
        )


@admin.register(Suggestion)
class SuggestionAdmin(SubmissionAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "kind", "city", "state", "status", "created_at", "draft_listing"]
    list_select_related = ["location"]
    search_fields = ["name", "city", "zip_code"]
    readonly_fields = ["created_at", "language", "moderated_by", "moderated_at", "draft_listing"]
    fieldsets = [
        (
            _("The suggested place"),
            {"fields": Suggestion.ASKED_FIELDS},
        ),
        (
            _("Submitted"),
            {
                "fields": ["created_at", "language", "contact_email"],
                "description": _("The submitter's email is for staff only."),
            },
        ),
        (
            _("Moderation"),
            {
                "fields": [*MODERATION_FIELDS, "draft_listing"],
                "description": _(
                    "Accepting makes a draft listing from this suggestion, placed from its "
                    "address (or at the centre of its ZIP code when the address is not "
                    "found); check it and publish it from its own page."
                ),
            },
        ),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "offerings":
            return forms.MultipleChoiceField(
                label=_("What they offer"),
                choices=Location.OFFERINGS,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("draft listing"), ordering="location__name")
    def draft_listing(self, obj: Suggestion) -> str:
        return admin_link(obj.location)

    def moderate(self, request, obj, status: str) -> None:
        if status == Submission.Status.ACCEPTED:
            if not request.user.has_perm("locations.add_location"):
                # Left as it was: a rejected suggestion stays rejected.
                obj.status = Suggestion.objects.values_list("status", flat=True).get(pk=obj.pk)
                self.message_user(
                    request, _("You may not add listings, so you cannot accept."), messages.ERROR
                )
                return
            with transaction.atomic():
                accept_suggestion(obj, request.user)
            return
        super().moderate(request, obj, status)

    @admin.action(description=_("Accept (make draft listings)"), permissions=["change"])
    def accept(self, request, queryset):
        if not request.user.has_perm("locations.add_location"):
            self.message_user(
                request, _("You may not add listings, so you cannot accept."), messages.ERROR
            )
            return
        made = 0
        with transaction.atomic():
            for suggestion in queryset.select_related(None).select_for_update():
                made += accept_suggestion(suggestion, request.user)
        self.message_user(
            request,
            ngettext(
                "%d draft listing made; check it and publish it.",
                "%d draft listings made; check them and publish them.",
                made,
            )
            % made,
            messages.SUCCESS,
        )


@admin.register(ProblemReport)
class ProblemReportAdmin(SubmissionAdmin):
    list_display = ["created_at", "listing", "problem", "status"]
    list_filter = ["status", "problem"]
    list_select_related = ["location"]
    search_fields = ["location__name", "location__city", "details"]
    readonly_fields = ["listing", "created_at", "language", "moderated_by", "moderated_at"]
    fieldsets = [
        (_("The report"), {"fields": ["listing", "problem", "details"]}),
        (
            _("Submitted"),
            {
                "fields": ["created_at", "language", "contact_email"],
                "description": _("The submitter's email is for staff only."),
            },
        ),
        (
            _("Moderation"),
            {
                "fields": MODERATION_FIELDS,
                "description": _(
                    "Correct the listing from its own page, then accept the report; reject "
                    "it when the listing was right."
                ),
            },
        ),
    ]

    @admin.display(description=_("listing"), ordering="location__name")
    def listing(self, obj: ProblemReport) -> str:
        return admin_link(obj.location)

    @admin.action(description=_("Accept"), permissions=["change"])
    def accept(self, request, queryset):
        self.moderate_selected(
            request,
            queryset,
            Submission.Status.ACCEPTED,
            ngettext_lazy("%d report accepted.", "%d reports accepted."),
        )


class ShownOnlyFormSet(BaseInlineFormSet):
    """Rows shown on the page but never posted back with it: saving the location, with or
    without the formset's management fields in the request, leaves the reports alone."""

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(None, None, **kwargs)

    def is_valid(self) -> bool:
        return True

    def save(self, commit=True) -> list:
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class ProblemReportInline(admin.TabularInline):
    """A listing's problem reports on its own page, newest first; moderated on theirs."""

    model = ProblemReport
    formset = ShownOnlyFormSet
    fields = ["created_at", "problem", "details", "status", "moderate"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("problem report from the public")
    verbose_name_plural = _("problem reports from the public")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # A location being added has no reports yet: no empty table on the add page.
        return obj is not None and super().has_view_permission(request, obj)

    def get_queryset(self, request):
        # The admin asks this without the location, which has_view_permission() refuses;
        # the inline is only shown at all to those who may view reports.
        return ProblemReport.objects.all()

    @admin.display(description=_("moderate"))
    def moderate(self, obj: ProblemReport) -> str:
        url = reverse("admin:locations_problemreport_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the report"))
