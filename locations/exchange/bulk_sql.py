"""Bulk writes for imports, in PostgreSQL's own terms: ids reserved from the sequence,
new rows by COPY, changed rows by one UPDATE ... FROM a COPY of their new values."""

import contextlib

from django.db import connection

from ..models import Location

# PostgreSQL's COPY moves rows many times faster than INSERT (or bulk_update's CASE
# expressions), since no SQL text is built for each value: 25,000 rows take a second.

LOCATION_FIELDS = Location._meta.concrete_fields


def db_values(location: Location) -> list:
    return [f.get_db_prep_save(getattr(location, f.attname), connection) for f in LOCATION_FIELDS]


def reserve_ids(model, count: int) -> list[int]:
    """Take `count` ids from the table's sequence in one query (COPY returns none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def update_rows(model, locations: list[Location], field_names: set[str]) -> None:
    """UPDATE the named fields of these rows: COPY them into a scratch table, then one
    UPDATE ... FROM. Fields no row changed (staff notes, say) are never written."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [
        quote(f.column)
        for f in LOCATION_FIELDS
        if f.name in field_names or f.attname in field_names
    ]
    copied = ", ".join(quote(f.column) for f in LOCATION_FIELDS)
    with connection.cursor() as cursor:
        # The copied columns only (not columns the database keeps itself, like open_week).
        cursor.execute(
            f"CREATE TEMPORARY TABLE import_changes AS SELECT {copied} FROM {table} WITH NO DATA"
        )
        copy_rows("import_changes", LOCATION_FIELDS, map(db_values, locations))
        assignments = ", ".join(f"{column} = c.{column}" for column in columns)
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM import_changes AS c WHERE t.id = c.id"
        )
        cursor.execute("DROP TABLE import_changes")


def copy_rows(table: str, fields, rows) -> None:
    """COPY rows (lists of database values, in the order of `fields`) into `table`."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor:
        # Logged like a query when queries are recorded (DEBUG, tests).
        log = getattr(cursor, "debug_sql", None)
        with log(sql) if log else contextlib.nullcontext(), cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
