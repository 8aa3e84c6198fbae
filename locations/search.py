"""The public search: parse the query, resolve `near` to a point, find places by distance.

Both the search page and the API go through `SearchForm` and `run_search`, so they
accept the same parameters, reject the same bad input and return the same places.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Q, Window
from django.db.models.functions import RowNumber, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .domain.geo import Point
from .domain.usps import STATES, state_code
from .domain.words import miles, miles_lazy
from .models import Location, ZipCode
from .models.places import OFFERINGS, open_at

RADIUS_CHOICES = [1, 5, 10, 25, 50, 100]
DEFAULT_RADIUS = 10
PAGE_SIZE = 20
MAX_PAGE = 1000
FALLBACK_NEAREST = 5
FALLBACK_MAIL_BASED = 10

ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")
DIGITS_RE = re.compile(r"^\d+(?:-\d*)?$")
LAT_LNG_RE = re.compile(r"^(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)$")
CITY_STATE_RE = re.compile(r"^(.+?)\s*,\s*([A-Za-z .]{2,30})$")
CITY_ST_RE = re.compile(r"^(.+?)\s+([A-Za-z]{2})$")  # "Albany NY", without the comma
# How people shorten the first word of a city name, and how the ZIP table spells it.
CITY_PREFIXES = {"ST": "SAINT", "STE": "SAINTE", "FT": "FORT", "MT": "MOUNT"}

# Languages the filter offers, and how staff may have written each in `languages`.
LANGUAGE_CHOICES = [
    ("Spanish", _("Spanish")),
    ("Chinese", _("Chinese")),
    ("Vietnamese", _("Vietnamese")),
    ("Arabic", _("Arabic")),
    ("Russian", _("Russian")),
    ("Haitian Creole", _("Haitian Creole")),
    ("Korean", _("Korean")),
    ("Tagalog", _("Tagalog")),
    ("French", _("French")),
    ("Portuguese", _("Portuguese")),
    ("American Sign Language", _("American Sign Language")),
]
LANGUAGE_SPELLINGS = {
    "Spanish": ["Español", "Espanol"],
    "Chinese": ["Mandarin", "Cantonese"],
    "Haitian Creole": ["Kreyòl", "Creole"],
    "American Sign Language": ["ASL"],
}

TRUE_VALUES = {"1", "true", "on", "yes"}
FALSE_VALUES = {"", "0", "false", "off", "no"}


class FlagField(forms.Field):
    """An on/off filter: 1/true/on/yes or 0/false/off/no/blank; anything else is an error."""

    default_error_messages = {"invalid": _("Use 1 to turn this filter on or 0 to turn it off.")}

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> bool:
        text = (value or "").strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


OFFERING_LABELS = dict(OFFERINGS)
# Filters named otherwise than the column they test.
FLAG_COLUMNS = {"free": "free_naloxone"}


class SearchForm(forms.Form):
    """The search's query string. `cleaned_data["near"]` is a resolved Point."""

    near = forms.CharField(
        label=_("ZIP code or city"),
        max_length=100,
        error_messages={
            "required": _("Enter a ZIP code, a city and state, or your location."),
            "max_length": _("That is too long for a ZIP code or a city name."),
        },
    )
    radius = forms.TypedChoiceField(
        label=_("Distance"),
        choices=[(str(r), miles_lazy(r)) for r in RADIUS_CHOICES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_RADIUS,
        error_messages={
            "invalid_choice": _("Choose a distance of 1, 5, 10, 25, 50 or 100 miles."),
        },
    )
    kind = forms.MultipleChoiceField(
        label=_("Type of place"),
        choices=Location.Kind.choices,
        required=False,
        error_messages={"invalid_choice": _("“%(value)s” is not a type of place we list.")},
    )
    free = FlagField(label=_("Free naloxone"))
    no_prescription = FlagField(label=_("No prescription needed"))
    open_now = FlagField(label=_("Open now"))
    no_police = FlagField(label=_("No police or sheriff sites"))
    # The other offerings the data holds, each a filter named as its column.
    walk_in = FlagField(label=OFFERING_LABELS["walk_in"])
    anonymous = FlagField(label=OFFERING_LABELS["anonymous"])
    nasal_spray = FlagField(label=OFFERING_LABELS["nasal_spray"])
    injectable = FlagField(label=OFFERING_LABELS["injectable"])
    fentanyl_test_strips = FlagField(label=OFFERING_LABELS["fentanyl_test_strips"])
    wheelchair_accessible = FlagField(label=OFFERING_LABELS["wheelchair_accessible"])
    open_24_7 = FlagField(label=OFFERING_LABELS["open_24_7"])
    sells_otc = FlagField(label=OFFERING_LABELS["sells_otc"])
    training = FlagField(label=OFFERING_LABELS["training"])
    language = forms.ChoiceField(
        label=_("Staff speak"),
        choices=[("", _("Any language")), *LANGUAGE_CHOICES],
        required=False,
        error_messages={"invalid_choice": _("“%(value)s” is not a language we can filter by.")},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": _("The page must be a whole number."),
            "min_value": _("Pages start at 1."),
            "max_value": _("That page number is too large."),
        },
    )

    def clean_near(self) -> Point:
        return resolve_near(self.cleaned_data["near"])

    def clean_page(self) -> int:
        return self.cleaned_data["page"] or 1

    def first_error(self) -> str:
        """The first problem, as one sentence for a page or a JSON error."""
        for name, errors in self.errors.items():
            if name == "__all__":
                return str(errors[0])
            label = self.fields[name].label
            return f"{label}: {errors[0]}" if name != "near" else str(errors[0])
        return ""


