"""Time `manage.py import_locations` on a 25,000-row CSV: create, re-import, change.

    DATABASE_URL=... .venv/bin/python benchmarks/import_bench.py [--rows 25000]

Runs against the configured database (DATABASE_URL, else the embedded one). It adds the
ZIP codes it needs from the zipcodes package when they are missing, and afterwards
deletes everything it added: its locations (by source name) and those ZIP codes.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naloxone_finder.settings")
# The import itself is timed, not a geocoder's answers (nor 25,000 made-up addresses sent
# to the Census).
os.environ["GEOCODER"] = "none"

import django  # noqa: E402

django.setup()

import zipcodes  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from locations.domain.phones import normalize_phone  # noqa: E402
from locations.exchange.csv_format import COLUMNS, OFFERING_COLUMNS  # noqa: E402
from locations.management.commands.load_zipcodes import zip_from_package  # noqa: E402
from locations.models import Location, ZipCode  # noqa: E402

SOURCE = "benchmark-import"
ZIP_COUNT = 400

HOURS = [
    "Mon-Fri 09:00-17:00",
    "Mon-Fri 9am-9pm; Sat 10am-6pm; Sun closed",
    "Mon-Sat 08:00-22:00; Sun 10:00-18:00",
    "24/7",
    "Mon,Wed,Fri 10:00-14:00, 15:00-19:00",
    "Tue-Thu 12:00-20:00",
    "Fri-Sat 20:00-02:00",
    "",
]
KINDS = ["pharmacy", "Pharmacy", "harm reduction", "Health Department", "clinic", "hospital",
         "law_enforcement", "vending_machine", "other"]  # fmt: skip
NAMES = ["Main Street", "Riverside", "Community", "Hilltop", "Lakeview", "Union", "Liberty",
         "Oak Park", "Harbor", "Northside", "Valley", "Central", "Sunrise"]  # fmt: skip
SUFFIXES = ["Pharmacy", "Drug", "Health Center", "Outreach", "Clinic", "Wellness"]
STREETS = ["Main St", "Broadway", "Oak Ave", "2nd St", "Park Rd", "Elm St", "Market St"]
PHONES = ["({a}) 555-{b:04d}", "{a}-555-{b:04d}", "{a}.555.{b:04d}", "+1 {a} 555 {b:04d}"]


def dialable(area: int) -> bool:
    try:
        normalize_phone(f"({area}) 555-0100")
    except ValidationError:
        return False
    return True


# Area codes in service (the importer refuses numbers that cannot be dialled).
AREA_CODES = [area for area in range(201, 990) if dialable(area)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=25_000)
    args = parser.parse_args()

    added_zips = ensure_zipcodes()
    Location.objects.filter(source=SOURCE).delete()  # a crashed earlier run's rows
    try:
        with tempfile.TemporaryDirectory() as tmp:
            zips = list(ZipCode.objects.filter(code__in=chosen_zip_codes()))
            first = Path(tmp, "first.csv")
            changed = Path(tmp, "changed.csv")
            rows = make_rows(args.rows, zips)
            write_csv(first, rows)
            write_csv(changed, change_some(rows))
            database = connection.settings_dict["NAME"]
            size = first.stat().st_size / 1e6
            print(f"{args.rows:,} rows, {size:.1f} MB, {len(zips)} ZIP codes, database {database}")
            run("first import (all new)", first)
            run("second import (all unchanged)", first)
            run("third import (10% changed)", changed)
    finally:
        deleted, _ = Location.objects.filter(source=SOURCE).delete()
        ZipCode.objects.filter(code__in=added_zips).delete()
        print(f"cleaned up: {deleted:,} rows (locations and their hours), "
              f"{len(added_zips)} ZIP codes")  # fmt: skip


def run(label: str, path: Path) -> None:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        call_command("import_locations", str(path), source=SOURCE, stdout=Out())
        seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s, {len(queries)} queries; {Out.last}")


class Out:
    """Keeps the command's summary line for the report instead of printing it."""

    last = ""

    def write(self, text: str) -> None:
        if text.strip():
            Out.last = text.strip()

    def flush(self) -> None:
        pass


def chosen_zip_codes() -> list[str]:
    """ZIPs spread over the country, the same ones every run."""
    usable = [
        r["zip_code"]
        for r in zipcodes.list_all()
        if r["zip_code_type"] == "STANDARD" and r["timezone"] and r["lat"] and r["long"]
    ]
    step = max(1, len(usable) // ZIP_COUNT)
    return usable[::step][:ZIP_COUNT]


def ensure_zipcodes() -> list[str]:
    """Add the chosen ZIPs that the table lacks; return the codes added."""
    wanted = set(chosen_zip_codes())
    present = set(ZipCode.objects.filter(code__in=wanted).values_list("code", flat=True))
    missing = [r for r in zipcodes.list_all() if r["zip_code"] in wanted - present]
    ZipCode.objects.bulk_create(zip_from_package(r) for r in missing)
    return [r["zip_code"] for r in missing]


def make_rows(count: int, zips: list[ZipCode]) -> list[dict]:
    rng = random.Random(25_000)
    rows = []
    for n in range(1, count + 1):
        place = rng.choice(zips)
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            external_id=f"BENCH-{n:06d}",
            name=f"{rng.choice(NAMES)} {rng.choice(SUFFIXES)}",
            kind=rng.choice(KINDS),
            street_address=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
            city=place.city,
            state=place.state,
            zip_code=place.code,
            phone=rng.choice(PHONES).format(a=rng.choice(AREA_CODES), b=n % 10_000),
            hours=rng.choice(HOURS),
            last_verified_on=f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            languages=rng.choice(["", "English", "English; Spanish", "Spanish, Chinese"]),
            description="Naloxone kits at the counter; ask the pharmacist for training.",
        )
        if rng.random() < 0.4:  # the rest take their ZIP's centre
            row["latitude"] = f"{place.latitude + rng.uniform(-0.03, 0.03):.5f}"
            row["longitude"] = f"{place.longitude + rng.uniform(-0.03, 0.03):.5f}"
        if rng.random() < 0.5:
            row["website"] = f"www.example.org/{n}"
        for flag in OFFERING_COLUMNS:
            row[flag] = rng.choice(["yes", "no", "", "TRUE", "0"])
        rows.append(row)
    return rows


def change_some(rows: list[dict]) -> list[dict]:
    """Every tenth row changes: a new name, other hours, a new phone number."""
    changed = []
    for n, row in enumerate(rows):
        row = dict(row)
        if n % 10 == 0:
            row["name"] += " (renamed)"
            row["hours"] = "Mon-Sun 07:00-23:00"
            row["phone"] = f"(212) 555-{n % 10_000:04d}"
        changed.append(row)
    return changed


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
