"""NUL and other control characters in an address, a query parameter, a form field or an
imported cell are refused with a clear message, before anything reaches the database."""

import io

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.urls import reverse

from locations.exchange.importer import import_rows
from locations.models import Location, ProblemReport, Suggestion
from locations.search import SearchForm
from locations.web.forms import ProblemReportForm, SuggestionForm
from tests.factories import csv_text, make_superuser, make_zipcodes, row
from tests.security.conftest import every_route
from tests.web.test_submissions import report_data, suggestion_data

pytestmark = pytest.mark.django_db

CONTROL_CHARACTERS = ["\x00", "\x01", "\x1b", "\x7f"]


@pytest.fixture(autouse=True)
def _submissions(settings):
    settings.STAFF_NOTIFY_EMAILS = ["outreach@naloxone.example"]
    settings.SUBMISSION_RATE_LIMIT = "100/h"


def parameter_names(client) -> set[str]:
    """Every query parameter the site reads: the search form's, the API's (from its
    schema), and the sitemap's and listings' paging."""
    names = set(SearchForm.base_fields) | {"p", "page", "format"}
    schema = client.get("/api/v1/openapi.json").json()
    for operations in schema["paths"].values():
        for operation in operations.values():
            names.update(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
    return names


def test_it_refuses_a_nul_in_an_api_path_with_a_json_400(client):
    response = client.get("/api/v1/locations/%00")

    assert response.status_code == 400
    assert "control character (U+0000)" in response.json()["error"]


@pytest.mark.parametrize("path", ["/locations/%00/", "/states/%1b/", "/search%0a", "/%09/x"])
def test_it_refuses_a_control_character_in_a_page_path_with_a_400(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_it_refuses_a_control_character_in_any_parameter_of_any_route(client, place, settings):
    settings.API_RATE_LIMIT = "100000/m"  # the battery is many requests from one address
    names = parameter_names(client)
    assert {"near", "kind", "radius", "open_now"} <= names
    answers = {}
    for path in every_route(place):
        for name in sorted(names):
            for character in CONTROL_CHARACTERS:
                status = client.get(path, {name: f"10001{character}"}).status_code
                if status != 400:
                    answers[(path, name, repr(character))] = status
    assert answers == {}


def test_it_refuses_a_control_character_in_a_parameter_name(client):
    assert client.get("/search", {"near\x00": "10001"}).status_code == 400


def test_it_answers_in_spanish_under_es(client):
    response = client.get("/es/search", {"near": "\x00"})

    assert response.status_code == 400
    assert '<html lang="es">' in response.content.decode()


def test_it_refuses_a_control_character_in_every_staff_list_filter(client):
    client.force_login(make_superuser("boss"))
    answers = {}
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        filters = [f for f in model_admin.list_filter if isinstance(f, str)]
        for name in [*filters, *(f"{f}__exact" for f in filters), "q", "o", "p"]:
            status = client.get(url, {name: "\x00"}).status_code
            if status != 400:
                answers[(url, name)] = status
    assert ("/admin/locations/location/", "state") not in answers
    assert answers == {}


@pytest.mark.parametrize("field", SuggestionForm.base_fields)
def test_it_refuses_a_control_character_in_every_suggestion_field(client, field):
    data = suggestion_data()
    value = data.get(field) or "x"
    data[field] = [f"{v}\x00" for v in value] if isinstance(value, list) else f"{value}\x00"

    response = client.post("/suggest/", data)

    assert response.status_code == 400
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("field", ProblemReportForm.base_fields)
def test_it_refuses_a_control_character_in_every_report_field(client, place, field):
    data = report_data()
    data[field] = f"{data.get(field) or 'x'}\x1b"

    response = client.post(f"/locations/{place.slug}/report/", data)

    assert response.status_code == 400
    assert not ProblemReport.objects.exists()


def test_it_keeps_line_breaks_and_tabs_in_a_text_field(client):
    response = client.post("/suggest/", suggestion_data(notes="Side door.\r\n\tRing twice."))

    assert response.status_code == 302
    assert Suggestion.objects.get().notes.startswith("Side door.")


@pytest.mark.parametrize("field", ["username", "password"])
def test_it_refuses_a_control_character_at_the_admin_sign_in(client, field):
    data = {"username": "boss", "password": "pw", field: "boss\x00"}

    assert client.post(reverse("admin:login"), data).status_code == 400


def test_it_refuses_a_control_character_in_the_staff_listing_form(client):
    client.force_login(make_superuser("boss"))
    data = {"name": "Corner\x00 Pharmacy", "kind": "pharmacy", "city": "New York"}

    response = client.post(reverse("admin:locations_location_add"), data)

    assert response.status_code == 400
    assert not Location.objects.exists()


@pytest.mark.parametrize("column", ["name", "city", "description", "external_id", "phone"])
def test_it_names_the_line_and_column_of_a_control_character_in_an_import(column):
    make_zipcodes("10001")
    rows = [row(external_id="A1"), {**row(external_id="A2"), column: "Bad\x00Cell"}]

    result = import_rows(io.StringIO(csv_text(*rows)), dry_run=True)

    assert [str(error) for error in result.errors] == [
        f"line 3, column {column}: holds a control character (U+0000); remove it"
    ]


def test_it_refuses_the_import_command_a_nul_on_a_dry_run_and_a_real_run(tmp_path):
    make_zipcodes("10001")
    path = tmp_path / "locations.csv"
    path.write_text(csv_text(row(name="Corner\x00Pharmacy")), encoding="utf-8")

    for args in (["--dry-run"], []):
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_locations", str(path), *args, stdout=io.StringIO(), stderr=err)
        assert "line 2, column name: holds a control character (U+0000)" in err.getvalue()
    assert not Location.objects.exists()
