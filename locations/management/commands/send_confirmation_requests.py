from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from locations.services import confirmations


class Command(BaseCommand):
    help = (
        "Email the contact of every listing past VERIFY_AFTER_DAYS (or never verified) that "
        "has an email address a link to confirm it or propose changes. Listings sent a "
        "request in the last 14 days are left out, so it can run monthly (or daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the listings that are due; send nothing."
        )
        parser.add_argument(
            "--site-url",
            default=settings.SITE_URL,
            help="The site's address for the links (default SITE_URL).",
        )
        parser.add_argument(
            "--limit", type=int, default=0, help="Send at most this many (default: all)."
        )

    def handle(self, *args, dry_run, site_url, limit, **options):
        site_url = (site_url or "").rstrip("/")
        if not site_url.startswith(("https://", "http://")):
            raise CommandError(
                "The emails need the site's address for their links: set SITE_URL or give "
                "--site-url https://your.site."
            )
        due = confirmations.due_for_request()
        if limit > 0:
            due = due[:limit]
        due = list(due)
        if dry_run:
            for location in due:
                self.stdout.write(f"{location.pk}\t{location.name}\t{location.email}")
            self.stdout.write(f"Dry run: {len(due)} listings are due; nothing was sent.")
            return
        sent, failed = confirmations.send_requests(due, site_url)
        self.stdout.write(f"Sent {len(sent)} confirmation requests; {len(failed)} failed.")
        if failed:
            for location in failed:
                self.stderr.write(f"not sent: {location.pk} {location.name} <{location.email}>")
            raise CommandError(f"{len(failed)} emails could not be sent.")
