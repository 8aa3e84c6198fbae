"""The data version: a token that changes whenever the public directory may have changed.

Every cached public answer (pages, API, sitemaps, exports; see locations/web/caching.py)
is stored under a key that contains the version, so a write makes every older copy
unreachable at once: nothing has to be found and deleted. The token lives in the
"public" cache (Redis with CACHE_URL, shared by every worker and machine; else files
on this machine). If it is ever lost (evicted, flushed), a new one is made, which only
costs cache misses.

`bump()` changes it twice: at once (so a request in the same transaction or a test that
never commits sees the change) and again when the transaction commits (so a copy
computed from the old rows between the first bump and the commit is never reached).
Services call it after every write; the receivers below also call it for any save or
delete of a place or its opening hours (the admin's forms and inlines, deletes,
history reverts), as a safety net for paths that do not go through a service, and for
the other rows public answers show: ZIP codes and the national help lines.
"""

import logging
import time

from django.core.cache import caches
from django.db import transaction

# The key and the token's form are the project's (backup.py's restore changes it too).
from naloxone_finder.data_version import CACHE_ALIAS, VERSION_KEY
from naloxone_finder.data_version import new_token as _token

log = logging.getLogger(__name__)


def public_cache():
    return caches[CACHE_ALIAS]


def seconds_since_write(token: str) -> float:
    """How long ago the write that made this token happened; very long when unknown (a
    token made because none was found), so that only a known recent write counts."""
    try:
        written_at = int(token.rsplit(".", 1)[1])
    except (IndexError, ValueError):
        written_at = 0
    return time.time() - written_at if written_at else float("inf")


def _new_version() -> None:
    """A new token. A write must not fail because the cache is down: the error is logged,
    and the copies that cache holds expire by themselves (two minutes for "open now"
    answers, an hour for the others, a day for sitemaps and exports)."""
    try:
        public_cache().set(VERSION_KEY, _token(time.time()), timeout=None)
    except Exception:
        log.exception("The public cache's data version could not be changed")


def current() -> str:
    """The data version now (made if there is none)."""
    store = public_cache()
    token = store.get(VERSION_KEY)
    if token is None:
        candidate = _token(0)
        # Several workers may find none at once: the first one's token wins.
        store.add(VERSION_KEY, candidate, timeout=None)
        token = store.get(VERSION_KEY) or candidate
    return token


def for_request(request) -> str:
    """The data version for this request: the one read with the API's rate limit count
    (services/api_rate_limit.py, in the same round trip when the count is in the public
    cache's Redis), else current()."""
    return getattr(request, "data_version", None) or current()


def bump(using: str | None = None) -> None:
    """A new data version now, and another when the current transaction commits (once
    per transaction, however many rows it writes)."""
    _new_version()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(
        entry[1] is _new_version for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(_new_version, using=using)


def bump_on_change(sender, instance=None, using=None, **kwargs) -> None:
    """post_save / post_delete receiver for the models public answers show."""
    bump(using=using)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from ..models import HelpLine, Location, OpeningHours, ZipCode

    # A ZIP code's place decides which places a search by it finds; the help lines are on
    # every search page that finds nothing near.
    for model in (Location, OpeningHours, ZipCode, HelpLine):
        uid = f"cache_version_{model.__name__}"
        post_save.connect(bump_on_change, sender=model, dispatch_uid=uid + "_save")
        post_delete.connect(bump_on_change, sender=model, dispatch_uid=uid + "_delete")
