"""Weekly opening hours as one line of text, for CSV files and people.

    Mon-Fri 09:00-17:00; Sat 10:00-14:00; Sun closed
    Mon,Wed 9am-12pm, 1pm-5pm
    Fri-Sat 22:00-02:00        (closing at or before opening runs past midnight)
    Mon-Fri 24h                (open all day: stored as 00:00-00:00)
    24/7                       (open all day, every day)

Days missing from the text are closed. `parse_hours` reads this format (leniently:
any case, full or short day names, ranges that wrap like Sat-Mon, 12-hour times, en
dashes, stray spaces) and `format_hours` writes its canonical form, so that
parse_hours(format_hours(rows)) gives back the same rows.
"""

import re
from collections.abc import Iterable
from datetime import time

Row = tuple[int, time, time]

MIDNIGHT = time(0, 0)
DAY_ABBREVIATIONS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MINUTES_PER_DAY = 24 * 60

_DAY_NAMES = {
    0: ["mo", "mon", "monday"],
    1: ["tu", "tue", "tues", "tuesday"],
    2: ["we", "wed", "weds", "wednesday"],
    3: ["th", "thu", "thur", "thurs", "thursday"],
    4: ["fr", "fri", "friday"],
    5: ["sa", "sat", "saturday"],
    6: ["su", "sun", "sunday"],
}
DAYS = {name: day for day, names in _DAY_NAMES.items() for name in names}
# Words that name several days at once.
DAY_GROUPS = {
    "daily": range(7),
    "every day": range(7),
    "everyday": range(7),
    "weekdays": range(5),
    "weekends": range(5, 7),
    "weekend": range(5, 7),
}

_DASHES = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2212]\s*|\s+to\s+", re.IGNORECASE)
# A segment: the days, an optional colon, then the times (starting with a digit) or a word.
_SEGMENT = re.compile(
    r"^(?P<days>.*?)\s*:?\s*"
    r"(?P<times>closed|24\s*h(?:rs?|ours?)?|open 24 hours|all day|(?:\d|noon|midnight).*)?$",
    re.IGNORECASE,
)
_ALL_DAY = re.compile(r"^(?:24\s*h(?:rs?|ours?)?|open 24 hours|all day)$", re.IGNORECASE)
_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?:[:.]?(?P<minute>\d{2}))?\s*(?:(?P<meridiem>[ap])\.?\s*(?:m\.?)?)?$",
    re.IGNORECASE,
)
_WORD_TIMES = {"noon": (time(12, 0), "p"), "midnight": (MIDNIGHT, "a")}


def parse_hours(text: str) -> list[Row]:
    """Read weekly hours text into (weekday, opens, closes) rows, Monday = 0.

    Raises ValueError with a message that names the problem. Blank text gives [].
    """
    text = " ".join((text or "").split())
    if not text:
        return []
    if re.fullmatch(r"24\s*/\s*7", text):
        return [(day, MIDNIGHT, MIDNIGHT) for day in range(7)]

    rows: list[Row] = []
    closed_days: set[int] = set()
    for segment in text.split(";"):
        segment = segment.strip()
        if not segment:
            raise ValueError(
                f'empty part in "{text}": remove the extra ";" (parts are separated by ";")'
            )
        days, times = _split_segment(segment)
        if times is None:
            closed_days.update(days)
        else:
            rows.extend((day, opens, closes) for day in days for opens, closes in times)

    reopened = closed_days & {day for day, _opens, _closes in rows}
    if reopened:
        raise ValueError(f"{_day_list(reopened)} listed as both closed and open")
    rows.sort()
    check_overlaps(rows)
    return rows


