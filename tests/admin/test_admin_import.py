"""CSV import (upload, preview, confirm) and export of the filtered changelist in the admin."""

import csv
import html
import io
import os
import re
import tempfile

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.tmp_storages import TempFolderStorage

from locations.admin.imports import CONFIRM_SALT
from locations.exchange.csv_format import COLUMNS
from locations.exchange.importer import import_rows
from locations.models import Location, OpeningHours, ZipCode
from tests.factories import make_location, make_outreach_staff, make_user, make_zipcodes

pytestmark = pytest.mark.django_db

IMPORT = "admin:locations_location_import"
CONFIRM = "admin:locations_location_import_confirm"
TEMPLATE = "admin:locations_location_import_template"
EXPORT = "admin:locations_location_export"
CHANGELIST = "admin:locations_location_changelist"

HEADER = "external_id,name,kind,street_address,city,state,zip_code,phone,hours\n"


@pytest.fixture
def zips():
    return make_zipcodes()


def upload(client, text: str | bytes, source: str = "county", name: str = "places.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse(IMPORT),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "source": source},
    )


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the preview has no confirm form"
    return match[1]


def preview_rows(response) -> list[list[str]]:
    """The preview table's cells, row by row, as plain text."""
    page = response.content.decode()
    body = page.split('<table id="import-preview">', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr class=\"import-row[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        rows.append(
            [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", cell).split())) for cell in cells]
        )
    return rows


def import_file(text: str, source: str = "county"):
    result = import_rows(io.StringIO(text), source=source)
    assert result.written, result.errors
    return result


# The changelist ---------------------------------------------------------------------


def test_it_offers_import_and_export_on_the_changelist(client, staff):
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert f'href="{reverse(IMPORT)}"' in html
    assert f'href="{reverse(EXPORT)}?' in html or f'href="{reverse(EXPORT)}"' in html
    assert "Import CSV" in html and "Export CSV" in html


def test_it_keeps_the_current_filters_on_the_export_link(client, staff):
    html = client.get(reverse(CHANGELIST), {"state__exact": "NY", "q": "corner"}).content.decode()
    link = re.search(r'href="([^"]*/export/[^"]*)"', html)[1].replace("&amp;", "&")
    assert "state__exact=NY" in link and "q=corner" in link


# Upload and preview ------------------------------------------------------------------


def test_it_shows_the_upload_form_with_a_template_link(client, staff):
    response = client.get(reverse(IMPORT))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'type="file"' in html and 'name="source"' in html and 'value="csv"' in html
    assert f'href="{reverse(TEMPLATE)}"' in html


def test_it_previews_every_outcome_and_refuses_to_confirm_a_file_with_errors(client, staff, zips):
    import_file(
        HEADER
        + "a,Corner Pharmacy,pharmacy,1 Main St,New York,NY,10001,,\n"
        + "b,Old Name,clinic,2 Main St,New York,NY,10001,,\n"
    )
    response = upload(
        client,
        HEADER
        + "a,Corner Pharmacy,pharmacy,1 Main St,New York,NY,10001,,\n"
        + "b,New Name,clinic,2 Main St,New York,NY,10001,(212) 555-0100,\n"
        + "c,Fresh Place,harm reduction,3 Main St,Chicago,IL,60601,,Mon-Fri 9am-5pm\n"
        + "d,Bad Place,pharmacy,4 Main St,Chicago,IL,6060,,Mnday 09:00-17:00\n",
    )
    assert response.status_code == 200
    rows = preview_rows(response)
    assert [row[:4] for row in rows] == [
        ["2", "a", "Corner Pharmacy", "unchanged"],
        ["3", "b", "New Name", "updated"],
        ["4", "c", "Fresh Place", "new"],
        ["5", "d", "Bad Place", "error"],
    ]
    assert rows[1][4] == "Changes: name, phone"
    assert 'zip_code : "6060" is not a ZIP code' not in rows[3][4]  # 4 digits get a 0
    assert "hours : unknown day" in rows[3][4]
    html = response.content.decode()
    assert "New: 1. Updated: 1. Unchanged: 1. Errors: 1." in html
    assert 'name="token"' not in html and "Confirm import" not in html
    assert "nothing can be imported" in html
    assert Location.objects.get(external_id="b").name == "Old Name"
    assert not Location.objects.filter(external_id="c").exists()


def test_it_names_the_column_of_each_error(client, staff, zips):
    response = upload(
        client,
        HEADER + "x,,pharmacy,1 Main St,New York,Narnia,10001,555,\n",
    )
    details = preview_rows(response)[0][4]
    assert "name : required, but this cell is blank" in details
    assert 'state : unknown state "Narnia"' in details
    assert "phone :" in details


def test_it_refuses_a_confirm_post_for_a_file_with_errors(client, staff, zips):
    # A confirm form is never offered for such a file; a forged one is refused too.
    storage = TempFolderStorage(read_mode="rb")
    storage.save(
        (HEADER + "a,Fine,pharmacy,,New York,NY,10001,,\nb,Bad,pharmacy,,X,ZZ,1,,\n").encode()
    )
    token = signing.dumps(
        {"file": os.path.basename(storage.name), "source": "county", "user": staff.pk},
        salt=CONFIRM_SALT,
    )
    response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 400
    assert "The import was refused" in response.content.decode()
    assert not Location.objects.exists()
    storage.remove()


def test_it_refuses_the_confirm_when_a_row_went_wrong_since_the_preview(client, staff, zips):
    response = upload(client, HEADER + "a,Corner Pharmacy,pharmacy,,Albany,NY,12207,,\n")
    token = token_of(response)
    ZipCode.objects.filter(code="12207").delete()  # the row relied on its ZIP's centre
    response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 400
    assert "not in our ZIP table" in response.content.decode()
    assert not Location.objects.exists()


def test_it_imports_the_previewed_file_when_confirmed(client, staff, zips):
    text = (
        HEADER
        + "a,Corner Pharmacy,pharmacy,1 Main St,New York,NY,10001,(212) 555-0100,"
        + "Mon-Fri 09:00-17:00\n"
        + "b,Lakeside Clinic,clinic,,Chicago,IL,60601,,\n"
    )
    token = token_of(upload(client, text))
    assert not Location.objects.exists()  # the preview wrote nothing
    response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Imported from source “county”: 2 created, 0 updated, 0 unchanged."
    ]
    corner = Location.objects.get(source="county", external_id="a")
    assert corner.phone == "+12125550100"
    assert OpeningHours.objects.filter(location=corner).count() == 5
    assert Location.objects.get(source="county", external_id="b").location_precision == (
        Location.Precision.ZIP_CENTROID
    )


