"""The column-mapping step of the admin import: a partner's column names onto ours.

When an uploaded file's columns (after the mapping remembered for its source, if any)
are not ours, staff see each of their columns with its first values and choose which of
our columns it is, or to leave it out, with a preview of the first rows mapped. Saving
remembers the mapping for the source (models.ColumnMapping), so that partner's next file
goes straight to the import preview, and `import_locations --source` uses it too.
The uploaded file waits in the import's temporary storage meanwhile, behind a signed
reference, as it does between the preview and the confirmation.
"""

import contextlib
import io
import os

from django import forms
from django.contrib import admin
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..exchange.csv_format import COLUMNS, REQUIRED_COLUMNS
from ..exchange.mapping import (
    IGNORE,
    apply_mapping,
    clean_mapping,
    header_key,
    suggested_mapping,
)
from ..exchange.reading import FileError, check_header
from ..exchange.spreadsheets import read_table
from ..models import ColumnMapping
from ..services.mappings import save_mapping, stored_mapping

MAPPING_SALT = "locations.admin_import.mapping"
MAPPING_MAX_AGE = 24 * 60 * 60
SAMPLE_ROWS = 5
SAMPLE_VALUES = 3


class ColumnMappingForm(forms.Form):
    """One choice per named column of the file: which of our columns it is, or none."""

    def __init__(self, header: list[str], *args, suggestion: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.header = header
        choices = [(IGNORE, gettext_lazy("— leave this column out —"))]
        choices += [
            (column, f"{column} *" if column in REQUIRED_COLUMNS else column) for column in COLUMNS
        ]
        suggestion = suggestion or {}
        for position, name in enumerate(header):
            if header_key(name):
                self.fields[f"column_{position}"] = forms.ChoiceField(
                    label=name,
                    choices=choices,
                    required=False,
                    initial=suggestion.get(name, IGNORE),
                )

    def mapping(self) -> dict[str, str]:
        return {
            self.header[int(name.removeprefix("column_"))]: value
            for name, value in self.cleaned_data.items()
        }


def column_samples(header: list[str], records: list) -> list[list[str]]:
    """The first few non-blank values of each column, to recognise it by."""
    samples: list[list[str]] = [[] for _ in header]
    for _line, cells in records:
        for position, cell in enumerate(cells[: len(header)]):
            if cell.strip() and len(samples[position]) < SAMPLE_VALUES:
                samples[position].append(" ".join(cell.split())[:60])
    return samples


class ColumnMappingMixin:
    """The mapping step; mixed into the locations admin by imports.py."""

    import_mapping_template = "admin/locations/location/import_mapping.html"

    def mapping_of(self, source: str) -> dict | None:
        return stored_mapping(source)

    def mapping_step(self, request, data: bytes, source: str, file_name: str, stored):
        """The mapping page when the file's columns, mapped as remembered for the source
        (`stored`), are not ours; None when they are (or when the file cannot be read at
        all, which the preview then reports)."""
        try:
            header, records = read_table(io.BytesIO(data), file_name)
        except FileError:
            return None
        mapped, _records = apply_mapping(header, [], stored)
        if len(mapped) == 1 and (";" in mapped[0] or "\t" in mapped[0]):
            return None  # not a comma-separated file: no mapping mends that
        try:
            check_header(mapped)
        except FileError as error:
            problem = error.row_error.message
        else:
            return None
        token = self.mapping_token(request, data, source, file_name)
        form = ColumnMappingForm(header, suggestion=suggested_mapping(header, stored))
        context = {"problem": problem, "token": token, "stored": stored is not None}
        return self._render_mapping(request, form, header, records, source, file_name, context)

    def mapping_token(self, request, data: bytes, source: str, file_name: str) -> str:
        """Keep the file in the temporary storage for the mapping step; a signed
        reference to it."""
        storage = self.get_tmp_storage_class()(read_mode="rb")
        storage.save(data)
        return signing.dumps(
            {
                "file": os.path.basename(storage.name),
                "source": source,
                "user": request.user.pk,
                "name": file_name,
            },
            salt=MAPPING_SALT,
        )

    def _render_mapping(
        self, request, form, header, records, source, file_name, context, status=200
    ):
        samples = column_samples(header, records)
        columns = [
            {"field": form[f"column_{position}"], "samples": samples[position]}
            for position, name in enumerate(header)
            if header_key(name)
        ]
        mapped_header, mapped_rows = None, []
        if form.is_bound and form.is_valid():
            mapped_header, mapped = apply_mapping(header, records[:SAMPLE_ROWS], form.mapping())
            mapped_rows = [{"line": line, "cells": cells} for line, cells in mapped]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Match the file’s columns to ours"),
            "form": form,
            "columns": columns,
            "source": source,
            "file_name": file_name,
            "mapped_header": mapped_header,
            "mapped_rows": mapped_rows,
            "mapping_url": self._url("import_mapping"),
            "import_url": self._url("import"),
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.import_mapping_template, context, status=status)

    def import_mapping_view(self, request):
        """Preview a mapping, or save it for the source and go on to the import preview."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(self._url("import"))
        token = request.POST.get("token", "")
        try:
            signed = signing.loads(token, salt=MAPPING_SALT, max_age=MAPPING_MAX_AGE)
        except signing.BadSignature:
            signed = None
        if not isinstance(signed, dict) or signed.get("user") != request.user.pk:
            return self._gone(request)
        if not self.temp_name.fullmatch(str(signed.get("file", ""))):
            return self._gone(request)
        storage = self.get_tmp_storage_class()(name=signed["file"], read_mode="rb")
        try:
            data = storage.read()
        except OSError:
            data = None
        if not data:
            return self._gone(request)
        source, file_name = str(signed["source"]), str(signed.get("name", ""))
        try:
            header, records = read_table(io.BytesIO(data), file_name)
        except FileError:
            return self._gone(request)
        context = {"token": token}
        if "edit" in request.POST:  # "Change the column mapping", from the preview
            suggestion = suggested_mapping(header, stored_mapping(source))
            form = ColumnMappingForm(header, suggestion=suggestion)
            return self._render_mapping(request, form, header, records, source, file_name, context)
        form = ColumnMappingForm(header, request.POST)
        if not form.is_valid():
            return self._render_mapping(
                request, form, header, records, source, file_name, context, status=400
            )
        mapping = form.mapping()
        try:
            check_header(apply_mapping(header, [], mapping)[0])
        except FileError as error:
            context["problem"] = error.row_error.message
            return self._render_mapping(
                request, form, header, records, source, file_name, context, status=400
            )
        if "save" not in request.POST:  # "Preview": show the first rows mapped
            return self._render_mapping(request, form, header, records, source, file_name, context)
        save_mapping(source, mapping, request.user)
        with contextlib.suppress(OSError):
            storage.remove()
        return self.import_preview(request, None, data, source, file_name, mapping)


class SavedMappingForm(forms.ModelForm):
    """A saved mapping edited by hand: checked as the command checks --mapping."""

    class Meta:
        model = ColumnMapping
        fields = ["mapping"]

    def clean_mapping(self):
        try:
            return clean_mapping(self.cleaned_data["mapping"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    """The mappings remembered per source: correct one by hand, or delete it (Directory
    admins) so the source's next file comes back to the mapping step."""

    form = SavedMappingForm
    list_display = ["source", "updated_by", "updated_at"]
    search_fields = ["source"]
    fields = ["source", "mapping", "updated_by", "updated_at"]
    readonly_fields = ["source", "updated_by", "updated_at"]

    def has_add_permission(self, request):
        return False  # made by the mapping step of an import

    def save_model(self, request, obj, form, change):
        save_mapping(obj.source, obj.mapping, request.user)
