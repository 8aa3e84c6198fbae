"""What browsers and shared caches (a CDN) are told about public answers: Cache-Control
values, and the entity tag of an answer stored under a cache key.

A public answer is fresh for a minute everywhere (max-age for browsers, s-maxage for a
CDN), and a CDN may keep serving it for STALE_WHILE_REVALIDATE seconds more while it
fetches the new one. Answers that show "open now" are fresh only until the end of the
current minute, so that no copy anywhere is more than a minute old.
"""

import hashlib
from datetime import datetime

MAX_AGE = 60
STALE_WHILE_REVALIDATE = 30
# Never stored by a browser or a CDN: the admin, pages with a CSRF token (forms), errors,
# 429s, and anything a signed-in person sees.
NO_STORE = "no-store"
PRIVATE_NO_STORE = "private, no-store"
# A previous copy served while another request rebuilds the current one: usable, but
# not to be kept.
NO_CACHE = "no-cache"


def public_cache_control(now: datetime | None = None) -> str:
    """Cache-Control for an anonymous public answer. With `now`, the answer shows the
    time of day ("open now"): fresh only until the next minute starts."""
    if now is None:
        return (
            f"public, max-age={MAX_AGE}, s-maxage={MAX_AGE}, "
            f"stale-while-revalidate={STALE_WHILE_REVALIDATE}"
        )
    left = max(1, 60 - now.second)
    return f"public, max-age={left}, s-maxage={left}"


def entity_tag(key: str) -> str:
    """A strong ETag for the answer stored under `key` (which holds the data version)."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def minute_of(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M")
