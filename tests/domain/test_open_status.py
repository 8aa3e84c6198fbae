"""Location.open_status(): open or closed at a moment, with a label for lists, on the
place's own clock."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from locations.domain.open_status import status_at, status_of
from locations.models import Location
from tests.factories import make_location

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = "America/Los_Angeles"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = [MON, TUE, WED, THU, FRI]


@pytest.fixture(autouse=True)
def _english():
    # The labels are translated: these tests read them in English whatever ran before.
    with translation.override("en"):
        yield


def at(year: int, month: int, day: int, hour: int, minute: int = 0, zone=NEW_YORK) -> datetime:
    """A moment given on a local clock (New York unless told)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone)


# 2026-11-23 is a Monday; 2026-11-27 a Friday.
def monday(hour: int, minute: int = 0) -> datetime:
    return at(2026, 11, 23, hour, minute)


def status(place: Location, moment: datetime) -> tuple:
    result = place.open_status(moment)
    return result["open"], result["label"]


@pytest.fixture
def nine_to_nine():
    return make_location(hours=[(day, (9, 0), (21, 0)) for day in WEEKDAYS])


def test_it_says_when_an_open_place_closes_today(nine_to_nine):
    assert status(nine_to_nine, monday(15)) == (True, "Open now · closes 9 PM")


def test_it_says_when_a_closed_place_opens_later_today(nine_to_nine):
    assert status(nine_to_nine, monday(7, 30)) == (False, "Closed · opens 9 AM")


def test_after_closing_it_says_the_place_opens_tomorrow(nine_to_nine):
    assert status(nine_to_nine, monday(21)) == (False, "Closed · opens 9 AM tomorrow")


def test_over_a_closed_weekend_it_names_the_day_it_opens(nine_to_nine):
    friday_night = at(2026, 11, 27, 22)
    saturday = at(2026, 11, 28, 12)

    assert status(nine_to_nine, friday_night) == (False, "Closed · opens 9 AM Mon")
    assert status(nine_to_nine, saturday) == (False, "Closed · opens 9 AM Mon")


def test_opening_and_closing_exactly_on_the_minute():
    place = make_location(hours=[(MON, (9, 0), (17, 0))])

    assert status(place, monday(9))[0] is True
    assert status(place, monday(16, 59))[0] is True
    assert status(place, monday(17))[0] is False


def test_times_with_minutes_show_the_minutes():
    place = make_location(hours=[(MON, (9, 30), (17, 45)), (TUE, (8, 15), (12, 0))])

    assert status(place, monday(12)) == (True, "Open now · closes 5:45 PM")
    assert status(place, monday(8)) == (False, "Closed · opens 9:30 AM")
    assert status(place, monday(18)) == (False, "Closed · opens 8:15 AM tomorrow")


def test_a_day_with_two_periods_reports_the_next_change():
    place = make_location(hours=[(MON, (8, 0), (12, 0)), (MON, (13, 0), (18, 0))])

    assert status(place, monday(11)) == (True, "Open now · closes 12 PM")
    assert status(place, monday(12, 30)) == (False, "Closed · opens 1 PM")
    assert status(place, monday(14)) == (True, "Open now · closes 6 PM")


def test_a_period_past_midnight_closes_tomorrow_and_is_still_open_after_midnight():
    place = make_location(hours=[(FRI, (22, 0), (2, 0))])

    assert status(place, at(2026, 11, 27, 23)) == (True, "Open now · closes 2 AM tomorrow")
    assert status(place, at(2026, 11, 28, 1, 30)) == (True, "Open now · closes 2 AM")
    assert status(place, at(2026, 11, 28, 2)) == (False, "Closed · opens 10 PM Fri")
    assert status(place, at(2026, 11, 27, 21)) == (False, "Closed · opens 10 PM")


def test_closing_at_midnight_says_midnight_of_that_evening():
    place = make_location(hours=[(MON, (18, 0), (0, 0))])

    assert status(place, monday(20)) == (True, "Open now · closes midnight")
    assert status(place, monday(17)) == (False, "Closed · opens 6 PM")


def test_periods_that_run_into_each_other_are_one_opening():
    # Open through the night from Monday evening to Tuesday evening.
    place = make_location(hours=[(MON, (18, 0), (0, 0)), (TUE, (0, 0), (17, 0))])

    assert status(place, monday(20)) == (True, "Open now · closes 5 PM tomorrow")


def test_open_all_day_every_day_is_open_24_hours():
    place = make_location(hours=[(day, (0, 0), (0, 0)) for day in range(7)])

    assert status(place, monday(3)) == (True, "Open 24 hours")
    assert status(place, at(2026, 11, 29, 23, 59)) == (True, "Open 24 hours")


def test_open_all_day_on_weekdays_only_names_the_end_of_friday():
    place = make_location(hours=[(day, (0, 0), (0, 0)) for day in WEEKDAYS])

    assert status(place, at(2026, 11, 25, 12)) == (True, "Open now · closes midnight Fri")
    assert status(place, at(2026, 11, 27, 12)) == (True, "Open now · closes midnight")
    assert status(place, at(2026, 11, 28, 12)) == (False, "Closed · opens 12 AM Mon")


def test_a_day_without_hours_is_closed_all_day():
    place = make_location(hours=[(MON, (9, 0), (17, 0)), (WED, (9, 0), (17, 0))])

    assert status(place, at(2026, 11, 24, 12)) == (False, "Closed · opens 9 AM tomorrow")
    assert status(place, at(2026, 11, 26, 12)) == (False, "Closed · opens 9 AM Mon")


