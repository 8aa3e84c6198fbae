"""services.listings.set_hours: the one way a listing's opening hours are replaced
outside an import, with their history, and never with overlapping periods."""

from datetime import time

import pytest

from locations.models import OpeningHours
from locations.services.listings import save_listing, set_hours
from tests.factories import make_location

pytestmark = pytest.mark.django_db


def test_overlapping_periods_are_refused_and_nothing_is_written():
    location = make_location(hours=[(0, (8, 0), (12, 0))])
    history = OpeningHours.history.count()

    with pytest.raises(ValueError, match="Mon has overlapping hours: 09:00-17:00 and 12:00-20:00"):
        set_hours(location, [(0, time(9), time(17)), (0, time(12), time(20))])

    assert [str(h) for h in location.hours.all()] == ["Monday 08:00-12:00"]
    assert OpeningHours.history.count() == history


def test_save_listing_refuses_overlapping_hours_before_saving_anything():
    location = make_location(name="Before")
    location.name = "After"

    with pytest.raises(ValueError, match="overlapping"):
        save_listing(location, hours=[(2, time(22), time(2)), (2, time(23), time(23, 30))])

    location.refresh_from_db()
    assert location.name == "Before"


def test_it_replaces_the_hours_and_says_whether_they_changed():
    location = make_location(hours=[(0, (8, 0), (12, 0))])
    rows = [(1, time(9), time(17))]

    assert set_hours(location, rows) is True
    assert set_hours(location, rows) is False
    assert [str(h) for h in location.hours.all()] == ["Tuesday 09:00-17:00"]
