import io
from datetime import date, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from locations.exchange import importer as importer_module
from locations.exchange.importer import import_rows
from locations.models import Location, OpeningHours
from tests.factories import csv_text, make_location, make_zipcodes, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _zip_table():
    make_zipcodes()


@pytest.fixture
def run(tmp_path):
    """Run the command on rows (or raw text); return (stdout, stderr)."""

    def run(*rows, text=None, args=(), source=None):
        path = tmp_path / "locations.csv"
        content = text if text is not None else csv_text(*rows)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        out, err = io.StringIO(), io.StringIO()
        options = {"source": source} if source else {}
        call_command("import_locations", str(path), *args, stdout=out, stderr=err, **options)
        return out.getvalue(), err.getvalue()

    return run


def errors_of(*rows, text=None, **kwargs) -> list[str]:
    """The error lines of a dry run of these rows (nothing is written)."""
    content = text if text is not None else csv_text(*rows)
    result = import_rows(io.StringIO(content), dry_run=True, **kwargs)
    return [str(error) for error in result.errors]


# Creating


def test_it_creates_a_location_with_every_column(run):
    out, err = run(
        row(
            street_address="350 5th Ave",
            address_line2="Suite 2",
            latitude="40.7484",
            longitude="-73.9857",
            phone="(212) 555-0100",
            website="https://corner.example.org/naloxone",
            email="help@corner.example.org",
            description="Ask at the counter.",
            status="published",
            last_verified_on="2025-03-31",
            hours="Mon-Fri 9am-5pm; Sat 10:00-14:00",
            free_naloxone="yes",
            no_prescription="TRUE",
            sells_otc="1",
            nasal_spray="y",
            injectable="no",
            training="",
            fentanyl_test_strips="false",
            walk_in="Y",
            anonymous="0",
            open_24_7="n",
            wheelchair_accessible="Yes",
            languages="English; Spanish, Chinese",
            states_served="NY NJ",
        )
    )

    assert out.strip() == "Created 1, updated 0, unchanged 0, skipped 0 invalid."
    assert err == ""
    place = Location.objects.get()
    assert (place.source, place.external_id) == ("csv", "A1")
    assert place.slug == "corner-pharmacy-new-york-ny"
    assert (place.name, place.kind, place.street_address, place.address_line2) == (
        "Corner Pharmacy",
        "pharmacy",
        "350 5th Ave",
        "Suite 2",
    )
    assert (place.city, place.state, place.zip_code) == ("New York", "NY", "10001")
    assert (place.latitude, place.longitude) == (40.7484, -73.9857)
    assert place.location_precision == Location.Precision.ADDRESS
    assert place.timezone == "America/New_York"
    assert place.phone == "+12125550100"
    assert place.website == "https://corner.example.org/naloxone"
    assert place.email == "help@corner.example.org"
    assert place.description == "Ask at the counter."
    assert place.status == Location.Status.PUBLISHED
    assert place.last_verified_on == date(2025, 3, 31)
    assert place.verification_method == Location.VerificationMethod.IMPORT
    assert [name for name, _ in Location.OFFERINGS if getattr(place, name)] == [
        "free_naloxone",
        "no_prescription",
        "sells_otc",
        "nasal_spray",
        "walk_in",
        "wheelchair_accessible",
    ]
    assert place.languages == ["English", "Spanish", "Chinese"]
    assert place.states_served == ["NY", "NJ"]
    assert [(h.weekday, h.opens, h.closes) for h in place.hours.all()] == [
        *[(day, time(9), time(17)) for day in range(5)],
        (5, time(10), time(14)),
    ]


def test_it_places_rows_without_coordinates_at_the_zip_centre(run):
    run(row(zip_code="60601", city="Chicago", state="IL", latitude="", longitude=""))

    place = Location.objects.get()
    assert (place.latitude, place.longitude) == (41.8858, -87.6181)
    assert place.location_precision == Location.Precision.ZIP_CENTROID
    assert place.is_approximate
    assert place.timezone == "America/Chicago"


