"""`make backup` and `make restore`: naloxone_finder/backup.py with the real pg_dump and
pg_restore, against the test database's own server."""

import os
import re
import stat
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from locations.models import Location, ProblemReport, Suggestion
from locations.services.listings import save_listing
from naloxone_finder.backup import libpq_environment
from naloxone_finder.cache_backends import PublicFileBasedCache
from naloxone_finder.data_version import VERSION_KEY
from tests.factories import (
    make_location,
    make_report,
    make_suggestion,
    make_superuser,
    make_zipcodes,
)
from tests.processes import ROOT
from tests.project.test_operations import database_url
from tests.project.test_public_cache_settings import public_prefix
from tests.services.test_cache_version import redis_url  # noqa: F401 (a fixture)


def backup(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m naloxone_finder.backup ...` on the test database, as make runs it, with
    the test run's public cache (its folder, unless CACHE_URL names a Redis)."""
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(DATABASE_URL=database_url(), DEBUG="true")
    public = django_settings.CACHES["public"]
    if public["BACKEND"].endswith("FileBasedCache"):
        environment["PUBLIC_CACHE_DIR"] = public["LOCATION"]
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "naloxone_finder.backup", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def server(dbname: str) -> psycopg.Connection:
    """A connection to another database on the test database's server."""
    environment = libpq_environment(connection.settings_dict)
    keywords = {
        "dbname": dbname,
        "user": environment.get("PGUSER"),
        "password": environment.get("PGPASSWORD"),
        "host": environment.get("PGHOST"),
        "port": environment.get("PGPORT"),
    }
    return psycopg.connect(**{k: v for k, v in keywords.items() if v}, autocommit=True)


@pytest.fixture
def empty_database():
    """A fresh, empty database on the same server: its name and URL."""
    name = connection.settings_dict["NAME"] + "_restored"
    with server("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(database_url())
    yield name, urlunsplit(parts._replace(path=f"/{name}"))
    with server("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def contents(dbname: str) -> dict[str, list[str]]:
    """Every table of the public schema, each row as text, in order."""
    with server(dbname) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: [row for (row,) in db.execute(f'SELECT t::text FROM "{table}" t ORDER BY 1')]
            for table in tables
        }


def seed(settings) -> None:
    """Demo data, plus history, a suggestion and a problem report."""
    make_zipcodes()
    settings.DEBUG = True  # seed_demo runs only there
    call_command("seed_demo", count=40, verbosity=0)
    boss = make_superuser("boss")
    place = make_location(name="Corner Pharmacy", hours=[(0, (9, 0), (17, 0))])
    place.phone = "+12125550123"
    save_listing(place, edited_fields=["phone"], user=boss, reason="Called to check")
    make_suggestion()
    make_report(place)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_holds_every_row(
    tmp_path, empty_database, settings
):
    seed(settings)
    name, url = empty_database

    dumped = backup("dump", "--dir", str(tmp_path))
    [file] = tmp_path.iterdir()
    restored = backup("restore", str(file), "--database-url", url)

    assert dumped.returncode == 0, dumped.stderr
    assert re.fullmatch(r"naloxone-finder-\d{4}-\d\d-\d\dT\d{4}Z\.dump", file.name)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert restored.returncode == 0, restored.stderr
    original, copy = contents(connection.settings_dict["NAME"]), contents(name)
    assert copy.keys() == original.keys()
    locations_tables = [table for table in original if table.startswith("locations_")]
    assert {
        "locations_location",
        "locations_historicallocation",
        "locations_openinghours",
        "locations_historicalopeninghours",
        "locations_suggestion",
        "locations_problemreport",
        "locations_zipcode",
    } <= set(locations_tables)
    for table in original:
        assert copy[table] == original[table], table
    # Not a comparison of empty tables: the seeded rows and their history are there.
    assert len(original["locations_location"]) == Location.objects.count() > 40
    assert len(original["locations_historicallocation"]) > len(original["locations_location"])
    assert Suggestion.objects.count() == ProblemReport.objects.count() == 1
    with server(name) as db:
        reasons = db.execute(
            "SELECT history_change_reason FROM locations_historicallocation"
            " WHERE name = 'Corner Pharmacy' ORDER BY history_date"
        ).fetchall()
    assert reasons[-1] == ("Called to check",)


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_restore_over_a_database_that_has_tables(tmp_path, empty_database):
    make_zipcodes("10001")
    make_location(name="Keep Me")
    name, url = empty_database
    backup("dump", "--dir", str(tmp_path))
    [file] = tmp_path.iterdir()
    backup("restore", str(file), "--database-url", url)
    with server(name) as db:
        db.execute("UPDATE locations_location SET name = 'Changed since'")

    refused = backup("restore", str(file), "--database-url", url)
    with server(name) as db:
        after_refusal = db.execute("SELECT name FROM locations_location").fetchall()
    forced = backup("restore", str(file), "--database-url", url, "--force")
    with server(name) as db:
        after_force = db.execute("SELECT name FROM locations_location").fetchall()

    assert refused.returncode == 1
    assert f"Refusing to restore into {name}" in refused.stderr
    assert "FORCE=1" in refused.stderr
    assert after_refusal == [("Changed since",)]
    assert forced.returncode == 0, forced.stderr
    assert after_force == [("Keep Me",)]


@pytest.mark.django_db(transaction=True)
def test_two_backups_in_one_minute_are_both_kept(tmp_path):
    first, second = backup("dump", "--dir", str(tmp_path)), backup("dump", "--dir", str(tmp_path))

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 2
    assert not any(name.endswith(".partial") for name in names)


def test_restoring_a_missing_file_says_so(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "naloxone_finder.backup", "restore", str(tmp_path / "nope.dump")],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "No backup at" in result.stderr


def served_from_the_public_cache(client: Client, url: str) -> str:
    """The page at url once it is a hit (the minute, part of its key, may turn once)."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200
        if response["X-Public-Cache"] == "hit":
            return response.content.decode()
    raise AssertionError(f"{url} was never served from the public cache")


@pytest.mark.django_db(transaction=True)
def test_after_a_restore_no_page_cached_before_it_is_served(tmp_path, settings):
    # This process serves the test database, with the public cache's key prefix that a
    # site started on it (like the restore's process) computes.
    settings.CACHES = {
        **settings.CACHES,
        "public": {**settings.CACHES["public"], "KEY_PREFIX": public_prefix(database_url())},
    }
    make_zipcodes("10001")
    place = make_location(name="Corner Pharmacy", phone="+12125550100")
    search = "/search?near=10001"
    dumped = backup("dump", "--dir", str(tmp_path))
    [file] = tmp_path.iterdir()
    place.phone = "+12125550199"
    place.name = "Renamed Pharmacy"
    save_listing(place, edited_fields=["phone", "name"])
    anon = Client()
    page_before = served_from_the_public_cache(anon, place.get_absolute_url())
    search_before = served_from_the_public_cache(anon, search)

    restored = backup("restore", str(file), "--force")
    page, found = anon.get(place.get_absolute_url()), anon.get(search)

    assert dumped.returncode == 0, dumped.stderr
    assert "Renamed Pharmacy" in page_before and "5550199" in page_before
    assert "Renamed Pharmacy" in search_before
    assert restored.returncode == 0, restored.stderr
    assert restored.stderr == ""
    assert page.status_code == found.status_code == 200
    assert page["X-Public-Cache"] == found["X-Public-Cache"] == "miss"
    assert "Corner Pharmacy" in page.content.decode()
    assert "5550100" in page.content.decode()
    assert "Renamed Pharmacy" not in page.content.decode() + found.content.decode()
    assert "Corner Pharmacy" in found.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["files", "redis"])
def test_a_restore_elsewhere_changes_the_version_of_the_site_on_that_database(
    tmp_path, empty_database, kind, request
):
    make_zipcodes("10001")
    make_location(name="Keep Me")
    name, url = empty_database
    if kind == "redis":
        cache_url = request.getfixturevalue("redis_url")
        env = {"CACHE_URL": cache_url}

        def store(prefix):
            return RedisCache(cache_url, {"KEY_PREFIX": prefix})
    else:
        folder = tmp_path / "public"
        env = {"PUBLIC_CACHE_DIR": str(folder)}

        def store(prefix):
            return PublicFileBasedCache(str(folder), {"KEY_PREFIX": prefix})

    site, elsewhere = store(public_prefix(database_url())), store(public_prefix(url))
    site.set(VERSION_KEY, "site-version", None)
    elsewhere.set(VERSION_KEY, "old-version", None)
    backup("dump", "--dir", str(tmp_path))
    [file] = tmp_path.glob("*.dump")

    restored = backup("restore", str(file), "--database-url", url, **env)

    assert restored.returncode == 0, restored.stderr
    assert elsewhere.get(VERSION_KEY) not in (None, "old-version")
    assert site.get(VERSION_KEY) == "site-version"


@pytest.mark.django_db(transaction=True)
def test_a_restore_with_the_public_cache_out_of_reach_stands_and_says_so(tmp_path, empty_database):
    make_zipcodes("10001")
    make_location(name="Keep Me")
    name, url = empty_database
    backup("dump", "--dir", str(tmp_path))
    [file] = tmp_path.iterdir()

    # Nothing listens there: the data version cannot be changed.
    restored = backup(
        "restore", str(file), "--database-url", url, CACHE_URL="redis://127.0.0.1:9/0"
    )

    assert restored.returncode == 0, restored.stderr
    assert "could not be changed" in restored.stderr
    with server(name) as db:
        assert db.execute("SELECT name FROM locations_location").fetchall() == [("Keep Me",)]
