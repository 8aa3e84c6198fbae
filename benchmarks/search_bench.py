"""Search throughput on gunicorn at 100,000 locations, against a trivial Django view.

    .venv/bin/python benchmarks/search_bench.py [--requests 2000] [--concurrency 4]
        [--rounds 4] [--workers 2] [--keep]

The budget (DESIGN.md): the search page serves at least half the requests a second of a
trivial Django view (`/healthz`, one `SELECT 1`) on the same server, at 100,000 locations.

It never touches the project's data. On the same PostgreSQL server as the app
(DATABASE_URL, else the embedded one in .pgdata/) it drops and recreates a database
named `naloxone_bench`, migrates it, loads the ZIP codes, inserts 100,000 published
locations (most near ZIP centroids, so cities are dense, the rest anywhere in the
continental US) with opening hours, then starts gunicorn on a free loopback port with
DEBUG off, as in production. Each URL gets a warm-up, then N timed requests from C
client threads, sent in rounds that take turns between the URLs. It also counts each
URL's SQL queries and shows the search query's plan. Afterwards it stops gunicorn and
drops the database (unless --keep).

Exits 1 when a request fails or a search URL is below the floor.
"""

import argparse
import http.client
import json
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
BENCH_DB = "naloxone_bench"
HOST = "127.0.0.1"
TRIVIAL = "/healthz"
URLS = [
    TRIVIAL,
    "/search?near=10001&radius=10",
    "/search?near=60601&radius=25&free=1",
    "/search?near=Denver, CO&radius=50",
    "/api/v1/locations?near=94103&radius=10",
]
FLOOR = 0.5  # of the trivial view's requests a second

# Settings for every process that touches the bench database: production-like (DEBUG
# off, so templates are cached), plain HTTP on loopback.
BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-key-not-for-production-" + "x" * 40,
    "ALLOWED_HOSTS": HOST,
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
    # One client address sends every request: the API's per-address limit would turn
    # most of them away.
    "API_RATE_LIMIT": "1000000/m",
    # A public cache of its own: the bench database is made anew each run.
    "PUBLIC_CACHE_DIR": tempfile.mkdtemp(prefix="naloxone-bench-cache-"),
}

# 100,000 published places. Seven in ten sit within about 3 miles of a ZIP centroid
# (ZIPs are dense where people live), three in ten anywhere in the box latitude 25..49,
# longitude -124..-67. City, state, ZIP and time zone come from the chosen ZIP.
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
FROM generate_series(1, 100000) AS n
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

