import zoneinfo
from collections import Counter

import zipcodes
from django.core.management.base import BaseCommand
from django.db import transaction

from locations.domain.place_names import zip_names
from locations.models import ZipCode
from locations.services import cache_version


class Command(BaseCommand):
    help = "Load the centroid of every US ZIP code from the zipcodes package (idempotent)."

    def handle(self, *args, **options):
        rows = [r for r in zipcodes.list_all() if usable(r)]
        known_zones = zoneinfo.available_timezones()
        zone_of_state = most_common_zone_by_state(rows, known_zones)
        records = [
            # A few rows carry a blank or misspelt zone: use the state's usual one.
            zip_from_package(
                r,
                r["timezone"] if r["timezone"] in known_zones else zone_of_state.get(r["state"]),
            )
            for r in rows
        ]
        with transaction.atomic():
            before = ZipCode.objects.count()
            ZipCode.objects.bulk_create(
                records,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=[
                    "city",
                    "state",
                    "county",
                    "latitude",
                    "longitude",
                    "timezone",
                    "names",
                ],
            )
            after = ZipCode.objects.count()
            # bulk_create sends no signals: searches by ZIP may now find other places.
            cache_version.bump()
        self.stdout.write(
            f"ZIP codes: {len(records):,} in the package, {after - before:,} added, "
            f"{len(records) - (after - before):,} refreshed; {after:,} in the table."
        )


def zip_from_package(row: dict, timezone: str | None = None) -> ZipCode:
    """A ZipCode from one of the zipcodes package's rows."""
    return ZipCode(
        code=row["zip_code"],
        city=row["city"],
        state=row["state"],
        county=row["county"],
        latitude=float(row["lat"]),
        longitude=float(row["long"]),
        timezone=timezone or row["timezone"] or "UTC",
        # The other names the USPS knows for the ZIP, accepted on mail or not
        # ("Manhattan", "Queens"): people search by them.
        names=zip_names(
            row["city"],
            (row.get("acceptable_cities") or []) + (row.get("unacceptable_cities") or []),
        ),
    )


def usable(row: dict) -> bool:
    """Skip military mail codes (no place on the map) and rows without coordinates."""
    if row["zip_code_type"] == "MILITARY" or row["state"] in {"AA", "AE", "AP"}:
        return False
    try:
        return not (float(row["lat"]) == 0 and float(row["long"]) == 0)
    except (TypeError, ValueError):
        return False


def most_common_zone_by_state(rows: list[dict], known_zones: set[str]) -> dict[str, str]:
    counts: dict[str, Counter] = {}
    for r in rows:
        if r["timezone"] in known_zones:
            counts.setdefault(r["state"], Counter())[r["timezone"]] += 1
    return {state: c.most_common(1)[0][0] for state, c in counts.items()}