def test_it_gives_the_defaults_to_columns_the_file_leaves_out(run):
    run(row())

    place = Location.objects.get()
    assert place.status == Location.Status.PUBLISHED
    assert place.phone == place.website == place.street_address == ""
    assert not place.free_naloxone
    assert place.languages == [] and place.hours.count() == 0
    assert place.last_verified_on is None and place.verification_method == ""


def test_it_gives_new_rows_unique_slugs(run):
    make_location(name="Corner Pharmacy", city="New York", state="NY")

    run(row(external_id="A1"), row(external_id="A2"))

    assert sorted(Location.objects.filter(source="csv").values_list("slug", flat=True)) == [
        "corner-pharmacy-new-york-ny-2",
        "corner-pharmacy-new-york-ny-3",
    ]


def test_it_reads_blank_status_as_published_and_any_case(run):
    run(row(external_id="A1", status=""), row(external_id="A2", status="Closed"))

    assert dict(Location.objects.values_list("external_id", "status")) == {
        "A1": "published",
        "A2": "closed",
    }


# Messy files from spreadsheets


def test_it_accepts_what_spreadsheets_make_of_a_file(run):
    header = " External ID ,NAME,Kind,City,State,ZIP Code,Phone,Last Verified On,Latitude,Longitude"
    lines = [
        "A1,  Corner   Pharmacy ,PHARMACY, New York ,new york,10001-1234,212.555.0100,3/4/2025,,",
        "A2,Outreach,Harm Reduction,Chicago,Illinois,60601,+1 312 555 0101,2025-03-04,,",
        "A3,Van,harm-reduction,Boston,MA,2134,(617)555-0102,,42.3539,-71.1337",
        ",,,,,,,,,",  # the blank rows spreadsheets leave at the end
    ]
    bom = "\ufeff"
    out, _err = run(text=bom + "\r\n".join([header, *lines]) + "\r\n")

    assert out.strip() == "Created 3, updated 0, unchanged 0, skipped 0 invalid."
    places = {p.external_id: p for p in Location.objects.all()}
    assert places["A1"].name == "Corner Pharmacy"
    assert places["A1"].city == "New York"
    assert (places["A1"].kind, places["A1"].state, places["A1"].zip_code) == (
        "pharmacy",
        "NY",
        "10001",
    )
    assert places["A1"].phone == "+12125550100"
    assert places["A1"].last_verified_on == date(2025, 3, 4)
    assert (places["A2"].kind, places["A2"].state) == ("harm_reduction", "IL")
    assert places["A2"].phone == "+13125550101"
    assert places["A3"].kind == "harm_reduction"
    assert places["A3"].zip_code == "02134"  # the zero Excel dropped


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Police or sheriff", "law_enforcement"),
        ("police", "law_enforcement"),
        ("Vending Machine", "vending_machine"),
        ("By mail", "mail_based"),
        ("HEALTH_DEPARTMENT", "health_department"),
    ],
)
def test_it_accepts_kinds_by_label_or_value_in_any_case(run, text, kind):
    run(row(kind=text))

    assert Location.objects.get().kind == kind


def test_it_adds_https_to_a_bare_website(run):
    run(row(website="www.corner.example.org"))

    assert Location.objects.get().website == "https://www.corner.example.org"


