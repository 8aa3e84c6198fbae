import math
import random
import statistics
from datetime import time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from locations.domain.geo import miles_between
from locations.domain.usps import STATES
from locations.models import Location, OpeningHours, ZipCode
from locations.models.places import unique_slug
from locations.services.history import DELETED
from locations.services.listings import create_listings

DEMO_REASON = "Demo data (seed_demo)"

# Cities the demo places sit in, with an area code for their fictional phone numbers.
DEMO_CITIES = [
    ("New York", "NY", "212"),
    ("Brooklyn", "NY", "718"),
    ("Buffalo", "NY", "716"),
    ("Albany", "NY", "518"),
    ("Philadelphia", "PA", "215"),
    ("Pittsburgh", "PA", "412"),
    ("Columbus", "OH", "614"),
    ("Cleveland", "OH", "216"),
    ("Cincinnati", "OH", "513"),
    ("Dayton", "OH", "937"),
    ("Charleston", "WV", "304"),
    ("Huntington", "WV", "304"),
    ("Morgantown", "WV", "304"),
    ("Chicago", "IL", "312"),
    ("Springfield", "IL", "217"),
    ("Peoria", "IL", "309"),
    ("Houston", "TX", "713"),
    ("Austin", "TX", "512"),
    ("El Paso", "TX", "915"),
    ("Phoenix", "AZ", "602"),
    ("Tucson", "AZ", "520"),
    ("Flagstaff", "AZ", "928"),
    ("Los Angeles", "CA", "213"),
    ("San Francisco", "CA", "415"),
    ("Sacramento", "CA", "916"),
    ("Fresno", "CA", "559"),
]

# ZIPs farther than this from the middle of a city's ZIPs are left out (some ZIPs named
# after a city are PO boxes or company codes far from it).
CITY_RADIUS_MILES = 12
JITTER_MILES = 3
SEED = 20240601

# Most demo places are pharmacies, as in the real directory; every kind shows up.
KIND_WEIGHTS = {
    Location.Kind.PHARMACY: 40,
    Location.Kind.HARM_REDUCTION: 14,
    Location.Kind.CLINIC: 10,
    Location.Kind.HEALTH_DEPARTMENT: 8,
    Location.Kind.HOSPITAL: 8,
    Location.Kind.VENDING_MACHINE: 7,
    Location.Kind.LAW_ENFORCEMENT: 5,
    Location.Kind.OTHER: 5,
    Location.Kind.MAIL_BASED: 3,
}

STREETS = [
    "Main Street", "Oak Avenue", "Elm Street", "Maple Avenue", "Park Avenue",
    "Washington Street", "Lincoln Avenue", "Cedar Street", "Pine Street", "Lake Street",
    "Hill Street", "River Road", "Church Street", "Market Street", "Broad Street",
    "Union Street", "Spring Street", "Center Street", "Highland Avenue", "Grove Street",
]  # fmt: skip

NAMES = {
    Location.Kind.PHARMACY: [
        "{street} Pharmacy", "{street} Drugs", "Corner Care Pharmacy",
        "Neighborhood Apothecary", "{city} Family Pharmacy", "Good Health Drug Store",
    ],
    Location.Kind.HARM_REDUCTION: [
        "{city} Harm Reduction Collective", "Street Outreach Project",
        "Safer Together Drop-In Center", "Neighbors Syringe Services Program",
    ],
    Location.Kind.HEALTH_DEPARTMENT: ["{county} Health Department", "{city} Public Health Clinic"],
    Location.Kind.HOSPITAL: [
        "{city} General Hospital", "St. Example Medical Center", "{street} Community Hospital",
    ],
    Location.Kind.CLINIC: [
        "{street} Family Health Center", "Riverside Recovery Clinic",
        "{city} Community Health Center",
    ],
    Location.Kind.VENDING_MACHINE: [
        "Naloxone Vending Machine at the Public Library",
        "Naloxone Vending Machine at the Transit Center",
        "Naloxone Vending Machine at the Community Center",
    ],
    Location.Kind.LAW_ENFORCEMENT: ["{city} Police District {n}", "{county} Sheriff's Office"],
    Location.Kind.MAIL_BASED: ["{state_name} Naloxone by Mail", "Mail-Order Naloxone Network"],
    Location.Kind.OTHER: ["{street} Community Center", "Hope Church Outreach", "Recovery Café"],
}  # fmt: skip

