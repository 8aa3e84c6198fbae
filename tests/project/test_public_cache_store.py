"""The public cache's stores (naloxone_finder/cache_backends.py). The file store lists its
folder once in CULL_EVERY writes, not on each, and still keeps the folder near
MAX_ENTRIES, with one worker or several sharing the folder (real files in a folder of
the test's own). The Redis store keeps one client (a redis-server of the test's own)."""

import subprocess
import sys

import environ
import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from naloxone_finder.cache_backends import (
    COUNTER_NAME,
    PublicFileBasedCache,
    RedisCache,
    with_kept_client,
)
from naloxone_finder.data_version import VERSION_KEY
from tests.processes import ROOT, run_django
from tests.services.test_cache_version import redis_url  # noqa: F401 (a fixture)


class Counted(PublicFileBasedCache):
    """The store, counting how often it lists its folder."""

    listings = 0

    def _list_cache_files(self):
        self.listings += 1
        return super()._list_cache_files()


def store(folder, max_entries: int, cull_every: int) -> Counted:
    options = {"MAX_ENTRIES": max_entries, "CULL_EVERY": cull_every}
    return Counted(str(folder), {"OPTIONS": options})


def entries(folder) -> list:
    return sorted(folder.glob("*.djcache"))


def test_writes_list_the_folder_once_in_cull_every(tmp_path):
    cache = store(tmp_path, max_entries=1000, cull_every=10)

    for number in range(95):
        cache.set(f"page-{number}", {"body": number}, None)

    assert cache.listings == 9  # Django's FileBasedCache: 95
    assert len(entries(tmp_path)) == 95
    assert all(cache.get(f"page-{number}") == {"body": number} for number in range(95))


def test_the_folder_stays_within_max_entries_and_cull_every(tmp_path):
    cache = store(tmp_path, max_entries=50, cull_every=10)
    largest = 0

    for number in range(1000):
        cache.set(f"page-{number}", number, None)
        largest = max(largest, len(entries(tmp_path)))

    assert cache.listings == 100
    assert 50 <= largest <= 50 + 10
    # Culled: most entries are gone; what is left reads back whole, the last one included.
    kept = [number for number in range(1000) if cache.get(f"page-{number}") is not None]
    assert len(kept) == len(entries(tmp_path)) <= 60
    assert all(cache.get(f"page-{number}") == number for number in kept)
    assert 999 in kept


def test_culling_never_drops_the_data_version(tmp_path):
    cache = store(tmp_path, max_entries=20, cull_every=1)
    cache.set(VERSION_KEY, "v1", None)

    for number in range(500):
        cache.set(f"page-{number}", number, None)

    assert len(entries(tmp_path)) <= 21  # culled, many times over
    assert cache.get(VERSION_KEY) == "v1"


def test_reading_a_missing_key_never_lists_the_folder(tmp_path):
    cache = store(tmp_path, max_entries=50, cull_every=10)
    cache.set("there", 1, None)

    assert cache.get("missing") is None
    assert cache.get("missing", "default") == "default"
    assert not cache.has_key("missing")
    assert cache.listings == 0


def test_clearing_keeps_the_count_out_of_the_entries(tmp_path):
    cache = store(tmp_path, max_entries=50, cull_every=10)
    for number in range(15):
        cache.set(f"page-{number}", number, None)

    cache.clear()
    cache.set("after", "yes", None)

    assert [path.name for path in tmp_path.iterdir() if path.suffix != ".djcache"] == [COUNTER_NAME]
    assert len(entries(tmp_path)) == 1
    assert cache.get("after") == "yes"
    assert cache.get("page-3") is None


WORKER = """
import sys
from naloxone_finder.cache_backends import PublicFileBasedCache

class Counted(PublicFileBasedCache):
    listings = 0
    def _list_cache_files(self):
        self.listings += 1
        return super()._list_cache_files()

options = {"MAX_ENTRIES": 100, "CULL_EVERY": 20}
cache = Counted(sys.argv[1], {"OPTIONS": options})
for number in range(250):
    cache.set(f"{sys.argv[2]}-{number}", number, None)
    # Whole, or already culled by another worker.
    assert cache.get(f"{sys.argv[2]}-{number}") in (number, None)
print(cache.listings)
"""


def test_workers_sharing_the_folder_share_the_count(tmp_path):
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path), f"worker{number}"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(4)
    ]
    results = [worker.communicate(timeout=60) for worker in workers]

    assert all(worker.returncode == 0 for worker in workers), results
    listings = sum(int(out) for out, _ in results)
    # 1,000 writes counted together: about 1,000 / 20 listings (Django's would be 1,000).
    assert 30 <= listings <= 75
    # At most MAX_ENTRIES + CULL_EVERY, give or take the few writes that race the count.
    assert len(entries(tmp_path)) <= 100 + 20 + 4


@pytest.mark.parametrize("cache_url", ["", "redis://127.0.0.1:6379/1"])
def test_the_site_uses_it_only_without_cache_url(cache_url):
    result = run_django(
        "from django.conf import settings; print(settings.CACHES['public']['BACKEND'])",
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/naloxone",
        **({"CACHE_URL": cache_url} if cache_url else {}),
    )

    assert result.returncode == 0, result.stderr
    expected = "PublicFileBasedCache" if not cache_url else "RedisCache"
    assert result.stdout.strip().endswith(expected)


def test_redis_from_cache_url_keeps_one_client_and_works_as_django_s(redis_url):  # noqa: F811
    config = with_kept_client(environ.Env.cache_url_config(redis_url))
    assert config["BACKEND"] == "naloxone_finder.cache_backends.RedisCache"
    cache = RedisCache(config["LOCATION"], {**config, "KEY_PREFIX": "kept"})
    plain = DjangoRedisCache(config["LOCATION"], {"KEY_PREFIX": "kept"})

    cache.set("page", {"body": b"x" * 1000}, 60)
    assert cache.add("page", "other", 60) is False
    assert cache.add("count", 0, 60) is True
    assert cache.incr("count") == 1
    # What one writes, Django's own RedisCache reads, and the other way round.
    assert plain.get("page") == {"body": b"x" * 1000} and plain.get("count") == 1
    plain.set("version", "abc.1", None)
    assert cache.get("version") == "abc.1"
    cache.delete("page")
    assert cache.get("page") is None

    # One redis.Redis for all of that, where Django's makes one per operation.
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False)
    assert plain._cache.get_client() is not plain._cache.get_client()


def test_other_stores_are_left_as_they_are():
    for url in ["locmemcache://", "dbcache://shared_cache", "filecache:///tmp/x"]:
        config = environ.Env.cache_url_config(url)
        assert with_kept_client(config) == config