def format_hours(rows: Iterable) -> str:
    """Write rows (tuples or OpeningHours objects) as canonical hours text.

    Days with the same hours are grouped (Mon-Fri 09:00-17:00; Sat 10:00-14:00); days
    without hours are left out (closed). 00:00-00:00 reads "24h", on all seven days "24/7".
    """
    by_day: dict[int, list[tuple[time, time]]] = {}
    for row in rows:
        weekday, opens, closes = (
            (row.weekday, row.opens, row.closes) if hasattr(row, "weekday") else row
        )
        by_day.setdefault(weekday, []).append((opens, closes))
    if not by_day:
        return ""
    periods_of = {day: tuple(sorted(periods)) for day, periods in by_day.items()}
    all_day = ((MIDNIGHT, MIDNIGHT),)
    if len(periods_of) == 7 and all(p == all_day for p in periods_of.values()):
        return "24/7"

    days_with: dict[tuple, list[int]] = {}
    for day in sorted(periods_of):
        days_with.setdefault(periods_of[day], []).append(day)
    segments = [
        f"{_day_ranges(days)} {_format_periods(periods)}" for periods, days in days_with.items()
    ]
    return "; ".join(segments)


def _split_segment(segment: str) -> tuple[list[int], list[tuple[time, time]] | None]:
    """Days and periods of one segment; periods None means closed."""
    match = _SEGMENT.match(segment)
    days_text, times_text = match["days"], match["times"]
    if not days_text:
        raise ValueError(f'"{segment}" does not say which days (start with e.g. "Mon-Fri")')
    if times_text is None:
        raise ValueError(f'"{segment}" has no hours: add times like 09:00-17:00, or "closed"')
    days = _parse_days(days_text, segment)
    if times_text.lower() == "closed":
        return days, None
    return days, [_parse_period(part.strip(), segment) for part in times_text.split(",")]


def _parse_days(text: str, segment: str) -> list[int]:
    days: list[int] = []
    for part in re.split(r"\s*(?:,|&|\band\b)\s*", text.strip(), flags=re.IGNORECASE):
        if not part:
            raise ValueError(f'missing day name in "{segment}"')
        group = DAY_GROUPS.get(part.lower())
        if group is not None:
            new = list(group)
        else:
            ends = _DASHES.split(part)
            if len(ends) > 2:
                raise ValueError(f'"{part}" is not a day or a range of days like Mon-Fri')
            first = _day_number(ends[0])
            last = _day_number(ends[-1])
            new = [(first + step) % 7 for step in range((last - first) % 7 + 1)]
        repeated = set(days) & set(new)
        if repeated:
            raise ValueError(f'{_day_list(repeated)} listed twice in "{segment}"')
        days.extend(new)
    return days


def _day_number(name: str) -> int:
    day = DAYS.get(name.strip().rstrip(".").lower())
    if day is None:
        raise ValueError(f'unknown day "{name.strip()}" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)')
    return day


def _parse_period(text: str, segment: str) -> tuple[time, time]:
    if _ALL_DAY.match(text):
        return MIDNIGHT, MIDNIGHT
    ends = _DASHES.split(text)
    if len(ends) != 2 or not all(ends):
        raise ValueError(f'"{text}" in "{segment}" is not a time range like 09:00-17:00 or 9am-5pm')
    (open_hm, open_meridiem), (close_hm, close_meridiem) = map(_read_time, ends)
    # "9-5pm", "10-2am", "9am-5": the side without am/pm takes whichever of am/pm
    # gives the shorter opening (9am-5pm, 10pm-2am, 9am-5pm).
    if open_meridiem == "?" and close_meridiem in ("a", "p"):
        closes = _to_time(close_hm, ends[1], closing=True)
        opens = min(
            (_to_time(_twelve_hour(open_hm, m), ends[0]) for m in "ap"),
            key=lambda opens: _length(opens, closes),
        )
    elif close_meridiem == "?" and open_meridiem in ("a", "p"):
        opens = _to_time(open_hm, ends[0])
        closes = min(
            (_to_time(_twelve_hour(close_hm, m), ends[1]) for m in "ap"),
            key=lambda closes: _length(opens, closes),
        )
    else:
        opens = _to_time(open_hm, ends[0])
        closes = _to_time(close_hm, ends[1], closing=True)
    no_meridiem = open_meridiem in ("?", "-") and close_meridiem in ("?", "-")
    if no_meridiem and (
        # "9-5" surely means 9am to 5pm, not 9am to 5am the next morning,
        (closes <= opens and closes != MIDNIGHT and opens.hour <= 12 and _one_digit_hour(ends[1]))
        # and "1-5" 1pm to 5pm rather than 1am to 5am: ask.
        or (1 <= opens.hour <= 5 and _one_digit_hour(ends[0]))
    ):
        raise ValueError(
            f'"{text}" is ambiguous: add am/pm (9am-5pm) or use 24-hour times (09:00-17:00)'
        )
    return opens, closes