def resolve_near(text: str) -> Point:
    """Turn a ZIP, "City, ST" or "lat,lng" into a Point (one query), or raise."""
    text = " ".join(text.split())
    if match := ZIP_RE.match(text):
        code = match.group(1)
        zip_code = ZipCode.objects.filter(code=code).first()
        if zip_code is None:
            raise forms.ValidationError(
                _("We could not find the ZIP code %(zip)s. Check it, or try a city name."),
                params={"zip": code},
            )
        return Point(
            zip_code.latitude,
            zip_code.longitude,
            f"{zip_code.code} ({zip_code.city}, {zip_code.state})",
            zip_code.state,
        )
    if DIGITS_RE.match(text):
        raise forms.ValidationError(_("A ZIP code has 5 digits, like 10001."))
    if match := LAT_LNG_RE.match(text):
        lat, lng = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise forms.ValidationError(
                _("Coordinates must be a latitude from -90 to 90 and a longitude from -180 to 180.")
            )
        return Point(lat, lng, f"{lat:.4f}, {lng:.4f}", nearest_state(lat, lng))
    match = CITY_STATE_RE.match(text)
    if match is None and (short := CITY_ST_RE.match(text)) and state_code(short.group(2)):
        match = short
    if match:
        city, state = match.group(1), state_code(match.group(2))
        if state is None:
            raise forms.ValidationError(
                _("We did not recognise the state “%(state)s”. Use its two-letter code, like NY."),
                params={"state": match.group(2)},
            )
        centre = (
            ZipCode.objects.annotate(city_upper=Upper("city"))
            .filter(city_upper__in=city_spellings(city), state=state)
            .aggregate(latitude=Avg("latitude"), longitude=Avg("longitude"), n=Count("code"))
        )
        if not centre["n"]:
            raise forms.ValidationError(
                _("We could not find %(city)s, %(state)s. Check the spelling or try a ZIP code."),
                params={"city": city, "state": state},
            )
        return Point(centre["latitude"], centre["longitude"], f"{city.title()}, {state}", state)
    raise forms.ValidationError(
        _("Enter a 5-digit ZIP code (like 10001), a city and state (like Albany, NY), "
          "or use your location.")
    )  # fmt: skip


def city_spellings(city: str) -> list[str]:
    """The city as typed and with a shortened first word spelt out ("St. Louis")."""
    words = city.upper().replace(".", " ").split()
    spellings = {city.upper(), " ".join(words)}
    if words and words[0] in CITY_PREFIXES:
        spellings.add(" ".join([CITY_PREFIXES[words[0]], *words[1:]]))
    return sorted(spellings)


