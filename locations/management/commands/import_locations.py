import sys

from django.core.management.base import BaseCommand, CommandError

from locations.exchange.importer import import_rows
from locations.exchange.mapping import load_mapping, parse_pairs
from locations.services.mappings import stored_mapping


class Command(BaseCommand):
    help = (
        "Import locations from a CSV file (format in the README). Rows are matched by "
        "(source, external_id), so importing a file again updates instead of duplicating. "
        "If any row is invalid nothing is written, unless --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help="The CSV file (UTF-8) or Excel workbook (.xlsx), or - to read standard input.",
        )
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
            help='Where the file comes from (default "csv"); external IDs are unique per source. '
            "The column mapping saved for it in the admin is used, unless --map or --mapping.",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="THEIRS=OURS",
            help='Map one of the file\'s columns to ours ("Their Name=name"; "Notes=" leaves '
            "a column out). Repeat for each column.",
        )
        parser.add_argument(
            "--mapping",
            metavar="FILE.json",
            help='A JSON file {"Their column": "our_column", ...}; --map entries override it.',
        )

    def handle(self, *args, file, dry_run, skip_invalid, source, **options):
        name = "standard input" if file == "-" else file
        mapping = self.mapping(source, options.get("map") or [], options.get("mapping"))
        history = {
            "change_reason": f"import_locations {name} (source {source})",
            "mapping": mapping,
            "file_name": "" if file == "-" else file,
        }
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

    def mapping(self, source: str, pairs: list[str], mapping_file: str | None) -> dict | None:
        """The column mapping: --mapping and --map when given, else the source's own."""
        try:
            if not pairs and not mapping_file:
                return stored_mapping(source.strip())
            mapping = {}
            if mapping_file:
                with open(mapping_file, encoding="utf-8") as file_obj:
                    mapping = load_mapping(file_obj)
            return {**mapping, **parse_pairs(pairs)}
        except OSError as error:
            raise CommandError(f"Cannot read {mapping_file}: {error.strerror}.") from None
        except ValueError as error:
            raise CommandError(f"Column mapping: {error}.") from None
