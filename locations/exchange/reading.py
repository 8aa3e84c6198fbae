"""Reading a CSV file of locations: its text, its header, and where each row starts, so
every problem can name the line (the header is line 1) and column."""

import csv
import difflib
import io
import re
from dataclasses import dataclass
from typing import IO

from .csv_format import COLUMNS, REQUIRED_COLUMNS


@dataclass
class RowError:
    """One problem in the file: the physical line (the header is line 1) and column."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return f"line {self.line}, column {self.column}: {self.message}"
        return f"line {self.line}: {self.message}"


class FileError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.row_error = RowError(line, "", message)


def read_csv(file_obj: IO) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header cells and (line number, cells) of each non-blank row."""
    data = file_obj.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise FileError(
                line,
                "the file is not UTF-8 text; in Excel use Save As > 'CSV UTF-8 (Comma delimited)'",
            ) from None
    data = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(data, newline=""))
    records: list[tuple[int, list[str]]] = []
    header = None
    try:
        line = 1
        for cells in reader:
            if header is None:
                header = cells
            elif any(cell.strip() for cell in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise FileError(reader.line_num, f"this is not a readable CSV line ({error})") from None
    if not header or not any(cell.strip() for cell in header):
        raise FileError(1, "the file is empty: the first line must name the columns")
    return header, records


def column_key(name: str) -> str:
    """ "Zip Code " -> "zip_code": headers match in any case, with stray spaces."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def check_header(header: list[str]) -> list[str]:
    """The column key of each header cell ("" for an unnamed one); raise when unusable."""
    columns = [column_key(cell) for cell in header]
    if len(columns) == 1 and (";" in header[0] or "\t" in header[0]):
        raise FileError(1, "the columns are not separated by commas: save the file as CSV")
    problems = []
    seen: dict[str, int] = {}
    for position, column in enumerate(columns, start=1):
        if column and column in seen:
            problems.append(
                f'column "{column}" appears twice (columns {seen[column]} and {position})'
            )
        seen.setdefault(column, position)
    unknown = [c for c in columns if c and c not in COLUMNS]
    if unknown:
        named = []
        for column in unknown:
            close = difflib.get_close_matches(column, COLUMNS, n=1)
            named.append(f"{column} (did you mean {close[0]}?)" if close else column)
        problems.append(
            f"unknown {'column' if len(unknown) == 1 else 'columns'}: {', '.join(named)}. "
            f"The columns are: {', '.join(COLUMNS)}"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        problems.append(
            f"missing required {'column' if len(missing) == 1 else 'columns'}: {', '.join(missing)}"
        )
    if ("latitude" in seen) != ("longitude" in seen):
        problems.append("the latitude and longitude columns go together: give both or neither")
    if problems:
        raise FileError(1, "; ".join(problems))
    return columns