# Rejecting


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"kind": "grocery"}, 'line 2, column kind: unknown kind "grocery"'),
        ({"state": "Nwe York"}, 'line 2, column state: unknown state "Nwe York"'),
        ({"zip_code": "123"}, 'line 2, column zip_code: "123" is not a ZIP code'),
        ({"zip_code": "99999"}, "line 2, column zip_code: ZIP code 99999 is not in our ZIP table"),
        (
            {"latitude": "40.7", "longitude": ""},
            "line 2, column longitude: give both latitude and longitude, or neither",
        ),
        (
            {"latitude": "140.7", "longitude": "-73.9"},
            "line 2, column latitude: latitude 140.7 is out of range (-90 to 90)",
        ),
        (
            {"latitude": "40.7", "longitude": "east"},
            'line 2, column longitude: longitude "east" is not a number',
        ),
        (
            {"latitude": "-73.99", "longitude": "40.74"},
            "line 2, column latitude: -73.99, 40.74 is 9,371 miles from ZIP 10001",
        ),
        (
            {"website": "not a url"},
            'line 2, column website: Enter a valid URL. (got "not a url")',
        ),
        (
            {"email": "help@"},
            'line 2, column email: Enter a valid email address. (got "help@")',
        ),
        ({"phone": "555-01"}, "line 2, column phone: 555-01 is not a phone number"),
        ({"phone": "555-1234"}, "line 2, column phone: 555-1234 is not a phone number"),
        ({"phone": "000-000-0000"}, "line 2, column phone: 000-000-0000 is not a phone"),
        (
            {"last_verified_on": "2025-13-01"},
            'line 2, column last_verified_on: "2025-13-01" is not a real',
        ),
        (
            {"last_verified_on": "31.12.2025"},
            'line 2, column last_verified_on: "31.12.2025" is not a date',
        ),
        ({"last_verified_on": "3/4/25"}, 'line 2, column last_verified_on: "3/4/25" is not a date'),
        ({"hours": "Mnday 9:00-17:00"}, 'line 2, column hours: unknown day "Mnday"'),
        ({"hours": "Mon 25:00-26:00"}, 'line 2, column hours: bad time "25:00"'),
        ({"free_naloxone": "maybe"}, 'line 2, column free_naloxone: "maybe" is not yes or no'),
        ({"status": "live"}, 'line 2, column status: unknown status "live"'),
        ({"states_served": "NY, XX"}, 'line 2, column states_served: unknown state "XX"'),
        ({"name": ""}, "line 2, column name: required, but this cell is blank"),
        ({"name": "x" * 201}, "line 2, column name: Ensure this value has at most 200 characters"),
        ({"languages": "y" * 41}, "line 2, column languages: Item 1 in the array did not validate"),
    ],
)
def test_it_rejects_bad_values_with_the_line_column_and_reason(fields, expected):
    errors = errors_of(row(**fields))

    assert len(errors) == 1
    assert errors[0].startswith(expected), errors[0]


def test_it_rejects_a_verification_date_in_the_future():
    next_week = date.today() + timedelta(days=7)

    assert errors_of(row(last_verified_on=next_week.isoformat())) == [
        f"line 2, column last_verified_on: {next_week.isoformat()} is in the future"
    ]


def test_it_writes_nothing_when_one_row_is_invalid(run):
    with pytest.raises(CommandError, match="1 error; nothing was written"):
        run(row(external_id="A1"), row(external_id="A2", zip_code="1"), row(external_id="A3"))

    assert Location.objects.count() == 0


def test_it_lists_every_error_and_a_summary(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(row(external_id="A1", kind="shop", phone="1"), row(external_id="A2")))
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_locations", str(path), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        'line 2, column kind: unknown kind "shop"; use one of: pharmacy, law_enforcement, '
        "harm_reduction, health_department, hospital, clinic, vending_machine, mail_based, other",
        "line 2, column phone: 1 is not a phone number that can be dialled in the US. "
        "Use 10 digits with the area code, like (212) 555-0100 or (212) 555-0100 ext. 5.",
    ]
    assert out.getvalue().strip() == (
        "Nothing was written: 1 invalid row (the valid rows would create 1, update 0, leave 0 "
        "unchanged). Fix them, or use --skip-invalid to import the valid rows."
    )


def test_it_writes_the_valid_rows_with_skip_invalid(run):
    out, err = run(
        row(external_id="A1"),
        row(external_id="A2", kind="shop"),
        row(external_id="A3", name="Other Pharmacy"),
        args=["--skip-invalid"],
    )

    assert sorted(Location.objects.values_list("external_id", flat=True)) == ["A1", "A3"]
    assert out.strip() == "Created 2, updated 0, unchanged 0, skipped 1 invalid."
    assert err.startswith('line 3, column kind: unknown kind "shop"')


def test_it_rejects_an_external_id_used_twice_in_the_file():
    errors = errors_of(row(external_id="A1"), row(external_id="A2"), row(external_id="A1"))

    assert errors == [
        'line 2, column external_id: "A1" is used on more than one line (also line 4); '
        "each location needs its own ID",
        'line 4, column external_id: "A1" is used on more than one line (also line 2); '
        "each location needs its own ID",
    ]