# Run inside `manage.py shell` against the bench database: the SQL queries each URL
# makes (through Django's test client) and the plan of the search page's query.
PROBE = """
import json
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from locations.search import PAGE_SIZE, SearchForm, filters, listing

client = Client(HTTP_HOST=HOST)
queries = {}
for url in URLS:
    client.get(url)  # a first request may fill caches; count the second
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    queries[url] = [len(captured), status]

form = SearchForm(QueryDict("near=10001&radius=10"))
assert form.is_valid(), form.errors
data, moment = form.cleaned_data, timezone.now()
within = listing(moment).filter(filters(data, moment)).near(data["near"], data["radius"])
plan = within[:PAGE_SIZE].explain(analyze=True, buffers=True)
print("PROBE " + json.dumps({"queries": queries, "plan": plan, "total": within.count()}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per URL")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=4, help="rounds the requests are split into")
    parser.add_argument("--keep", action="store_true", help="keep the naloxone_bench database")
    args = parser.parse_args()

    server_url = base_database_url()
    bench_url = with_database(server_url, BENCH_DB)
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": bench_url}
    try:
        step("recreating database", BENCH_DB)
        recreate_database(server_url)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_zipcodes")
        step("inserting 100,000 locations and their hours")
        counts = fill(bench_url)
        print(f"    {counts[0]:,} published locations, {counts[1]:,} opening hours rows")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")

        step("counting queries and explaining the search (manage.py shell)")
        probe = run_probe(env)

        rows = serve_and_measure(env, args)
        print()
        report(rows, probe, args)
        return 0 if verdict(rows) else 1
    finally:
        if args.keep:
            print(f"kept database {BENCH_DB}: DATABASE_URL={bench_url}")
        else:
            drop_database(server_url)


def serve_and_measure(env: dict, args) -> list[dict]:
    """Start gunicorn, load the URLs, always stop gunicorn.

    The timed requests go in rounds, each URL a share in every round, so that other
    load on the machine falls on all URLs alike instead of on whichever ran then.
    """
    port = free_port()
    step(f"starting gunicorn, {args.workers} workers, on {HOST}:{port}")
    with tempfile.TemporaryFile("w+") as log:
        gunicorn = start_gunicorn(env, port, args.workers, log)
        try:
            wait_until_up(port, gunicorn, log)
            warmup = max(50, args.requests // 10)
            step(f"warm-up: {warmup} requests per URL")
            totals = {url: Load(url) for url in URLS}
            for url in URLS:
                load(port, url, warmup, args.concurrency, Load(url))
            rounds = max(1, min(args.rounds, args.requests // 50))
            for n in range(rounds):
                share = args.requests // rounds + (n < args.requests % rounds)
                step(f"round {n + 1} of {rounds}: {share} requests per URL, "
                     f"{args.concurrency} client threads")  # fmt: skip
                for url in URLS:
                    load(port, url, share, args.concurrency, totals[url])
            return [totals[url].summary() for url in URLS]
        finally:
            stop(gunicorn)


def step(*words: str) -> None:
    print("==>", *words, flush=True)


# Database ---------------------------------------------------------------------------


def base_database_url() -> str:
    """The app's database URL: DATABASE_URL, else the embedded server's (started if need be)."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    from naloxone_finder import embedded_db

    return embedded_db.database_url()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def libpq_url(url: str) -> str:
    """django-environ accepts postgres://, postgresql://, pgsql://; libpq only the first two."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme in {"pgsql", "psql", "postgis"} else url


def admin_connection(server_url: str) -> psycopg.Connection:
    return psycopg.connect(libpq_url(server_url), autocommit=True)


def recreate_database(server_url: str) -> None:
    with admin_connection(server_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database(server_url: str) -> None:
    with admin_connection(server_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    print(f"dropped database {BENCH_DB}")


def fill(bench_url: str) -> tuple[int, int]:
    with psycopg.connect(libpq_url(bench_url)) as conn:
        conn.execute("SELECT setseed(0.25)")  # the same places every run
        conn.execute(INSERT_LOCATIONS)
        conn.execute(INSERT_HOURS)
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
        locations = conn.execute("SELECT count(*) FROM locations_location").fetchone()[0]
        hours = conn.execute("SELECT count(*) FROM locations_openinghours").fetchone()[0]
    return locations, hours


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


def run_probe(env: dict) -> dict:
    code = f"HOST = {HOST!r}\nURLS = {URLS!r}\n" + PROBE
    out = manage(env, "shell", "--no-imports", "-c", code)
    line = next(x for x in out.splitlines() if x.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


# Server -----------------------------------------------------------------------------


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if port not in {8000, 8123}:
            return port


def start_gunicorn(env: dict, port: int, workers: int, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "naloxone_finder.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_up(port: int, gunicorn: subprocess.Popen, log, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if gunicorn.poll() is not None:
            break
        try:
            if get(http.client.HTTPConnection(HOST, port, timeout=5), TRIVIAL)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    log.seek(0)
    sys.stderr.write(log.read()[-4000:])
    raise SystemExit("gunicorn did not answer /healthz")


def stop(gunicorn: subprocess.Popen) -> None:
    if gunicorn.poll() is None:
        gunicorn.terminate()  # the master stops its workers
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
    print(f"stopped gunicorn (pid {gunicorn.pid})")


# Load -------------------------------------------------------------------------------


def get(conn: http.client.HTTPConnection, url: str) -> tuple[int, bytes]:
    # gunicorn's sync workers close each connection; http.client then reopens it.
    conn.request("GET", quote(url, safe="/?&=,"), headers={"Host": HOST})
    response = conn.getresponse()
    return response.status, response.read()


class Load:
    """What the timed requests to one URL gave, summed over the rounds."""

    def __init__(self, url: str):
        self.url = url
        self.seconds = 0.0
        self.latencies: list[float] = []
        self.failures: list = []
        self.body = b""

    def summary(self) -> dict:
        latencies = sorted(self.latencies)
        return {
            "url": self.url,
            "rps": len(latencies) / self.seconds if self.seconds else 0.0,
            "p50": statistics.median(latencies) * 1000 if latencies else 0.0,
            "p95": latencies[max(0, math.ceil(len(latencies) * 0.95) - 1)] * 1000
            if latencies
            else 0.0,
            "failures": self.failures,
            "found": results_in(self.url, self.body),
        }


def load(port: int, url: str, requests: int, concurrency: int, into: Load) -> None:
    """Send `requests` GETs from `concurrency` threads; add the time and results to `into`."""

    def client(count: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        for _ in range(count):
            started = time.perf_counter()
            try:
                status, body = get(conn, url)
            except (OSError, http.client.HTTPException) as error:
                into.failures.append(repr(error))
                conn.close()
                continue
            into.latencies.append(time.perf_counter() - started)
            if status != 200:
                into.failures.append(status)
            elif not into.body:
                into.body = body
        conn.close()

    shares = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in shares if n]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    into.seconds += time.perf_counter() - started


def results_in(url: str, body: bytes) -> str:
    """How many places the page showed, so an empty page cannot pass for a fast one."""
    if url == TRIVIAL:
        return ""
    text = body.decode("utf-8", "replace")
    if url.startswith("/api/"):
        data = json.loads(text)
        return f"{len(data['results'])} of {data['count']:,}"
    shown = text.count('class="result"')
    total = re.search(r"([\d,]+) places? within", text)
    return f"{shown} of {total.group(1) if total else '?'}"


# Report -----------------------------------------------------------------------------


def report(rows: list[dict], probe: dict, args) -> None:
    trivial = rows[0]["rps"]
    print(
        f"{args.requests} requests per URL, {args.concurrency} client threads, "
        f"gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs, DEBUG off"
    )
    header = ["URL", "req/s", "p50 ms", "p95 ms", "× /healthz", "queries", "results", "errors"]
    table = [header]
    for row in rows:
        count, _status = probe["queries"][row["url"]]
        table.append(
            [
                row["url"],
                f"{row['rps']:.0f}",
                f"{row['p50']:.1f}",
                f"{row['p95']:.1f}",
                f"{row['rps'] / trivial:.2f}",
                str(count),
                row["found"],
                str(len(row["failures"])),
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for n, line in enumerate(table):
        first, *rest = zip(line, widths, strict=True)
        cells = [first[0].ljust(first[1])] + [c.rjust(w) for c, w in rest]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for row in rows:
        if row["failures"]:
            print(f"FAILED {row['url']}: {len(row['failures'])}, e.g. {row['failures'][:3]}")
    print()
    print(f"Plan of the results query for near=10001&radius=10 ({probe['total']} places):")
    print("    " + probe["plan"].replace("\n", "\n    "))
    uses_index = "location_published_latlng" in probe["plan"]
    full_scan = "Seq Scan on locations_location" in probe["plan"]
    print(f"index location_published_latlng used: {'yes' if uses_index else 'NO'}; "
          f"sequential scan of locations: {'YES' if full_scan else 'no'}")  # fmt: skip
    print()


def verdict(rows: list[dict]) -> bool:
    trivial = rows[0]["rps"]
    ok = True
    for row in rows[1:]:
        ratio = row["rps"] / trivial
        passed = ratio >= FLOOR and not row["failures"]
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'} {row['url']}: {row['rps']:.0f} req/s = "
              f"{ratio:.2f} × /healthz ({trivial:.0f} req/s); floor {FLOOR}")  # fmt: skip
    ok &= not rows[0]["failures"]
    print(f"Floor (search ≥ {FLOOR} × trivial view at 100,000 locations): "
          f"{'MET' if ok else 'NOT MET'}")  # fmt: skip
    return ok


if __name__ == "__main__":
    sys.exit(main())
