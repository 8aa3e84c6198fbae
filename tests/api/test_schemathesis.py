"""Fuzzing the API from its own OpenAPI schema: generated requests to every operation get
no server error and no answer that breaks the schema (status, media type, headers, body).

A short, repeatable run inside the suite; `make fuzz` runs a longer one against a server.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from locations.models import Location
from tests.factories import make_location, make_zipcodes

# Loaded when the module is imported: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def api_data(db, settings):
    # Thousands of requests from one address: the rate limit must not answer them.
    settings.API_RATE_LIMIT = "1000000/m"
    make_zipcodes()
    make_location(name="Pharmacy", hours=[(day, (9, 0), (17, 0)) for day in range(7)])
    make_location(name="Harm reduction", kind="harm_reduction", free_naloxone=True)
    make_location(name="By mail", kind="mail_based", states_served=["NY", "NJ"], latitude=42.0)
    make_location(name="Draft", status=Location.Status.DRAFT)
    # Requests go through the WSGI handler inside the test's transaction; like Django's
    # test client, keep it from closing the connection at the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,  # the same cases on every run
    database=None,  # write no .hypothesis/ folder
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case, api_data):
    # Every check but "schema-valid data is accepted": the schema types the search
    # parameters as plain strings (the search form validates them, as on the page), so a
    # well-formed but unknown ZIP or a page past the last is rightly a 400.
    case.call_and_validate(excluded_checks=[checks.positive_data_acceptance])
