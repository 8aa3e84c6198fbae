"""open_week, the seconds of the week a location is open, follows its hours whatever
writes them: PostgreSQL's own triggers work it out (migrations/0014_open_week.py)."""

import io
from datetime import UTC, datetime, time

import pytest
from django.core.management import call_command
from django.db import connection

from locations.models import Location, OpeningHours
from tests.factories import csv_text, make_location, make_zipcodes, row

pytestmark = pytest.mark.django_db

DAY = 86400
MON, TUE, SAT, SUN = 0, 1, 5, 6


def open_week(location) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT open_week::text FROM locations_location WHERE id = %s", [location.pk]
        )
        return cursor.fetchone()[0]


def seconds(day: int, hour: int, minute: int = 0) -> int:
    return day * DAY + hour * 3600 + minute * 60


def test_a_place_without_hours_is_open_no_second_of_the_week():
    assert open_week(make_location()) == "{}"


def test_each_period_is_its_seconds_and_a_late_one_runs_into_the_next_day():
    place = make_location(
        hours=[(MON, (9, 0), (17, 30)), (SAT, (22, 0), (2, 0)), (SUN, (20, 0), (1, 0))]
    )

    assert open_week(place) == (
        f"{{[{seconds(MON, 0)},{seconds(MON, 1)}),"  # Sunday night into Monday
        f"[{seconds(MON, 9)},{seconds(MON, 17, 30)}),"
        f"[{seconds(SAT, 22)},{seconds(SUN, 2)}),"  # Saturday night into Sunday, merged
        f"[{seconds(SUN, 20)},{7 * DAY})}}"
    )


def test_open_all_day_is_the_whole_day_and_periods_that_touch_merge():
    place = make_location(hours=[(TUE, (0, 0), (0, 0)), (MON, (12, 0), (0, 0))])

    assert open_week(place) == f"{{[{seconds(MON, 12)},{seconds(TUE, 24)})}}"


def test_changing_and_deleting_hours_rows_changes_it():
    place = make_location(hours=[(MON, (9, 0), (17, 0)), (TUE, (9, 0), (17, 0))])
    other = make_location(hours=[(MON, (8, 0), (9, 0))])

    OpeningHours.objects.filter(location=place, weekday=MON).update(closes=time(12))
    assert open_week(place) == (
        f"{{[{seconds(MON, 9)},{seconds(MON, 12)}),[{seconds(TUE, 9)},{seconds(TUE, 17)})}}"
    )

    OpeningHours.objects.filter(location=place, weekday=TUE).delete()
    assert open_week(place) == f"{{[{seconds(MON, 9)},{seconds(MON, 12)})}}"

    place.hours.all().delete()
    assert open_week(place) == "{}"
    assert open_week(other) == f"{{[{seconds(MON, 8)},{seconds(MON, 9)})}}"


def test_hours_moved_to_another_place_leave_the_first_and_reach_the_second():
    first = make_location(hours=[(MON, (9, 0), (17, 0))])
    second = make_location()

    OpeningHours.objects.filter(location=first).update(location=second)

    assert open_week(first) == "{}"
    assert open_week(second) == f"{{[{seconds(MON, 9)},{seconds(MON, 17)})}}"


def test_bulk_created_hours_count():
    place = make_location()

    OpeningHours.objects.bulk_create(
        [OpeningHours(location=place, weekday=d, opens=time(10), closes=time(11)) for d in (0, 6)]
    )

    assert open_week(place) == (
        f"{{[{seconds(MON, 10)},{seconds(MON, 11)}),[{seconds(SUN, 10)},{seconds(SUN, 11)})}}"
    )


def test_hours_imported_by_copy_count_and_a_reimport_replaces_them(tmp_path):
    make_zipcodes()
    path = tmp_path / "places.csv"

    def run(*rows):
        path.write_text(csv_text(*rows), encoding="utf-8")
        call_command("import_locations", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        return Location.objects.get(external_id="A1")

    place = run(row(external_id="A1", hours="Mon-Tue 9:00-17:00"))
    assert open_week(place) == (
        f"{{[{seconds(MON, 9)},{seconds(MON, 17)}),[{seconds(TUE, 9)},{seconds(TUE, 17)})}}"
    )

    place = run(row(external_id="A1", hours="Sat 10:00-14:00"))
    assert open_week(place) == f"{{[{seconds(SAT, 10)},{seconds(SAT, 14)})}}"


def test_the_open_now_filter_reads_it():
    place = make_location(hours=[(MON, (9, 0), (17, 0))])  # New York
    monday_noon = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 12:00 in New York

    assert Location.objects.with_open_now(monday_noon).get(pk=place.pk).open_now is True
    with connection.cursor() as cursor:  # what the filter reads, emptied behind its back
        cursor.execute("UPDATE locations_location SET open_week = '{}' WHERE id = %s", [place.pk])
    assert Location.objects.with_open_now(monday_noon).get(pk=place.pk).open_now is False


@pytest.mark.django_db(transaction=True)
def test_emptying_the_hours_table_empties_it():
    place = make_location(hours=[(MON, (9, 0), (17, 0))])

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE locations_openinghours")

    assert open_week(place) == "{}"