def test_it_counts_physical_lines_past_a_cell_that_spans_lines():
    text = csv_text(
        row(external_id="A1", description="two\nlines"), row(external_id="A2", kind="x")
    )

    assert errors_of(text=text) == [
        'line 4, column kind: unknown kind "x"; use one of: pharmacy, law_enforcement, '
        "harm_reduction, health_department, hospital, clinic, vending_machine, mail_based, other"
    ]


def test_it_rejects_a_row_with_the_wrong_number_of_cells():
    text = "external_id,name,kind,city,state,zip_code\nA1,Corner Pharmacy,pharmacy,New York,NY\n"

    assert errors_of(text=text) == [
        "line 2: this row has 5 cells but the header has 6; check for a missing or extra "
        "comma (quote cells that contain commas)"
    ]


def test_it_rejects_unknown_columns_and_names_the_likely_ones(run):
    text = csv_text(row(phon="212-555-0100", colour="red"))

    with pytest.raises(CommandError, match="1 error; nothing was written"):
        run(text=text)

    [error] = errors_of(text=text)
    assert error.startswith(
        "line 1: unknown columns: colour, phon (did you mean phone?). The columns are: "
        "external_id, name, kind,"
    )
    assert Location.objects.count() == 0


def test_it_rejects_a_column_named_twice():
    text = "external_id,name,kind,city,state,zip_code,Name\nA1,A,clinic,New York,NY,10001,B\n"

    assert errors_of(text=text) == ['line 1: column "name" appears twice (columns 2 and 7)']


def test_it_ignores_an_unnamed_empty_column_but_not_a_value_under_it():
    header = "external_id,name,kind,city,state,zip_code,"
    assert errors_of(text=f"{header}\nA1,Corner,clinic,New York,NY,10001,\n") == []
    assert errors_of(text=f"{header}\nA1,Corner,clinic,New York,NY,10001,oops\n") == [
        'line 2: a cell under a column with no name holds "oops"'
    ]


def test_it_rejects_a_file_missing_required_columns():
    text = "external_id,name,kind,city\nA1,Corner Pharmacy,pharmacy,New York\n"

    assert errors_of(text=text) == ["line 1: missing required columns: state, zip_code"]


def test_it_rejects_a_file_that_is_not_utf8(run):
    content = "external_id,name,kind,city,state,zip_code\nA1,Café,clinic,New York,NY,10001\n"

    with pytest.raises(CommandError):
        run(text=content.encode("cp1252"))

    result = import_rows(io.BytesIO(content.encode("cp1252")))
    assert [str(e) for e in result.errors] == [
        "line 2: the file is not UTF-8 text; in Excel use Save As > 'CSV UTF-8 (Comma delimited)'"
    ]


def test_it_rejects_an_empty_file():
    assert errors_of(text="") == ["line 1: the file is empty: the first line must name the columns"]


