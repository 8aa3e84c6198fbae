"""The public search: parse the query, resolve `near` to a point, find places by distance.

Both the search page and the API go through `SearchForm` and `run_search`, so they
accept the same parameters, reject the same bad input and return the same places.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django import forms
from django.core.cache import caches
from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from naloxone_finder.data_version import CACHE_ALIAS as DATA_VERSION_CACHE
from naloxone_finder.data_version import VERSION_KEY as DATA_VERSION_KEY

from .domain.geo import Point
from .domain.lru import LRU
from .domain.place_names import key_variants
from .domain.usps import STATES, state_code
from .domain.words import miles, miles_lazy
from .models import Location, ZipCode
from .models.nearby import (
    Filters,
    count_nearby,
    mail_based_serving,
    nearby_page,
    nearby_page_and_mail_based,
    nearest_matches,
    places_by_id_and_mail_based,
)
from .models.open_places import open_places
from .models.places import OFFERINGS

RADIUS_CHOICES = [1, 5, 10, 25, 50, 100]
DEFAULT_RADIUS = 10
PAGE_SIZE = 20
MAX_PAGE = 1000
FALLBACK_NEAREST = 5
FALLBACK_MAIL_BASED = 10

ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")
DIGITS_RE = re.compile(r"^\d+(?:-\d*)?$")
# "lat,lng", "lat, lng" or "lat lng".
LAT_LNG_RE = re.compile(r"^(-?\d{1,3}(?:\.\d+)?)(?:\s*,\s*|\s+)(-?\d{1,3}(?:\.\d+)?)$")
# A street address starts with its number ("350 5th Ave ..."); its ZIP ends it.
STREET_RE = re.compile(r"^\d+[A-Za-z]?\s+\w")
ADDRESS_ZIP_RE = re.compile(r"\b(\d{5})(?:-\d{4})?$")
LEADING_ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?\s+\D")  # "10001 New York"
LETTERS_RE = re.compile(r"[A-Za-z]")
MAX_PLACE_CHOICES = 8
CITY_STATE_RE = re.compile(r"^(.+?)\s*,\s*([A-Za-z .]{2,30})$")
CITY_ST_RE = re.compile(r"^(.+?)\s+([A-Za-z]{2})$")  # "Albany NY", without the comma

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

    def __init__(self, *args, geocode: Callable[[str], tuple | None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.geocode = geocode
        self.place_choices: list[str] = []

    def clean_near(self) -> Point:
        try:
            return resolve_near(self.cleaned_data["near"], self.geocode)
        except AmbiguousPlace as error:
            self.place_choices = error.choices
            raise

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


class SharedFields(dict):
    """A form's base_fields that every instance shares: Django deep-copies them for each
    form so that one may change its own, which the search form never does (its labels
    and choices are the same for everyone), and the copy of its nineteen fields was a
    third of the cost of reading a search."""

    def __deepcopy__(self, memo):
        return dict(self)


SearchForm.base_fields = SharedFields(SearchForm.base_fields)


class AmbiguousPlace(forms.ValidationError):
    """A city name without a state that several states have: `choices` are "City, ST",
    the largest first (by its number of ZIP codes)."""

    def __init__(self, message, choices: list[str], **kwargs):
        super().__init__(message, **kwargs)
        self.choices = choices


def plausible_us(lat: float, lng: float) -> bool:
    """Within the latitudes and longitudes of the states and territories."""
    return 13 <= lat <= 72 and (-180 <= lng <= -64 or 144 <= lng <= 146)


def resolve_near(text: str, geocode: Callable[[str], tuple | None] | None = None) -> Point:
    """Turn a ZIP, "City, ST", a city alone, "lat,lng" (or "lat lng") or a street
    address into a Point (one query), or raise. `geocode`, when given, looks a street
    address up (the page and the API pass it when SEARCH_GEOCODE_ADDRESSES is on); the
    address itself is neither logged nor kept in the Point."""
    text = " ".join(text.split())
    if match := ZIP_RE.match(text):
        return zip_point(match.group(1))
    if DIGITS_RE.match(text):
        raise forms.ValidationError(_("A ZIP code has 5 digits, like 10001."))
    if match := LAT_LNG_RE.match(text):
        return coordinates_point(float(match.group(1)), float(match.group(2)))
    if STREET_RE.match(text):
        return address_point(text, geocode)
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
        return city_point(city, state)
    if LETTERS_RE.search(text):
        return city_point(text, None)
    raise forms.ValidationError(
        _("Enter a 5-digit ZIP code (like 10001), a city and state (like Albany, NY), "
          "or use your location.")
    )  # fmt: skip


def zip_point(code: str, label: str = "") -> Point:
    centre = ZipCode.objects.centre(code)
    if centre is None:
        raise forms.ValidationError(
            _("We could not find the ZIP code %(zip)s. Check it, or try a city name."),
            params={"zip": code},
        )
    latitude, longitude, city, state = centre
    return Point(latitude, longitude, label or f"{code} ({city}, {state})", state)


def coordinates_point(lat: float, lng: float) -> Point:
    """A point from coordinates, named by the nearest city. Coordinates that fit the US
    only the other way round are refused when impossible and searched with a hint
    otherwise."""
    swapped = not plausible_us(lat, lng) and plausible_us(lng, lat)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        if swapped:
            raise forms.ValidationError(
                _("The latitude comes first: did you mean %(lat)s, %(lng)s?"),
                params={"lat": f"{lng:.4f}", "lng": f"{lat:.4f}"},
            )
        raise forms.ValidationError(
            _("Coordinates must be a latitude from -90 to 90 and a longitude from -180 to 180.")
        )
    nearest = ZipCode.objects.nearest(lat, lng)
    if nearest is not None:
        # "Near me" reads as the town, not as raw coordinates.
        label, state = f"{nearest.city}, {nearest.state}", nearest.state
    else:
        label, state = f"{lat:.4f}, {lng:.4f}", ""
    suggestion = f"{lng:.4f},{lat:.4f}" if swapped else ""
    return Point(lat, lng, label, state if state in STATES else "", suggestion)


def address_point(text: str, geocode: Callable[[str], tuple | None] | None) -> Point:
    """A street address: through the geocoder when one is given, else the ZIP code
    written at its end. Named by its ZIP or "the address you entered", never by itself."""
    if geocode is not None and (found := geocode(text)):
        lat, lng = found
        nearest = ZipCode.objects.nearest(lat, lng)
        state = nearest.state if nearest and nearest.state in STATES else ""
        return Point(lat, lng, str(_("the address you entered")), state, private=True)
    if match := ADDRESS_ZIP_RE.search(text) or LEADING_ZIP_RE.match(text):
        point = zip_point(match.group(1))
        point.private = True
        return point
    raise forms.ValidationError(
        _("To search near a street address, add its ZIP code, or search by city and state.")
    )


def city_point(city: str, state: str | None) -> Point:
    """The centre of a city's ZIP codes, by any name the ZIP table knows it by, in one
    query. Without a state: the one state that has it, or AmbiguousPlace."""
    keys = key_variants(city)
    rows = ZipCode.objects.filter(names__overlap=keys)
    if state:
        rows = rows.filter(state=state)
    groups = (
        rows.annotate(primary=ExpressionWrapper(Q(names__0__in=keys), BooleanField()))
        .values("state", "primary")
        .annotate(latitude=Avg("latitude"), longitude=Avg("longitude"), n=Count("code"))
        .order_by()
    )
    # Per state, the ZIPs whose own city it is; only when none, those that know it by
    # another name ("Manhattan", "Queens").
    by_state: dict[str, dict] = {}
    for group in groups:
        kept = by_state.get(group["state"])
        if kept is None or (group["primary"] and not kept["primary"]):
            by_state[group["state"]] = group
    label_city = title_case(city)
    if not by_state:
        if state:
            raise forms.ValidationError(
                _("We could not find %(city)s, %(state)s. Check the spelling or try a ZIP code."),
                params={"city": city, "state": state},
            )
        raise forms.ValidationError(
            _("We could not find %(city)s. Add the state (like Albany, NY) or try a ZIP code."),
            params={"city": city},
        )
    if len(by_state) > 1:
        ranked = sorted(by_state.values(), key=lambda g: (-g["n"], g["state"]))
        choices = [f"{label_city}, {g['state']}" for g in ranked[:MAX_PLACE_CHOICES]]
        raise AmbiguousPlace(
            _("There is more than one %(city)s: %(choices)s. Choose one, or add the state."),
            choices=choices,
            params={"city": label_city, "choices": "; ".join(choices)},
        )
    [(found_state, centre)] = by_state.items()
    return Point(
        centre["latitude"], centre["longitude"], f"{label_city}, {found_state}", found_state
    )


def title_case(city: str) -> str:
    """ "o'fallon" -> "O'Fallon", "winston-salem" -> "Winston-Salem"; as typed when it
    already has capitals."""
    if city != city.lower() and city != city.upper():
        return city
    titled = re.sub(r"(^|[\s\-.])(\w)", lambda m: m.group(1) + m.group(2).upper(), city.lower())
    # O'Fallon, D'Iberville: a capital after an apostrophe that follows one letter only.
    return re.sub(r"\b(\w['’])(\w)", lambda m: m.group(1) + m.group(2).upper(), titled)


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


# The flags that keep places having an offering (all but open_now and no_police).
OFFERING_FILTERS = [
    name
    for name, field in SearchForm.base_fields.items()
    if isinstance(field, FlagField) and FLAG_COLUMNS.get(name, name) in OFFERING_LABELS
]


def nearby_filters(data: dict) -> Filters:
    """The chosen filters (not the distance) as the search query takes them; the same
    as filters() says for the ORM."""
    offerings = frozenset(
        FLAG_COLUMNS.get(name, name) for name in OFFERING_FILTERS if data.get(name)
    )
    languages: tuple[str, ...] = ()
    if data.get("language"):
        language = data["language"]
        spellings = [language, *LANGUAGE_SPELLINGS.get(language, [])]
        languages = tuple(sorted({f for s in spellings for f in (s, s.lower(), s.upper())}))
    return Filters(
        kinds=tuple(data["kind"] or ()),
        offerings=offerings,
        languages=languages,
        without_kinds=(Location.Kind.LAW_ENFORCEMENT.value,) if data["no_police"] else (),
        open_now=bool(data["open_now"]),
    )


def run_search(data: dict, moment: datetime | None = None) -> SearchResult:
    """Run a validated search: one query for the page and its count (models/nearby.py),
    and, when nothing is within the radius, at most two for the fallback."""
    moment = moment or timezone.now()
    point, radius, page = data["near"], data["radius"], data["page"]
    chosen = nearby_filters(data)
    offset = (page - 1) * PAGE_SIZE
    places, total = nearby_page(point, radius, chosen, moment, offset, PAGE_SIZE)
    if total is None and page > 1:
        # Past the last page: say which page is the last.
        total = count_nearby(point, radius, chosen, moment)
        raise PageOutOfRange(page, max(1, math.ceil(total / PAGE_SIZE)))
    result = SearchResult(point=point, radius=radius, page=page, total=total or 0, results=places)
    if not places:
        result.nearest_beyond, result.mail_based = fallback(chosen, point, moment)
    return result


# What the fallback found when fewer than FALLBACK_NEAREST places match its filters
# anywhere: their ids, per data version, filters and minute (as old as the public cache
# lets an "open now" answer be; a minute also bounds what a lagging replica could leave
# under a new version). Finding that out reads every published place (the walk finds no
# fifth), which a rare set of filters, or "open now" in the hours when nothing listed is
# open, would otherwise cost every search that asks.
FEW_ANYWHERE = LRU(256)


def data_version() -> str | None:
    """The public cache's data version, or None when it cannot be read (then nothing is
    kept): every write changes it (services/cache_version.py)."""
    try:
        return caches[DATA_VERSION_CACHE].get(DATA_VERSION_KEY)
    except Exception:
        return None


def fallback(chosen: Filters, point: Point, moment: datetime) -> tuple[list, list]:
    """When nothing within the radius matched: the FALLBACK_NEAREST places nearest `point`
    that match the filters, mail-based programs aside (all of them beyond the radius), and
    the mail-based programs that serve the searched state or the whole country, nearest
    first (they do no filtering of their own), in two statements:

    - a distance that holds at least that many matches: the farthest of the nearest on a
      flat map, walked through the GiST index (models/nearby.py);
    - the page query within it, and the programs in the same statement.

    When fewer match anywhere, the walk has found them all: they are listed by id (with
    the programs), and kept (FEW_ANYWHERE; the data version is read before the walk, so
    that a write during it gives a new key); when none does, only the programs are read.

    "Open now" searches do not walk when the places open this minute are few enough for
    this process to keep (models/open_places.py, read once a minute): the nearest open
    places are found among those and listed by id, with the programs."""
    chosen = replace(chosen, without_kinds=(*chosen.without_kinds, Location.Kind.MAIL_BASED))
    version = data_version()
    if chosen.open_now and version:
        # The places open this minute, kept by this process when few enough (at night):
        # the nearest are found among them without walking the closed ones.
        kept = open_places(version, moment)
        if kept is not None:
            ids = kept.nearest(point, chosen, FALLBACK_NEAREST)
            if not ids:
                return [], mail_based_serving(point, moment, FALLBACK_MAIL_BASED)
            places, mail = places_by_id_and_mail_based(point, ids, moment, FALLBACK_MAIL_BASED)
            return places[:FALLBACK_NEAREST], mail  # ties at the last: by name, as the page
    key = (version, moment.replace(second=0, microsecond=0), chosen)
    few = FEW_ANYWHERE.get(key) if version else None
    if few is None:
        matches = nearest_matches(point, chosen, moment, FALLBACK_NEAREST)
        if len(matches) >= FALLBACK_NEAREST:
            reach = max(distance for _id, distance in matches)
            # A hair wider, so that the farthest is not lost to rounding at the edge.
            return nearby_page_and_mail_based(
                point, reach * (1 + 1e-9), chosen, moment, FALLBACK_NEAREST, FALLBACK_MAIL_BASED
            )
        few = tuple(place_id for place_id, _distance in matches)
        if version:
            FEW_ANYWHERE.put(key, few)
    if few:
        return places_by_id_and_mail_based(point, few, moment, FALLBACK_MAIL_BASED)
    return [], mail_based_serving(point, moment, FALLBACK_MAIL_BASED)
