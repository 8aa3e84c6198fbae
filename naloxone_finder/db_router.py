"""Read replicas and a sick database: which database a query goes to, and what a visitor
sees when it does not answer.

Public reads (a GET or HEAD from a visitor who is not signed in, outside the admin) go to
a replica named by DATABASE_REPLICA_URLS; everything else goes to the primary ("default"):
writes, every request with a session (staff, and anyone who has signed in), the admin,
unsafe methods, queries inside a transaction, reads after a write in the same request, and
anything outside a request (commands, the shell, tests). So staff always read their own
writes. A replica that cannot be reached, or whose replay lags more than
DATABASE_REPLICA_MAX_LAG_SECONDS behind what it has received, is skipped; its state is
checked at most once every DATABASE_REPLICA_CHECK_SECONDS in each process.
"""

import logging
import random
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

PRIMARY = "default"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Only the directory's own tables are read from replicas: sessions, accounts, the rate
# limits' shared cache table and the like always come from the primary.
REPLICATED_APPS = {"locations"}

# Per request: False (the default, also outside requests) means the primary only; True
# means a replica may serve reads; a string is the replica chosen for this request.
_replica: ContextVar[bool | str] = ContextVar("replica", default=False)

# Per process: replica alias -> (time of the check, whether it may serve reads).
_checked: dict[str, tuple[float, bool]] = {}

# Seconds the replica's replay is behind what it has received (0 when it has replayed
# everything it has, so an idle primary does not look like lag).
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


def replica_usable(alias: str) -> bool:
    """Whether the replica answers and is not lagging too far; cached for a few seconds."""
    now = time.monotonic()
    checked_at, usable = _checked.get(alias, (float("-inf"), False))
    if now - checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return usable and _connected(alias)
    usable = False
    try:
        connection = connections[alias]
        connection.close_if_health_check_failed()
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[0])
        usable = lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        if not usable:
            logger.warning("Replica %s skipped: %.1f s behind.", alias, lag)
    except DatabaseError as error:
        logger.warning("Replica %s skipped: %s", alias, error)
        connections[alias].close()
    _checked[alias] = (now, usable)
    return usable


def _connected(alias: str) -> bool:
    """Between checks: the persistent connection still works, or a new one opens (a
    stopped replica refuses at once; one that does not answer costs DB_CONNECT_TIMEOUT)."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        return True
    except DatabaseError as error:
        logger.warning("Replica %s skipped: %s", alias, error)
        connection.close()
        _checked[alias] = (time.monotonic(), False)
        return False


def choose_replica() -> str:
    """The replica this request reads from, chosen once per request; else the primary."""
    choice = _replica.get()
    if isinstance(choice, str):
        return choice
    if not choice:
        return PRIMARY
    candidates = list(settings.REPLICA_DATABASES)
    random.shuffle(candidates)
    alias = next((a for a in candidates if replica_usable(a)), PRIMARY)
    _replica.set(alias)
    return alias


def use_primary() -> None:
    """From now on this request reads from the primary (it wrote, or must see fresh data)."""
    _replica.set(False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label not in REPLICATED_APPS or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return choose_replica()

    def db_for_write(self, model, **hints):
        use_primary()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every database holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def public_read(request: HttpRequest) -> bool:
    """Whether a request may read from a replica: a safe method, outside the admin, from
    someone without a session (so not staff, nor anyone who has just signed in)."""
    return (
        request.method in SAFE_METHODS
        and not request.path_info.lstrip("/").startswith(settings.ADMIN_PATH)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


class ReplicaMiddleware:
    """Marks each request as a public read (may use a replica) or not (primary only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _replica.set(bool(settings.REPLICA_DATABASES) and public_read(request))
        try:
            return self.get_response(request)
        finally:
            _replica.reset(token)


class DatabaseUnavailableMiddleware:
    """A database that times out or cannot be reached gives a 503 page that needs no
    database, with Retry-After, instead of a generic error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable: %s", exception)
        # The API answers the same in JSON itself (locations/api/app.py).
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
