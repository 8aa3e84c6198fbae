"""The per-address limit on what visitors send through the public forms.

Counted per fixed window in the "shared" cache, which all workers read; IPv6 addresses
count by /64 (domain.clients.client_network). A cache outage lets submissions through
rather than turning everyone away.
"""

import logging
import re
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from ..domain.clients import client_network

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """("5/h") -> (5, 3600): how many submissions in how many seconds. "10/30m" works too."""
    match = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate)
    if not match:
        raise ValueError(f"Not a rate: {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * PERIODS[unit]


def parse_rates(rates: str) -> list[tuple[int, int]]:
    """("20/h,5/m") -> [(20, 3600), (5, 60)]: every limit a submission must keep to, a
    steady one and a burst one, say."""
    return [parse_rate(rate.strip()) for rate in rates.split(",") if rate.strip()]


def rate_key(request: HttpRequest, period: int, now: float) -> str:
    window = int(now // period)
    return f"submissions:{client_network(request)}:{period}:{window}"


def seconds_until_allowed(request: HttpRequest) -> int:
    """0 when this address may submit now, else the seconds until it may (the longest
    wait of the limits it has reached). Counted per fixed window in the "shared" cache,
    which all workers read. A cache outage lets submissions through rather than turning
    everyone away."""
    now = time.time()
    limits = parse_rates(settings.SUBMISSION_RATE_LIMIT)
    keys = {rate_key(request, period, now): (limit, period) for limit, period in limits}
    try:
        counts = caches["shared"].get_many(list(keys))
    except Exception:
        logger.exception("The shared cache failed; submission not rate-limited")
        return 0
    waits = [
        seconds_left(period, now)
        for key, (limit, period) in keys.items()
        if counts.get(key, 0) >= limit
    ]
    return max(waits, default=0)


def seconds_left(period: int, now: float) -> int:
    """Seconds until the current window of the rate limit ends (1 at least)."""
    return max(1, int(period - now % period))


def count_submission(request: HttpRequest) -> int:
    """Count one submission from this address in the current window of every limit.
    Returns 0 when it is within them all, else the seconds until it would be (the count
    then includes this one, which a worker counting at the same instant also sees)."""
    now = time.time()
    waits = [
        seconds_left(period, now)
        for limit, period in parse_rates(settings.SUBMISSION_RATE_LIMIT)
        if count_in_window(request, period, now) > limit
    ]
    return max(waits, default=0)


def count_in_window(request: HttpRequest, period: int, now: float) -> int:
    """Count one submission in the window of `period` seconds, which the count outlives
    by a second at most. Returns the window's count with this one (0 when the cache
    failed)."""
    key = rate_key(request, period, now)
    timeout = int(period - now % period) + 1
    cache = caches["shared"]
    try:
        try:
            if cache.add(key, 1, timeout=timeout):
                return 1
            # Atomic on Redis. The database cache increments by a get and a set, so two
            # submissions at the same instant may count as one (a flood is still held
            # back), and its set gives the key the cache's default expiry: restore ours.
            count = cache.incr(key)
            cache.touch(key, timeout=timeout)
            return count
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=timeout)
            return 1
    except Exception:
        logger.exception("The shared cache failed; submission not counted")
        return 0
