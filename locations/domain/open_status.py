"""Open or closed, and the labels that say so, on a place's own clock.

The same rule is written twice: in SQL (OPEN_AT_SQL, for the "open now" filter) and in
Python (for the label of each listed place), so neither needs the other's round trip.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.utils.dateformat import time_format
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext, pgettext

# Open at a moment, evaluated in each location's own time zone: the moment as a second
# of the local week (Monday 00:00:00 is 0; 1970-01-01 was a Thursday, three days after a
# Monday) falls within the location's open_week, the seconds of the week its hours cover
# (kept from the hours by PostgreSQL triggers: migrations/0014_open_week.py). A location
# without a time zone is never open.
OPEN_AT_SQL = """
"locations_location"."open_week" @> MOD(FLOOR(date_part('epoch',
  %s::timestamptz AT TIME ZONE NULLIF("locations_location"."timezone", '')))::bigint
  + 259200, 604800)::int
"""


def open_spans(periods: list[tuple[int, time, time]], today: date) -> list[tuple]:
    """The weekly periods laid out as (start, end) wall-clock datetimes from yesterday
    (whose late periods may run into today) to a week ahead, sorted, touching ones merged."""
    spans = []
    for offset in range(-1, 8):
        day = today + timedelta(days=offset)
        for weekday, opens, closes in periods:
            if weekday == day.weekday():
                end_day = day + timedelta(days=1) if closes <= opens else day
                spans.append((datetime.combine(day, opens), datetime.combine(end_day, closes)))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clock_time(moment: datetime) -> str:
    """9 AM, 9:30 PM (the format is translatable: other languages use a 24-hour clock)."""
    if moment.minute:
        return time_format(moment.time(), pgettext("opening hours, time with minutes", "g:i A"))
    return time_format(moment.time(), pgettext("opening hours, time on the hour", "g A"))


def closing_label(end: datetime, now: datetime) -> str:
    """Open now · closes 9 PM, … closes 2 AM tomorrow, … closes midnight Fri."""
    if end.time() == time(0):
        # Closing at 00:00 ends the evening before: "midnight" of that day.
        clock, day = pgettext("closing time", "midnight"), (end - timedelta(days=1)).date()
    else:
        clock, day = clock_time(end), end.date()
    days = (day - now.date()).days
    if days == 0:
        return gettext("Open now · closes %(time)s") % {"time": clock}
    if days == 1:
        return gettext("Open now · closes %(time)s tomorrow") % {"time": clock}
    return gettext("Open now · closes %(time)s %(weekday)s") % {
        "time": clock,
        "weekday": WEEKDAYS_ABBR[day.weekday()],
    }


def opening_label(start: datetime, now: datetime) -> str:
    """Closed · opens 9 AM, … opens 9 AM tomorrow, … opens 9 AM Mon."""
    clock, days = clock_time(start), (start.date() - now.date()).days
    if days == 0:
        return gettext("Closed · opens %(time)s") % {"time": clock}
    if days == 1:
        return gettext("Closed · opens %(time)s tomorrow") % {"time": clock}
    return gettext("Closed · opens %(time)s %(weekday)s") % {
        "time": clock,
        "weekday": WEEKDAYS_ABBR[start.weekday()],
    }


def status_at(
    periods: list[tuple[int, time, time]], local: datetime | None, language: str | None = None
) -> dict:
    """status_of(), kept per process for the same hours, wall-clock second and language:
    places with the same weekly hours in one time zone (a chain's branches; most places
    open 9 to 5) share one answer within the second. Hours are whole seconds, so the
    answer within one second is the same. `language` is the active one (given when the
    caller knows it already)."""
    if not periods or local is None:
        return {"open": None, "label": gettext("Hours not listed")}
    now = local.replace(tzinfo=None, microsecond=0)
    return dict(kept_status(tuple(periods), now, language or get_language()))


@lru_cache(maxsize=4096)
def kept_status(periods: tuple, now: datetime, language: str) -> tuple:
    return tuple(status_of(list(periods), now).items())


def status_of(periods: list[tuple[int, time, time]], local: datetime | None) -> dict:
    """Whether a place with these weekly periods is open at `local` (its own clock, or
    None when its time zone is unknown), and a label for lists.

    `open` is True or False, or None when no hours are listed. `label` is translated:
    "Open now · closes 9 PM", "Closed · opens 9 AM Mon", "Open 24 hours" or "Hours not
    listed". Open or not follows the same rule as OPEN_AT_SQL.
    """
    if not periods or local is None:
        return {"open": None, "label": gettext("Hours not listed")}
    # Wall-clock time, as OPEN_AT_SQL compares: a DST change moves the clock, not the hours.
    now = local.replace(tzinfo=None)
    for start, end in open_spans(periods, now.date()):
        if start <= now < end:
            if end - now >= timedelta(days=7):
                return {"open": True, "label": gettext("Open 24 hours")}
            return {"open": True, "label": closing_label(end, now)}
        if start > now:
            return {"open": False, "label": opening_label(start, now)}
    return {"open": False, "label": gettext("Hours not listed")}  # not reached: hours repeat
