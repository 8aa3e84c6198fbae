"""CSV import and export of locations in the admin, in the format `import_locations` reads.

The import runs the same code as the command (`exchange.importer.import_rows`): first a dry run
whose outcome for every row is shown, then, once staff confirm, the real import of the
same uploaded file, which waits meanwhile in django-import-export's temporary storage.
The confirm form carries only a signed reference to that file, so a tampered or stale
form cannot point the import at another file. The export streams the rows the
changelist's current filters and search select, through the public CSV export's helpers.
"""

import contextlib
import io
import os
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.tmp_storages import TempFolderStorage

from ..exchange.csv_export import (
    CHUNK_SIZE,
    csv_lines,
    csv_row,
    dated_filename,
    export_id,
    with_export_columns,
)
from ..exchange.csv_format import COLUMNS, SafeDictWriter
from ..exchange.importer import import_rows
from ..exchange.mapping import apply_mapping
from ..exchange.reading import FileError, column_key
from ..exchange.results import ImportResult
from ..exchange.spreadsheets import XLSX_EXTENSIONS, is_spreadsheet, read_table
from ..models import Location
from .duplicates import warn_of_held
from .mapping import ColumnMappingMixin

# Signed references to uploaded files expire: a preview left open overnight is redone.
CONFIRM_MAX_AGE = 24 * 60 * 60
CONFIRM_SALT = "locations.admin_import.confirm"
# The names import-export's storages give files: tempfile's ("tmp" and 8 random
# characters) in the temporary folder, a uuid4 in the cache or the media storage.
TEMP_NAME = re.compile(r"tmp[a-z0-9_]{1,32}|[0-9a-f]{32}")
# The example row of the downloadable template: it imports cleanly as it is.
TEMPLATE_EXAMPLE = {
    "external_id": "example-1",
    "name": "Example Pharmacy",
    "kind": "pharmacy",
    "street_address": "350 5th Ave",
    "address_line2": "",
    "city": "New York",
    "state": "NY",
    "zip_code": "10001",
    "latitude": "40.7484",
    "longitude": "-73.9857",
    "phone": "(212) 555-0100",
    "website": "https://www.example.org",
    "email": "info@example.org",
    "description": "Ask at the pharmacy counter.",
    "status": "draft",
    "last_verified_on": "",
    "hours": "Mon-Fri 09:00-17:00; Sat 10:00-14:00",
    "free_naloxone": "yes",
    "no_prescription": "yes",
    "sells_otc": "yes",
    "nasal_spray": "yes",
    "languages": "English; Spanish",
    "states_served": "",
}


def max_upload_bytes() -> int:
    return settings.ADMIN_IMPORT_MAX_MB * 1024 * 1024


class ImportForm(forms.Form):
    """The upload: a UTF-8 CSV file no bigger than ADMIN_IMPORT_MAX_MB, and its source."""

    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file"),
        help_text=gettext_lazy(
            "CSV: UTF-8 text, commas between cells, the columns named on line 1. "
            "Excel (.xlsx): the first sheet, the columns named on row 1."
        ),
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        initial="csv",
        max_length=Location._meta.get_field("source").max_length,
        help_text=gettext_lazy(
            "Where the file comes from. Rows are matched to existing locations by source "
            "and external_id, so use the same source when you import a newer file."
        ),
    )

    def clean_source(self) -> str:
        source = self.cleaned_data["source"].strip()
        if not source:
            raise forms.ValidationError(_("Name the source of the file."))
        return source

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        extension = os.path.splitext(upload.name)[1].lower()
        if extension not in {".csv", ".txt", ".xls", *XLSX_EXTENSIONS}:
            raise forms.ValidationError(
                _(
                    "“%(name)s” is neither a CSV file nor an Excel workbook (.xlsx). In a "
                    "spreadsheet, use Save As and choose “Excel Workbook (.xlsx)” or “CSV UTF-8 "
                    "(Comma delimited)”."
                )
                % {"name": upload.name}
            )
        limit = settings.ADMIN_IMPORT_MAX_MB
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is %(size).1f MB; the limit is %(limit)d MB. Split it into parts.")
                % {"size": upload.size / 1024 / 1024, "limit": limit}
            )
        data = upload.read()
        if extension != ".csv" and extension != ".txt" and is_spreadsheet(upload.name, data):
            return data  # read, and refused when it is not a workbook, by the importer
        if b"\0" in data:
            raise forms.ValidationError(
                _(
                    "This is not a text file (a spreadsheet saved in its own format?). "
                    "Save it as “CSV UTF-8 (Comma delimited)”."
                )
            )
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise forms.ValidationError(
                _(
                    "Line %(line)d is not UTF-8 text. In Excel, use Save As and choose "
                    "“CSV UTF-8 (Comma delimited)”."
                )
                % {"line": line}
            ) from None
        return data