DESCRIPTIONS = {
    Location.Kind.PHARMACY: "Ask at the pharmacy counter; no prescription needed.",
    Location.Kind.HARM_REDUCTION: "Free naloxone kits, test strips and a friendly ear.",
    Location.Kind.HEALTH_DEPARTMENT: "Free kits and short trainings at the front desk.",
    Location.Kind.HOSPITAL: "Kits are handed out at the emergency department.",
    Location.Kind.CLINIC: "Ask any staff member for a kit.",
    Location.Kind.VENDING_MACHINE: "Free kits from the machine by the entrance, any hour.",
    Location.Kind.LAW_ENFORCEMENT: "Kits are in the lobby; no questions asked.",
    Location.Kind.MAIL_BASED: "Order online and a kit comes in plain packaging.",
    Location.Kind.OTHER: "Kits at the front desk during open hours.",
}
DEMO_NOTE = "This is a demo listing for trying out Naloxone Finder, not a real place."

# Opening hours patterns: (weekdays, opens, closes); closes at or before opens runs past
# midnight, and 00:00-00:00 is open all day.
WEEKDAYS, EVERY_DAY = range(5), range(7)
HOURS = {
    "office": [(WEEKDAYS, time(9), time(17))],
    "pharmacy": [
        (WEEKDAYS, time(8), time(21)), ([5], time(9), time(18)), ([6], time(10), time(17)),
    ],
    "clinic": [(range(4), time(8), time(18)), ([4], time(8), time(12))],
    "drop_in": [([0, 2, 4], time(10), time(14))],
    "evenings": [(range(1, 6), time(18), time(2))],
    "always": [(EVERY_DAY, time(0), time(0))],
    "none": [],
}  # fmt: skip

HOURS_BY_KIND = {
    Location.Kind.PHARMACY: {"pharmacy": 8, "office": 1, "always": 1},
    Location.Kind.HARM_REDUCTION: {"office": 4, "evenings": 3, "drop_in": 3},
    Location.Kind.HEALTH_DEPARTMENT: {"office": 1},
    Location.Kind.HOSPITAL: {"always": 1},
    Location.Kind.CLINIC: {"clinic": 2, "office": 1, "drop_in": 1},
    Location.Kind.VENDING_MACHINE: {"always": 4, "office": 1},
    Location.Kind.LAW_ENFORCEMENT: {"always": 1},
    Location.Kind.MAIL_BASED: {"none": 1},
    Location.Kind.OTHER: {"drop_in": 1, "evenings": 1, "office": 1},
}

# Offerings every place of a kind has, and those it has with some probability.
ALWAYS_OFFERS = {
    Location.Kind.PHARMACY: ["sells_otc", "no_prescription", "nasal_spray", "walk_in"],
    Location.Kind.HARM_REDUCTION: ["free_naloxone", "no_prescription", "nasal_spray",
                                   "fentanyl_test_strips", "walk_in", "anonymous"],
    Location.Kind.HEALTH_DEPARTMENT: ["free_naloxone", "no_prescription", "nasal_spray",
                                      "training"],
    Location.Kind.HOSPITAL: ["nasal_spray", "walk_in", "wheelchair_accessible"],
    Location.Kind.CLINIC: ["nasal_spray", "no_prescription"],
    Location.Kind.VENDING_MACHINE: ["free_naloxone", "no_prescription", "nasal_spray",
                                    "walk_in", "anonymous"],
    Location.Kind.LAW_ENFORCEMENT: ["free_naloxone", "no_prescription", "nasal_spray", "walk_in"],
    Location.Kind.MAIL_BASED: ["free_naloxone", "no_prescription", "nasal_spray", "anonymous"],
    Location.Kind.OTHER: ["free_naloxone", "nasal_spray"],
}  # fmt: skip
SOMETIMES_OFFERS = {
    "free_naloxone": 0.3,
    "injectable": 0.3,
    "training": 0.35,
    "fentanyl_test_strips": 0.3,
    "walk_in": 0.5,
    "anonymous": 0.3,
    "wheelchair_accessible": 0.7,
}
OTHER_LANGUAGES = ["Spanish", "Chinese", "Vietnamese", "Arabic", "Russian", "Haitian Creole"]


