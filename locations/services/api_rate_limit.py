"""The API's per-address rate limit (API_RATE_LIMIT), counted in the default cache.

Every API request is counted, those the public cache answers too, so the count is paid
on the API's cheapest path. With Redis (CACHE_URL) it costs one round trip: a pipeline
sets the address's counter to 0 with the window's expiry unless it exists, increments
it and reads how long it has left, so the count and the Retry-After come back together
(an add and then an incr would be two). When the public cache is the same Redis, the
pipeline also reads the data version (services/cache_version.py) and leaves it on the
request for the public cache, which then asks Redis only for its entry: a cached API
answer costs two round trips, not four.

On Redis a window starts with an address's first request and lasts the rate's period,
on Redis's clock, which every worker and server share. Other stores (the in-memory
default, each worker's own) cannot say how long a key has left: there the windows
follow this machine's clock, and the key names the window.

Only the address (an IPv6 address by its /64) and a count are kept, hashed, for the
length of the window. With RATELIMIT_FAIL_OPEN (the default) a cache that cannot be
reached counts nothing and refuses no one, rather than taking the API down with it.
"""

import hashlib
import logging
import math
import time
import zlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.utils.module_loading import import_string

from naloxone_finder.cache_backends import RedisCache
from naloxone_finder.data_version import CACHE_ALIAS as PUBLIC_ALIAS
from naloxone_finder.data_version import VERSION_KEY

from ..domain.clients import network_of
from .rate_limits import parse_rate

log = logging.getLogger(__name__)

ALIAS = "default"
KEY_PREFIX = "nf:api-rate:"


def seconds_to_wait(request: HttpRequest) -> int:
    """Count this request against its address's allowance. 0 when it is within it, else
    the seconds until the window ends (the request is counted either way)."""
    limit, period = parse_rate(settings.API_RATE_LIMIT)
    address = network_of(import_string(settings.RATELIMIT_IP_META_KEY)(request))
    name = KEY_PREFIX + hashlib.sha256(f"{limit}/{period}|{address}".encode()).hexdigest()
    store = caches[ALIAS]
    try:
        if isinstance(store, RedisCache):
            count, seconds = count_on_redis(request, store, name, period)
        else:
            count, seconds = count_in_cache(name, period)
    except Exception:
        log.exception("The default cache failed; API request not counted")
        return 0 if settings.RATELIMIT_FAIL_OPEN else 1
    return seconds if count > limit else 0


def count_on_redis(
    request: HttpRequest, store: RedisCache, name: str, period: int
) -> tuple[int, int]:
    """(the count with this request, the seconds left in its window), in one round trip
    through the store's own client; the data version too when the public cache is in
    the same Redis."""
    client = store.client()
    key = store.make_key(name)
    pipeline = client.pipeline(transaction=False)
    pipeline.set(key, 0, ex=period, nx=True)
    pipeline.incr(key)
    pipeline.pttl(key)
    public, config = caches[PUBLIC_ALIAS], settings.CACHES[PUBLIC_ALIAS]
    same_store = isinstance(public, RedisCache) and all(
        config.get(setting) == settings.CACHES[ALIAS].get(setting)
        for setting in ("LOCATION", "OPTIONS")
    )
    if same_store:
        pipeline.get(public.make_key(VERSION_KEY))
    _, count, milliseconds, *version = pipeline.execute()
    if milliseconds == -1:
        # The counter expired between the SET and the INCR, which made it again without
        # an expiry: without one, this address would be counted against for ever.
        client.expire(key, period)
        milliseconds = period * 1000
    if version and version[0] is not None:
        try:
            # Read as the public cache reads it (Django's RedisCache pickles a str).
            request.data_version = public.decode(version[0])
        except Exception:
            log.exception("The data version read with the API's count could not be read")
    return count, max(1, math.ceil(milliseconds / 1000))


def count_in_cache(name: str, period: int) -> tuple[int, int]:
    """(the count with this request, the seconds left in its window) in any Django cache:
    an add, then an incr (atomic in the in-memory cache)."""
    now = time.time()
    # Each address's windows start at an offset of their own, so that not every
    # allowance comes back in the same second.
    offset = zlib.crc32(name.encode()) % period
    window = int((now - offset) // period)
    key = f"{name}:{window}"
    cache = caches[ALIAS]
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=period)
        count = 1
    return count, max(1, math.ceil((window + 1) * period + offset - now))
