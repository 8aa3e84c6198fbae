"""US ZIP codes and their centres, which place searches and listings on the map."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import connections, models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from ..domain.geo import Point, bounding_box, great_circle_miles
from ..domain.place_names import zip_names
from ..domain.validators import (
    latitude_validators,
    longitude_validators,
    validate_timezone,
    zip_code_validator,
)


class ZipCodeQuerySet(models.QuerySet):
    def centre(self, code: str) -> tuple[float, float, str, str] | None:
        """(latitude, longitude, city, state) of one ZIP code, or None. Every search by
        ZIP starts here, so it is one short statement rather than an ORM query."""
        with connections[self.db].prepared_cursor() as cursor:
            cursor.execute(
                "SELECT latitude, longitude, city, state FROM locations_zipcode WHERE code = %s",
                [code],
            )
            return cursor.fetchone()

    def nearest(self, latitude: float, longitude: float, miles: float = 50) -> "ZipCode | None":
        """The ZIP whose centroid is nearest the point, if one is within `miles`."""
        point = Point(latitude, longitude)
        min_lat, max_lat, min_lng, max_lng = bounding_box(point, miles)
        return (
            self.filter(latitude__range=(min_lat, max_lat), longitude__range=(min_lng, max_lng))
            .annotate(distance=great_circle_miles(point))
            .order_by("distance")
            .first()
        )


class ZipCode(models.Model):
    """A US ZIP code's centroid, used to place searches and locations on the map."""

    code = models.CharField(max_length=5, primary_key=True, validators=[zip_code_validator])
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    county = models.CharField(max_length=100, blank=True)
    latitude = models.FloatField(validators=latitude_validators)
    longitude = models.FloatField(validators=longitude_validators)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    # Keys (domain.place_names.place_key) of the names the ZIP answers to: its city
    # first, then the other names the USPS knows for it ("Manhattan", "Queens").
    names = ArrayField(models.CharField(max_length=100), default=list, blank=True)

    objects = ZipCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("ZIP code")
        verbose_name_plural = _("ZIP codes")
        indexes = [
            models.Index(Upper("city"), "state", name="zipcode_city_state"),
            models.Index(fields=["latitude", "longitude"], name="zipcode_latlng"),
            GinIndex(fields=["names"], name="zipcode_names"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.city}, {self.state}"

    def save(self, *args, **kwargs):
        # The city's own key always comes first (bulk loads set `names` themselves).
        self.names = zip_names(self.city, self.names[1:] if self.names else [])
        super().save(*args, **kwargs)
