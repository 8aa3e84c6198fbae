"""The search's statements are prepared by the connection once they have run a few times,
instead of being planned anew each time, unless DB_PREPARED_STATEMENTS is off; every
other statement writes its values in, with no limit on how many."""

from datetime import UTC, datetime

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from locations.domain.geo import Point
from locations.models import Location
from locations.models.nearby import COLUMNS, Filters, nearby_page, parameters, statement
from naloxone_finder.database import PREPARE_THRESHOLD, connection_options
from tests.factories import make_location
from tests.processes import run_django

MOMENT = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
CENTRE = Point(40.7484, -73.9967, "10001", "NY")

# Run in a fresh process: the same statement through a prepared cursor, twice the
# threshold, then how many of the connection's statements are prepared, and its threshold.
SHOW_PREPARED = (
    "from django.db import connection; c = connection.prepared_cursor(); "
    "[c.execute('SELECT %s::int + 40', [n]) for n in range(10)]; "
    "c.execute(\"SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%+ 40'\"); "
    "print(c.fetchone()[0]); "
    "print(connection.connection.prepare_threshold)"
)


def prepared(database, text: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of the connection's prepared statements that are
    `text` with its parameters numbered ($1, $2, ...)."""
    with database.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        rows = cursor.fetchall()
    start = text.split("%(", 1)[0]
    return [(generic, custom) for sql, generic, custom in rows if sql.startswith(start)]


@pytest.mark.django_db(transaction=True)
def test_the_search_statement_is_prepared_once_it_has_run_a_few_times():
    for number in range(3):
        make_location(name=f"Pharmacy {number}", latitude=40.75 + number / 100, longitude=-74.0)
    filters = Filters()
    text = statement(filters.shape())
    params = {**parameters(CENTRE, 10, filters, MOMENT), "limit": 20, "offset": 0}
    # A connection of its own: the test run's may have prepared the statement already.
    fresh = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with fresh.prepared_cursor() as cursor:
            for _ in range(PREPARE_THRESHOLD - 1):
                cursor.execute(text, params)
            assert prepared(fresh, text) == []
            answers = []
            for _ in range(3):
                cursor.execute(text, params)
                answers.append([row[COLUMNS.index("name")] for row in cursor.fetchall()])
        kept = prepared(fresh, text)
    finally:
        fresh.close()

    assert len(kept) == 1
    generic, custom = kept[0]
    assert generic + custom >= 2  # each later run used it, planned again or kept generic
    places, total = nearby_page(CENTRE, 10, filters, MOMENT, 0, 20)
    assert total == 3
    assert answers == [[place.name for place in places]] * 3


def test_the_connections_prepare_statements_by_default(replication):
    result = run_django(SHOW_PREPARED, DATABASE_URL=replication.primary_url, DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", str(PREPARE_THRESHOLD)]


def test_prepared_statements_can_be_turned_off_for_a_pooler_in_transaction_mode(replication):
    result = run_django(
        SHOW_PREPARED,
        DATABASE_URL=replication.primary_url,
        DB_PREPARED_STATEMENTS="false",
        DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "None"]


@pytest.mark.django_db
def test_other_statements_take_more_values_than_postgresql_takes_parameters():
    """An import of 70,000 rows looks them up by one list of external ids: Django writes
    the values into the statement, as PostgreSQL takes at most 65,535 parameters."""
    make_location(name="Kept", external_id="x-69999", source="import-test")
    ids = [f"x-{n}" for n in range(70_000)]

    found = Location.objects.filter(source="import-test", external_id__in=ids)

    assert [place.name for place in found] == ["Kept"]


def test_options_the_database_url_gives_win():
    options = connection_options(
        {"prepare_threshold": None},
        connect_timeout=5,
        statement_timeout_ms=0,
        tcp_user_timeout_ms=0,
        application_name="naloxone-finder",
        prepared_statements=True,
    )

    assert options["prepare_threshold"] is None
    assert "server_side_binding" not in options