def test_it_refuses_to_confirm_the_same_preview_twice(client, staff, zips):
    token = token_of(upload(client, HEADER + "a,Corner Pharmacy,pharmacy,,New York,NY,10001,,\n"))
    client.post(reverse(CONFIRM), {"token": token})
    response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT)
    assert "expired or was already imported" in str(list(get_messages(response.wsgi_request))[-1])
    assert Location.objects.count() == 1


def test_a_second_click_on_confirm_does_no_harm(client, staff, zips, monkeypatch):
    from locations.admin import imports as admin_import

    token = token_of(upload(client, HEADER + "a,Corner Pharmacy,pharmacy,,New York,NY,10001,,\n"))
    name = signing.loads(token, salt=CONFIRM_SALT)["file"]
    run_import = admin_import.run_import

    def while_the_first_click_finishes(request, data, source, *, dry_run, **options):
        # Both clicks read the file; the first one's import ends by removing it.
        result = run_import(request, data, source, dry_run=dry_run, **options)
        os.remove(os.path.join(tempfile.gettempdir(), name))
        return result

    monkeypatch.setattr(admin_import, "run_import", while_the_first_click_finishes)
    response = client.post(reverse(CONFIRM), {"token": token})

    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)
    assert Location.objects.filter(source="county", external_id="a").count() == 1


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        signing.dumps({"file": "../etc/passwd", "source": "x", "user": 1}, salt=CONFIRM_SALT),
        signing.dumps({"file": "tmpabc", "source": "x", "user": 1}, salt="another purpose"),
    ],
)
def test_it_refuses_a_tampered_confirm_form(client, staff, token):
    response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT)
    assert not Location.objects.exists()


def test_it_refuses_to_confirm_another_users_preview(client, staff, zips):
    token = token_of(upload(client, HEADER + "a,Corner Pharmacy,pharmacy,,New York,NY,10001,,\n"))
    other = make_outreach_staff("other")
    client.force_login(other)
    response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT)
    assert not Location.objects.exists()


