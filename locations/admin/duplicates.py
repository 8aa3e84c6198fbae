"""Possible duplicates in the admin: the list, "Not a duplicate", and merging a pair."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..domain.phones import format_phone
from ..models import Location, OpeningHours, PossibleDuplicate
from ..services.merging import MERGE_GROUPS, MergeConflict, mark_not_duplicates, merge

SIDES = ("location", "other")


def field_text(location: Location, name: str) -> str:
    """A field's value as staff read it."""
    if name == "verified_by_id":
        return ""  # shown through the date; the person is not worth a row of its own
    value = getattr(location, name)
    if name == "phone":
        return format_phone(value)
    field = Location._meta.get_field(name)
    if field.choices and value:
        return str(getattr(location, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(value)
    if value is None:
        return ""
    return str(value)


def group_text(location: Location, fields: list[str]) -> str:
    text = ", ".join(t for t in (field_text(location, name) for name in fields) if t)
    return text or _("(blank)")


def hours_text(hours: list[OpeningHours]) -> str:
    return "; ".join(str(period) for period in hours) or _("(none listed)")


def group_values(location: Location, fields: list[str]) -> list:
    return [getattr(location, name) for name in fields]


def is_blank(values: list) -> bool:
    return all(value in (None, "", []) for value in values)


class MergeForm(forms.Form):
    """Which listing stays, and for each field that differs, whose value it keeps."""

    def __init__(self, pair: PossibleDuplicate, hours: dict[int, list], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pair = pair
        first, second = pair.location, pair.other
        self.fields["keep"] = forms.ChoiceField(
            label=_("Keep this listing (its public link stays; the other redirects to it)"),
            choices=[("location", str(first)), ("other", str(second))],
            initial="location",
            widget=forms.RadioSelect,
        )
        self.groups = []
        for key, label, fields in MERGE_GROUPS:
            a, b = group_values(first, fields), group_values(second, fields)
            if a == b:
                continue
            self._add_choice(key, label, group_text(first, fields), group_text(second, fields))
            # A blank value never wins by default over one that says something.
            self.initial[key] = "other" if is_blank(a) and not is_blank(b) else "location"
            self.groups.append((key, fields))
        first_hours, second_hours = hours.get(first.pk, []), hours.get(second.pk, [])
        self.hours_differ = [h[1:] for h in first_hours] != [h[1:] for h in second_hours]
        if self.hours_differ:
            self._add_choice(
                "hours",
                _("Opening hours"),
                hours_text([h[0] for h in first_hours]),
                hours_text([h[0] for h in second_hours]),
            )
            self.initial["hours"] = "other" if not first_hours and second_hours else "location"

    def _add_choice(self, key, label, first_text, second_text):
        self.fields[key] = forms.ChoiceField(
            label=label,
            choices=[("location", first_text), ("other", second_text)],
            widget=forms.RadioSelect,
            required=False,  # a field left unanswered keeps its preselected value
        )

    def clean(self):
        data = super().clean()
        for name in self.fields:
            if name != "keep" and not data.get(name):
                data[name] = self.initial[name]
        return data

    def choice_rows(self):
        return [self[name] for name in self.fields if name != "keep"]


def hours_by_location(*locations: Location) -> dict[int, list]:
    """{location id: [(period, weekday, opens, closes), …]} in one query."""
    result: dict[int, list] = {location.pk: [] for location in locations}
    for period in OpeningHours.objects.filter(location__in=locations).order_by(
        "location_id", "weekday", "opens", "closes"
    ):
        result[period.location_id].append((period, period.weekday, period.opens, period.closes))
    return result


def listing_html(location: Location) -> str:
    url = reverse("admin:locations_location_change", args=[location.pk])
    address = ", ".join(
        part for part in (location.street_address, location.address_line2, location.city) if part
    )
    return format_html(
        '<a href="{}">{}</a><br>{}, {} {}<br>{}',
        url,
        location.name,
        address,
        location.state,
        location.zip_code,
        location.get_status_display(),
    )


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(admin.ModelAdmin):
    list_display = ["first_listing", "second_listing", "distance", "reason", "status", "merge"]
    list_filter = ["status", "reason"]
    # Both listings come in the page's one query.
    list_select_related = ["location", "other"]
    search_fields = ["location__name", "other__name"]
    actions = ["mark_not_duplicate"]
    fields = [
        "location",
        "other",
        "reason",
        "distance_m",
        "status",
        "created_at",
        "resolved_by",
        "resolved_at",
    ]
    readonly_fields = fields
    list_per_page = 50

    def get_ordering(self, request):
        # Open pairs first, the newest of each status on top.
        open_first = Case(
            When(status=PossibleDuplicate.Status.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [open_first.asc(), "-created_at", "-id"]

    def has_add_permission(self, request):
        return False  # pairs are found by the checks, not typed in

    @admin.display(description=gettext_lazy("listing"))
    def first_listing(self, pair: PossibleDuplicate) -> str:
        return listing_html(pair.location)

    @admin.display(description=gettext_lazy("possible duplicate"))
    def second_listing(self, pair: PossibleDuplicate) -> str:
        return listing_html(pair.other)

    @admin.display(description=gettext_lazy("distance"), ordering="distance_m")
    def distance(self, pair: PossibleDuplicate) -> str:
        if pair.distance_m is None:
            return "—"
        return f"{pair.distance_m:,.0f} m"

    @admin.display(description=gettext_lazy("merge"))
    def merge(self, pair: PossibleDuplicate) -> str:
        if pair.status != PossibleDuplicate.Status.OPEN:
            return "—"
        url = reverse("admin:locations_possibleduplicate_merge", args=[pair.pk])
        return format_html('<a href="{}">{}</a>', url, _("Merge…"))

    @admin.action(description=gettext_lazy("Not a duplicate"), permissions=["change"])
    def mark_not_duplicate(self, request, queryset):
        count = mark_not_duplicates(queryset, request.user)
        message = ngettext(
            "%d pair marked not a duplicate; it will not be flagged again.",
            "%d pairs marked not duplicates; they will not be flagged again.",
            count,
        )
        self.message_user(request, message % count, messages.SUCCESS)

    def get_urls(self):
        merge_url = path(
            "<int:pk>/merge/",
            self.admin_site.admin_view(self.merge_view),
            name="locations_possibleduplicate_merge",
        )
        return [merge_url, *super().get_urls()]

    def merge_view(self, request, pk: int):
        # A merge changes both listings and resolves the pair.
        if not request.user.has_perms(
            ["locations.change_location", "locations.change_possibleduplicate"]
        ):
            raise PermissionDenied
        pair = get_object_or_404(
            PossibleDuplicate.objects.select_related("location", "other"), pk=pk
        )
        changelist = reverse("admin:locations_possibleduplicate_changelist")
        if pair.status != PossibleDuplicate.Status.OPEN:
            messages.error(request, _("This pair is already resolved."))
            return redirect(changelist)
        hours = hours_by_location(pair.location, pair.other)
        form = MergeForm(pair, hours, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                kept = merge(pair, form.cleaned_data, request.user)
            except MergeConflict:
                messages.error(
                    request,
                    _("Nothing was merged: the pair was resolved or a listing closed meanwhile."),
                )
                return redirect(changelist)
            messages.success(
                request,
                format_html(
                    _("Merged. {} is kept; the other listing is closed and redirects to it."),
                    kept.name,
                ),
            )
            return redirect("admin:locations_location_change", kept.pk)
        ctx = {
            **self.admin_site.each_context(request),
            "title": _("Merge possible duplicates"),
            "opts": self.model._meta,
            "pair": pair,
            "form": form,
            "changelist_url": changelist,
        }
        return TemplateResponse(request, "admin/locations/possibleduplicate/merge.html", ctx)


def open_duplicates_html(location: Location) -> str:
    """The Location form's list of this listing's open possible duplicates, with links."""
    if not location.pk:
        return "—"
    pairs = (
        PossibleDuplicate.objects.filter(
            Q(location=location) | Q(other=location), status=PossibleDuplicate.Status.OPEN
        )
        .select_related("location", "other")
        .order_by("-created_at")
    )
    rows = []
    for pair in pairs:
        other = pair.other if pair.location_id == location.pk else pair.location
        rows.append(
            (
                reverse("admin:locations_location_change", args=[other.pk]),
                str(other),
                pair.get_reason_display(),
                reverse("admin:locations_possibleduplicate_merge", args=[pair.pk]),
                _("Compare and merge"),
            )
        )
    if not rows:
        return _("None found.")
    return format_html(
        "<ul>{}</ul>",
        format_html_join("", '<li><a href="{}">{}</a> ({}): <a href="{}">{}</a></li>', rows),
    )


def warn_of_new_duplicates(request, flagged: list[int]) -> None:
    """After an admin save or action: say so when it flagged possible duplicates."""
    if flagged:
        url = reverse("admin:locations_possibleduplicate_changelist") + "?status__exact=open"
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                ngettext(
                    "This listing may duplicate another one.",
                    "This listing may duplicate %(count)d others.",
                    len(flagged),
                )
                % {"count": len(flagged)},
                url,
                _("Review possible duplicates"),
            ),
        )


def warn_of_held(request, count: int, lines: list[int] | None = None) -> None:
    """After an admin save, action or import: say why listings to be published are
    drafts (for an import, on which lines of the file), and where staff decide."""
    if count:
        where = ""
        if lines:
            where = " " + _("Lines in the file: %(lines)s.") % {
                "lines": ", ".join(str(line) for line in lines)
            }
        url = reverse("admin:locations_possibleduplicate_changelist") + "?status__exact=open"
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                ngettext(
                    "%(count)d listing was kept as a draft, not published: it may duplicate "
                    "a published listing. Mark the pair “Not a duplicate” and publish it, "
                    "or merge the two.",
                    "%(count)d listings were kept as drafts, not published: they may "
                    "duplicate published listings. Mark each pair “Not a duplicate” and "
                    "publish them, or merge them.",
                    count,
                )
                % {"count": count}
                + where,
                url,
                _("Review possible duplicates"),
            ),
        )
