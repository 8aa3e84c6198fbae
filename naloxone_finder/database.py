"""Connection settings that make a sick database fail fast instead of hanging workers.

Used by settings.py for the primary and every replica. libpq (through psycopg) gives up
connecting after DB_CONNECT_TIMEOUT seconds, PostgreSQL cancels any statement running
longer than DB_STATEMENT_TIMEOUT_MS, and on TCP connections the kernel drops a
connection whose data has gone unacknowledged for DB_TCP_USER_TIMEOUT_MS (keepalives
find a dead peer on an idle persistent connection). No Django imports: settings use it.

It also turns PostgreSQL's JIT compilation off unless DB_JIT says otherwise: the site's
statements are short, and compiling one (20 ms for a wide "open now" fallback) cost
more than running it.

And, unless DB_PREPARED_STATEMENTS is off, each connection prepares a statement the
fifth time it runs (psycopg's `prepare_threshold`), for the cursors that send their
parameters apart from the statement: the search's (postgresql/base.py,
`prepared_cursor`). Its statements are long and the same on every request but for their
values, and planning them again each time was a third of PostgreSQL's work on an
uncached search. Every other statement keeps Django's default, the values written into
the statement, which has no limit on their number (PostgreSQL takes at most 65,535
parameters: an import of more rows looks its rows up by one list). Django leaves
preparing off because a pooler in transaction mode (PgBouncer before 1.21) cannot keep
a connection's prepared statements; one in session mode can.
"""

# Runs of one statement on a connection before psycopg prepares it (psycopg's default).
PREPARE_THRESHOLD = 5


def connection_options(
    options: dict,
    *,
    connect_timeout: int,
    statement_timeout_ms: int,
    tcp_user_timeout_ms: int,
    application_name: str,
    jit: bool = False,
    prepared_statements: bool = False,
) -> dict:
    """DATABASES[...]["OPTIONS"] with the timeouts added to what the URL already gave.

    A value of 0 leaves that limit out (libpq's and PostgreSQL's "no limit")."""
    result = dict(options)
    result.setdefault("application_name", application_name)
    if connect_timeout:
        # libpq counts at least 2 seconds, per address a host name resolves to.
        result.setdefault("connect_timeout", max(2, connect_timeout))
    if tcp_user_timeout_ms:
        result.setdefault("tcp_user_timeout", tcp_user_timeout_ms)
        result.setdefault("keepalives", 1)
        result.setdefault("keepalives_idle", 30)
        result.setdefault("keepalives_interval", 10)
        result.setdefault("keepalives_count", 3)
    # Kept after any -c options the URL already had.
    settings = [] if jit else ["-c jit=off"]
    if statement_timeout_ms:
        settings.append(f"-c statement_timeout={statement_timeout_ms}")
    if settings:
        result["options"] = " ".join([*filter(None, [result.get("options")]), *settings])
    if prepared_statements:
        result.setdefault("prepare_threshold", PREPARE_THRESHOLD)
    return result


def answer_timeout(statement_timeout_ms: int) -> float | None:
    """Seconds to wait for any one answer from the database before dropping the
    connection (naloxone_finder/postgresql): the statement timeout and 2 s for the round
    trip; no limit without a statement timeout (commands)."""
    return (statement_timeout_ms + 2000) / 1000 if statement_timeout_ms else None
