"""manage.py load_zipcodes fills the ZIP table from the zipcodes package."""

import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command

from locations.models import ZipCode

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_zipcodes", stdout=out)
    return out.getvalue()


def test_it_loads_every_civilian_zip_once_and_can_run_again():
    first = load()
    count = ZipCode.objects.count()
    ZipCode.objects.filter(code="10001").update(city="Wrong")

    second = load()

    assert count > 40_000
    assert ZipCode.objects.count() == count
    assert f"{count:,} added" in first
    assert "0 added" in second
    assert ZipCode.objects.get(code="10001").city == "New York"


def test_each_zip_has_a_centroid_state_and_valid_time_zone():
    load()
    manhattan = ZipCode.objects.get(code="10001")
    known = zoneinfo.available_timezones()

    assert (manhattan.city, manhattan.state, manhattan.county) == (
        "New York",
        "NY",
        "New York County",
    )
    assert manhattan.latitude == pytest.approx(40.7484)
    assert manhattan.timezone == "America/New_York"
    zones = set(ZipCode.objects.values_list("timezone", flat=True).distinct())
    assert zones <= known
    assert not ZipCode.objects.filter(state__in=["AA", "AE", "AP"]).exists()
    assert not ZipCode.objects.filter(latitude=0, longitude=0).exists()


def test_it_keeps_the_other_names_each_zip_is_known_by():
    load()

    assert ZipCode.objects.get(code="10025").names[:2] == ["NEWYORK", "MANHATTAN"]
    assert "QUEENS" in ZipCode.objects.get(code="11101").names
    assert ZipCode.objects.get(code="63366").names[0] == "OFALLON"
    # A search by one of them finds the place.
    from locations.search import resolve_near

    assert resolve_near("Queens, NY").state == "NY"
    assert resolve_near("Coeur d'Alene, ID").state == "ID"
