"""Places that carry naloxone, their opening hours, and the queries the public lists run."""

import re
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Func, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..domain.geo import Point, bounding_box, great_circle_miles
from ..domain.open_status import status_at
from ..domain.phones import PHONE_MAX_LENGTH, format_phone, normalize_phone, phone_uri
from ..domain.slugs import slug_base
from ..domain.usps import STATE_CHOICES, STATES
from ..domain.validators import (
    latitude_validators,
    longitude_validators,
    validate_timezone,
    zip_code_validator,
)
from .hours import OpeningHours, hours_array, open_at
from .zipcodes import ZipCode

# A place page's path around its slug, per (language, script prefix, URL conf): lists
# show twenty links a page, and reverse() costs more than the rest of a card.
_PLACE_PATHS: dict[tuple, tuple[str, str]] = {}
_SLUG_MARK = "0-slug-0"


def place_path(slug: str, language: str | None = None) -> str:
    """reverse("location_detail", args=[slug]) in `language` (default: the active one),
    for any slug a place can have (letters, digits, hyphens and underscores, which need
    no quoting in a path)."""
    return place_paths(language)(slug)


def place_paths(language: str | None = None) -> Callable[[str], str]:
    """place_path for many slugs: the language, script prefix and URL conf are read once
    (each is a context-local lookup), for a list's twenty places."""
    language = language or get_language()
    key = (language, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    around = _PLACE_PATHS.get(key)
    if around is None:
        with translation.override(language):
            around = tuple(reverse("location_detail", args=[_SLUG_MARK]).split(_SLUG_MARK))
        if len(_PLACE_PATHS) < 64:
            _PLACE_PATHS[key] = around
    before, after = around

    def path(slug: str) -> str:
        if not _SLUG.fullmatch(slug):
            with translation.override(language):
                return reverse("location_detail", args=[slug])  # raises as reverse() does
        return before + slug + after

    return path


_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class Kind(models.TextChoices):
    """What sort of place it is."""

    PHARMACY = "pharmacy", _("Pharmacy")
    LAW_ENFORCEMENT = "law_enforcement", _("Police or sheriff")
    HARM_REDUCTION = "harm_reduction", _("Harm reduction program")
    HEALTH_DEPARTMENT = "health_department", _("Health department")
    HOSPITAL = "hospital", _("Hospital")
    CLINIC = "clinic", _("Clinic")
    VENDING_MACHINE = "vending_machine", _("Vending machine")
    MAIL_BASED = "mail_based", _("By mail")
    OTHER = "other", _("Other")


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


class PlaceFields(models.Model):
    """What says where a place is and how to reach it: shared by a listing and by a
    visitor's suggestion of one, so each field is declared once."""

    name = models.CharField(_("Name"), max_length=200)
    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    street_address = models.CharField(_("Street address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("Address line 2"), max_length=200, blank=True)
    city = models.CharField(_("City"), max_length=100)
    state = models.CharField(_("State"), max_length=2, choices=STATE_CHOICES)
    zip_code = models.CharField(_("ZIP code"), max_length=5, validators=[zip_code_validator])
    phone = models.CharField(
        _("Phone"),
        max_length=PHONE_MAX_LENGTH,
        blank=True,
        help_text=_("A US number with its area code; an extension is kept (ext. 5)."),
    )
    website = models.URLField(_("Website"), max_length=500, blank=True)

    # The address, in the order forms and files give it.
    ADDRESS_FIELDS = ["street_address", "address_line2", "city", "state", "zip_code"]
    # Everything a visitor can tell us about a place, in the order forms ask for it.
    FIELDS = ["name", "kind", *ADDRESS_FIELDS, "phone", "website"]

    class Meta:
        abstract = True

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def phone_uri(self) -> str:
        """The tel: link that dials the phone, extension included (RFC 3966)."""
        return phone_uri(self.phone)


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
        """Published mail-based programs that mail to `state`: it is in states_served, or
        states_served is empty (they mail to the whole country)."""
        return self.published().filter(
            Q(states_served__contains=[state.upper()]) | Q(states_served=[]),
            kind=Location.Kind.MAIL_BASED,
        )


class Location(PlaceFields):
    """A place where people can get naloxone."""

    Kind = Kind

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
        OWNER = "owner", _("Confirmed by the people who run it")

    OFFERINGS = OFFERINGS

    slug = models.SlugField(
        max_length=120,
        unique=True,
        editable=False,
        help_text="Permanent part of the public URL; set once, never changed by renaming.",
    )
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
        _("Time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="IANA time zone for opening hours; taken from the ZIP code when blank.",
    )
    email = models.EmailField(_("Email"), blank=True)
    description = models.TextField(_("Description"), blank=True)

    free_naloxone = models.BooleanField(_("Free naloxone"), default=False)
    no_prescription = models.BooleanField(
        _("No prescription needed"), default=False, help_text="No prescription needed."
    )
    sells_otc = models.BooleanField(
        _("Sells over the counter"), default=False, help_text="Sells naloxone over the counter."
    )
    nasal_spray = models.BooleanField(_("Nasal spray"), default=False)
    injectable = models.BooleanField(_("Injectable"), default=False)
    training = models.BooleanField(
        _("Training"), default=False, help_text="Offers overdose response training."
    )
    fentanyl_test_strips = models.BooleanField(_("Fentanyl test strips"), default=False)
    walk_in = models.BooleanField(_("Walk-in"), default=False)
    anonymous = models.BooleanField(
        _("Anonymous, no ID needed"), default=False, help_text="Anonymous; no ID asked for."
    )
    open_24_7 = models.BooleanField(
        _("Open 24/7"), default=False, help_text="Naloxone can be had at any hour."
    )
    wheelchair_accessible = models.BooleanField(_("Wheelchair accessible"), default=False)

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
        help_text="Mail-based programs: USPS codes of the states they mail to, "
        "comma-separated. Leave blank for a program that mails to the whole country.",
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
            # A search's fallback: the places nearest a point on a flat map of degrees,
            # walked nearest first (models/nearby.py, nearest_matches).
            GistIndex(
                Func(F("longitude"), F("latitude"), function="point"),
                condition=Q(status="published", latitude__isnull=False, longitude__isnull=False),
                name="location_published_point",
            ),
            # A search's fallback lists the mail-based programs serving a state; the
            # few published ones, without reading the table.
            models.Index(
                fields=["kind"],
                condition=Q(status="published", kind="mail_based"),
                name="location_published_mail",
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

    def get_absolute_url(self) -> str:
        return place_path(self.slug)

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

    def open_status(self, moment: datetime, language: str | None = None) -> dict:
        """Whether the place is open at `moment` and a label for lists (in `language`,
        the active one unless told), on its own clock (see domain.open_status.status_at)."""
        return status_at(self.opening_periods(), self.local_time(moment), language)

    @cached_property
    def open_status_now(self) -> dict:
        """open_status() now, for templates (which cannot pass a moment)."""
        return self.open_status(timezone.now())

    def week(self, moment: datetime | None) -> list[dict]:
        """Opening periods for each weekday, Monday first, with today (at `moment`)
        marked; nothing marked without a moment (a printed sheet outlives the day)."""
        local = self.local_time(moment) if moment else None
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
