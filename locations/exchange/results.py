"""What an import did, row by row, and the summary line it reports."""

from dataclasses import dataclass, field

from ..models import Location
from .reading import RowError

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"


@dataclass
class RowOutcome:
    """What importing one row did (or, on a dry run or after errors, would do)."""

    line: int
    external_id: str
    outcome: str  # NEW, UPDATED, UNCHANGED or ERROR
    errors: list[RowError] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)
    location: Location | None = None
    # A draft the file would publish, still held as a likely duplicate.
    held: bool = False


@dataclass
class ImportResult:
    """Per-row outcomes of an import, with the counts the summary line reports."""

    source: str
    dry_run: bool = False
    skip_invalid: bool = False
    rows: list[RowOutcome] = field(default_factory=list)
    file_errors: list[RowError] = field(default_factory=list)
    written: bool = False
    duplicates: int = 0  # possible-duplicate pairs flagged by this import
    # Lines of rows to be published that were kept as drafts: likely duplicates of
    # published listings, waiting for staff to decide.
    held_lines: list[int] = field(default_factory=list)

    def _count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def created(self) -> int:
        return self._count(NEW)

    @property
    def updated(self) -> int:
        return self._count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def invalid(self) -> int:
        return self._count(ERROR)

    @property
    def errors(self) -> list[RowError]:
        return self.file_errors + [error for row in self.rows for error in row.errors]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.file_errors:
            return "Nothing was written."
        counts = f"create {self.created}, update {self.updated}, leave {self.unchanged} unchanged"
        if self.dry_run:
            return f"Dry run: would {counts}; {self.invalid} invalid. Nothing was written."
        if not self.written:
            return (
                f"Nothing was written: {self.invalid} invalid "
                f"{'row' if self.invalid == 1 else 'rows'} (the valid rows would "
                f"{counts}). Fix them, or use --skip-invalid to import the valid rows."
            )
        flagged = ""
        if self.duplicates:
            flagged = (
                f" Flagged {self.duplicates} possible "
                f"{'duplicate' if self.duplicates == 1 else 'duplicates'} for review."
            )
        held = ""
        if self.held_lines:
            count = len(self.held_lines)
            held = (
                f" Held {count} {'row' if count == 1 else 'rows'} as "
                f"{'a draft' if count == 1 else 'drafts'}, likely "
                f"{'a duplicate' if count == 1 else 'duplicates'} of published listings "
                f"(publish after review): {'line' if count == 1 else 'lines'} "
                f"{', '.join(str(line) for line in self.held_lines)}."
            )
        return (
            f"Created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"skipped {self.invalid} invalid.{flagged}{held}"
        )
