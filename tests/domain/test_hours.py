import random
from datetime import time

import pytest

from locations.domain.hours import format_hours, parse_hours
from locations.models import OpeningHours

NINE, FIVE_PM = time(9), time(17)
MIDNIGHT = time(0)


def week(*days, opens=NINE, closes=FIVE_PM):
    return [(day, opens, closes) for day in days]


def test_it_reads_a_weekday_range_and_a_single_day():
    assert parse_hours("Mon-Fri 09:00-17:00; Sat 10:00-14:00") == [
        *week(0, 1, 2, 3, 4),
        (5, time(10), time(14)),
    ]


def test_it_reads_several_days_and_several_periods_in_one_part():
    assert parse_hours("Mon,Wed 9:00-12:00, 13:00-17:00") == [
        (0, NINE, time(12)),
        (0, time(13), FIVE_PM),
        (2, NINE, time(12)),
        (2, time(13), FIVE_PM),
    ]


def test_it_treats_closed_and_missing_days_as_closed():
    assert parse_hours("Mon 09:00-17:00; Sun closed") == week(0)
    assert parse_hours("Sun closed") == []


def test_it_reads_blank_text_as_no_hours():
    assert parse_hours("") == []
    assert parse_hours("   ") == []
    assert parse_hours(None) == []


def test_it_reads_24_7_as_open_all_day_every_day():
    assert parse_hours("24/7") == week(*range(7), opens=MIDNIGHT, closes=MIDNIGHT)
    assert parse_hours(" 24 / 7 ") == parse_hours("24/7")


@pytest.mark.parametrize("text", ["Mon-Fri 24h", "mon-fri 24 hours", "Mon-Fri 00:00-00:00"])
def test_it_reads_open_all_day_on_some_days(text):
    assert parse_hours(text) == week(0, 1, 2, 3, 4, opens=MIDNIGHT, closes=MIDNIGHT)


def test_it_keeps_a_closing_time_past_midnight_on_the_opening_day():
    assert parse_hours("Fri 22:00-02:00") == [(4, time(22), time(2))]


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Fri 9am-5pm",
        "monday-FRIDAY 9:00 AM - 5:00 PM",
        "Mon - Fri   9 a.m. – 5 p.m.",
        "Mon–Fri 9-5pm",
        "Mon to Fri 9am to 5",
        "Weekdays 09:00-17:00",
        "Mon,Tues,Wed,Thurs,Fri 9:00-17:00",
        "Mon, Tue & Wed, Thu and Fri 9:00-17:00",
        "mo-fr 0900-1700",
        "Mon-Fri: 9.00-17.00",
    ],
)
def test_it_reads_the_ways_people_write_the_same_hours(text):
    assert parse_hours(text) == week(0, 1, 2, 3, 4)


def test_it_wraps_a_day_range_past_sunday():
    assert parse_hours("Sat-Mon 10:00-16:00") == week(0, 5, 6, opens=time(10), closes=time(16))


