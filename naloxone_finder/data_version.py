"""The public cache's data version, as the project sees it: the key it is kept under and
how a new one is made. locations/services/cache_version.py builds the app's use of it on
these (reading it, changing it after every write); backup.py's restore changes it with
Django's settings alone, without setting up the app.
"""

import time
import uuid

CACHE_ALIAS = "public"
VERSION_KEY = "nf:data-version"


def new_token(written_at: float) -> str:
    """A fresh token that also says when the write it stands for happened (0: unknown)."""
    return f"{uuid.uuid4().hex[:16]}.{int(written_at)}"


def change() -> None:
    """A new data version in the public cache, now: no copy stored under an older one is
    served again. Raises if the cache cannot be written (Redis down)."""
    from django.core.cache import caches

    caches[CACHE_ALIAS].set(VERSION_KEY, new_token(time.time()), timeout=None)