def run_import(
    request, data: bytes, source: str, *, dry_run: bool, mapping=None, file_name: str = ""
) -> ImportResult:
    """The one place the admin runs the importer, for the preview and for the real thing."""
    return import_rows(
        io.BytesIO(data),
        source=source,
        dry_run=dry_run,
        user=request.user,
        change_reason=f"Admin import ({source})",
        mapping=mapping,
        file_name=file_name,
    )


def row_names(data: bytes, file_name: str = "", mapping=None) -> dict[int, str]:
    """The name cell of each line of a file the importer could read, for the preview
    (rows with errors come back from the importer without a location to name them)."""
    try:
        header, records = apply_mapping(*read_table(io.BytesIO(data), file_name), mapping)
    except FileError:
        return {}
    columns = [column_key(cell) for cell in header]
    if "name" not in columns:
        return {}
    position = columns.index("name")
    return {
        line: " ".join(cells[position].split()) for line, cells in records if len(cells) > position
    }


def preview_rows(result: ImportResult, names: dict[int, str]) -> list[dict]:
    return [
        {
            "line": row.line,
            "external_id": row.external_id,
            "name": row.location.name if row.location else names.get(row.line, ""),
            "outcome": row.outcome,
            "changed_fields": [name.removesuffix("_id") for name in row.changed_fields],
            "errors": row.errors,
        }
        for row in result.rows
    ]


def admin_csv_row(location: Location) -> dict[str, str]:
    """A row of the import format. A place keeps its own external_id, so importing the
    file again under the place's source updates it in place; a place added in the admin
    has none and is named by its slug, as in the public export."""
    external_id = location.external_id or export_id(location.slug)
    return {**csv_row(location), "external_id": external_id}


