"""The cache stores: the public cache's file store (settings.CACHES["public"] without
CACHE_URL), and Redis for every cache when CACHE_URL names one (RedisCache, below).

Django's FileBasedCache lists its whole folder on every write (`_cull`) to learn whether
it holds MAX_ENTRIES files: about 4 ms a write once the folder holds thousands of
answers, paid by every uncached public request. This store lists it only once every
CULL_EVERY writes (an option, 100 by default), counted by all of the machine's workers
together in a small file of the folder: each write appends one byte to it, and the
write that finds CULL_EVERY bytes there empties it and lists the folder, culling as
Django does (a third of the entries, at random, once there are MAX_ENTRIES).

So the folder holds at most MAX_ENTRIES + CULL_EVERY answers, plus one for each write
that lands between another worker's reading of the count and its emptying it (a few at
most; a lost count only delays the next listing by one write). Two workers that list at
once both cull, as two of Django's would. The data version is never culled (losing it
would make every stored answer a miss at once). Reads are unchanged: a missing key is
one failed open(), never a listing.
"""

import os
import pickle
import random
import zlib

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from .data_version import VERSION_KEY

# Not named *.djcache: never listed, culled nor cleared as an entry.
COUNTER_NAME = "writes-since-listing"


class PublicFileBasedCache(FileBasedCache):
    def __init__(self, dir, params):
        super().__init__(dir, params)
        options = params.get("OPTIONS") or {}
        self._cull_every = max(1, int(options.get("CULL_EVERY", 100)))

    def _write_content(self, file, timeout, value):
        """As Django writes an entry, compressed at zlib's fastest level: pages compress
        about as well, at a third of the time, and a miss pays for it."""
        expiry = self.get_backend_timeout(timeout)
        file.write(pickle.dumps(expiry, self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), 1))

    def _cull(self):
        """Django's cull, run one write in CULL_EVERY, that never drops the data version:
        losing it would turn every stored answer into a miss at once."""
        if not self._listing_due():
            return
        entries = self._list_cache_files()
        if len(entries) < self._max_entries:
            return
        if self._cull_frequency == 0:
            self.clear()
            return
        version = self._key_to_file(VERSION_KEY)
        candidates = [entry for entry in entries if entry != version]
        dropped = min(len(candidates), len(entries) // self._cull_frequency)
        for entry in random.sample(candidates, dropped):
            self._delete(entry)

    def _listing_due(self) -> bool:
        """Count this write; true for one write in CULL_EVERY, across every process."""
        path = os.path.join(self._dir, COUNTER_NAME)
        try:
            # O_APPEND: each process's byte lands at the end, none overwrites another's.
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError:
            return True  # cannot count: list, as Django would
        try:
            os.write(descriptor, b".")
            if os.fstat(descriptor).st_size < self._cull_every:
                return False
            os.ftruncate(descriptor, 0)
            return True
        except OSError:
            return True
        finally:
            os.close(descriptor)


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one redis.Redis per connection pool. Django's makes
    a new redis.Redis for every operation, which costs more than the round trip itself
    (about 0.2 ms of CPU on a small server): a hit on the public cache makes two. A
    redis.Redis is safe to share between threads; its pool hands out the connections."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept_clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._kept_clients.get(id(pool))
        if client is None:
            client = self._kept_clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """Django's RedisCache (CACHE_URL redis://...) with the kept client above."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient

    def client(self):
        """The redis.Redis this store writes through, for commands Django's cache API
        has no word for (a pipeline)."""
        return self._cache.get_client(write=True)

    def decode(self, raw: bytes):
        """A value read from Redis directly, as get() would give it back."""
        return self._cache._serializer.loads(raw)


DJANGO_REDIS = "django.core.cache.backends.redis.RedisCache"
KEPT_CLIENT_REDIS = "naloxone_finder.cache_backends.RedisCache"


def with_kept_client(config: dict) -> dict:
    """A CACHES entry (as django-environ makes one from CACHE_URL) with Django's
    RedisCache replaced by the one above; any other store as it is."""
    if config.get("BACKEND") == DJANGO_REDIS:
        return {**config, "BACKEND": KEPT_CLIENT_REDIS}
    return config
