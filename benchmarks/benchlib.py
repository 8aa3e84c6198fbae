"""What the server benchmarks share: a database of their own filled with N places and
their opening hours, gunicorn started and stopped as in production, plain HTTP GETs and
percentiles.

Used by search_bench.py and download_bench.py; not a benchmark itself.
"""

import atexit
import http.client
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
TRIVIAL = "/healthz"
CACHE_HEADER = "X-Public-Cache"


def bench_env(database_url: str, cache_url: str = "") -> dict:
    """Settings for every process that touches a bench database: production-like (DEBUG
    off, so templates are cached), plain HTTP on loopback, the public cache of its own."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-key-not-for-production-" + "x" * 40,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        # One client address sends every request: the API's per-address limit would turn
        # most of them away.
        "API_RATE_LIMIT": "1000000/m",
        # A public cache of its own: the bench database is made anew each run. With a
        # CACHE_URL (Redis) the keys name the database, so they meet no other site's.
        # Its folder is where the default one is (.cache/ in the checkout), on the same
        # file system: creating files in /tmp costs three times as much on some machines.
        "PUBLIC_CACHE_DIR": tempfile.mkdtemp(prefix="bench-public-", dir=cache_root()),
    }
    atexit.register(shutil.rmtree, env["PUBLIC_CACHE_DIR"], ignore_errors=True)
    env.pop("CACHE_URL", None)
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


def cache_root() -> Path:
    root = ROOT / ".cache"
    root.mkdir(exist_ok=True)
    return root


def step(*words: str) -> None:
    print("==>", *words, flush=True)


# Database ---------------------------------------------------------------------------

# N published places. Seven in ten sit within about 3 miles of a ZIP centroid (ZIPs are
# dense where people live), three in ten anywhere in the box latitude 25..49, longitude
# -124..-67. City, state, ZIP and time zone come from the chosen ZIP.
INSERT_LOCATIONS = """
WITH z AS (
  SELECT row_number() OVER (ORDER BY code) AS i, code, city, state, latitude, longitude,
         timezone
  FROM locations_zipcode
  WHERE latitude BETWEEN 25 AND 49 AND longitude BETWEEN -124 AND -67
), c AS (SELECT count(*) AS total FROM z)
INSERT INTO locations_location (
  slug, name, kind, street_address, address_line2, city, state, zip_code, latitude,
  longitude, location_precision, timezone, phone, website, email, description,
  free_naloxone, no_prescription, sells_otc, nasal_spray, injectable, training,
  fentanyl_test_strips, walk_in, anonymous, open_24_7, wheelchair_accessible,
  languages, states_served, status, last_verified_on, verification_method,
  internal_notes, external_id, source, is_demo, created_at, updated_at)
SELECT
  'bench-' || n,
  (ARRAY['Main Street', 'Riverside', 'Community', 'Hilltop', 'Union', 'Harbor'])[1 + n % 6]
    || ' ' || (ARRAY['Pharmacy', 'Health Center', 'Outreach', 'Clinic'])[1 + n % 4] || ' ' || n,
  (ARRAY['pharmacy', 'pharmacy', 'pharmacy', 'harm_reduction', 'health_department',
         'law_enforcement', 'clinic', 'hospital', 'vending_machine', 'other'])[1 + n % 10],
  (1 + n % 9999) || ' Main St', '', z.city, z.state, z.code,
  CASE WHEN n % 10 < 7 THEN z.latitude + (random() - 0.5) * 0.08 ELSE 25 + random() * 24 END,
  CASE WHEN n % 10 < 7 THEN z.longitude + (random() - 0.5) * 0.1 ELSE -124 + random() * 57 END,
  'address', z.timezone,
  CASE WHEN n % 5 = 0 THEN '' ELSE '+1212555' || lpad((n % 10000)::text, 4, '0') END,
  CASE WHEN n % 2 = 0 THEN 'https://example.org/' || n ELSE '' END,
  '', 'Naloxone kits at the counter; ask about training.',
  n % 2 = 0, n % 3 <> 0, n % 4 = 0, true, n % 7 = 0, n % 5 = 0,
  n % 6 = 0, true, n % 8 = 0, n % 20 = 0, n % 3 = 0,
  '{English}', '{}', 'published', DATE '2026-01-01' + (n % 300), 'phone',
  'staff only', '', 'benchmark', false, now(), now()