def test_it_shows_every_row_unchanged_when_the_same_file_comes_again(client, staff, zips):
    text = HEADER + "".join(
        f"r{n},Place {n},pharmacy,{n} Main St,New York,NY,10001,,Mon 09:00-17:00\n"
        for n in range(1, 6)
    )
    client.post(reverse(CONFIRM), {"token": token_of(upload(client, text))})
    assert Location.objects.count() == 5
    response = upload(client, text)
    assert [row[3] for row in preview_rows(response)] == ["unchanged"] * 5
    html = response.content.decode()
    assert "there is nothing to import" in html and 'name="token"' not in html
    assert Location.objects.count() == 5


def test_it_imports_under_another_source_as_new_rows(client, staff, zips):
    text = HEADER + "a,Corner Pharmacy,pharmacy,,New York,NY,10001,,\n"
    import_file(text, source="county")
    assert preview_rows(upload(client, text, source="state"))[0][3] == "new"


# Bad files -------------------------------------------------------------------------------


def test_it_refuses_a_file_over_the_size_limit(client, staff, zips, settings):
    settings.ADMIN_IMPORT_MAX_MB = 1
    row = "a,Corner Pharmacy,pharmacy,1 Main St,New York,NY,10001,,\n"
    response = upload(client, HEADER + row * (1024 * 1024 // len(row) + 10))
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.content.decode()
    assert not Location.objects.exists()


def test_it_refuses_a_file_that_is_not_utf8(client, staff, zips):
    data = (HEADER + "a,Farmacia Peña,pharmacy,,New York,NY,10001,,\n").encode("latin-1")
    response = upload(client, data)
    assert response.status_code == 400
    assert "Line 2 is not UTF-8 text" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("places.xlsx", b"PK\x03\x04 a zipped workbook", "is not an Excel workbook (.xlsx)"),
        ("places.xls", b"\xd0\xcf\x11\xe0 an old workbook", "this is an old Excel file (.xls)"),
        ("places.ods", b"PK\x03\x04 another spreadsheet", "is neither a CSV file nor an Excel"),
        ("places.csv", b"PK\x03\x04\x00\x00 a workbook renamed", "This is not a text file"),
        ("places.csv", b"", "The submitted file is empty"),
    ],
)
def test_it_refuses_a_file_that_is_not_csv(client, staff, name, data, message):
    response = upload(client, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_it_reports_a_bad_header_and_offers_to_map_the_columns(client, staff):
    response = upload(client, "external_id,name,kind,city,state,zip_code,phon\n")
    assert response.status_code == 200
    html = response.content.decode()
    assert "unknown column: phon (did you mean phone?)" in html
    assert 'id="column-mapping"' in html
    assert 'id="import-preview"' not in html


def test_it_reports_a_file_not_separated_by_commas_on_the_form(client, staff):
    response = upload(client, "external_id;name;kind;city;state;zip_code\n")
    assert response.status_code == 400
    html = response.content.decode()
    assert "the columns are not separated by commas" in html
    assert 'id="column-mapping"' not in html


@pytest.mark.parametrize("source", ["", "   ", "x" * 51])
def test_it_refuses_a_missing_or_long_source(client, staff, source):
    response = upload(client, HEADER, source=source)
    assert response.status_code == 400
    assert 'id="import-preview"' not in response.content.decode()


# The template --------------------------------------------------------------------------


def test_it_serves_a_template_that_imports_cleanly(client, staff, zips):
    response = client.get(reverse(TEMPLATE))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="locations-template.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == COLUMNS
    assert len(rows) == 2
    result = import_rows(io.BytesIO(response.content), source="csv", dry_run=True)
    assert result.ok and result.created == 1
    preview = upload(client, response.content, source="csv")
    assert [row[3] for row in preview_rows(preview)] == ["new"]


# Export ----------------------------------------------------------------------------------


def export_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def county_directory():
    """Six places of source "county": four in New York state, two in Illinois."""
    import_file(
        "external_id,name,kind,street_address,city,state,zip_code,latitude,longitude,phone,"
        "status,last_verified_on,hours,free_naloxone,languages\n"
        "ny1,Corner Pharmacy,pharmacy,1 Main St,New York,NY,10001,,,(212) 555-0100,,"
        "2026-01-05,Mon-Fri 09:00-17:00,yes,English; Spanish\n"
        "ny2,Harbor Harm Reduction,harm_reduction,2 Pier Rd,Brooklyn,NY,11201,40.69,-73.99,,"
        "draft,,24/7,yes,\n"
        "ny3,Albany Pharmacy,pharmacy,3 State St,Albany,NY,12207,,,,closed,,,no,\n"
        "ny4,Village Clinic,clinic,4 Bleecker St,New York,NY,10011,,,,,,,no,\n"
        "il1,Loop Pharmacy,pharmacy,5 Lake St,Chicago,IL,60601,,,,,,,yes,\n"
        "il2,Lakeside Clinic,clinic,6 Wacker Dr,Chicago,IL,60602,41.88,-87.63,,,,,no,\n"
    )


def test_it_exports_the_filtered_rows_in_the_import_format(client, staff, zips):
    county_directory()
    response = client.get(reverse(EXPORT), {"state__exact": "NY", "kind__exact": "pharmacy"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="locations-\d{4}-\d{2}-\d{2}\.csv"',
        response["Content-Disposition"],
    )
    rows = export_rows(response)
    assert list(rows[0]) == COLUMNS
    assert sorted(row["external_id"] for row in rows) == ["ny1", "ny3"]
    corner = next(row for row in rows if row["external_id"] == "ny1")
    assert corner["phone"] == "(212) 555-0100"
    assert corner["hours"] == "Mon-Fri 09:00-17:00"
    assert corner["languages"] == "English; Spanish"
    assert corner["last_verified_on"] == "2026-01-05"
    assert next(row for row in rows if row["external_id"] == "ny3")["status"] == "closed"


def test_it_exports_what_the_search_finds(client, staff, zips):
    county_directory()
    rows = export_rows(client.get(reverse(EXPORT), {"q": "clinic"}))
    assert sorted(row["external_id"] for row in rows) == ["il2", "ny4"]
    rows = export_rows(client.get(reverse(EXPORT), {"q": "212-555-0100"}))
    assert [row["external_id"] for row in rows] == ["ny1"]


def test_it_exports_everything_without_filters(client, staff, zips):
    county_directory()
    assert len(export_rows(client.get(reverse(EXPORT)))) == 6


def test_a_filtered_export_imports_again_unchanged(client, staff, zips):
    county_directory()
    response = client.get(reverse(EXPORT), {"state__exact": "NY"})
    data = b"".join(response.streaming_content)
    result = import_rows(io.BytesIO(data), source="county", dry_run=True)
    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    preview = upload(client, data, source="county")
    assert [row[3] for row in preview_rows(preview)] == ["unchanged"] * 4


def test_a_place_added_in_the_admin_is_exported_under_its_slug(client, staff, zips):
    place = make_location(name="Walk-in Pharmacy", internal_notes="STAFF-ONLY-MARKER")
    response = client.get(reverse(EXPORT))
    content = b"".join(response.streaming_content).decode()
    assert "STAFF-ONLY-MARKER" not in content
    assert export_rows_from(content)[0]["external_id"] == place.slug


def export_rows_from(content: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content)))


