"""History records for writes that bypass Model.save() (bulk actions, imports, commands).

django-simple-history records a save through signals; an UPDATE of many rows or a COPY
sends none. For those, one INSERT ... SELECT copies the rows as they now are into the
historical table, so every write path leaves the same trail of who, when and why.
"""

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

CREATED, CHANGED, DELETED = "+", "~", "-"


def record_history(
    model,
    ids: Iterable[int],
    history_type: str,
    user=None,
    reason: str = "",
    *,
    key: str = "id",
) -> None:
    """Add one historical record per row of `model` whose `key` column is in `ids`.

    `key` is the column matched against `ids`: "id" for the rows themselves, or a
    foreign key column ("location_id") to record the rows that belong to them.
    One query, whatever the number of rows.
    """
    ids = list(ids)
    if not ids:
        return
    historical = model.history.model
    quote = connection.ops.quote_name
    tracked = {f.attname for f in model._meta.concrete_fields}
    columns = [f.column for f in historical._meta.concrete_fields if f.attname in tracked]
    column_list = ", ".join(quote(c) for c in columns)
    reason = reason[: historical._meta.get_field("history_change_reason").max_length]
    sql = (
        f"INSERT INTO {quote(historical._meta.db_table)} ({column_list}, history_date, "
        "history_type, history_change_reason, history_user_id) "
        f"SELECT {column_list}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(key)} = ANY(%s) ORDER BY {quote(model._meta.pk.column)}"
    )
    user_id = getattr(user, "pk", user)
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), history_type, reason or None, user_id, ids])