FROM generate_series(1, PLACES) AS n
CROSS JOIN c
JOIN z ON z.i = 1 + (n::bigint * 7919) % c.total
"""

# Hours: a third have none, a third open Monday to Friday 9-5, a third every day 8-22,
# and one in ten of the weekday ones also from 20:00 to 02:00 (past midnight) on Fridays.
INSERT_HOURS = """
INSERT INTO locations_openinghours (location_id, weekday, opens, closes)
SELECT id, d, TIME '09:00', TIME '17:00' FROM locations_location, generate_series(0, 4) AS d
WHERE id % 3 = 1
UNION ALL
SELECT id, d, TIME '08:00', TIME '22:00' FROM locations_location, generate_series(0, 6) AS d
WHERE id % 3 = 2
UNION ALL
SELECT id, 4, TIME '20:00', TIME '02:00' FROM locations_location WHERE id % 30 = 1
"""


def base_database_url() -> str:
    """The app's database URL: DATABASE_URL, else the embedded server's (started if need be)."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    sys.path.insert(0, str(ROOT))
    from naloxone_finder import embedded_db

    return embedded_db.database_url()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def libpq_url(url: str) -> str:
    """django-environ accepts postgres://, postgresql://, pgsql://; libpq only the first two."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme in {"pgsql", "psql", "postgis"} else url


def valid_name(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise SystemExit(f"not a plain database name: {name!r}")
    return name


def recreate_database(server_url: str, name: str) -> None:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {valid_name(name)} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {valid_name(name)} WITH (FORCE)")
    print(f"dropped database {name}")


def fill(database_url: str, places: int) -> tuple[int, int]:
    """Insert `places` published places and their opening hours; (places, hours rows)."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("SELECT setseed(0.25)")  # the same places every run
        conn.execute(INSERT_LOCATIONS.replace("PLACES", str(int(places))))
        conn.execute(INSERT_HOURS)
        conn.commit()
        conn.autocommit = True
        # As autovacuum does soon after a bulk load: the statistics, and the visibility
        # map that lets the hours be read from their index alone.
        conn.execute("VACUUM ANALYZE")
        locations = conn.execute("SELECT count(*) FROM locations_location").fetchone()[0]
        hours = conn.execute("SELECT count(*) FROM locations_openinghours").fetchone()[0]
    return locations, hours


def query(database_url: str, sql: str, params=None) -> list[tuple]:
    with psycopg.connect(libpq_url(database_url)) as conn:
        return conn.execute(sql, params).fetchall()


