"""Partner spreadsheets: .xlsx files and column mappings with `import_locations`."""

import io
import json
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command

from locations.exchange.importer import import_rows
from locations.exchange.mapping import apply_mapping, clean_mapping, parse_pairs
from locations.exchange.spreadsheets import cell_text
from locations.models import ColumnMapping, Location
from locations.services.mappings import save_mapping
from tests.factories import make_zipcodes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "name", "kind", "city", "state", "zip_code", "phone"]
# How one partner names the same columns, with a column of their own.
PARTNER_HEADER = ["Site ID", "Site Name", "Type", "Town", "State", "ZIP", "Phone", "Notes"]


@pytest.fixture(autouse=True)
def _zip_table():
    make_zipcodes()


@pytest.fixture
def run(tmp_path):
    """Run the command on a file's bytes; return (stdout, stderr)."""

    def run(data: bytes, *args, name="places.xlsx"):
        path = tmp_path / name
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        call_command("import_locations", str(path), *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run


def partner_file(*rows) -> bytes:
    return xlsx_bytes(
        PARTNER_HEADER,
        *(rows or [[1001, "Corner Pharmacy", "pharmacy", "New York", "NY", 10001, 2125550100, ""]]),
    )


PARTNER_MAPPING = {
    "Site ID": "external_id",
    "Site Name": "name",
    "Type": "kind",
    "Town": "city",
    "State": "state",
    "ZIP": "zip_code",
    "Phone": "phone",
    "Notes": "",
}


def test_the_command_imports_an_xlsx_file_as_it_would_the_csv(run):
    data = xlsx_bytes(
        [*HEADER, "last_verified_on", "free_naloxone", "latitude", "longitude"],
        [1001, "Corner Pharmacy", "pharmacy", "New York", "NY", 10001, 2125550100,
         datetime(2025, 3, 31), True],
        None,  # an empty row is skipped
        ["A2", "Boston Clinic", "clinic", "Boston", "MA", 2134, "(212) 555-0101", None, False,
         42.3536, -71.1337],
    )  # fmt: skip
    out, err = run(data, "--source", "partner")
    assert out.strip() == "Created 2, updated 0, unchanged 0, skipped 0 invalid."
    assert err == ""
    corner = Location.objects.get(source="partner", external_id="1001")
    assert corner.zip_code == "10001"
    assert corner.phone == "+12125550100"
    assert corner.last_verified_on == date(2025, 3, 31)
    assert corner.free_naloxone is True
    boston = Location.objects.get(source="partner", external_id="A2")
    assert boston.zip_code == "02134"
    assert boston.free_naloxone is False
    assert (boston.latitude, boston.longitude) == (42.3536, -71.1337)


def test_it_names_the_sheet_row_of_each_error(run):
    data = xlsx_bytes(
        HEADER,
        ["a", "Good", "pharmacy", "New York", "NY", 10001, None],
        None,
        None,
        ["b", "Bad", "pharmacy", "New York", "NY", "1234567", None],
    )
    with pytest.raises(CommandError, match="1 error; nothing was written"):
        run(data)
    assert not Location.objects.exists()
    result = import_rows(io.BytesIO(data), dry_run=True, file_name="places.xlsx")
    assert [str(error) for error in result.errors] == [
        'line 5, column zip_code: "1234567" is not a ZIP code; use 5 digits (12345 or 12345-6789)'
    ]


def test_only_the_first_sheet_is_read():
    data = xlsx_bytes(HEADER, ["a", "Corner", "pharmacy", "New York", "NY", 10001, None], sheets=3)
    result = import_rows(io.BytesIO(data), dry_run=True)  # found by its content
    assert result.ok and result.created == 1


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (10001.0, "10001"),
        (2125550100, "2125550100"),
        (40.7484, "40.7484"),
        (datetime(2025, 3, 31), "2025-03-31"),
        (date(2025, 3, 31), "2025-03-31"),
        (True, "true"),
        ("Mon-Fri 9am-5pm", "Mon-Fri 9am-5pm"),
    ],
)
def test_cells_read_as_the_text_a_csv_file_would_hold(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not a workbook", "this is not an Excel workbook (.xlsx)"),
        (b"PK\x03\x04 a broken zip", "this is not an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0 old excel", "this is an old Excel file (.xls)"),
    ],
)
def test_it_refuses_a_file_that_is_not_a_workbook_with_a_clear_message(run, data, message):
    with pytest.raises(CommandError) as raised:
        run(data, name="places.xlsx")
    assert "nothing was written" in str(raised.value)
    result = import_rows(io.BytesIO(data), file_name="places.xlsx")
    assert [str(error) for error in result.errors][0].startswith(f"line 1: {message}")
    assert not Location.objects.exists()


