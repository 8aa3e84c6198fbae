import contextlib
import functools
import math
import zoneinfo
from datetime import date, datetime, time, timedelta

import phonenumbers
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cos, JSONObject, Power, Radians, Sin, Sqrt, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import time_format
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .usps import STATE_CHOICES, STATES

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0

zip_code_validator = RegexValidator(r"^\d{5}$", _("Enter a 5-digit ZIP code."))
latitude_validators = [MinValueValidator(-90), MaxValueValidator(90)]
longitude_validators = [MinValueValidator(-180), MaxValueValidator(180)]


@functools.cache
def known_timezones() -> frozenset[str]:
    """IANA zone names on this system (listing them reads the disk, so once only)."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value and value not in known_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def normalize_phone(value: str) -> str:
    """Return a US phone number in E.164 form (+12125550100), or raise ValidationError."""
    if not value or not value.strip():
        return ""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(
            _("%(value)s is not a phone number. Use a 10-digit US number like (212) 555-0100."),
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Show a stored number the way people in the US write it: (212) 555-0100."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "US")
    if number.country_code == 1:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class Point:
    """A place on the map the search measures from, with what to call it."""

    def __init__(self, latitude: float, longitude: float, label: str = "", state: str = ""):
        self.latitude = latitude
        self.longitude = longitude
        self.label = label
        self.state = state

    def __repr__(self) -> str:
        return f"Point({self.latitude}, {self.longitude}, {self.label!r}, {self.state!r})"


def bounding_box(point: Point, miles: float) -> tuple[float, float, float, float]:
    """The latitude/longitude box that holds every place within `miles` of `point`.

    Returns (min_lat, max_lat, min_lng, max_lng). When the box would cross the
    antimeridian or reach a pole, the longitude span is the whole globe and only
    latitude narrows the search.
    """
    lat_span = miles / MILES_PER_DEGREE_LATITUDE
    cos_lat = math.cos(math.radians(point.latitude))
    min_lat, max_lat = point.latitude - lat_span, point.latitude + lat_span
    if cos_lat < 0.01:
        return (min_lat, max_lat, -180.0, 180.0)
    lng_span = lat_span / cos_lat
    min_lng, max_lng = point.longitude - lng_span, point.longitude + lng_span
    if min_lng < -180 or max_lng > 180:
        return (min_lat, max_lat, -180.0, 180.0)
    return (min_lat, max_lat, min_lng, max_lng)


def miles_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in miles between two points, in Python."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dlat = (phi2 - phi1) / 2
    half_dlng = math.radians(lng2 - lng1) / 2
    a = math.sin(half_dlat) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlng) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def great_circle_miles(point: Point):
    """A SQL expression: haversine distance in miles from `point` to each row."""
    lat0 = math.radians(point.latitude)
    half_dlat = (Radians(F("latitude")) - lat0) / 2
    half_dlng = (Radians(F("longitude")) - math.radians(point.longitude)) / 2
    a = Power(Sin(half_dlat), 2) + math.cos(lat0) * Cos(Radians(F("latitude"))) * Power(
        Sin(half_dlng), 2
    )
    # LEAST guards ASIN against a rounding error just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_MILES * ASin(Sqrt(models.Func(a, 1.0, function="LEAST")))


# Open at a moment, evaluated in each location's own time zone. weekday 0 is Monday;
# a row whose closing time is not after its opening time runs past midnight.
OPEN_AT_SQL = """
EXISTS (
  SELECT 1 FROM locations_openinghours h,
    LATERAL (SELECT (%s::timestamptz
                     AT TIME ZONE NULLIF("locations_location"."timezone", '')) AS ts) l
  WHERE h.location_id = "locations_location"."id" AND (
    (h.weekday = EXTRACT(ISODOW FROM l.ts)::int - 1
      AND h.opens <= l.ts::time AND (h.closes > l.ts::time OR h.closes <= h.opens))
    OR (h.weekday = MOD(EXTRACT(ISODOW FROM l.ts)::int + 5, 7)
      AND h.closes <= h.opens AND l.ts::time < h.closes)
  )
)
"""


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


class LocationQuerySet(models.QuerySet):
    def published(self):
        """Only what the public may see."""
        return self.filter(status=Location.Status.PUBLISHED)

    def with_distance(self, point: Point):
        """Annotate `distance` in miles from `point` (great-circle)."""
        return self.annotate(distance=great_circle_miles(point))

    def near(self, point: Point, miles: float):
        """Places within `miles` of `point`, nearest first, with `distance` annotated.

        The bounding box lets PostgreSQL use the latitude/longitude index; the exact
        distance then trims the corners of the box.
        """
        min_lat, max_lat, min_lng, max_lng = bounding_box(point, miles)
        return (
            self.filter(
                latitude__range=(min_lat, max_lat),
                longitude__range=(min_lng, max_lng),
            )
            .with_distance(point)
            .filter(distance__lte=miles)
            .order_by("distance", "name", "pk")
        )

    def with_open_now(self, moment: datetime | None = None):
        """Annotate `open_now`: open at `moment` (default now) in the place's time zone."""
        return self.annotate(open_now=open_at(moment or timezone.now()))

    def for_listing(self):
        """Only the columns public lists need (one helper for pages and API), with each
        place's opening hours in `hours_list` so that open_status() needs no query."""
        return self.only(*Location.LISTING_FIELDS).annotate(hours_list=hours_array())

    def state_counts(self) -> list[dict]:
        """Published places per state, [{"state": "NY", "name": "New York", "count": 12}],
        ordered by state name; one query. A mail-based program counts in its own state."""
        rows = self.published().values_list("state").annotate(count=Count("pk")).order_by()
        counts = [
            {"state": state, "name": STATES.get(state, state), "count": count}
            for state, count in rows
        ]
        return sorted(counts, key=lambda row: row["name"])

    def city_spellings(self, state: str):
        """(city, count) of published places in `state` per spelling of the city's name,
        the most used spelling first."""
        return (
            self.published()
            .filter(state=state.upper())
            .values_list("city")
            .annotate(count=Count("pk"))
            .order_by("-count", "city")
        )

    def city_counts(self, state: str) -> list[dict]:
        """Published places per city of `state`, [{"city": "Albany", "slug": "albany",
        "count": 3}], ordered by city; one query.

        Spellings with the same slug ("St. Louis", "St Louis") are one city, named by the
        spelling most of its places use. The slug is slugify(city), as in city page URLs.
        """
        cities: dict[str, dict] = {}
        for name, count in self.city_spellings(state):
            slug = slugify(name)
            if not slug:
                continue  # no URL can name it
            if slug in cities:
                cities[slug]["count"] += count
            else:
                cities[slug] = {"city": name, "slug": slug, "count": count}
        return sorted(cities.values(), key=lambda row: (row["city"].casefold(), row["slug"]))

    def city_slugs(self) -> list[tuple[str, str]]:
        """(state, city slug) of every city with published places, sorted; one query."""
        rows = self.published().values_list("state", "city").distinct().order_by()
        return sorted({(state, slugify(city)) for state, city in rows if slugify(city)})

    def mailing_to(self, state: str):
        """Published mail-based programs that mail to `state` (listed in states_served)."""
        return self.published().filter(
            kind=Location.Kind.MAIL_BASED, states_served__contains=[state.upper()]
        )