class Command(BaseCommand):
    help = (
        "Fill the directory with made-up demo locations (is_demo=True) around real ZIP "
        "codes, replacing earlier demo rows. Only with DEBUG on; run load_zipcodes first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the directory already has any location.",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Delete the demo locations (never real ones) and add none.",
        )
        parser.add_argument(
            "--count", type=int, default=200, help="How many to make (default 200)."
        )

    def handle(self, *args, if_empty=False, clear=False, count=200, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo makes fake locations; it only runs with DEBUG on")
        if clear:
            deleted = delete_demo_locations()
            self.stdout.write(f"Deleted {deleted} demo locations; real locations untouched.")
            return
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if if_empty and Location.objects.exists():
            self.stdout.write("The directory already has locations; seed_demo left it alone.")
            return
        if not ZipCode.objects.exists():
            raise CommandError("The ZIP code table is empty: run `manage.py load_zipcodes` first.")
        zips_by_city = demo_zip_codes()
        if not zips_by_city:
            raise CommandError(
                "None of the demo cities is in the ZIP code table: run "
                "`manage.py load_zipcodes` to load the full table."
            )

        with transaction.atomic():
            deleted = delete_demo_locations()
            taken = set(
                Location.objects.filter(slug__startswith="demo").values_list("slug", flat=True)
            )
            locations, hours = build_demo_locations(zips_by_city, count, taken)
            create_listings(locations, hours, reason=DEMO_REASON)

        states = sorted({location.state for location in locations})
        cities = {(location.city, location.state) for location in locations}
        if deleted:
            self.stdout.write(f"Deleted {deleted} earlier demo locations.")
        self.stdout.write(
            f"Created {len(locations)} demo locations with {len(hours)} opening hours in "
            f"{len(cities)} cities across {len(states)} states ({', '.join(states)})."
        )


def delete_demo_locations() -> int:
    """Delete the rows seed_demo made (and their hours); return how many locations went."""
    demo = Location.objects.filter(is_demo=True)
    ids = list(demo.values_list("pk", flat=True))
    _total, by_model = demo.delete()
    # The deletions are recorded row by row (through signals); say why.
    deleted = {"history_type": DELETED, "history_change_reason": None}
    Location.history.filter(id__in=ids, **deleted).update(history_change_reason=DEMO_REASON)
    OpeningHours.history.filter(location_id__in=ids, **deleted).update(
        history_change_reason=DEMO_REASON
    )
    return by_model.get(Location._meta.label, 0)


def demo_zip_codes() -> dict[tuple[str, str, str], list[ZipCode]]:
    """The ZIP codes of each demo city found in the table, keyed by (city, state, area code).

    Only ZIPs near the middle of the city's ZIPs count, so places stay around the city.
    """
    wanted = Q()
    for city, state, _area in DEMO_CITIES:
        wanted |= Q(city__iexact=city, state=state)
    found: dict[tuple[str, str], list[ZipCode]] = {}
    for zip_code in ZipCode.objects.filter(wanted).order_by("code"):
        found.setdefault((zip_code.city.lower(), zip_code.state), []).append(zip_code)

    zips_by_city = {}
    for city, state, area in DEMO_CITIES:
        zips = found.get((city.lower(), state))
        if not zips:
            continue
        middle_lat = statistics.median(z.latitude for z in zips)
        middle_lng = statistics.median(z.longitude for z in zips)
        near = [
            z
            for z in zips
            if miles_between(z.latitude, z.longitude, middle_lat, middle_lng) <= CITY_RADIUS_MILES
        ]
        zips_by_city[(city, state, area)] = near or zips
    return zips_by_city


def jitter(rng: random.Random, latitude: float, longitude: float) -> tuple[float, float]:
    """A point picked uniformly within JITTER_MILES of the given one."""
    distance = JITTER_MILES * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 69.0
    dlng = distance * math.sin(bearing) / (69.0 * math.cos(math.radians(latitude)))
    return round(latitude + dlat, 6), round(longitude + dlng, 6)


def build_demo_locations(
    zips_by_city: dict[tuple[str, str, str], list[ZipCode]], count: int, taken: set[str]
) -> tuple[list[Location], list[OpeningHours]]:
    """Unsaved demo locations and their unsaved opening hours, the same every run."""
    rng = random.Random(SEED)
    kinds = list(KIND_WEIGHTS)
    picked = kinds + rng.choices(kinds, weights=list(KIND_WEIGHTS.values()), k=count)
    picked = picked[:count]
    rng.shuffle(picked)
    cities = list(zips_by_city)
    demo_states = sorted({state for _city, state, _area in cities})
    today = timezone.localdate()

    locations, hours = [], []
    for i, kind in enumerate(picked):
        city, state, area = cities[i % len(cities)]
        zip_code = rng.choice(zips_by_city[(city, state, area)])
        street = rng.choice(STREETS)
        name = demo_name(rng, kind, street, zip_code, state)
        latitude, longitude = jitter(rng, zip_code.latitude, zip_code.longitude)
        pattern_weights = HOURS_BY_KIND[kind]
        pattern = rng.choices(list(pattern_weights), weights=list(pattern_weights.values()))[0]
        location = Location(
            slug=unique_slug(name, zip_code.city, state, taken),
            name=name,
            kind=kind,
            city=zip_code.city,
            state=state,
            zip_code=zip_code.code,
            latitude=latitude,
            longitude=longitude,
            location_precision=Location.Precision.MANUAL,
            timezone=zip_code.timezone,
            is_demo=True,
        )
        fill_demo_details(rng, location, i, street, area, demo_states, today)
        add_demo_offerings(rng, location, pattern)
        locations.append(location)
        for weekdays, opens, closes in HOURS[pattern]:
            for weekday in weekdays:
                hours.append(
                    OpeningHours(location=location, weekday=weekday, opens=opens, closes=closes)
                )
    return locations, hours


def demo_name(rng: random.Random, kind: str, street: str, zip_code: ZipCode, state: str) -> str:
    """A made-up name in the style of the kind's real ones, marked "Demo:"."""
    return "Demo: " + rng.choice(NAMES[kind]).format(
        street=street,
        city=zip_code.city,
        county=zip_code.county or zip_code.city,
        state_name=STATES[state],
        n=rng.randint(1, 12),
    )


def demo_status(i: int) -> str:
    """Mostly published, with a few drafts and closed listings for the admin to show."""
    if i % 25 == 7:
        return Location.Status.DRAFT
    if i % 40 == 13:
        return Location.Status.CLOSED
    return Location.Status.PUBLISHED


def fill_demo_details(
    rng: random.Random,
    location: Location,
    i: int,
    street: str,
    area: str,
    demo_states: list[str],
    today,
) -> None:
    """The address line, contact details, languages, states served and verification of
    the i-th demo location (drawing from `rng` in a fixed order, so runs repeat)."""
    kind = location.kind
    location.status = demo_status(i)
    verified = location.status != Location.Status.DRAFT or rng.random() < 0.5
    location.street_address = f"{rng.randint(10, 4999)} {street}"
    location.address_line2 = f"Suite {rng.randint(100, 399)}" if rng.random() < 0.15 else ""
    # 555-0100 to 555-0199 are set aside for fiction: these ring nowhere.
    location.phone = "" if kind == Location.Kind.VENDING_MACHINE else f"+1{area}55501{i % 100:02d}"
    location.website = f"https://example.org/demo/{i + 1}" if rng.random() < 0.6 else ""
    location.email = f"naloxone{i + 1}@example.org" if kind == Location.Kind.MAIL_BASED else ""
    location.description = f"{DESCRIPTIONS[kind]} {DEMO_NOTE}"
    location.languages = ["English"] + (
        rng.sample(OTHER_LANGUAGES, rng.randint(1, 2)) if rng.random() < 0.4 else []
    )
    location.states_served = (
        sorted({location.state, *rng.sample(demo_states, min(len(demo_states), rng.randint(3, 6)))})
        if kind == Location.Kind.MAIL_BASED
        else []
    )
    location.last_verified_on = today - timedelta(days=rng.randint(0, 364)) if verified else None
    location.verification_method = (
        rng.choice(
            [
                Location.VerificationMethod.PHONE,
                Location.VerificationMethod.VISIT,
                Location.VerificationMethod.PARTNER,
            ]
        )
        if verified
        else ""
    )


def add_demo_offerings(rng: random.Random, location: Location, pattern: str) -> None:
    """What the kind always offers, some of the rest by chance, and 24/7 for "always"."""
    for offering in ALWAYS_OFFERS[location.kind]:
        setattr(location, offering, True)
    for offering, chance in SOMETIMES_OFFERS.items():
        if rng.random() < chance:
            setattr(location, offering, True)
    location.open_24_7 = pattern == "always"
