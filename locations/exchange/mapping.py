"""Column mappings: a partner's column names onto ours, applied before the header check.

A mapping is a dict {their column name: our column}, where our column is one of
csv_format.COLUMNS, or IGNORE ("") for a column of theirs the import leaves out. Their
names match in any case and with any spacing. A column the mapping does not name keeps
its own name, so a file that already uses ours needs no mapping, and an unknown column
still gets its "did you mean" from reading.check_header.
"""

import json
from typing import IO

from .csv_format import COLUMNS
from .reading import column_key

IGNORE = ""


def header_key(name: str) -> str:
    """How their column names are compared: any case, any spacing."""
    return " ".join(str(name).split()).casefold()


def clean_mapping(mapping: dict) -> dict[str, str]:
    """A mapping with its keys compared as header_key does and its values as our column
    keys; raise ValueError naming what is wrong."""
    if not isinstance(mapping, dict):
        raise ValueError('a column mapping is a JSON object: {"Their column": "our_column"}')
    cleaned: dict[str, str] = {}
    for theirs, ours in mapping.items():
        if not isinstance(theirs, str) or not header_key(theirs):
            raise ValueError("a column mapping names an empty column of the file")
        if ours is None:
            ours = IGNORE
        if not isinstance(ours, str):
            raise ValueError(f'the mapping of "{theirs}" must be a column name')
        ours = column_key(ours)
        if ours and ours not in COLUMNS:
            raise ValueError(
                f'the mapping of "{theirs}" names an unknown column "{ours}". '
                f"The columns are: {', '.join(COLUMNS)}"
            )
        cleaned[header_key(theirs)] = ours
    return cleaned


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    """["Their Name=name", "Notes="] (the command's --map) as a mapping."""
    mapping = {}
    for pair in pairs:
        theirs, sep, ours = pair.rpartition("=")
        if not sep or not theirs.strip():
            raise ValueError(f'--map "{pair}": write it as "Their column=our_column"')
        mapping[theirs] = ours
    return clean_mapping(mapping)


def load_mapping(file_obj: IO) -> dict[str, str]:
    """A mapping from a JSON file (the command's --mapping)."""
    try:
        mapping = json.load(file_obj)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"the mapping file is not JSON ({error})") from None
    return clean_mapping(mapping)


def apply_mapping(
    header: list[str], records: list[tuple[int, list[str]]], mapping: dict | None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header renamed by the mapping, and the columns it ignores taken out of the
    header and of every row (a row whose width differs from the header's is left whole,
    for the importer to report)."""
    if not mapping:
        return header, records
    mapping = {header_key(theirs): ours for theirs, ours in mapping.items()}
    renamed, kept = [], []
    for position, cell in enumerate(header):
        ours = mapping.get(header_key(cell)) if header_key(cell) else None
        if ours is None:
            renamed.append(cell)
            kept.append(position)
        elif ours != IGNORE:
            renamed.append(ours)
            kept.append(position)
    if len(kept) == len(header):
        return renamed, records
    width = len(header)
    return renamed, [
        (line, [cells[i] for i in kept] if len(cells) == width else cells)
        for line, cells in records
    ]


def suggested_mapping(header: list[str], stored: dict | None = None) -> dict[str, str]:
    """For the mapping step: each of their columns with the column it most likely is,
    from the stored mapping, else the same name, else a close one ("" when none)."""
    import difflib

    stored = {header_key(k): v for k, v in (stored or {}).items()}
    suggestion = {}
    taken = set()
    for cell in header:
        key = header_key(cell)
        if not key:
            continue
        if key in stored:
            ours = stored[key]
        elif column_key(cell) in COLUMNS:
            ours = column_key(cell)
        else:
            close = difflib.get_close_matches(column_key(cell), COLUMNS, n=1, cutoff=0.75)
            ours = close[0] if close and close[0] not in taken else IGNORE
        suggestion[cell] = ours
        if ours:
            taken.add(ours)
    return suggestion