class Location(models.Model):
    """A place where people can get naloxone."""

    class Kind(models.TextChoices):
        PHARMACY = "pharmacy", _("Pharmacy")
        LAW_ENFORCEMENT = "law_enforcement", _("Police or sheriff")
        HARM_REDUCTION = "harm_reduction", _("Harm reduction program")
        HEALTH_DEPARTMENT = "health_department", _("Health department")
        HOSPITAL = "hospital", _("Hospital")
        CLINIC = "clinic", _("Clinic")
        VENDING_MACHINE = "vending_machine", _("Vending machine")
        MAIL_BASED = "mail_based", _("By mail")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    class Precision(models.TextChoices):
        ADDRESS = "address", _("Street address")
        ZIP_CENTROID = "zip_centroid", _("ZIP code centre (approximate)")
        MANUAL = "manual", _("Set by hand")

    class VerificationMethod(models.TextChoices):
        PHONE = "phone", _("Phone call")
        VISIT = "visit", _("Visit")
        PARTNER = "partner", _("Partner report")
        IMPORT = "import", _("Data import")

    # The offerings, in the order pages and the CSV format list them.
    OFFERINGS = [
        ("free_naloxone", _("Free naloxone")),
        ("no_prescription", _("No prescription needed")),
        ("sells_otc", _("Sells over the counter")),
        ("nasal_spray", _("Nasal spray")),
        ("injectable", _("Injectable")),
        ("training", _("Training")),
        ("fentanyl_test_strips", _("Fentanyl test strips")),
        ("walk_in", _("Walk-in")),
        ("anonymous", _("Anonymous, no ID needed")),
        ("open_24_7", _("24/7 access")),
        ("wheelchair_accessible", _("Wheelchair accessible")),
    ]

    slug = models.SlugField(
        max_length=120,
        unique=True,
        editable=False,
        help_text="Permanent part of the public URL; set once, never changed by renaming.",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    street_address = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    zip_code = models.CharField(max_length=5, validators=[zip_code_validator])
    latitude = models.FloatField(
        null=True,
        blank=True,
        validators=latitude_validators,
        help_text="Leave blank to use the centre of the ZIP code (marked approximate).",
    )
    longitude = models.FloatField(null=True, blank=True, validators=longitude_validators)
    location_precision = models.CharField(
        max_length=20,
        choices=Precision.choices,
        default=Precision.MANUAL,
        help_text="How exact the coordinates are; set automatically when taken from the ZIP.",
    )
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="IANA time zone for opening hours; taken from the ZIP code when blank.",
    )
    phone = models.CharField(max_length=20, blank=True, help_text="Stored as +1XXXXXXXXXX.")
    website = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    description = models.TextField(blank=True)

    free_naloxone = models.BooleanField(default=False)
    no_prescription = models.BooleanField(default=False, help_text="No prescription needed.")
    sells_otc = models.BooleanField(default=False, help_text="Sells naloxone over the counter.")
    nasal_spray = models.BooleanField(default=False)
    injectable = models.BooleanField(default=False)
    training = models.BooleanField(default=False, help_text="Offers overdose response training.")
    fentanyl_test_strips = models.BooleanField(default=False)
    walk_in = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=False, help_text="Anonymous; no ID asked for.")
    open_24_7 = models.BooleanField(default=False, help_text="Naloxone can be had at any hour.")
    wheelchair_accessible = models.BooleanField(default=False)

    languages = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text="Languages staff speak, separated by commas.",
    )
    states_served = ArrayField(
        models.CharField(max_length=2, choices=STATE_CHOICES),
        default=list,
        blank=True,
        help_text="Mail-based programs: USPS codes of the states they mail to, comma-separated.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    last_verified_on = models.DateField("last verified", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff only.",
    )
    verification_method = models.CharField(
        max_length=10, choices=VerificationMethod.choices, blank=True
    )
    internal_notes = models.TextField(blank=True, help_text="Staff only; never shown publicly.")
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The row's ID in an imported file."
    )
    source = models.CharField(max_length=50, blank=True, help_text="Where an import came from.")
    is_demo = models.BooleanField(default=False, help_text="Made up by seed_demo; not real.")
    normalized_address = models.CharField(
        max_length=600,
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text="The address in one comparable form, to find duplicates; set on save.",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        editable=False,
        db_index=False,  # indexed below for the few rows that have one
        help_text="The listing this one was merged into; its public page redirects there.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LocationQuerySet.as_manager()
    # Who changed what and when, from the admin, imports and commands alike. The
    # timestamp is left out: every record has its own history_date.
    history = HistoricalRecords(excluded_fields=["updated_at", "normalized_address"])

    # Columns public lists (search page, API) read; never the staff-only ones.
    LISTING_FIELDS = [
        "id", "slug", "name", "kind", "street_address", "address_line2", "city", "state",
        "zip_code", "latitude", "longitude", "location_precision", "timezone", "phone",
        "website", "last_verified_on", "status",
        *[name for name, _label in OFFERINGS],
    ]  # fmt: skip

    # What the duplicate checks compare; a save that changes none of them checks nothing.
    DUPLICATE_FIELDS = {
        "name", "street_address", "address_line2", "city", "state", "zip_code",
        "latitude", "longitude", "location_precision", "status",
    }  # fmt: skip

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="location_unique_external_id",
            ),
        ]
        indexes = [
            # The search's bounding box; only published rows are ever searched.
            models.Index(
                fields=["latitude", "longitude"],
                condition=Q(status="published"),
                name="location_published_latlng",
            ),
            models.Index(fields=["state", "city"], name="location_state_city"),
            models.Index(fields=["zip_code"], name="location_zip"),
            models.Index(fields=["is_demo"], condition=Q(is_demo=True), name="location_demo"),
            # Duplicate checks: by address, and by position among listings placed by hand
            # or by address (both only among listings that are not closed).
            models.Index(
                fields=["normalized_address"],
                condition=~Q(status="closed"),
                name="location_normalized_address",
            ),
            # Nearby checks join on 55 m latitude bands (see duplicates.NEARBY_SQL): an
            # equality join stays fast for one listing or a whole file, however fresh the
            # table's statistics.
            models.Index(
                models.functions.Floor(F("latitude") * 2000),
                condition=~Q(status="closed") & ~Q(location_precision="zip_centroid"),
                name="location_latitude_band",
            ),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="location_merged_into",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city}, {self.state})"

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(self.name, self.city, self.state)
        if self.latitude is None or not self.timezone:
            self.fill_from_zip()
        if self.phone:
            # clean() reports a bad number to staff; saves from code still store E.164.
            with contextlib.suppress(ValidationError):
                self.phone = normalize_phone(self.phone)
        from .duplicates import flag_duplicates, location_address

        self.normalized_address = location_address(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            update_fields = {*update_fields, "normalized_address"}
            kwargs["update_fields"] = update_fields
        super().save(*args, **kwargs)
        # Ids of the possible-duplicate pairs this save flagged (the admin warns of them).
        self.flagged_duplicates = []
        if update_fields is None or update_fields & self.DUPLICATE_FIELDS:
            self.flagged_duplicates = flag_duplicates([self])

    def get_absolute_url(self) -> str:
        return reverse("location_detail", args=[self.slug])

    def clean(self) -> None:
        errors = {}
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as error:
                errors["phone"] = error.messages
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        elif (
            (self.latitude is None or not self.timezone)
            and zip_code_validator.regex.match(self.zip_code or "")
            and not self.fill_from_zip()
            and self.latitude is None
        ):
            errors["zip_code"] = _(
                "ZIP code %(zip)s is not in our ZIP table; enter latitude and longitude."
            ) % {"zip": self.zip_code}
        if errors:
            raise ValidationError(errors)

    def fill_from_zip(self, zip_code: "ZipCode | None" = None) -> bool:
        """Fill blank coordinates and time zone from the ZIP centroid; False if unknown."""
        if zip_code is None:
            zip_code = ZipCode.objects.filter(code=self.zip_code).first()
        if zip_code is None:
            if not self.timezone and self.latitude is not None and self.longitude is not None:
                # A ZIP missing from the table (a new one): the nearest ZIP's zone.
                nearest = ZipCode.objects.nearest(self.latitude, self.longitude)
                self.timezone = nearest.timezone if nearest else ""
            return False
        if self.latitude is None or self.longitude is None:
            self.latitude, self.longitude = zip_code.latitude, zip_code.longitude
            self.location_precision = self.Precision.ZIP_CENTROID
        if not self.timezone:
            self.timezone = zip_code.timezone
        return True

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def offerings(self) -> list[str]:
        """Labels of what this place offers, in display order."""
        return [label for name, label in self.OFFERINGS if getattr(self, name)]

    @property
    def is_approximate(self) -> bool:
        return self.location_precision == self.Precision.ZIP_CENTROID

    def local_time(self, moment: datetime) -> datetime | None:
        """`moment` on this place's clock, or None when its time zone is unknown."""
        if not self.timezone:
            return None
        return moment.astimezone(zoneinfo.ZoneInfo(self.timezone))

    def is_open_at(self, moment: datetime) -> bool:
        """Open at `moment` by its (prefetched) hours; the same rule as OPEN_AT_SQL."""
        local = self.local_time(moment)
        if local is None:
            return False
        today, now = local.weekday(), local.time()
        yesterday = (today - 1) % 7
        for period in self.hours.all():
            if period.weekday == today and period.opens <= now:
                if period.closes > now or period.past_midnight:
                    return True
            elif period.weekday == yesterday and period.past_midnight and now < period.closes:
                return True
        return False

    def opening_periods(self) -> list[tuple[int, time, time]]:
        """(weekday, opens, closes) of each period: from the `hours_list` the listing
        query brought along when present, else from the (prefetched) hours."""
        rows = getattr(self, "hours_list", None)
        if rows is not None:
            parse = time.fromisoformat
            return [(row["weekday"], parse(row["opens"]), parse(row["closes"])) for row in rows]
        return [(p.weekday, p.opens, p.closes) for p in self.hours.all()]

    def open_status(self, moment: datetime) -> dict:
        """Whether the place is open at `moment` and a label for lists, on its own clock.

        `open` is True or False, or None when no hours are listed. `label` is translated:
        "Open now · closes 9 PM", "Closed · opens 9 AM Mon", "Open 24 hours" or "Hours
        not listed". Open or not follows the same rule as OPEN_AT_SQL.
        """
        periods = self.opening_periods()
        local = self.local_time(moment)
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

    @cached_property
    def open_status_now(self) -> dict:
        """open_status() now, for templates (which cannot pass a moment)."""
        return self.open_status(timezone.now())

    def week(self, moment: datetime) -> list[dict]:
        """Opening periods for each weekday, Monday first, with today marked."""
        local = self.local_time(moment)
        today = local.weekday() if local else None
        periods = list(self.hours.all())
        return [
            {
                "name": label,
                "periods": [p for p in periods if p.weekday == day],
                "is_today": day == today,
            }
            for day, label in OpeningHours.Weekday.choices
        ]

    def verified_days_ago(self, today: date | None = None) -> int | None:
        if self.last_verified_on is None:
            return None
        return ((today or timezone.localdate()) - self.last_verified_on).days

    @property
    def needs_call_ahead(self) -> bool:
        """Not verified for STALE_AFTER_DAYS days: visitors should call first."""
        days = self.verified_days_ago()
        return days is None or days > settings.STALE_AFTER_DAYS


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


def slug_base(name: str, city: str, state: str) -> str:
    return slugify(f"{name} {city} {state}")[:100].strip("-") or "location"


def unique_slug(name: str, city: str, state: str, taken: set[str] | None = None) -> str:
    """A slug from name, city and state, with -2, -3 … when already used.

    Pass `taken` (a set of slugs in use, updated in place) to avoid a query per row.
    """
    base = slug_base(name, city, state)
    if taken is None:
        taken = set(Location.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


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

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="hours")
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

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def past_midnight(self) -> bool:
        return self.closes <= self.opens


class ZipCodeQuerySet(models.QuerySet):
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

    objects = ZipCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(Upper("city"), "state", name="zipcode_city_state"),
            models.Index(fields=["latitude", "longitude"], name="zipcode_latlng"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.city}, {self.state}"


class Submission(models.Model):
    """What a visitor sent through a public form, waiting for staff to moderate it."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    contact_email = models.EmailField(
        blank=True, help_text="Staff only: where the submitter may be asked a question."
    )
    staff_note = models.TextField(blank=True, help_text="Staff only; never shown publicly.")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff only: who accepted or rejected it.",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="The language the submitter used the site in.",
    )

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def moderate(self, status: str, user) -> None:
        """Record the decision, who took it and when (saved by the caller)."""
        self.status = status
        self.moderated_by = user
        self.moderated_at = timezone.now()


class Suggestion(Submission):
    """A place a visitor says carries naloxone and is missing from the directory."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Location.Kind.choices)
    street_address = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    zip_code = models.CharField(max_length=5, validators=[zip_code_validator])
    phone = models.CharField(max_length=20, blank=True, help_text="Stored as +1XXXXXXXXXX.")
    website = models.URLField(max_length=500, blank=True)
    offerings = ArrayField(
        models.CharField(max_length=30, choices=Location.OFFERINGS),
        default=list,
        blank=True,
        help_text="What the visitor says the place offers (the listing's offering fields).",
    )
    notes = models.TextField(blank=True, help_text="Anything else the visitor told us.")
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The draft listing made when the suggestion was accepted.",
    )

    # What the visitor says about the place, in the order the form and the admin ask.
    PLACE_FIELDS = [
        "name", "kind", "street_address", "address_line2", "city", "state", "zip_code",
        "phone", "website", "offerings", "notes",
    ]  # fmt: skip

    class Meta(Submission.Meta):
        indexes = [models.Index(fields=["status", "-created_at"], name="suggestion_queue")]

    def __str__(self) -> str:
        return f"{self.name} ({self.city}, {self.state})"

    def draft_location(self) -> Location:
        """A draft listing prefilled from this suggestion (unsaved, not yet placed on the
        map: accepting it geocodes it, or puts it at its ZIP code's centre)."""
        location = Location(
            name=self.name,
            kind=self.kind,
            street_address=self.street_address,
            address_line2=self.address_line2,
            city=self.city,
            state=self.state,
            zip_code=self.zip_code,
            phone=self.phone,
            website=self.website,
            status=Location.Status.DRAFT,
            source="suggestion",
            internal_notes=gettext("Suggested by a visitor on %(date)s.")
            % {"date": timezone.localdate(self.created_at).isoformat()}
            + (f"\n{self.notes}" if self.notes else ""),
        )
        for name in self.offerings:
            if name in dict(Location.OFFERINGS):
                setattr(location, name, True)
        return location