def manage(env: dict, *command: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {command[0]} failed")
    for line in result.stdout.splitlines():
        if line.strip() and not line.startswith("PROBE "):
            print("   ", line)
    return result.stdout


def prepare_database(server_url: str, name: str, env: dict, places: int) -> None:
    """A new database `name` with the ZIP codes, `places` places and their hours."""
    step("recreating database", name)
    recreate_database(server_url, name)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_zipcodes")
    step(f"inserting {places:,} locations and their hours")
    started = time.monotonic()
    counts = fill(env["DATABASE_URL"], places)
    print(f"    {counts[0]:,} published locations, {counts[1]:,} opening hours rows "
          f"({time.monotonic() - started:.0f} s)")  # fmt: skip
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    # A new data version: with --cache-url the store may still hold an earlier run's
    # answers under this database's name.
    bump = "from locations.services import cache_version; cache_version.bump()"
    manage(env, "shell", "--no-imports", "-c", bump)


# Server -----------------------------------------------------------------------------


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if port not in {8000, 8001, 8123}:
            return port


@contextmanager
def gunicorn(env: dict, workers: int):
    """gunicorn serving the bench database on a free loopback port, sync workers and the
    timeout of docs/deployment.md; yields the port and always stops it."""
    port = free_port()
    step(f"starting gunicorn, {workers} sync workers, on {HOST}:{port}")
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "naloxone_finder.wsgi",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "120",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(port, server, log)
            yield port
        finally:
            stop(server)
            log.seek(0)
            errors = [line for line in log if "Traceback" in line or "WORKER TIMEOUT" in line]
            if errors:
                print(f"gunicorn's log holds {len(errors)} tracebacks or worker timeouts")


def wait_until_up(port: int, server: subprocess.Popen, log, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if get(connection(port, timeout=5), TRIVIAL).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    log.seek(0)
    sys.stderr.write(log.read()[-4000:])
    raise SystemExit("gunicorn did not answer /healthz")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # the master stops its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(f"stopped gunicorn (pid {server.pid})")


# HTTP -------------------------------------------------------------------------------


class Answer:
    __slots__ = ("status", "cache", "body", "length", "retry_after")

    def __init__(self, status: int, cache: str, body: bytes | None, length: int):
        self.status, self.cache, self.body, self.length = status, cache, body, length
        self.retry_after = ""  # the Retry-After header, if any


def connection(port: int, timeout: float = 60) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, port, timeout=timeout)


def get(conn: http.client.HTTPConnection, url: str, keep_body: bool = True) -> Answer:
    """One GET. gunicorn's sync workers close each connection; http.client then opens a
    new one for the next request on `conn`. Without keep_body the body is read in
    chunks and dropped (large downloads)."""
    conn.request("GET", quote(url, safe="/?&=,"), headers={"Host": HOST})
    response = conn.getresponse()
    cache = response.getheader(CACHE_HEADER) or ""
    if keep_body:
        body = response.read()
        answer = Answer(response.status, cache, body, len(body))
    else:
        length = 0
        while chunk := response.read(1 << 20):
            length += len(chunk)
        answer = Answer(response.status, cache, None, length)
    answer.retry_after = response.getheader("Retry-After") or ""
    return answer


def get_built(conn: http.client.HTTPConnection, url: str, keep_body: bool = True,
              seconds: float = 300) -> Answer:  # fmt: skip
    """A GET that, like a polite client, comes back after Retry-After while the answer
    is a 503 (a heavy answer being built), for `seconds` at most."""
    deadline = time.monotonic() + seconds
    while True:
        answer = get(conn, url, keep_body)
        if answer.status != 503 or not answer.retry_after or time.monotonic() > deadline:
            return answer
        time.sleep(float(answer.retry_after))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.95 for p95) of `values`, 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def table(rows: list[list[str]], left: int = 1) -> None:
    """Print rows as columns, the first `left` left-aligned, a rule under the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))


# Where Debian and other distributions put libfaketime (Debian: apt install faketime).
FAKETIME_LIBRARIES = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/lib64/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
)


def shifted_clock(hours: int) -> dict:
    """Environment that runs a process's clock `hours` off (libfaketime, preloaded): the
    site then searches as at another hour of the week, when other places are open. A
    whole number of hours keeps the minutes turning when the client's do."""
    library = next((path for path in FAKETIME_LIBRARIES if Path(path).exists()), None)
    if library is None:
        raise SystemExit("--shift-hours needs libfaketime (Debian: apt install faketime)")
    return {"LD_PRELOAD": library, "FAKETIME": f"{hours:+d}h"}


def add_server_options(parser, database: str) -> None:
    """The options every server benchmark takes: workers, its database, the public
    cache's store, and whether to keep the database."""
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database", default=database, help="database to (re)create")
    parser.add_argument("--cache-url", default="",
                        help="the public cache's store, e.g. redis://127.0.0.1:6379/0 "
                        "(default: a folder of its own)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