def test_it_sends_a_bad_filter_back_to_the_changelist(client, staff):
    response = client.get(reverse(EXPORT), {"no_such_field": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST) + "?e=1"


# Permissions -----------------------------------------------------------------------------


@pytest.fixture
def viewer(client):
    """Staff who may only look at locations."""
    user = make_user("viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_location"))
    client.force_login(user)
    return user


def test_a_viewer_may_export_but_not_import(client, viewer, zips):
    county_directory()
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert "Export CSV" in html and "Import CSV" not in html
    assert len(export_rows(client.get(reverse(EXPORT)))) == 6
    assert client.get(reverse(IMPORT)).status_code == 403
    assert client.get(reverse(TEMPLATE)).status_code == 403
    text = HEADER + "a,Corner Pharmacy,pharmacy,,New York,NY,10001,,\n"
    assert upload(client, text).status_code == 403
    assert client.post(reverse(CONFIRM), {"token": "x"}).status_code == 403
    assert Location.objects.count() == 6


def test_it_needs_the_add_permission_as_well_as_change_to_import(client, viewer):
    viewer.user_permissions.add(Permission.objects.get(codename="change_location"))
    assert client.get(reverse(IMPORT)).status_code == 403
    viewer.user_permissions.add(Permission.objects.get(codename="add_location"))
    viewer = User.objects.get(pk=viewer.pk)  # permissions are cached on the user object
    client.force_login(viewer)
    assert client.get(reverse(IMPORT)).status_code == 200