@pytest.mark.parametrize(
    "text, opens, closes",
    [
        ("Mon 10-2am", time(22), time(2)),  # the shorter reading: 10pm to 2am
        ("Mon 11-1pm", time(11), time(13)),
        ("Mon 9am-5", NINE, FIVE_PM),
        ("Mon 12pm-8pm", time(12), time(20)),
        ("Mon 12am-6am", MIDNIGHT, time(6)),
        ("Mon 9-noon", NINE, time(12)),
        ("Mon 6pm-midnight", time(18), MIDNIGHT),
        ("Mon 18:00-24:00", time(18), MIDNIGHT),
        ("Mon 08:00-02:00", time(8), time(2)),  # two-digit hours: clearly the 24-hour clock
    ],
)
def test_it_reads_twelve_hour_times_sensibly(text, opens, closes):
    assert parse_hours(text) == [(0, opens, closes)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("Mnday 9:00-17:00", 'unknown day "Mnday"'),
        ("Mon 25:00-26:00", 'bad time "25:00"'),
        ("Mon 9:60-17:00", 'bad time "9:60"'),
        ("Mon 13pm-2pm", 'bad time "13pm"'),
        (
            "Mon 9:00-17:00; Mon 16:00-18:00",
            "Mon has overlapping hours: 09:00-17:00 and 16:00-18:00",
        ),
        ("Mon 9:00-12:00, 11:00-13:00", "Mon has overlapping hours"),
        ("Mon-Fri 9:00-17:00; Wed 24h", "Wed has overlapping hours"),
        ("Mon, Mon-Fri 9:00-17:00", "Mon listed twice"),
        ("Mon closed; Mon 9:00-17:00", "Mon listed as both closed and open"),
        ("Mon 9:00-17:00;; Tue 9:00-17:00", "empty part"),
        ("Mon 9:00-17:00;", "empty part"),
        ("Mon", '"Mon" has no hours'),
        ("9:00-17:00", "does not say which days"),
        ("Mon 9:00", "is not a time range"),
        ("Mon 9:00-17:00-18:00", "is not a time range"),
        ("Mon 9-5", '"9-5" is ambiguous'),
        ("Mon 1-5", '"1-5" is ambiguous'),
    ],
)
def test_it_names_the_problem_in_bad_text(text, message):
    with pytest.raises(ValueError) as error:
        parse_hours(text)
    assert message in str(error.value)


def test_it_allows_two_separate_periods_on_the_same_day_in_two_parts():
    assert parse_hours("Mon 9:00-12:00; Mon 13:00-17:00") == [
        (0, NINE, time(12)),
        (0, time(13), FIVE_PM),
    ]


def test_it_writes_groups_of_days_with_the_same_hours_as_ranges():
    rows = [*week(0, 1, 2, 3, 4), (5, time(10), time(14))]
    assert format_hours(rows) == "Mon-Fri 09:00-17:00; Sat 10:00-14:00"


def test_it_writes_days_apart_with_the_same_hours_together():
    rows = parse_hours("Mon 9:00-12:00, 13:00-17:00; Wed 9:00-12:00, 13:00-17:00; Thu 8-20")
    assert format_hours(rows) == "Mon,Wed 09:00-12:00, 13:00-17:00; Thu 08:00-20:00"


def test_it_writes_all_day_every_day_as_24_7_and_all_day_as_24h():
    assert format_hours(week(*range(7), opens=MIDNIGHT, closes=MIDNIGHT)) == "24/7"
    assert format_hours(week(5, 6, opens=MIDNIGHT, closes=MIDNIGHT)) == "Sat-Sun 24h"


def test_it_writes_a_range_across_the_weekend_as_one_range():
    assert format_hours(week(0, 5, 6)) == "Sat-Mon 09:00-17:00"


def test_it_writes_no_rows_as_blank():
    assert format_hours([]) == ""


def test_it_writes_opening_hours_objects():
    rows = [OpeningHours(weekday=4, opens=time(22), closes=time(2))]
    assert format_hours(rows) == "Fri 22:00-02:00"


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Fri 09:00-17:00; Sat 10:00-14:00",
        "Mon,Wed 09:00-12:00, 13:00-17:00; Fri 22:00-02:00",
        "24/7",
        "Mon-Fri 24h; Sat 10:00-14:00",
        "Sat-Mon,Wed 09:30-17:15",
    ],
)
def test_it_gives_back_canonical_text_unchanged(text):
    assert format_hours(parse_hours(text)) == text


def test_it_round_trips_random_weeks():
    rng = random.Random(7)
    for _ in range(500):
        rows = []
        for day in range(7):
            start = rng.randrange(0, 24 * 60, 15)
            for _period in range(rng.randint(0, 3)):
                length = rng.randrange(15, 8 * 60, 15)
                if start + length >= 24 * 60:
                    break
                rows.append((day, _time(start), _time(start + length)))
                start += length + rng.randrange(15, 4 * 60, 15)
                if start >= 24 * 60:
                    break
        assert parse_hours(format_hours(rows)) == sorted(rows)


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)
