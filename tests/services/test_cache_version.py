"""The data version (locations/services/cache_version.py), and the public cache on a real
Redis as production runs it with CACHE_URL."""

import io
import os
import shutil
import socket
import subprocess
import time

import pytest
from django.db import transaction
from django.test import Client

from locations.services import cache_version
from locations.services.listings import unpublish
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db

REDIS = shutil.which("redis-server")


def test_a_lost_version_is_made_again_and_differs():
    before = cache_version.current()
    cache_version.public_cache().delete(cache_version.VERSION_KEY)

    after = cache_version.current()

    assert after != before
    assert cache_version.current() == after


def test_a_bump_inside_a_transaction_changes_the_version_again_on_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        location = make_location()
        unpublish([location.pk], None)
        during = cache_version.current()

    # Once at once (seen within the transaction), once more when it commits.
    assert callbacks
    assert cache_version.current() != during


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of the test's own on a free port."""
    if not REDIS:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("REQUIRE_REDIS is set but redis-server is not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_public_cache_on_redis_shows_a_write_at_once(redis_url, settings):
    settings.CACHES = {
        **settings.CACHES,
        "public": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    make_zipcodes("10001")
    location = make_location(name="Kept In Redis")
    anon = Client()
    urls = ["/search?near=10001", "/api/v1/export/locations.csv", "/sitemap-locations.xml"]
    for url in urls:
        assert anon.get(url)["X-Public-Cache"] == "miss"
        again = anon.get(url)
        assert again["X-Public-Cache"] == "hit"
        assert location.slug in again.content.decode()

    unpublish([location.pk], None)

    for url in urls:
        assert location.slug not in anon.get(url).content.decode()


def test_many_writes_in_one_transaction_bump_once_more_on_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(3):
            make_location(name=f"Place {n}")

    assert [c for c in callbacks if c is cache_version._new_version] == [cache_version._new_version]


def test_loading_zip_codes_changes_the_version(monkeypatch):
    from django.core.management import call_command

    before = cache_version.current()
    monkeypatch.setattr("locations.management.commands.load_zipcodes.zipcodes.list_all", lambda: [])
    call_command("load_zipcodes", stdout=io.StringIO())

    assert cache_version.current() != before
