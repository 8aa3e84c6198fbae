"""Read replicas against a real hot standby made in the test run (see conftest.py).

gunicorn serves the project with DATABASE_URL on the primary and DATABASE_REPLICA_URLS on
the standby. Pausing the standby's replay shows where each read came from: while paused,
a change made on the primary is on the primary only."""

import contextlib
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.postgres_cluster import SilentThenForwarding, wait_for, wait_for_replay
from tests.processes import gunicorn, run_django

NAME = "Harbor Street Pharmacy"
RENAMED = "Harbor Street Pharmacy Annex"
# The public cache the servers and commands of these tests share (files, as on one machine).
PUBLIC_CACHE = Path(tempfile.mkdtemp(prefix="nf-replica-cache-"))


def site_env(replication, **env) -> dict:
    return {
        "DATABASE_URL": replication.primary_url,
        "DATABASE_REPLICA_URLS": replication.standby_url,
        "DATABASE_REPLICA_MAX_LAG_SECONDS": "3600",
        "DATABASE_REPLICA_CHECK_SECONDS": "0.5",
        "GEOCODER": "none",
        "DEBUG": "1",
        "PUBLIC_CACHE_DIR": str(PUBLIC_CACHE),
        **env,
    }


def django_on(replication, code: str) -> str:
    result = run_django(code, **site_env(replication))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def place(replication) -> str:
    """A published place made on the primary and replayed on the standby; its slug."""
    slug = django_on(
        replication,
        "from tests.factories import make_location, make_zipcodes; make_zipcodes(); "
        f"print(make_location(name={NAME!r}).slug)",
    )
    wait_for_replay(replication.primary, replication.standby, "naloxone")
    return slug


@pytest.fixture(scope="module")
def staff_cookie(replication) -> dict:
    session = django_on(
        replication,
        "from django.test import Client; from tests.factories import make_superuser; "
        "client = Client(); client.force_login(make_superuser('replica-root')); "
        "print(client.cookies['sessionid'].value)",
    )
    return {"sessionid": session}


@pytest.fixture(scope="module")
def site(replication, place):
    with gunicorn(**site_env(replication)) as url:
        yield url


def rename(replication, slug: str, name: str) -> None:
    """Rename the place by a raw UPDATE on the primary, behind the app's back; forget the
    public copies as the app's own writes do (a version of unknown age, which replicas
    may serve)."""
    replication.primary.query(
        "UPDATE locations_location SET name = %s WHERE slug = %s", "naloxone", [name, slug]
    )
    forget_public_copies()


def forget_public_copies() -> None:
    shutil.rmtree(PUBLIC_CACHE, ignore_errors=True)
    PUBLIC_CACHE.mkdir(exist_ok=True)


def name_on_standby(replication, slug: str) -> str:
    rows = replication.standby.query(
        "SELECT name FROM locations_location WHERE slug = %s", "naloxone", [slug]
    )
    return rows[0][0]


