"""Public forms: suggest a location, report a problem with a listing."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..domain.phones import normalize_phone
from ..domain.usps import STATE_CHOICES
from ..models import Location, ProblemReport, Suggestion

# Filled in only by programs that fill in every field: people never see it.
HONEYPOT_FIELD = "homepage"


class PublicForm(forms.ModelForm):
    """A form for visitors: a honeypot field, and each input described by its hint and,
    after a failed submission, by its error (aria-describedby), for screen readers."""

    # A name programs expect to fill; hidden by CSS, out of the tab order and the
    # accessibility tree (see the form templates).
    homepage = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                self[name].field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}_hint"

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            ids = [attrs.get("aria-describedby", ""), f"{self[name].auto_id}_error"]
            attrs["aria-describedby"] = " ".join(part for part in ids if part)
            attrs["aria-invalid"] = "true"

    def visible_public_fields(self):
        return [field for field in self if field.name != HONEYPOT_FIELD]


class SuggestionForm(PublicForm):
    offerings = forms.MultipleChoiceField(
        label=_("What they offer"),
        choices=Location.OFFERINGS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick what you know; leave the rest."),
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Choose a state"))] + list(STATE_CHOICES)
    )

    class Meta:
        model = Suggestion
        fields = [*Suggestion.ASKED_FIELDS, "contact_email"]
        labels = {
            "name": _("Name of the place"),
            "kind": _("Kind of place"),
            "street_address": _("Street address"),
            "address_line2": _("Address line 2"),
            "city": _("City"),
            "zip_code": _("ZIP code"),
            "phone": _("Phone"),
            "notes": _("Anything else we should know"),
            "contact_email": _("Your email"),
        }
        help_texts = {
            "street_address": _("Leave it empty for a program that mails naloxone."),
            "zip_code": _("5 digits, like 10001."),
            "phone": _("A US number, like (212) 555-0100."),
            "notes": _("Opening hours, how to ask for naloxone, who may get it."),
            "contact_email": _(
                "Only if we may write to you with a question. Only our staff see it."
            ),
        }
        # The place's address is not the visitor's own: no autofill from their profile.
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "street_address": forms.TextInput(attrs={"autocomplete": "off"}),
            "address_line2": forms.TextInput(attrs={"autocomplete": "off"}),
            "city": forms.TextInput(attrs={"autocomplete": "off"}),
            "zip_code": forms.TextInput(
                attrs={"autocomplete": "off", "inputmode": "numeric", "maxlength": "5"}
            ),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
            "notes": forms.Textarea(attrs={"rows": 4, "maxlength": "2000"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Choose a kind"))] + list(Location.Kind.choices)

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_zip_code(self) -> str:
        return self.cleaned_data["zip_code"].strip()

    def clean_notes(self) -> str:
        notes = self.cleaned_data["notes"]
        if len(notes) > 2000:
            raise ValidationError(_("Please keep it under 2,000 characters."))
        return notes


class ProblemReportForm(PublicForm):
    class Meta:
        model = ProblemReport
        fields = ["problem", "details", "contact_email"]
        labels = {
            "problem": _("What is wrong?"),
            "details": _("Details"),
            "contact_email": _("Your email"),
        }
        help_texts = {
            "details": _("What is right, if you know: the new address, hours or phone."),
            "contact_email": _(
                "Only if we may write to you with a question. Only our staff see it."
            ),
        }
        widgets = {
            "problem": forms.RadioSelect,
            "details": forms.Textarea(attrs={"rows": 4, "maxlength": "2000"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A model field with choices adds an empty "---------" choice to a select; radios
        # need none.
        self.fields["problem"].choices = ProblemReport.Problem.choices

    def clean(self):
        cleaned = super().clean()
        details = cleaned.get("details", "")
        if len(details) > 2000:
            self.add_error("details", _("Please keep it under 2,000 characters."))
        elif cleaned.get("problem") == ProblemReport.Problem.OTHER and not details.strip():
            self.add_error("details", _("Tell us what is wrong."))
        return cleaned