class ProblemReport(Submission):
    """A visitor's report that a published listing is wrong."""

    class Problem(models.TextChoices):
        CLOSED = "closed", _("The place has closed")
        WRONG_ADDRESS = "wrong_address", _("The address is wrong")
        WRONG_HOURS = "wrong_hours", _("The hours are wrong")
        WRONG_PHONE = "wrong_phone", _("The phone number is wrong")
        NO_NALOXONE = "no_naloxone", _("They do not have naloxone")
        OTHER = "other", _("Something else")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="reports")
    problem = models.CharField(max_length=20, choices=Problem.choices)
    details = models.TextField(blank=True)

    class Meta(Submission.Meta):
        indexes = [models.Index(fields=["status", "-created_at"], name="problemreport_queue")]

    def __str__(self) -> str:
        return f"{self.get_problem_display()}: {self.location.name}"


class VerificationQueueQuerySet(LocationQuerySet):
    def due(self, today: date | None = None) -> "VerificationQueueQuerySet":
        """Drafts and published listings not verified for VERIFY_AFTER_DAYS days (or
        never), the longest-waiting first."""
        cutoff = (today or timezone.localdate()) - timedelta(days=settings.VERIFY_AFTER_DAYS)
        return (
            self.exclude(status=Location.Status.CLOSED)
            .filter(Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=cutoff))
            .order_by(F("last_verified_on").asc(nulls_first=True), "name", "pk")
        )


class VerificationQueue(Location):
    """Listings due for someone to confirm them: the admin's verification queue."""

    objects = VerificationQueueQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "listing to verify"
        verbose_name_plural = "verification queue"


class PossibleDuplicate(models.Model):
    """Two listings that may be the same place, for staff to merge or tell apart.

    Stored once per pair, the lower id first. A pair marked "not a duplicate" stays
    stored, so it is never flagged again.
    """

    class Reason(models.TextChoices):
        SAME_ADDRESS = "same_address", _("Same address")
        NEARBY = "nearby", _("Within 50 m, similar name")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        NOT_DUPLICATE = "not_duplicate", _("Not a duplicate")
        MERGED = "merged", _("Merged")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    distance_m = models.FloatField(
        "distance (m)", null=True, blank=True, help_text="Metres between the two pins."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["location", "other"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=Q(location__lt=F("other")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["other"], name="duplicate_other"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} / {self.other_id}"

    def listings(self) -> list[Location]:
        return [self.location, self.other]