@contextlib.contextmanager
def replay_paused(replication):
    """The standby keeps receiving the primary's changes but applies none of them."""
    replication.standby.query("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        replication.standby.query("SELECT pg_wal_replay_resume()")
        wait_for_replay(replication.primary, replication.standby, "naloxone")


def shown_name(url: str, **kwargs) -> str:
    response = requests.get(url, timeout=30, **kwargs)
    assert response.status_code == 200
    return RENAMED if RENAMED in response.text else NAME if NAME in response.text else ""


def test_visitors_read_the_replica_and_staff_read_the_primary(
    replication, site, place, staff_cookie
):
    page = f"{site}/locations/{place}/"
    try:
        with replay_paused(replication):
            rename(replication, place, RENAMED)

            assert name_on_standby(replication, place) == NAME
            assert shown_name(page) == NAME
            assert shown_name(f"{site}/search?near=10001") == NAME
            assert shown_name(page, cookies=staff_cookie) == RENAMED
            admin = requests.get(
                f"{site}/admin/locations/location/?q=Annex", cookies=staff_cookie, timeout=30
            )
            assert RENAMED in admin.text
            applications = replication.standby.query(
                "SELECT application_name FROM pg_stat_activity WHERE datname = 'naloxone'"
            )
            assert ("naloxone-finder replica_0",) in applications

        forget_public_copies()  # the copies made while the standby was behind
        assert shown_name(page) == RENAMED
    finally:
        rename(replication, place, NAME)
        wait_for_replay(replication.primary, replication.standby, "naloxone")


def test_a_write_through_the_app_reaches_visitors_at_once_while_the_replica_lags(
    replication, site, place
):
    page = f"{site}/locations/{place}/"
    assert shown_name(page) == NAME  # a public copy made before the write
    try:
        with replay_paused(replication):
            django_on(
                replication,
                "from locations.models import Location; "
                "from locations.services.listings import save_listing; "
                f"place = Location.objects.get(slug={place!r}); place.name = {RENAMED!r}; "
                "save_listing(place)",
            )
            assert name_on_standby(replication, place) == NAME

            # The write made a new data version: the old copy is out of reach, and the
            # new one is computed from the primary, since the standby has not caught up.
            assert shown_name(page) == RENAMED
            assert shown_name(f"{site}/search?near=10001") == RENAMED

        assert shown_name(page) == RENAMED
    finally:
        rename(replication, place, NAME)
        wait_for_replay(replication.primary, replication.standby, "naloxone")


def test_a_visitors_report_is_written_to_the_primary(replication, site, place):
    form = requests.get(f"{site}/locations/{place}/report/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)

    sent = requests.post(
        f"{site}/locations/{place}/report/",
        data={"csrfmiddlewaretoken": token, "problem": "wrong_hours", "details": "Shut Sundays"},
        cookies=form.cookies,
        allow_redirects=False,
        timeout=30,
    )

    assert sent.status_code == 302
    assert replication.primary.query(
        "SELECT problem FROM locations_problemreport WHERE details = 'Shut Sundays'", "naloxone"
    ) == [("wrong_hours",)]


def test_the_router_sends_only_public_reads_outside_transactions_to_the_replica(replication, place):
    printed = django_on(replication, "from tests.project.replica_probe import main; main()")

    assert printed.splitlines() == [
        # In a transaction, and after a write in the same request: the primary.
        "anonymous GET replica_0 default replica_0 default",
        "with a session default default default default",
        "admin default default default default",
        "POST default default default default",
        "outside a request default",
    ]


def test_a_lagging_replica_is_skipped(replication, place):
    page = None
    env = site_env(replication, DATABASE_REPLICA_MAX_LAG_SECONDS="1")
    try:
        with gunicorn(**env) as site, replay_paused(replication):
            page = f"{site}/locations/{place}/"
            rename(replication, place, RENAMED)
            deadline = time.monotonic() + 30
            # Each look is a fresh read (no public copy): the router must find the lag.
            while forget_public_copies() or shown_name(page) != RENAMED:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            forget_public_copies()

            assert shown_name(page) == RENAMED
            assert name_on_standby(replication, place) == NAME
    finally:
        rename(replication, place, NAME)
        wait_for_replay(replication.primary, replication.standby, "naloxone")


def test_a_replica_that_never_answers_is_skipped(replication, place):
    silent = SilentThenForwarding(
        f"{replication.standby.socket_dir}/.s.PGSQL.{replication.standby.port}"
    )
    replica = f"postgres://postgres@127.0.0.1:{silent.port}/naloxone"
    env = site_env(replication, DATABASE_REPLICA_URLS=replica, DB_CONNECT_TIMEOUT="2")
    try:
        with gunicorn(**env) as site:
            pages = [requests.get(f"{site}/locations/{place}/", timeout=60) for _ in range(3)]

            assert silent.held, "the site never tried the silent replica"
            assert [page.status_code for page in pages] == [200, 200, 200]
            assert all(NAME in page.text for page in pages)
    finally:
        silent.close()


def test_with_the_standby_down_public_pages_answer_from_the_primary(replication, site, place):
    assert requests.get(f"{site}/locations/{place}/", timeout=30).status_code == 200
    replication.standby.stop()
    try:
        for path in [f"/locations/{place}/", "/search?near=10001", "/states/", "/healthz"]:
            assert requests.get(f"{site}{path}", timeout=30).status_code == 200, path
        assert shown_name(f"{site}/locations/{place}/") == NAME
    finally:
        replication.standby.start()
        wait_for(
            lambda: (
                replication.primary.query(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                )[0][0]
                == 1
            ),
            "the standby to stream again",
        )
