"""Opening hours: the weekly periods of a place, and the SQL that reads them in a
listing's own query."""

from datetime import datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..domain.open_status import OPEN_AT_SQL


def open_at(moment: datetime) -> RawSQL:
    """A condition: the location is open at `moment`. Refers to the location table by
    name, so use it on Location querysets only, not inside subqueries."""
    return RawSQL(OPEN_AT_SQL, (moment,), output_field=models.BooleanField())


def hours_array() -> ArraySubquery:
    """A column: the location's opening hours as a list of {weekday, opens, closes}, so a
    page of places comes with its hours in the same query instead of one query each."""
    rows = (
        OpeningHours.objects.filter(location=OuterRef("pk"))
        .order_by("weekday", "opens")
        .values(period=JSONObject(weekday="weekday", opens="opens", closes="closes"))
    )
    return ArraySubquery(rows)


class OpeningHours(models.Model):
    """One opening period of a location on one weekday (in the location's time zone)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    # Indexed by hours_of_location below, which starts with it.
    location = models.ForeignKey(
        "locations.Location", on_delete=models.CASCADE, related_name="hours", db_index=False
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(
        help_text="A closing time at or before the opening time means past midnight; "
        "00:00 to 00:00 is open all day."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="hours_weekday_range"
            ),
        ]
        indexes = [
            # Every column a search reads of a place's hours ("open now" for each place in
            # the radius, the hours of each listed one): PostgreSQL answers from the index
            # alone, without visiting the table's pages.
            models.Index(
                fields=["location", "weekday", "opens", "closes"], name="hours_of_location"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def past_midnight(self) -> bool:
        return self.closes <= self.opens