def test_it_reads_standard_input(monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(csv_text(row()).encode()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    out = io.StringIO()

    call_command("import_locations", "-", stdout=out)

    assert out.getvalue().strip() == "Created 1, updated 0, unchanged 0, skipped 0 invalid."


def test_it_refuses_a_missing_file():
    with pytest.raises(CommandError, match="Cannot read /nonexistent.csv: No such file"):
        call_command("import_locations", "/nonexistent.csv")


# Dry runs


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(run):
    run(row(external_id="A1"), row(external_id="A2"))

    out, _err = run(
        row(external_id="A1", name="Renamed Pharmacy"),
        row(external_id="A2"),
        row(external_id="A3"),
        args=["--dry-run"],
    )

    assert out.strip() == (
        "Dry run: would create 1, update 1, leave 1 unchanged; 0 invalid. Nothing was written."
    )
    assert Location.objects.count() == 2
    assert Location.objects.get(external_id="A1").name == "Corner Pharmacy"


def test_a_dry_run_with_errors_fails(run):
    with pytest.raises(CommandError):
        run(row(kind="shop"), args=["--dry-run"])


# Importing again


def test_importing_the_same_file_again_changes_nothing(run):
    rows = [row(external_id="A1", hours="Mon-Fri 9am-5pm"), row(external_id="A2")]
    run(*rows)
    before = list(Location.objects.order_by("pk").values())
    hour_ids = set(OpeningHours.objects.values_list("pk", flat=True))

    out, _err = run(*rows)

    assert out.strip() == "Created 0, updated 0, unchanged 2, skipped 0 invalid."
    assert list(Location.objects.order_by("pk").values()) == before
    assert set(OpeningHours.objects.values_list("pk", flat=True)) == hour_ids


def test_importing_again_updates_changed_fields_and_keeps_the_slug(run):
    run(row(external_id="A1", phone="212-555-0100"), row(external_id="A2"))
    slug = Location.objects.get(external_id="A1").slug

    out, _err = run(
        row(external_id="A1", name="New Name Pharmacy", phone="212-555-0199"),
        row(external_id="A2"),
    )

    assert out.strip() == "Created 0, updated 1, unchanged 1, skipped 0 invalid."
    assert Location.objects.count() == 2
    place = Location.objects.get(external_id="A1")
    assert (place.name, place.phone, place.slug) == ("New Name Pharmacy", "+12125550199", slug)


def test_importing_again_writes_every_kind_of_field(run):
    run(row(external_id="A1", languages="English", last_verified_on="2025-01-01"))
    Location.objects.update(internal_notes="Ask for Sam.")
    updated_at = Location.objects.get().updated_at

    run(
        row(
            external_id="A1",
            latitude="40.75",
            longitude="-73.99",
            languages="Spanish; English",
            states_served="NY, NJ",
            last_verified_on="2025-02-01",
            free_naloxone="yes",
            status="closed",
        )
    )

    place = Location.objects.get()
    assert (place.latitude, place.longitude, place.location_precision) == (40.75, -73.99, "address")
    assert (place.languages, place.states_served) == (["Spanish", "English"], ["NY", "NJ"])
    assert (place.last_verified_on, place.free_naloxone, place.status) == (
        date(2025, 2, 1),
        True,
        "closed",
    )
    assert place.internal_notes == "Ask for Sam."
    assert place.updated_at > updated_at


def test_importing_again_replaces_the_hours_that_changed(run):
    run(row(external_id="A1", hours="Mon-Fri 9:00-17:00"), row(external_id="A2", hours="24/7"))
    kept = set(OpeningHours.objects.filter(location__external_id="A2").values_list("pk", flat=True))

    out, _err = run(
        row(external_id="A1", hours="Sat 10:00-14:00"), row(external_id="A2", hours="24/7")
    )

    assert out.strip() == "Created 0, updated 1, unchanged 1, skipped 0 invalid."
    a1 = Location.objects.get(external_id="A1")
    assert [(h.weekday, h.opens, h.closes) for h in a1.hours.all()] == [(5, time(10), time(14))]
    assert (
        set(OpeningHours.objects.filter(location__external_id="A2").values_list("pk", flat=True))
        == kept
    )


def test_a_blank_hours_cell_removes_the_hours_but_a_missing_column_keeps_them(run):
    run(row(hours="Mon 9:00-17:00"))

    run(row())  # no hours column at all
    assert Location.objects.get().hours.count() == 1

    run(row(hours=""))
    assert Location.objects.get().hours.count() == 0


def test_each_source_has_its_own_external_ids(run):
    run(row(external_id="A1"))
    run(row(external_id="A1"), source="county-list")

    assert sorted(Location.objects.values_list("source", "external_id")) == [
        ("county-list", "A1"),
        ("csv", "A1"),
    ]


def test_importing_again_moves_a_row_to_its_new_zip_centre(run):
    run(row(zip_code="10001"))

    run(row(zip_code="60601", city="Chicago", state="IL"))

    place = Location.objects.get()
    assert (place.latitude, place.longitude, place.timezone) == (
        41.8858,
        -87.6181,
        "America/Chicago",
    )


def test_importing_again_keeps_a_pin_placed_by_staff(run):
    run(row())
    Location.objects.update(
        latitude=40.7500, longitude=-73.9900, location_precision=Location.Precision.MANUAL
    )

    out, _err = run(row(latitude="", longitude=""))

    assert out.strip() == "Created 0, updated 0, unchanged 1, skipped 0 invalid."
    place = Location.objects.get()
    assert (place.latitude, place.longitude, place.location_precision) == (40.75, -73.99, "manual")


def test_an_older_verification_date_does_not_replace_a_newer_one(run):
    run(row(last_verified_on="2025-01-10"))
    Location.objects.update(
        last_verified_on=date(2025, 6, 1), verification_method=Location.VerificationMethod.PHONE
    )

    run(row(last_verified_on="2025-01-10"))
    place = Location.objects.get()
    assert (place.last_verified_on, place.verification_method) == (date(2025, 6, 1), "phone")

    run(row(last_verified_on="2025-07-01"))
    place = Location.objects.get()
    assert (place.last_verified_on, place.verification_method) == (date(2025, 7, 1), "import")


def test_import_rows_reports_each_rows_outcome():
    import_rows(io.StringIO(csv_text(row(external_id="A1"), row(external_id="A2"))))

    result = import_rows(
        io.StringIO(
            csv_text(
                row(external_id="A1"),
                row(external_id="A2", name="Renamed"),
                row(external_id="A3"),
                row(external_id="A4", kind="shop"),
            )
        ),
        skip_invalid=True,
    )

    assert [(r.line, r.external_id, r.outcome) for r in result.rows] == [
        (2, "A1", "unchanged"),
        (3, "A2", "updated"),
        (4, "A3", "new"),
        (5, "A4", "error"),
    ]
    assert result.rows[1].changed_fields == ["name"]
    assert (result.created, result.updated, result.unchanged, result.invalid) == (1, 1, 1, 1)


# Speed


def _rows(count: int, **changes) -> list[dict]:
    zips = ["10001", "10011", "11201", "60601"]
    fields = dict(city="Somewhere", hours="Mon-Fri 9am-5pm; Sat 10:00-14:00", phone="")
    fields.update(changes)
    return [
        row(external_id=f"R{n}", name=f"Pharmacy {n}", zip_code=zips[n % len(zips)], **fields)
        for n in range(count)
    ]


def _queries_to_import(rows: list[dict]) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = import_rows(io.StringIO(csv_text(*rows)), source=f"bench-{len(rows)}")
    assert result.written and not result.errors
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows():
    first = (_queries_to_import(_rows(10)), _queries_to_import(_rows(100)))
    again = (_queries_to_import(_rows(10)), _queries_to_import(_rows(100)))
    changed = (
        _queries_to_import(_rows(10, hours="Sun 12:00-16:00", phone="212-555-0100")),
        _queries_to_import(_rows(100, hours="Sun 12:00-16:00", phone="212-555-0100")),
    )

    # Creating: savepoint, statement timeout, advisory lock, existing rows, ZIP codes,
    # slugs in use, ids, COPY locations, COPY hours, history of the locations, of the
    # hours, release savepoint.
    assert first == (12, 12)
    # Again: savepoint, timeout, lock, existing rows, their hours, ZIP codes, release.
    assert again == (7, 7)
    # Changed: savepoint, timeout, lock, existing rows, their hours, ZIP codes, scratch table
    # (CREATE, COPY, UPDATE ... FROM, DROP), history of the old hours, DELETE them, COPY
    # the new, history of the locations, of the new hours, release.
    assert changed == (16, 16)


def test_it_keeps_a_phone_extension(run):
    run(row(external_id="A1", phone="(212) 555-0100 ext 5"), row(external_id="A2"))

    assert Location.objects.get(external_id="A1").phone == "+12125550100;ext=5"


def test_an_import_waits_for_the_database_without_the_pages_limit(run, monkeypatch):
    """A page gives up on an answer after the statement timeout and 2 s; an import, whose
    statements may run long (DB_IMPORT_STATEMENT_TIMEOUT_MS, none by default), does not,
    and the page's limit is back afterwards."""
    seen = []
    original = importer_module._Batch.write

    def write(batch, *args, **kwargs):
        seen.append(connection.connection.answer_limit)
        return original(batch, *args, **kwargs)

    monkeypatch.setattr(importer_module._Batch, "write", write)
    connection.ensure_connection()
    page_limit = connection.connection.answer_limit

    run(row())

    assert page_limit == 7.0  # DB_STATEMENT_TIMEOUT_MS's 5,000 and 2 s
    assert seen == [None]
    assert connection.connection.answer_limit == page_limit
