import sys

from django.core.management.base import BaseCommand, CommandError

from locations.exchange.importer import import_rows


class Command(BaseCommand):
    help = (
        "Import locations from a CSV file (format in the README). Rows are matched by "
        "(source, external_id), so importing a file again updates instead of duplicating. "
        "If any row is invalid nothing is written, unless --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8), or - to read standard input.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change; write nothing.",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the valid rows and report the invalid ones instead of writing nothing.",
        )
        parser.add_argument(
            "--source",
            default="csv",
            help='Where the file comes from (default "csv"); external IDs are unique per source.',
        )

    def handle(self, *args, file, dry_run, skip_invalid, source, **options):
        name = "standard input" if file == "-" else file
        history = {"change_reason": f"import_locations {name} (source {source})"}
        try:
            if file == "-":
                result = import_rows(sys.stdin.buffer, source, dry_run, skip_invalid, **history)
            else:
                with open(file, "rb") as file_obj:
                    result = import_rows(file_obj, source, dry_run, skip_invalid, **history)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except ValueError as error:
            raise CommandError(str(error)) from None

        for error in result.errors:
            self.stderr.write(str(error))
        self.stdout.write(result.summary())
        if result.file_errors or (result.errors and not skip_invalid):
            count = len(result.errors)
            raise CommandError(
                f"{count} {'error' if count == 1 else 'errors'}; nothing was written."
            )