class LocationImportExportMixin(ColumnMappingMixin):
    """Adds Import CSV (upload, preview, confirm), a CSV template and Export CSV of the
    filtered changelist to the locations admin."""

    change_list_template = "admin/locations/location/change_list_import_export.html"
    import_template = "admin/locations/location/import.html"
    # None: import-export's IMPORT_EXPORT_TMP_STORAGE_CLASS setting, else its temporary
    # folder (which all workers of one server share; several servers need the media
    # storage or a shared cache).
    tmp_storage_class = None
    temp_name = TEMP_NAME

    def get_tmp_storage_class(self):
        storage_class = self.tmp_storage_class or getattr(
            settings, "IMPORT_EXPORT_TMP_STORAGE_CLASS", TempFolderStorage
        )
        return import_string(storage_class) if isinstance(storage_class, str) else storage_class

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="{}_{}_import".format(*info)),
            path(
                "import/confirm/",
                wrap(self.import_confirm_view),
                name="{}_{}_import_confirm".format(*info),
            ),
            path(
                "import/template.csv",
                wrap(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            path("export/", wrap(self.export_view), name="{}_{}_export".format(*info)),
            path(
                "import/columns/",
                wrap(self.import_mapping_view),
                name="{}_{}_import_mapping".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "has_import_permission": self.has_import_permission(request),
            "has_export_permission": self.has_export_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def _url(self, name: str) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}")

    def _render_import(self, request, context: dict, status: int = 200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import locations from a CSV file"),
            "template_url": self._url("import_template"),
            "confirm_url": self._url("import_confirm"),
            "max_mb": settings.ADMIN_IMPORT_MAX_MB,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.import_template, context, status=status)

    def import_view(self, request):
        """Upload a file, then see what importing it would do to every row."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._render_import(request, {"form": ImportForm()})
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render_import(request, {"form": form}, status=400)
        data, source = form.cleaned_data["file"], form.cleaned_data["source"]
        file_name = request.FILES["file"].name
        stored = self.mapping_of(source)
        if mapping_step := self.mapping_step(request, data, source, file_name, stored):
            return mapping_step
        return self.import_preview(request, form, data, source, file_name, stored)

    def import_preview(self, request, form, data, source, file_name, mapping):
        """What importing the file (its columns mapped) would do to every row."""
        form = form or ImportForm(initial={"source": source})
        result = run_import(
            request, data, source, dry_run=True, mapping=mapping, file_name=file_name
        )
        if result.file_errors:
            for error in result.file_errors:
                form.add_error("file", str(error))
            return self._render_import(request, {"form": form}, status=400)
        context = {
            "form": form,
            "result": result,
            "rows": preview_rows(result, row_names(data, file_name, mapping)),
            "source": source,
            "file_name": file_name,
            "mapping": mapping,
        }
        if mapping:  # the columns were mapped: staff may change how
            context["mapping_token"] = self.mapping_token(request, data, source, file_name)
        if result.ok and (result.created or result.updated):
            storage = self.get_tmp_storage_class()(read_mode="rb")
            storage.save(data)
            context["token"] = signing.dumps(
                {
                    "file": os.path.basename(storage.name),
                    "source": source,
                    "user": request.user.pk,
                    "mapping": mapping,
                    "name": file_name,
                },
                salt=CONFIRM_SALT,
            )
        return self._render_import(request, context)

    def import_confirm_view(self, request):
        """Import the previewed file for real; refused while any of its rows has an error."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(self._url("import"))
        try:
            signed = signing.loads(
                request.POST.get("token", ""), salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE
            )
        except signing.BadSignature:
            signed = None
        if (
            not isinstance(signed, dict)
            or signed.get("user") != request.user.pk
            or not TEMP_NAME.fullmatch(str(signed.get("file", "")))
        ):
            return self._gone(request)
        storage = self.get_tmp_storage_class()(name=signed["file"], read_mode="rb")
        try:
            data = storage.read()
        except OSError:
            data = None
        if not data:  # gone from the folder, or from the cache
            return self._gone(request)
        mapping, file_name = signed.get("mapping"), str(signed.get("name", ""))
        result = run_import(
            request, data, signed["source"], dry_run=False, mapping=mapping, file_name=file_name
        )
        if not result.written:
            # The directory changed since the preview and a row no longer fits: show
            # the new outcome; nothing was written.
            context = {
                "form": ImportForm(initial={"source": signed["source"]}),
                "result": result,
                "rows": preview_rows(result, row_names(data, file_name, mapping)),
                "source": signed["source"],
                "refused": True,
            }
            return self._render_import(request, context, status=400)
        # A second click on Confirm imports the same file again (every row unchanged)
        # after the first one has removed it.
        with contextlib.suppress(OSError):
            storage.remove()
        self.message_user(
            request,
            _(
                "Imported from source “%(source)s”: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged."
            )
            % {
                "source": result.source,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
            messages.SUCCESS,
        )
        warn_of_held(request, len(result.held_lines), result.held_lines)
        return HttpResponseRedirect(self._url("changelist"))

    def _gone(self, request):
        self.message_user(
            request,
            _("That preview has expired or was already imported. Upload the file again."),
            messages.ERROR,
        )
        return HttpResponseRedirect(self._url("import"))

    def import_template_view(self, request):
        """The columns in their documented order and one example row."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        buffer = io.StringIO()
        writer = SafeDictWriter(buffer, fieldnames=COLUMNS, restval="no")
        writer.writeheader()
        writer.writerow(TEMPLATE_EXAMPLE)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="locations-template.csv"'
        return response

    def export_view(self, request):
        """The rows the changelist shows with its current filters and search, as CSV."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(self._url("changelist") + "?e=1")
        # The import format's columns only (no staff-only ones), the place's own
        # external_id, and the hours, in one query.
        queryset = with_export_columns(
            changelist.get_queryset(request).select_related(None).prefetch_related(None),
            "external_id",
        )
        rows = queryset.iterator(chunk_size=CHUNK_SIZE)
        response = StreamingHttpResponse(
            csv_lines(rows, row=admin_csv_row), content_type="text/csv; charset=utf-8"
        )
        filename = dated_filename("locations", "csv")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
