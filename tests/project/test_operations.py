"""Settings refuse unsafe production configs; health check; static files; the index."""

from dataclasses import replace
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from locations.domain.geo import Point
from locations.models.nearby import Filters, count_nearby, explain_nearby, explain_nearest
from tests.processes import run_django

PRODUCTION_KEY = "x8$Kq2!vLz9@pW4#nR7&tY1^mB5*cF3(hJ6)dG0-sA-Lm8%Qe2+Zr5=Uo7~Vi3"  # for tests only


def test_it_refuses_to_start_without_secret_key_and_hosts_when_debug_is_off():
    result = run_django("print('started')", DEBUG="false", ALLOWED_HOSTS="example.org")

    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_django(
        "from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="naloxone.example",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout + result.stderr


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_static_files_are_collected_hashed_and_compressed(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    call_command("collectstatic", "--noinput", verbosity=0)

    css = [p.name for p in (tmp_path / "css").iterdir()]
    assert any(name.startswith("site.") and name.endswith(".css.gz") for name in css)
    assert (tmp_path / "staticfiles.json").exists()


INSERT_100K = """
INSERT INTO locations_location (
  slug, name, kind, street_address, address_line2, city, state, zip_code, latitude,
  longitude, location_precision, timezone, phone, website, email, description,
  free_naloxone, no_prescription, sells_otc, nasal_spray, injectable, training,
  fentanyl_test_strips, walk_in, anonymous, open_24_7, wheelchair_accessible,
  languages, states_served, status, verification_method, internal_notes, external_id,
  source, is_demo, created_at, updated_at)
SELECT 'bulk-' || n, 'Bulk ' || n, 'pharmacy', n || ' Main St', '', 'Somewhere', 'NY',
  '10001', 25 + (n % 2300) / 100.0, -124 + (n / 2300) * 1.3 + (n % 7) / 10.0, 'manual',
  'America/New_York', '', '', '', '', n % 2 = 0, n % 3 = 0, false, true, false, false,
  false, true, false, false, false, '{}', '{}', 'published', '', '', '', '', false,
  now(), now()
FROM generate_series(1, 100000) AS n
"""


@pytest.mark.slow
@pytest.mark.django_db
def test_at_100000_locations_the_search_reads_an_index_not_every_row():
    with connection.cursor() as cursor:
        # Loading test data, not serving a page: no statement timeout (DB_STATEMENT_TIMEOUT_MS).
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute(INSERT_100K)
        cursor.execute("ANALYZE locations_location")
    chosen = Filters(offerings=frozenset({"free_naloxone"}), without_kinds=("law_enforcement",))
    moment, point = timezone.now(), Point(40.7, -74.0)

    plan = explain_nearby(point, 10, chosen, moment, limit=20)

    assert "location_published_latlng" in plan
    assert "Seq Scan on locations_location" not in plan
    assert count_nearby(point, 10, chosen, moment) > 0
    # The fallback walks the GiST index of positions nearest first ("open now" too).
    walk = explain_nearest(point, replace(chosen, open_now=True), moment, 5)
    assert "Index Scan using location_published_point" in walk
    assert "Seq Scan on locations_location" not in walk


def database_url() -> str:
    """The URL of the database the tests run on, for a child process."""
    db = connection.settings_dict
    user = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
    socket_folder = db["OPTIONS"].get("host")  # the embedded server
    if socket_folder:
        return f"postgres://{user}@/{db['NAME']}?host={quote(socket_folder)}"
    return f"postgres://{user}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db
def test_production_redirects_to_https_except_the_health_check():
    result = run_django(
        "from django.test import Client; c = Client(); "
        "print(c.get('/').status_code, c.get('/healthz').status_code)",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=database_url(),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["301", "200"]