def test_a_place_open_one_day_a_week_reopens_a_week_later():
    place = make_location(hours=[(MON, (9, 0), (17, 0))])

    assert status(place, monday(18)) == (False, "Closed · opens 9 AM Mon")


def test_each_coast_reads_the_same_moment_on_its_own_clock():
    hours = [(day, (10, 0), (18, 0)) for day in WEEKDAYS]
    new_york = make_location(hours=hours, timezone="America/New_York")
    los_angeles = make_location(
        hours=hours, timezone=LOS_ANGELES, city="San Francisco", state="CA", zip_code="94103",
        latitude=37.7725, longitude=-122.4147,
    )  # fmt: skip
    moment = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 11:30 in New York, 8:30 in LA

    assert status(new_york, moment) == (True, "Open now · closes 6 PM")
    assert status(los_angeles, moment) == (False, "Closed · opens 10 AM")

    evening = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 7:30 PM Monday in New York
    assert status(new_york, evening) == (False, "Closed · opens 10 AM tomorrow")
    assert status(los_angeles, evening) == (True, "Open now · closes 6 PM")  # 4:30 PM


def test_the_clock_moves_with_daylight_saving_time_in_spring():
    # Clocks in New York go from 2:00 to 3:00 on Sunday 2026-03-08.
    place = make_location(hours=[(SAT, (22, 0), (4, 0)), (SUN, (9, 0), (17, 0))])

    before = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 1:30 EST
    after = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 3:30 EDT, one hour of real time later
    later = datetime(2026, 3, 8, 8, 30, tzinfo=UTC)  # 4:30 EDT
    morning = datetime(2026, 3, 8, 13, 30, tzinfo=UTC)  # 9:30 EDT (8:30 on winter time)

    assert status(place, before) == (True, "Open now · closes 4 AM")
    assert status(place, after) == (True, "Open now · closes 4 AM")
    assert status(place, later) == (False, "Closed · opens 9 AM")
    assert status(place, morning) == (True, "Open now · closes 5 PM")


def test_the_clock_moves_with_daylight_saving_time_in_autumn():
    # Clocks in New York go from 2:00 back to 1:00 on Sunday 2026-11-01.
    place = make_location(hours=[(SUN, (9, 0), (17, 0))])

    morning = datetime(2026, 11, 1, 13, 30, tzinfo=UTC)  # 8:30 EST (9:30 on summer time)
    saturday = datetime(2026, 10, 31, 22, 0, tzinfo=UTC)  # 6 PM EDT on Saturday

    assert status(place, morning) == (False, "Closed · opens 9 AM")
    assert status(place, saturday) == (False, "Closed · opens 9 AM tomorrow")


def test_a_place_without_hours_says_so_and_is_neither_open_nor_closed():
    place = make_location()

    assert place.open_status(monday(12)) == {"open": None, "label": "Hours not listed"}


def test_a_place_without_a_time_zone_does_not_guess():
    place = make_location(hours=[(MON, (9, 0), (17, 0))])
    place.timezone = ""

    assert place.open_status(monday(12)) == {"open": None, "label": "Hours not listed"}


def test_open_or_not_agrees_with_the_open_now_sql_all_week():
    hours = [
        (MON, (8, 0), (12, 0)), (MON, (13, 0), (18, 0)), (TUE, (18, 0), (0, 0)),
        (WED, (0, 0), (6, 0)), (FRI, (20, 0), (3, 0)), (SUN, (0, 0), (0, 0)),
    ]  # fmt: skip
    place = make_location(hours=hours, timezone="America/Chicago")
    start = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    for quarter_hours in range(8 * 96):
        moment = start + timedelta(minutes=15 * quarter_hours)
        in_sql = Location.objects.with_open_now(moment).get(pk=place.pk).open_now
        assert place.open_status(moment)["open"] is in_sql, moment


def test_the_listing_query_brings_the_hours_so_no_query_is_needed(django_assert_num_queries):
    make_location(name="Hours", hours=[(MON, (9, 0), (17, 0)), (FRI, (22, 0), (2, 0))])
    make_location(name="None")

    with django_assert_num_queries(1):
        places = {p.name: p for p in Location.objects.published().for_listing()}
        statuses = {name: place.open_status(monday(10)) for name, place in places.items()}

    assert statuses["Hours"] == {"open": True, "label": "Open now · closes 5 PM"}
    assert statuses["None"] == {"open": None, "label": "Hours not listed"}
    assert places["Hours"].opening_periods() == [
        (MON, monday(9).time(), monday(17).time()),
        (FRI, monday(22).time(), monday(2).time()),
    ]


def test_a_kept_answer_is_the_one_worked_out_for_each_language_and_second():
    hours = [(day, time(9), time(17)) for day in WEEKDAYS]
    moments = [monday(16, 59) + timedelta(seconds=s) for s in (0, 59, 60, 61)] + [monday(8)]
    for language in ("en", "es"):
        with translation.override(language):
            for moment in moments:
                local = moment.replace(microsecond=123456)
                expected = status_of(hours, local)
                assert status_at(hours, local) == expected
                assert status_at(list(hours), local) == expected  # kept, the same
    with translation.override("es"):
        spanish = status_at(hours, monday(12))["label"]
    with translation.override("en"):
        english = status_at(hours, monday(12))["label"]
    assert english == "Open now · closes 5 PM" and spanish != english
