"""Numbers, distances and time zones as people read them, in English and Spanish."""

import random

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

from locations.domain.words import miles, miles_away, miles_lazy, number, one_decimal, zone_name


@pytest.mark.parametrize(
    "language, value, expected",
    [
        ("en", 1, "1 mile"),
        ("en", 10, "10 miles"),
        ("en", 1000, "1,000 miles"),
        ("es", 1, "1 milla"),
        ("es", 25, "25 millas"),
        ("es", 1000, "1.000 millas"),
    ],
)
def test_a_whole_number_of_miles_takes_the_right_plural(language, value, expected):
    with translation.override(language):
        assert miles(value) == expected


@pytest.mark.parametrize(
    "language, value, expected",
    [
        ("en", 1976.66, "1,976.7 mi"),
        ("es", 1976.66, "1.976,7 mi"),
        ("en", 0.04, "0.0 mi"),
        ("en", 12.25, "12.3 mi"),
        ("es", 0.5, "0,5 mi"),
    ],
)
def test_a_distance_is_rounded_and_written_with_the_languages_separators(language, value, expected):
    with translation.override(language):
        assert miles_away(value) == expected


def test_lazy_miles_are_translated_when_shown_not_when_made():
    label = miles_lazy(5)

    with translation.override("es"):
        assert str(label) == "5 millas"
    with translation.override("en"):
        assert str(label) == "5 miles"


@pytest.mark.parametrize(
    "zone, english, spanish",
    [
        ("America/New_York", "Eastern Time", "Hora del Este"),
        ("America/Indiana/Indianapolis", "Eastern Time", "Hora del Este"),
        ("America/Chicago", "Central Time", "Hora del Centro"),
        ("America/Denver", "Mountain Time", "Hora de la Montaña"),
        ("America/Phoenix", "Mountain Time", "Hora de la Montaña"),
        ("America/Los_Angeles", "Pacific Time", "Hora del Pacífico"),
        ("America/Anchorage", "Alaska Time", "Hora de Alaska"),
        ("America/Adak", "Hawaii-Aleutian Time", "Hora de Hawái-Aleutianas"),
        ("Pacific/Honolulu", "Hawaii Time", "Hora de Hawái"),
        ("America/Puerto_Rico", "Atlantic Time", "Hora del Atlántico"),
        ("Pacific/Guam", "Chamorro Time", "Hora de Chamorro"),
        ("Pacific/Pago_Pago", "Samoa Time", "Hora de Samoa"),
    ],
)
def test_us_time_zones_have_the_names_people_use(zone, english, spanish):
    with translation.override("en"):
        assert zone_name(zone) == english
    with translation.override("es"):
        assert zone_name(zone) == spanish


@pytest.mark.parametrize("zone", ["Europe/Paris", "Not/AZone", "UTC", ""])
def test_other_zones_keep_their_own_name(zone):
    assert zone_name(zone) == zone


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_distance_is_written_as_floatformat_writes_it(language):
    rng = random.Random(5)
    values = [0.0, 0.04, 0.05, 0.15, 0.25, 2.25, 9.95, 999.95, 1976.7, 1234567.85, 12.345]
    values += [rng.uniform(0, 3000) for _ in range(3000)]
    values += [round(rng.uniform(0, 100), 2) for _ in range(3000)]  # many ties at .x5
    with translation.override(language):
        for value in values:
            assert one_decimal(value) == number(value, 1), value


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_whole_number_is_written_as_floatformat_writes_it(language):
    with translation.override(language):
        for value in [*range(-1200, 1201), 9999, 12345, 1000000]:
            assert number(value) == floatformat(value, "g"), value