def nearest_state(lat: float, lng: float) -> str:
    """The state of the ZIP centroid nearest to a point within 50 miles, or ""."""
    nearest = ZipCode.objects.nearest(lat, lng)
    return nearest.state if nearest and nearest.state in STATES else ""


@dataclass
class SearchResult:
    """What one search found: a page of places, or, when none are near, the fallback."""

    point: Point
    radius: int
    page: int
    total: int
    results: list[Location]
    nearest_beyond: list[Location] = field(default_factory=list)
    mail_based: list[Location] = field(default_factory=list)

    @property
    def radius_words(self) -> str:
        """The radius as a sentence says it: "1 mile", "10 miles"."""
        return miles(self.radius)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1


class PageOutOfRange(Exception):
    def __init__(self, page: int, pages: int):
        self.page, self.pages = page, pages
        super().__init__(f"page {page} of {pages}")


def filters(data: dict, moment: datetime) -> Q:
    """The chosen filters (not the distance) as one condition."""
    q = Q()
    if data["kind"]:
        q &= Q(kind__in=data["kind"])
    for name in OFFERING_FILTERS:
        if data.get(name):
            q &= Q(**{FLAG_COLUMNS.get(name, name): True})
    if data.get("language"):
        language = data["language"]
        spellings = [language, *LANGUAGE_SPELLINGS.get(language, [])]
        variants = {form for s in spellings for form in (s, s.lower(), s.upper())}
        q &= Q(languages__overlap=sorted(variants))
    if data["no_police"]:
        q &= ~Q(kind=Location.Kind.LAW_ENFORCEMENT)
    if data["open_now"]:
        q &= Q(open_at(moment))
    return q


# The flags that keep places having an offering (all but open_now and no_police).
OFFERING_FILTERS = [
    name
    for name, field in SearchForm.base_fields.items()
    if isinstance(field, FlagField) and FLAG_COLUMNS.get(name, name) in OFFERING_LABELS
]


def listing(moment: datetime):
    """Published places with the columns and the open-now flag every list shows."""
    return Location.objects.published().for_listing().with_open_now(moment)


def run_search(data: dict, moment: datetime | None = None) -> SearchResult:
    """Run a validated search: one query for the count, one for the page or the fallback."""
    moment = moment or timezone.now()
    point, radius, page = data["near"], data["radius"], data["page"]
    condition = filters(data, moment)
    within = listing(moment).filter(condition).near(point, radius)
    total = within.count()
    result = SearchResult(point=point, radius=radius, page=page, total=total, results=[])
    if total == 0:
        if page > 1:
            raise PageOutOfRange(page, 1)
        result.nearest_beyond, result.mail_based = fallback(condition, point, moment)
        return result
    if page > result.pages:
        raise PageOutOfRange(page, result.pages)
    offset = (page - 1) * PAGE_SIZE
    result.results = list(within[offset : offset + PAGE_SIZE])
    return result


def fallback(condition: Q, point: Point, moment: datetime) -> tuple[list, list]:
    """When nothing is within the radius: the nearest few anywhere that match the
    filters, and the mail-based programs serving the searched state or the whole country
    (no states listed), in one query."""
    is_mail = Q(kind=Location.Kind.MAIL_BASED)
    nationwide = Q(states_served=[])
    if point.state:
        serving = is_mail & (Q(states_served__contains=[point.state]) | nationwide)
    else:
        serving = is_mail & nationwide
    group = ExpressionWrapper(is_mail, output_field=BooleanField())
    rows = (
        listing(moment)
        .filter((condition & ~is_mail) | serving)
        .with_distance(point)
        .annotate(
            is_mail=group,
            rank=Window(RowNumber(), partition_by=[group], order_by=[F("distance").asc()]),
        )
        .filter(rank__lte=max(FALLBACK_NEAREST, FALLBACK_MAIL_BASED))
        .order_by("is_mail", "distance")
    )
    nearest, mail = [], []
    for row in rows:
        if row.is_mail:
            mail.append(row)
        elif len(nearest) < FALLBACK_NEAREST:
            nearest.append(row)
    return nearest, mail