def test_it_refuses_an_empty_sheet():
    result = import_rows(io.BytesIO(xlsx_bytes()), file_name="places.xlsx")
    assert str(result.errors[0]) == (
        "line 1: the first sheet is empty: its first row must name the columns"
    )


# Column mappings


def test_map_renames_their_columns_and_leaves_one_out(run):
    pairs = [f"{theirs}={ours}" for theirs, ours in PARTNER_MAPPING.items()]
    args = [arg for pair in pairs for arg in ("--map", pair)]
    out, _err = run(partner_file(), "--source", "county", *args)
    assert out.startswith("Created 1,")
    assert Location.objects.get(source="county", external_id="1001").name == "Corner Pharmacy"


def test_a_mapping_file_works_and_map_overrides_it(run, tmp_path):
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps({**PARTNER_MAPPING, "Site Name": "description"}))
    out, _err = run(
        partner_file(), "--mapping", str(mapping_file), "--map", "site name=name"
    )  # their names match in any case
    assert out.startswith("Created 1,")
    assert Location.objects.get().name == "Corner Pharmacy"


def test_the_source_uses_the_mapping_saved_for_it(run):
    save_mapping("county", PARTNER_MAPPING)
    out, _err = run(partner_file(), "--source", "county")
    assert out.startswith("Created 1,")
    # Another source has no mapping: the partner's names are unknown columns.
    with pytest.raises(CommandError):
        run(partner_file(), "--source", "other")
    assert Location.objects.filter(source="other").count() == 0


def test_an_unmapped_required_column_is_refused_with_a_clear_message(run):
    mapping = {**PARTNER_MAPPING, "ZIP": ""}
    result = import_rows(io.BytesIO(partner_file()), mapping=mapping)
    assert [str(error) for error in result.errors] == ["line 1: missing required column: zip_code"]
    assert not result.written
    args = [a for theirs, ours in mapping.items() for a in ("--map", f"{theirs}={ours}")]
    with pytest.raises(CommandError, match="nothing was written"):
        run(partner_file(), *args)
    assert not Location.objects.exists()


def test_an_unknown_column_left_unmapped_still_gets_its_suggestion():
    mapping = {key: value for key, value in PARTNER_MAPPING.items() if key != "Notes"}
    header = [*PARTNER_HEADER[:-1], "phon"]
    data = xlsx_bytes(header, [1, "Corner", "pharmacy", "New York", "NY", 10001, None, ""])
    result = import_rows(io.BytesIO(data), mapping={**mapping, "Phone": ""})
    assert "unknown column: phon (did you mean phone?)" in str(result.errors[0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "Site ID"], 'write it as "Their column=our_column"'),
        (["--map", "Site ID=identifier"], 'names an unknown column "identifier"'),
    ],
)
def test_a_bad_mapping_is_refused_before_reading_the_file(run, args, message):
    with pytest.raises(CommandError, match=message):
        run(partner_file(), *args)


def test_a_mapping_file_that_is_not_json_is_refused(run, tmp_path):
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text("Site ID: external_id")
    with pytest.raises(CommandError, match="the mapping file is not JSON"):
        run(partner_file(), "--mapping", str(mapping_file))


def test_mapping_keeps_each_rows_width_checkable():
    header, records = apply_mapping(
        ["A", "Drop", "B"], [(2, ["1", "x", "2"]), (3, ["1", "2"])], {"drop": "", "a": "name"}
    )
    assert header == ["name", "B"]
    assert records == [(2, ["1", "2"]), (3, ["1", "2"])]
    assert parse_pairs(["Their Name=name", " Notes = "]) == {"their name": "name", "notes": ""}
    assert clean_mapping({"ZIP Code": "Zip Code"}) == {"zip code": "zip_code"}
    assert ColumnMapping.objects.count() == 0
