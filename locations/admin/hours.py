"""Opening hours in the location form: one line of text, as people write it and as the
CSV import reads it ("Mon-Fri 9am-5pm; Sat 10am-2pm", "24/7"), with the parsed week
shown beside it. The hours are the place's own local time, so there are no time widgets
(and none of their browser-versus-server clock notes)."""

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from ..domain.hours import format_hours, parse_hours
from ..models import OpeningHours

PREVIEW_TEMPLATE = "admin/locations/location/hours_preview.html"


def week_of(rows) -> list[dict]:
    """The parsed rows laid out as the public page's week (Monday first)."""
    periods = [OpeningHours(weekday=day, opens=opens, closes=closes) for day, opens, closes in rows]
    return [
        {"name": label, "periods": [p for p in periods if p.weekday == day], "is_today": False}
        for day, label in OpeningHours.Weekday.choices
    ]


def render_preview(text: str, timezone: str = "") -> tuple[str, str]:
    """(the preview's HTML, the parser's message or "") for hours text."""
    error = ""
    try:
        rows = parse_hours(text)
    except ValueError as problem:
        rows, error = None, str(problem)
    html = render_to_string(
        PREVIEW_TEMPLATE,
        {
            "week": week_of(rows) if rows else None,
            "blank": rows == [],
            "error": error,
            "location": {"timezone": timezone},
        },
    )
    return html, error


class HoursInput(forms.Textarea):
    """A short text area with the parsed week rendered under it (updated as staff type
    by admin-hours.js, from the server's own parser)."""

    def __init__(self, attrs=None):
        super().__init__(
            {"rows": 2, "cols": 60, "class": "vLargeTextField admin-hours-input", **(attrs or {})}
        )
        self.timezone = ""

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        preview, _error = render_preview(value or "", self.timezone)
        return field + preview


class HoursField(forms.CharField):
    """Hours text in; (weekday, opens, closes) rows out, with the CSV's messages."""

    widget = HoursInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Opening hours"))
        kwargs.setdefault(
            "help_text",
            _(
                "As people write them, in the place's own local time: \"Mon-Fri 9am-5pm; "
                'Sat 10am-2pm", "Mon-Fri 24h" or "24/7". Days left out are closed; leave '
                "blank when the hours are not known."
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_hours(text)
        except ValueError as problem:
            raise forms.ValidationError(str(problem), code="invalid_hours") from None


def hours_text(location) -> str:
    """A saved listing's hours as the field shows them (the import's canonical form)."""
    if location.pk is None:
        return ""
    return format_hours(location.hours.all())


def preview_view(model_admin):
    """The admin view behind the as-you-type preview: GET ?hours=…&timezone=… → JSON."""

    @staff_member_required
    def view(request):
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            raise PermissionDenied
        text = request.GET.get("hours", "")[:2000]
        html, error = render_preview(text, request.GET.get("timezone", "")[:64])
        return JsonResponse({"html": html, "error": error})

    return view
