"""Django's PostgreSQL backend with a limit on how long the site waits for an answer.

The statement timeout is PostgreSQL's own: a server that has stopped (a frozen process,
a host that hangs while its kernel still acknowledges the packets) enforces nothing, and
a worker waiting on its persistent connection would wait until gunicorn killed it. So
every wait for the server's answer on a connection (a statement, the health check's
SELECT 1, a commit) gives up after the connection's `ANSWER_TIMEOUT` seconds (set by
settings from DB_STATEMENT_TIMEOUT_MS), drops the connection, whose state is then
unknown, and raises DatabaseStalled, an OperationalError: the page is the friendly 503
and the next request connects afresh. Connections made by commands have no limit, as
they have no statement timeout.
"""

from contextlib import contextmanager

import psycopg
from django.db.backends.postgresql import base
from psycopg import errors

# psycopg raises this when Connection.wait's `timeout` runs out (its documented
# behaviour; the class itself is not public). tests/project/test_database_timeouts.py
# freezes a server to show the limit works.
WAIT_TIMEOUT = errors._WaitTimeout


class DatabaseStalled(psycopg.OperationalError):
    """The server did not answer within the connection's limit."""


class AnswerLimitedConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server end after `answer_limit`
    seconds (None: no limit)."""

    __slots__ = ()
    answer_limit: float | None = None  # set on each connection (its own __dict__)

    def wait(self, gen, *args, timeout=None, **kwargs):
        limit = self.answer_limit
        if timeout is not None or not limit:
            return super().wait(gen, *args, timeout=timeout, **kwargs)
        try:
            return super().wait(gen, *args, timeout=limit, **kwargs)
        except WAIT_TIMEOUT:
            self.pgconn.finish()  # mid-statement: unusable, and not worth a goodbye
            raise DatabaseStalled(f"The database did not answer within {limit:g} s.") from None


class DatabaseWrapper(base.DatabaseWrapper):
    def prepared_cursor(self):
        """A cursor that sends its parameters apart from the statement, so that a
        statement it runs again and again is prepared by the connection (on its fifth run,
        DB_PREPARED_STATEMENTS) and not planned anew each time: for the search's few
        statements, written once, with a few parameters each. Django's own cursor, which
        writes the values into the statement, when the connections prepare nothing."""
        if self.settings_dict["OPTIONS"].get("prepare_threshold") is None:
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(base.ServerBindingCursor(self.connection))

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.__class__ = AnswerLimitedConnection
        connection.answer_limit = self.settings_dict.get("ANSWER_TIMEOUT")
        return connection

    @contextmanager
    def answer_timeout(self, seconds: float | None):
        """Wait up to `seconds` (None: without limit) for each answer in this block, for
        work that raises the statement timeout too (an import)."""
        self.ensure_connection()
        connection = self.connection
        previous = connection.answer_limit
        connection.answer_limit = seconds
        try:
            yield
        finally:
            connection.answer_limit = previous