def test_staff_without_permissions_may_do_neither(client):
    user = make_user("nobody", is_staff=True)
    client.force_login(user)
    for name in (IMPORT, TEMPLATE, EXPORT):
        assert client.get(reverse(name)).status_code == 403


def test_the_public_is_sent_to_the_login_page(client):
    for name in (IMPORT, CONFIRM, TEMPLATE, EXPORT):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


# Queries ---------------------------------------------------------------------------------


def test_the_preview_reads_a_fixed_number_of_queries(
    client, staff, zips, django_assert_num_queries
):
    county_directory()
    text = HEADER + "".join(
        f"n{n},Place {n},pharmacy,{n} Main St,New York,NY,10001,,Mon 09:00-17:00\n"
        for n in range(40)
    )
    # session, user, the user's and the group's permissions, the source's column mapping,
    # then the importer: existing rows of the source, the ZIP codes.
    with django_assert_num_queries(7):
        response = upload(client, text)
    assert response.status_code == 200


def test_the_confirm_runs_a_fixed_number_of_queries(client, staff, zips, django_assert_num_queries):
    text = HEADER + "".join(
        f"n{n},Place {n},pharmacy,{n} Main St,New York,NY,10001,,Mon 09:00-17:00\n"
        for n in range(40)
    )
    token = token_of(upload(client, text))
    # session, user, two for permissions; the import's atomic block (a savepoint inside
    # the test's transaction) with its statement timeout, the lock, existing rows, ZIPs,
    # slugs in use, ids, a COPY of the rows and one of their hours, the history of both,
    # the duplicate check by address (rows at ZIP centres take no nearby check, and no
    # pair is found to store), and the release. The message is a cookie.
    with django_assert_num_queries(17):
        response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 302
    assert Location.objects.count() == 40


def test_the_export_runs_a_fixed_number_of_queries(client, staff, zips, django_assert_num_queries):
    county_directory()
    for n in range(20):
        make_location(name=f"Extra {n}", hours=[(0, (9, 0), (17, 0))])
    # session, user, two for permissions, the changelist's counts of the filtered rows
    # and of all rows, then the rows with their hours.
    with django_assert_num_queries(7):
        response = client.get(reverse(EXPORT), {"state__exact": "NY"})
        rows = export_rows(response)
    assert len(rows) == 24


def test_the_uploaded_file_waits_in_the_temporary_folder_until_confirmed(client, staff, zips):
    before = set(os.listdir(tempfile.gettempdir()))
    token = token_of(upload(client, HEADER + "a,Corner Pharmacy,pharmacy,,New York,NY,10001,,\n"))
    name = signing.loads(token, salt=CONFIRM_SALT)["file"]
    assert name in set(os.listdir(tempfile.gettempdir())) - before
    client.post(reverse(CONFIRM), {"token": token})
    assert name not in os.listdir(tempfile.gettempdir())


def test_the_uploaded_file_may_wait_in_the_shared_cache_instead(client, staff, zips, settings):
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
    before = set(os.listdir(tempfile.gettempdir()))
    token = token_of(upload(client, HEADER + "a,Corner Pharmacy,pharmacy,,New York,NY,10001,,\n"))
    assert set(os.listdir(tempfile.gettempdir())) == before
    response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)
    assert Location.objects.filter(source="county", external_id="a").exists()


def test_the_history_records_who_imported_in_the_admin(client, staff, zips):
    text = HEADER + "h1,History Place,pharmacy,1 Main St,New York,NY,10001,,\n"
    client.post(reverse(CONFIRM), {"token": token_of(upload(client, text))})

    record = Location.objects.get(external_id="h1").history.get()
    assert record.history_type == "+"
    assert record.history_user == staff
    assert record.history_change_reason == "Admin import (county)"


def test_the_export_keeps_a_formula_like_external_id_from_running(client, staff, zips):
    make_location(name="Imported", source="county", external_id="=1+2")

    [row] = export_rows(client.get(reverse(EXPORT)))
    assert row["external_id"] == "'=1+2"

    content = b"".join(client.get(reverse(EXPORT)).streaming_content)
    again = import_rows(io.BytesIO(content), source="county", dry_run=True)
    assert (again.created, again.unchanged) == (0, 1)