def _read_time(text: str) -> tuple[tuple[int, int], str]:
    """(hour, minute) and how it was written: "a"/"p" (am/pm, hour already converted),
    "?" (no am/pm, hour 1-12: could be either) or "-" (24-hour clock)."""
    text = text.strip()
    word = _WORD_TIMES.get(text.lower())
    if word is not None:
        value, meridiem = word
        return (value.hour, value.minute), meridiem
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f'bad time "{text}" (write 17:00, 5pm or 5:30 PM)')
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    meridiem = (match["meridiem"] or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f'bad time "{text}": with am/pm the hour is 1 to 12')
        return _twelve_hour((hour, minute), meridiem), meridiem
    return (hour, minute), ("?" if 1 <= hour <= 12 else "-")


def _twelve_hour(value: tuple[int, int], meridiem: str) -> tuple[int, int]:
    hour, minute = value
    return hour % 12 + (12 if meridiem == "p" else 0), minute


def _length(opens: time, closes: time) -> int:
    """Minutes open, counting past midnight (equal times: a whole day)."""
    minutes = (closes.hour - opens.hour) * 60 + closes.minute - opens.minute
    return minutes % MINUTES_PER_DAY or MINUTES_PER_DAY


def _to_time(value: tuple[int, int], text: str, closing: bool = False) -> time:
    hour, minute = value
    if closing and (hour, minute) == (24, 0):
        return MIDNIGHT
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f'bad time "{text.strip()}" (hours 0-23, minutes 0-59)')
    return time(hour, minute)


def _one_digit_hour(text: str) -> bool:
    return bool(re.match(r"^\d(?!\d)", text.strip()))


def check_overlaps(rows: list[Row]) -> None:
    """Two periods of the same weekday may not overlap (Mon 9-12 and Mon 13-17 is fine).

    Raises ValueError naming the day and the two periods."""
    spans: dict[int, list[tuple[int, int, time, time]]] = {}
    for day, opens, closes in rows:
        start = opens.hour * 60 + opens.minute
        end = closes.hour * 60 + closes.minute
        if end <= start:
            end += MINUTES_PER_DAY
        spans.setdefault(day, []).append((start, end, opens, closes))
    for day, day_spans in spans.items():
        day_spans.sort()
        for earlier, later in zip(day_spans, day_spans[1:], strict=False):
            if later[0] < earlier[1]:
                raise ValueError(
                    f"{DAY_ABBREVIATIONS[day]} has overlapping hours: "
                    f"{_format_period(earlier[2], earlier[3])} and "
                    f"{_format_period(later[2], later[3])}"
                )


def _day_list(days: Iterable[int]) -> str:
    return ", ".join(DAY_ABBREVIATIONS[day] for day in sorted(days))


def _day_ranges(days: list[int]) -> str:
    """[0, 1, 2, 4] -> "Mon-Wed,Fri"; [0, 2, 5, 6] -> "Sat-Mon,Wed" (runs become ranges)."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:
        runs[0] = runs.pop() + runs[0]  # Sat-Mon reads better than Mon,Sat-Sun
    return ",".join(
        DAY_ABBREVIATIONS[run[0]]
        if len(run) == 1
        else f"{DAY_ABBREVIATIONS[run[0]]}-{DAY_ABBREVIATIONS[run[-1]]}"
        for run in runs
    )


def _format_periods(periods: tuple[tuple[time, time], ...]) -> str:
    return ", ".join(_format_period(opens, closes) for opens, closes in periods)


def _format_period(opens: time, closes: time) -> str:
    if opens == closes == MIDNIGHT:
        return "24h"
    return f"{opens:%H:%M}-{closes:%H:%M}"
