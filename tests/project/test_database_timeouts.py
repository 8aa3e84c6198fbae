"""A sick database makes the site fail fast (503 within seconds) and recover by itself.

gunicorn serves the project against a database that does not answer: a TCP listener that
accepts connections and never replies (the connect timeout), and the test run's own
PostgreSQL with the listings table locked (the statement timeout)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests

from naloxone_finder.postgresql.base import AnswerLimitedConnection, DatabaseStalled
from tests.postgres_cluster import SilentThenForwarding
from tests.processes import ROOT, gunicorn, run_django

# The bound the site promises; the settings below make it answer well inside it.
FAIL_FAST_SECONDS = 10
TIMEOUTS = {"DB_CONNECT_TIMEOUT": "2", "DB_STATEMENT_TIMEOUT_MS": "1500", "DEBUG": "1"}


def timed_get(url: str) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.get(url, timeout=60)
    return response, time.monotonic() - started


def eventually_ok(url: str, seconds: float = 30) -> int:
    """The status of url once it is 200, or its last status after the given seconds."""
    deadline = time.monotonic() + seconds
    status = 0
    while time.monotonic() < deadline:
        status = requests.get(url, timeout=30).status_code
        if status == 200:
            break
        time.sleep(0.5)
    return status


@pytest.fixture
def silent_database(replication):
    socket_path = f"{replication.primary.socket_dir}/.s.PGSQL.{replication.primary.port}"
    database = SilentThenForwarding(socket_path)
    yield database
    database.close()


def test_a_database_that_never_answers_gives_503_fast_and_the_site_recovers(silent_database):
    url = f"postgres://postgres@127.0.0.1:{silent_database.port}/naloxone"
    with gunicorn(DATABASE_URL=url, **TIMEOUTS) as site:
        health, health_seconds = timed_get(f"{site}/healthz")
        page, page_seconds = timed_get(f"{site}/search?near=40.75,-73.99")

        assert silent_database.held, "the site never tried the silent database"
        assert health.status_code == 503
        assert health.json() == {"status": "database unavailable"}
        assert health_seconds < FAIL_FAST_SECONDS
        assert page.status_code == 503
        assert "The directory is not answering right now" in page.text
        assert "call 911" in page.text
        assert page.headers["Retry-After"] == "30"
        assert page_seconds < FAIL_FAST_SECONDS

        silent_database.forwarding = True

        assert eventually_ok(f"{site}/healthz") == 200
        assert requests.get(f"{site}/search?near=40.75,-73.99", timeout=30).status_code == 200


def test_a_table_locked_past_the_statement_timeout_gives_503_fast_and_then_recovers(
    replication,
):
    with gunicorn(DATABASE_URL=replication.primary_url, **TIMEOUTS) as site:
        assert requests.get(f"{site}/healthz", timeout=30).status_code == 200

        with replication.primary.connect("naloxone", autocommit=False) as locker:
            locker.execute("LOCK TABLE locations_location IN ACCESS EXCLUSIVE MODE")
            health, health_seconds = timed_get(f"{site}/healthz")
            page, page_seconds = timed_get(f"{site}/search?near=40.75,-73.99")
            api, api_seconds = timed_get(f"{site}/api/v1/locations?near=40.75,-73.99")
            locker.rollback()

        assert health.status_code == 503
        assert health_seconds < FAIL_FAST_SECONDS
        assert page.status_code == 503
        assert "The directory is not answering right now" in page.text
        assert page_seconds < FAIL_FAST_SECONDS
        assert api.status_code == 503
        assert "not answering" in api.json()["error"]
        assert api.headers["Cache-Control"] == "no-store"
        assert api.headers["Retry-After"] == "30"
        assert api_seconds < FAIL_FAST_SECONDS
        assert eventually_ok(f"{site}/healthz") == 200
        assert requests.get(f"{site}/search?near=40.75,-73.99", timeout=30).status_code == 200


@contextlib.contextmanager
def frozen(server):
    """Every process of `server` stopped (SIGSTOP) for the block: connections stay open,
    and the kernel still accepts new ones and acknowledges what is sent, but nothing
    answers, as when a database host hangs."""
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    processes = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:  # its parent
            processes.append(int(stat.parent.name))
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in processes:
            os.kill(pid, signal.SIGCONT)


def test_a_server_that_stops_answering_gives_503_fast_and_the_site_recovers(replication):
    """The statement timeout is the server's: a stopped server enforces nothing. The site
    gives up on an answer after the statement timeout and 2 s (3.5 s here), on the worker's
    open connection as on a new one (the connect timeout)."""
    with gunicorn(DATABASE_URL=replication.primary_url, **TIMEOUTS) as site:
        # The worker's persistent connection is open.
        assert requests.get(f"{site}/search?near=40.75,-73.99", timeout=30).status_code == 200

        with frozen(replication.primary):
            health, health_seconds = timed_get(f"{site}/healthz")
            page, page_seconds = timed_get(f"{site}/search?near=40.74,-73.98")  # not cached

        assert health.status_code == 503
        assert health_seconds < FAIL_FAST_SECONDS
        assert page.status_code == 503
        assert "The directory is not answering right now" in page.text
        assert page_seconds < FAIL_FAST_SECONDS
        assert eventually_ok(f"{site}/healthz") == 200
        assert requests.get(f"{site}/search?near=40.74,-73.98", timeout=30).status_code == 200


def test_a_stalled_answer_ends_the_wait_and_drops_the_connection(replication):
    """On an open connection whose server process has stopped, a statement ends after
    the limit with DatabaseStalled (an OperationalError), and the connection is closed,
    never used again."""
    connection = AnswerLimitedConnection.connect(replication.primary_url, autocommit=True)
    connection.answer_limit = 1.0
    [(backend,)] = connection.execute("SELECT pg_backend_pid()").fetchall()
    os.kill(backend, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseStalled) as stalled:
            connection.execute("SELECT 1")
        waited = time.monotonic() - started
    finally:
        os.kill(backend, signal.SIGCONT)
        connection.close()

    assert isinstance(stalled.value, psycopg.OperationalError)
    assert 1.0 <= waited < 3
    assert connection.closed


def test_the_timeouts_reach_the_database_session(replication):
    result = run_django(
        "from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('SHOW statement_timeout'); print(cursor.fetchone()[0]); "
        "cursor.execute('SHOW application_name'); print(cursor.fetchone()[0]); "
        "cursor.execute('SHOW jit'); print(cursor.fetchone()[0]); "
        "print(connection.settings_dict['OPTIONS']['connect_timeout']); "
        "print(connection.connection.answer_limit)",
        DATABASE_URL=replication.primary_url,
        DB_STATEMENT_TIMEOUT_MS="1500",
        DB_CONNECT_TIMEOUT="3",
        DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    # The site's own wait for an answer: the statement timeout and 2 s.
    assert result.stdout.split() == ["1500ms", "naloxone-finder", "off", "3", "3.5"]


def test_jit_stays_the_servers_own_when_told(replication):
    result = run_django(
        "from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('SHOW jit'); print(cursor.fetchone()[0]); "
        "print(connection.settings_dict['OPTIONS']['options'])",
        DATABASE_URL=replication.primary_url,
        DB_JIT="1",
        DB_STATEMENT_TIMEOUT_MS="1500",
        DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    shown, options = result.stdout.strip().split("\n")
    assert options == "-c statement_timeout=1500"
    [(server_default,)] = replication.primary.query("SHOW jit")
    assert shown == server_default


def test_commands_run_without_the_statement_timeout_unless_told(replication):
    show = [
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])",
    ]
    environment = {**os.environ, "DATABASE_URL": replication.primary_url}
    environment.pop("DB_STATEMENT_TIMEOUT_MS", None)

    default = subprocess.run(
        [sys.executable, "manage.py", *show],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    told = subprocess.run(
        [sys.executable, "manage.py", *show],
        cwd=ROOT,
        env={**environment, "DB_STATEMENT_TIMEOUT_MS": "2500"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert default.stdout.strip() == "0", default.stderr
    assert told.stdout.strip() == "2500ms", told.stderr
