"""Every CSV the site writes shows text that looks like a spreadsheet formula as text,
and keeps plain numbers and phone numbers as they are."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse

from locations.exchange.csv_format import csv_cell
from tests.factories import make_location, make_outreach_staff, make_zipcodes

pytestmark = pytest.mark.django_db

FORMULAS = {
    "name": '=HYPERLINK("https://evil.example","Click")',
    "street_address": "=cmd|' /C calc'!A0",
    "address_line2": "@SUM(A1)",
    "city": "-2+3",
    "description": "+1+1",
}


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet would compute this cell: it starts with = + - or @ and is
    neither a plain number nor a phone number."""
    if not cell or cell[0] not in "=+-@":
        return False
    try:
        float(cell)
    except ValueError:
        return not cell[1:].replace(" ", "").isdigit()  # "+12125550100"
    return False


def cells_of(text: str) -> list[str]:
    """Every cell of a CSV text, row after row."""
    return [cell for record in csv.reader(io.StringIO(text)) for cell in record]


@pytest.fixture
def risky():
    """A published place whose every free-text field holds a formula."""
    make_zipcodes("10001")
    return make_location(
        **FORMULAS,
        external_id="=1+1",
        source="partner",
        phone="+12125550100",
        languages=["=1+1", "Spanish"],
        latitude=40.7484,
        longitude=-73.9967,
    )


def every_csv(client) -> dict[str, str]:
    """Each CSV the site writes, by name: the public export, the HSDS tables, and the
    staff's export and template."""
    files = {}
    response = client.get("/api/v1/export/locations.csv")
    files["locations.csv"] = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    package = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/export/hsds.zip").content))
    for name in package.namelist():
        if name.endswith(".csv"):
            files[f"hsds/{name}"] = package.read(name).decode()
    client.force_login(make_outreach_staff("outreach"))
    response = client.get(reverse("admin:locations_location_export"))
    files["admin export"] = b"".join(response.streaming_content).decode()
    files["admin template"] = client.get(
        reverse("admin:locations_location_import_template")
    ).content.decode()
    return files


def test_it_writes_no_formula_in_any_csv(client, risky):
    files = every_csv(client)

    assert {"locations.csv", "hsds/organizations.csv", "hsds/addresses.csv"} <= set(files)
    formulas = {name: [c for c in cells_of(text) if is_formula(c)] for name, text in files.items()}
    assert formulas == {name: [] for name in files}


def test_it_shows_each_formula_as_quoted_text(client, risky):
    text = every_csv(client)["locations.csv"]

    for formula in FORMULAS.values():
        assert "'" + formula in cells_of(text)


def test_it_keeps_numbers_and_phone_numbers_as_they_are(client, risky):
    files = every_csv(client)

    assert "-73.9967" in cells_of(files["locations.csv"])
    assert "+12125550100" in cells_of(files["hsds/phones.csv"])
    assert "-73.9967" in cells_of(files["hsds/locations.csv"])


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("'=1", "''=1"),
        ("-73.9967", "-73.9967"),
        ("+1 212 555 0100", "+1 212 555 0100"),
        ("1e5", "1e5"),
        ("Main St", "Main St"),
        (12, 12),
    ],
)
def test_its_one_cell_writer_guards_text_and_keeps_numbers(value, written):
    assert csv_cell(value) == written
