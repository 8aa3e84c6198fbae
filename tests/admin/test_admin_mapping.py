"""Partner spreadsheets in the admin: .xlsx uploads and the column-mapping step."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from locations.models import ColumnMapping, Location
from tests.factories import make_zipcodes, xlsx_bytes

pytestmark = pytest.mark.django_db

IMPORT = "admin:locations_location_import"
MAPPING = "admin:locations_location_import_mapping"
CONFIRM = "admin:locations_location_import_confirm"

PARTNER_HEADER = ["Site ID", "Site Name", "Type", "Town", "State", "ZIP", "Notes"]
PARTNER_ROW = ["p1", "Corner Pharmacy", "pharmacy", "New York", "NY", 10001, "back door"]
CHOICES = {
    "column_0": "external_id",
    "column_1": "name",
    "column_2": "kind",
    "column_3": "city",
    "column_4": "state",
    "column_5": "zip_code",
    "column_6": "",
}


@pytest.fixture(autouse=True)
def _zips():
    make_zipcodes()


def upload(client, data: bytes, name="partner.xlsx", source="county"):
    return client.post(reverse(IMPORT), {"file": SimpleUploadedFile(name, data), "source": source})


def hidden(response, name="token") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', response.content.decode())
    assert match, f"no {name} on the page"
    return match[1]


def partner_file() -> bytes:
    return xlsx_bytes(PARTNER_HEADER, PARTNER_ROW)


def test_an_xlsx_file_with_our_columns_goes_straight_to_the_preview_and_imports(client, staff):
    data = xlsx_bytes(
        ["external_id", "name", "kind", "city", "state", "zip_code"],
        [17, "Corner Pharmacy", "pharmacy", "New York", "NY", 10001.0],
    )
    response = upload(client, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-preview"' in html and "Corner Pharmacy" in html
    response = client.post(reverse(CONFIRM), {"token": hidden(response)})
    assert response.status_code == 302
    location = Location.objects.get(source="county")
    assert (location.external_id, location.zip_code) == ("17", "10001")


def test_unknown_columns_lead_to_the_mapping_step_with_suggestions(client, staff):
    response = upload(client, partner_file())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="column-mapping"' in html and 'id="import-preview"' not in html
    assert "unknown columns: site_id" in html and "site_name (did you mean name?)" in html
    # Their first values help to recognise each column.
    assert "back door" in html
    # A column of theirs that is one of ours by another spelling is preselected.
    assert re.search(r'name="column_4".*?<option value="state" selected>', html, re.S)
    assert not ColumnMapping.objects.exists()
    assert not Location.objects.exists()


def test_the_mapping_previews_the_first_rows_without_saving(client, staff):
    token = hidden(upload(client, partner_file()))
    response = client.post(reverse(MAPPING), {"token": token, "preview": "1", **CHOICES})
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('id="mapping-preview"', 1)[1].split("</table>", 1)[0]
    assert '<th scope="col">zip_code</th>' in table and "Notes" not in table
    assert "<td>Corner Pharmacy</td>" in table and "back door" not in table
    assert not ColumnMapping.objects.exists()


def test_saving_the_mapping_remembers_it_and_shows_the_import_preview(client, staff):
    token = hidden(upload(client, partner_file()))
    response = client.post(reverse(MAPPING), {"token": token, "save": "1", **CHOICES})
    assert response.status_code == 200
    assert 'id="import-preview"' in response.content.decode()
    stored = ColumnMapping.objects.get(source="county")
    assert stored.mapping["ZIP"] == "zip_code" and stored.mapping["Notes"] == ""
    assert stored.updated_by.username == "outreach"

    response = client.post(reverse(CONFIRM), {"token": hidden(response)})
    assert response.status_code == 302
    assert Location.objects.get(source="county", external_id="p1").name == "Corner Pharmacy"


def test_the_next_file_from_that_source_goes_straight_to_the_preview(client, staff):
    ColumnMapping.objects.create(
        source="county",
        mapping={"Site ID": "external_id", "Site Name": "name", "Type": "kind",
                 "Town": "city", "ZIP": "zip_code", "Notes": ""},
    )  # fmt: skip
    response = upload(client, partner_file())
    html = response.content.decode()
    assert 'id="import-preview"' in html and 'id="column-mapping"' not in html
    assert "Corner Pharmacy" in html
    # Another source does not share it.
    response = upload(client, partner_file(), source="another")
    assert 'id="column-mapping"' in response.content.decode()


def test_an_unmapped_required_column_is_refused_with_a_clear_message(client, staff):
    token = hidden(upload(client, partner_file()))
    choices = {**CHOICES, "column_5": ""}
    response = client.post(reverse(MAPPING), {"token": token, "save": "1", **choices})
    assert response.status_code == 400
    html = response.content.decode()
    assert "missing required column: zip_code" in html
    assert 'id="column-mapping"' in html
    assert not ColumnMapping.objects.exists()


def test_two_columns_mapped_to_one_of_ours_are_refused(client, staff):
    token = hidden(upload(client, partner_file()))
    choices = {**CHOICES, "column_6": "name"}
    response = client.post(reverse(MAPPING), {"token": token, "save": "1", **choices})
    assert response.status_code == 400
    assert "column &quot;name&quot; appears twice" in response.content.decode()


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_a_tampered_mapping_form_is_sent_back_to_the_upload(client, staff, token):
    response = client.post(reverse(MAPPING), {"token": token, "save": "1", **CHOICES})
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT)
    assert not ColumnMapping.objects.exists()


def test_an_unknown_choice_is_refused(client, staff):
    token = hidden(upload(client, partner_file()))
    response = client.post(
        reverse(MAPPING), {"token": token, "save": "1", **CHOICES, "column_0": "password"}
    )
    assert response.status_code == 400
    assert not ColumnMapping.objects.exists()


def test_a_bad_xlsx_is_refused_on_the_form(client, staff):
    response = upload(client, b"just some text", name="partner.xlsx")
    assert response.status_code == 400
    assert "this is not an Excel workbook (.xlsx)" in response.content.decode()


def test_the_mapping_step_needs_the_import_permission(client, db):
    from tests.factories import make_user

    client.force_login(make_user("viewer", is_staff=True))
    response = client.post(reverse(MAPPING), {"token": "x"})
    assert response.status_code == 403


def test_staff_correct_a_saved_mapping_by_hand(client, staff):
    saved = ColumnMapping.objects.create(source="county", mapping={"Town": "city"})
    url = reverse("admin:locations_columnmapping_change", args=[saved.pk])
    response = client.post(url, {"mapping": '{"Town": "cty"}'})
    assert response.status_code == 200
    assert "names an unknown column &quot;cty&quot;" in response.content.decode()
    response = client.post(url, {"mapping": '{"Town": "city", "Notes": ""}'})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.mapping == {"town": "city", "notes": ""}
    assert saved.updated_by == staff


def test_the_preview_of_a_mapped_file_offers_to_change_the_mapping(client, staff):
    ColumnMapping.objects.create(
        source="county",
        mapping={"Site ID": "external_id", "Site Name": "name", "Type": "kind",
                 "Town": "city", "ZIP": "zip_code", "Notes": ""},
    )  # fmt: skip
    preview = upload(client, partner_file())
    assert 'name="edit"' in preview.content.decode()
    token = re.search(r'id="mapping-token" value="([^"]+)"', preview.content.decode())[1]
    response = client.post(reverse(MAPPING), {"token": token, "edit": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="column-mapping"' in html
    # The saved choices are filled in.
    assert re.search(r'name="column_5".*?<option value="zip_code" selected>', html, re.S)
    # Changing it: Notes now goes into the description.
    response = client.post(
        reverse(MAPPING),
        {"token": hidden(response), "save": "1", **CHOICES, "column_6": "description"},
    )
    assert 'id="import-preview"' in response.content.decode()
    assert ColumnMapping.objects.get(source="county").mapping["Notes"] == "description"


def test_a_file_with_our_own_columns_offers_no_mapping_change(client, staff):
    data = xlsx_bytes(
        ["external_id", "name", "kind", "city", "state", "zip_code"],
        ["a", "Corner Pharmacy", "pharmacy", "New York", "NY", 10001],
    )
    assert 'name="edit"' not in upload(client, data).content.decode()
