"""Reading an Excel workbook (.xlsx) of locations as the CSV reader would read its text.

Only the first sheet is read, in openpyxl's read-only mode. Every cell becomes the text a
CSV export of the sheet would hold, so the cell readers of csv_format.py see the same
thing whichever file a partner sent: dates as YYYY-MM-DD, whole numbers without ".0"
(IDs, ZIP codes and phone numbers typed as numbers), TRUE/FALSE as true/false. A row's
line number is its row number in the sheet (the header is row 1).
"""

import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO

from .reading import FileError, read_csv

XLSX_EXTENSIONS = (".xlsx", ".xlsm")
OLD_EXCEL_EXTENSIONS = (".xls",)
ZIP_MAGIC = b"PK\x03\x04"
# The start of an old-style (.xls) Excel file: an OLE2 compound document.
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def is_spreadsheet(name: str, data: bytes) -> bool:
    """Whether a file is to be read as a workbook: by its name, or by its first bytes."""
    name = name.lower()
    return name.endswith(XLSX_EXTENSIONS + OLD_EXCEL_EXTENSIONS) or data.startswith(
        (ZIP_MAGIC, OLE_MAGIC)
    )


def cell_text(value) -> str:
    """One cell's value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float | Decimal):
        if value == int(value):
            return str(int(value))
        return str(value)
    return str(value)


def read_xlsx(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header cells and (row number, cells) of each non-blank row of the first sheet."""
    if data.startswith(OLE_MAGIC):
        raise FileError(
            1,
            "this is an old Excel file (.xls); open it in a spreadsheet and save it as "
            "Excel Workbook (.xlsx) or as CSV UTF-8",
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FileError(
            1,
            "this is not an Excel workbook (.xlsx): the file is damaged or in another "
            "format; save it again as Excel Workbook (.xlsx) or as CSV UTF-8",
        )
    from openpyxl import load_workbook  # only imports that read workbooks pay for it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise FileError(
            1,
            "this Excel workbook cannot be read (damaged, or protected by a password); "
            "save it again as Excel Workbook (.xlsx) or as CSV UTF-8",
        ) from None
    try:
        if not workbook.worksheets:
            raise FileError(1, "the workbook has no sheet")
        sheet = workbook.worksheets[0]
        # Some programs write a wrong size into the file; read what is really there.
        sheet.reset_dimensions()
        header: list[str] | None = None
        records: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [cell_text(value) for value in values]
            if header is None:
                header = _trimmed(cells)
                if number == 1 and (not header or not any(c.strip() for c in header)):
                    break
                continue
            if any(cell.strip() for cell in cells):
                records.append((number, _fitted(cells, len(header))))
    except FileError:
        raise
    except Exception:
        raise FileError(
            1, "this Excel workbook cannot be read; save it again as CSV UTF-8"
        ) from None
    finally:
        workbook.close()
    if not header or not any(cell.strip() for cell in header):
        raise FileError(1, "the first sheet is empty: its first row must name the columns")
    return header, records


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _fitted(cells: list[str], width: int) -> list[str]:
    """A row as wide as the header: a sheet leaves trailing empty cells out, and may
    carry empty ones past the header; cells with text past it are kept (an error)."""
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
        return cells[:width]
    return cells


def read_table(file_obj: IO, name: str = "") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and rows of a CSV file or, by its name or content, an Excel workbook."""
    data = file_obj.read()
    if isinstance(data, bytes) and is_spreadsheet(name, data):
        return read_xlsx(data)
    if isinstance(data, str):
        return read_csv(io.StringIO(data))
    return read_csv(io.BytesIO(data))
