from django.core.management.base import BaseCommand

from locations.models import Location
from locations.services.duplicates import flag_duplicates

CHUNK = 5000


class Command(BaseCommand):
    help = (
        "Check every listing that is not closed for likely duplicates (saves and imports "
        "check the listings they touch; this checks the whole directory, say after an "
        "upgrade). Pairs already flagged or resolved are left alone."
    )

    def handle(self, *args, **options):
        flagged = 0
        fields = ["id", "name", "normalized_address", "latitude", "longitude"]
        listings = (
            Location.objects.exclude(status=Location.Status.CLOSED)
            .filter(merged_into__isnull=True)
            .only(*fields, "location_precision", "status", "merged_into")
            .order_by("pk")
        )
        batch = []
        for location in listings.iterator(chunk_size=CHUNK):
            batch.append(location)
            if len(batch) == CHUNK:
                flagged += len(flag_duplicates(batch))
                batch = []
        flagged += len(flag_duplicates(batch))
        self.stdout.write(f"Flagged {flagged} possible duplicates.")
