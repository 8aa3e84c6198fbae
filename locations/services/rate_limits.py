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


def rate_key(request: HttpRequest, period: int, now: float) -> str:
    window = int(now // period)
    return f"submissions:{client_network(request)}:{period}:{window}"


def seconds_until_allowed(request: HttpRequest) -> int:
    """0 when this address may submit now, else the seconds until it may. Counted per
    fixed window in the "shared" cache, which all workers read. A cache outage lets
    submissions through rather than turning everyone away."""
    limit, period = parse_rate(settings.SUBMISSION_RATE_LIMIT)
    now = time.time()
    try:
        count = caches["shared"].get(rate_key(request, period, now), 0)
    except Exception:
        logger.exception("The shared cache failed; submission not rate-limited")
        return 0
    if count < limit:
        return 0
    return seconds_left(period, now)


def seconds_left(period: int, now: float) -> int:
    """Seconds until the current window of the rate limit ends (1 at least)."""
    return max(1, int(period - now % period))


def count_submission(request: HttpRequest) -> int:
    """Count one submission from this address in the current window, which the count
    outlives by a second at most. Returns the window's count with this one (0 when the
    cache failed)."""
    _limit, period = parse_rate(settings.SUBMISSION_RATE_LIMIT)
    now = time.time()
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
