"""Remembering a source's column mapping (models.ColumnMapping)."""

from ..models.mappings import ColumnMapping


def stored_mapping(source: str) -> dict[str, str] | None:
    """The mapping remembered for this source, or None."""
    row = ColumnMapping.objects.filter(source=source).values_list("mapping", flat=True).first()
    return row if row is not None else None


def save_mapping(source: str, mapping: dict[str, str], user=None) -> ColumnMapping:
    """Remember this mapping for the source's next files (replacing the one before)."""
    row, _created = ColumnMapping.objects.update_or_create(
        source=source, defaults={"mapping": mapping, "updated_by": user}
    )
    return row
