"""Heavy downloads cannot stall the site: /healthz and a search while clients loop the
locations sitemap, the CSV export and the HSDS export, at 25,000 places.

    .venv/bin/python benchmarks/download_bench.py [--places 25000] [--clients 4]
        [--seconds 20] [--workers 2] [--database naloxone_downloads] [--cache-url URL]
        [--keep]

The budget (docs/performance.md): with 25,000 places loaded, 4 clients looping the
locations sitemap, the CSV and the HSDS export for 20 s leave /healthz and a search
answering within 1 s each.

On the same PostgreSQL server as the app (DATABASE_URL, else the embedded one) it
recreates its own database (--database) with 25,000 places and their hours and serves it
with gunicorn as search_bench.py does (sync workers, DEBUG off). It reads the sitemap
index (/sitemap.xml) for the locations section's URLs; the exports are
/api/v1/export/locations.csv and /api/v1/export/hsds.zip. Then two variants, each
`--seconds` long:

- cold: nothing is built yet (a new database and data version): the first request for
  each download starts its build in the background (once per data version, under a
  lock) and, like every request for it until it is stored, is answered at once with a
  503 and Retry-After;
- warm: every download already built (one untimed download of each first, coming back
  after Retry-After until it is built).

During each, `--clients` threads loop the downloads (each starting on a different one)
while a prober asks /healthz and then a search for a ZIP it never asked before (so a
cache miss) every 0.25 s, timing each answer. The download clients do not honour
Retry-After: after a 503 they go on to the next download at once (harder on the server
than a polite client). A variant passes when every probe answered 200 within 1 s and
every download answered 200, or 503 with Retry-After while its build ran. The report
gives, for each download, when (seconds into the variant) it was first answered 200.
Exits 1 when a variant fails.
"""

import argparse
import random
import re
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import benchlib
from benchlib import TRIVIAL, get, get_built, percentile, step

LIMIT = 1.0  # seconds a probe may take
INTERVAL = 0.25  # seconds between the starts of two probe rounds
EXPORTS = {"csv": "/api/v1/export/locations.csv", "hsds": "/api/v1/export/hsds.zip"}
RADII = [5, 10, 25]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=25_000)
    parser.add_argument("--clients", type=int, default=4, help="download clients")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each variant")
    benchlib.add_server_options(parser, "naloxone_downloads")
    args = parser.parse_args()

    server_url = benchlib.base_database_url()
    bench_url = benchlib.with_database(server_url, args.database)
    env = benchlib.bench_env(bench_url, args.cache_url)
    try:
        benchlib.prepare_database(server_url, args.database, env, args.places)
        zips = [row[0] for row in benchlib.query(
            bench_url, "SELECT DISTINCT zip_code FROM locations_location ORDER BY 1")]  # fmt: skip
        random.Random(20261206).shuffle(zips)
        searches = iter(f"/search?near={code}&radius={RADII[n % 3]}" for n, code in enumerate(zips))
        with benchlib.gunicorn(env, args.workers) as port:
            downloads = find_downloads(port)
            for name, url in downloads.items():
                print(f"    {name}: {url}")
            variants = [run_variant("cold", port, downloads, searches, args)]
            step("building every download once (untimed) for the warm variant")
            conn = benchlib.connection(port, timeout=120)
            for url in downloads.values():
                answer = get_built(conn, url, keep_body=False)
                print(f"    {url}: {answer.status} {answer.cache}, {answer.length / 1e6:.1f} MB")
            variants.append(run_variant("warm", port, downloads, searches, args))
        print()
        ok = True
        for variant in variants:
            ok &= variant.report(args)
        print(f"Budget (probes within {LIMIT:.0f} s during downloads at {args.places:,} places): "
              f"{'MET' if ok else 'NOT MET'}")  # fmt: skip
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept database {args.database}: DATABASE_URL={bench_url}")
        else:
            benchlib.drop_database(server_url, args.database)


def find_downloads(port: int) -> dict[str, str]:
    """The locations sitemap's pages (from the sitemap index) and the two exports."""
    step("reading the sitemap index /sitemap.xml")
    answer = get_built(benchlib.connection(port, timeout=120), "/sitemap.xml")
    if answer.status != 200:
        raise SystemExit(f"/sitemap.xml answered {answer.status}")
    sections = []
    for loc in re.findall(r"<loc>\s*([^<]+?)\s*</loc>", answer.body.decode()):
        parts = urlsplit(loc.replace("&amp;", "&"))
        if parts.path.endswith("/sitemap-locations.xml"):
            sections.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    if not sections:
        raise SystemExit("the sitemap index lists no locations section")
    names = ["sitemap"] if len(sections) == 1 else [f"sitemap p{n}" for n in range(1, 99)]
    return {**dict(zip(names, sections, strict=False)), **EXPORTS}


class Variant:
    def __init__(self, name: str):
        self.name = name
        # name, status, X-Public-Cache, bytes, seconds taken, seconds into the variant
        # at the end, whether a 503 came with Retry-After
        self.downloads: list[tuple[str, int, str, int, float, float, bool]] = []
        self.download_errors: list[str] = []
        self.probes: dict[str, list[tuple[float, int, str]]] = {"healthz": [], "search": []}
        self.probe_errors: list[str] = []
        self.seconds = self.cpu = 0.0

    def report(self, args) -> bool:
        print(f"{self.name}: {args.clients} clients looping the downloads for {args.seconds:.0f}"
              f" s ({self.seconds:.1f} s until the last download ended); probes every "
              f"{INTERVAL} s; client CPU {self.cpu / self.seconds:.0%} of one core")  # fmt: skip
        rows = [["download", "count", "statuses", "X-Public-Cache", "MB", "p50 s", "max s",
                 "first 200 at s"]]  # fmt: skip
        for name in dict.fromkeys(d[0] for d in self.downloads):
            done = [d for d in self.downloads if d[0] == name]
            seconds = [d[4] for d in done]
            first = min((d[5] for d in done if d[1] == 200), default=None)
            rows.append([
                name, str(len(done)), fmt(Counter(d[1] for d in done)),
                fmt(Counter(d[2] or "-" for d in done)), f"{max(d[3] for d in done) / 1e6:.1f}",
                f"{percentile(seconds, 0.5):.2f}", f"{max(seconds):.2f}",
                "never" if first is None else f"{first:.1f}",
            ])  # fmt: skip
        benchlib.table(rows)
        print()
        rows = [["probe", "count", "statuses", "p50 ms", "p95 ms", "max ms", f"over {LIMIT:.0f} s"]]
        late = 0
        for kind, done in self.probes.items():
            seconds = [p[0] for p in done]
            over = sum(1 for p in done if p[0] > LIMIT or p[1] != 200)
            late += over
            rows.append([
                kind, str(len(done)), fmt(Counter(p[1] for p in done)),
                f"{percentile(seconds, 0.5) * 1000:.0f}", f"{percentile(seconds, 0.95) * 1000:.0f}",
                f"{max(seconds, default=0) * 1000:.0f}", str(over),
            ])  # fmt: skip
        benchlib.table(rows)
        searches = Counter(p[2] or "-" for p in self.probes["search"])
        print(f"search probes' X-Public-Cache: {fmt(searches)}")
        for error in (self.download_errors + self.probe_errors)[:5]:
            print(f"    error: {error}")
        bad_downloads = len(self.download_errors) + sum(
            1 for d in self.downloads if d[1] != 200 and not (d[1] == 503 and d[6])
        )
        probed = all(self.probes.values())
        ok = late == 0 and not self.probe_errors and not bad_downloads and probed
        errors = len(self.probe_errors)
        print(f"{'PASS' if ok else 'FAIL'} {self.name}: {late} probes late or not 200, "
              f"{errors} probe errors, {bad_downloads} downloads failed")  # fmt: skip
        print()
        return ok


def fmt(counter: Counter) -> str:
    return " ".join(f"{key}×{n}" for key, n in sorted(counter.items(), key=str))


def run_variant(name: str, port: int, downloads: dict[str, str], searches, args) -> Variant:
    step(f"{name} variant: {args.clients} clients looping {', '.join(downloads)} for "
         f"{args.seconds:.0f} s while probing /healthz and a search")  # fmt: skip
    variant = Variant(name)
    order = list(downloads.items())
    started = time.monotonic()
    deadline = started + args.seconds

    def downloader(n: int) -> None:
        conn = benchlib.connection(port, timeout=180)
        turn = n
        while time.monotonic() < deadline:
            label, url = order[turn % len(order)]
            turn += 1
            began = time.perf_counter()
            try:
                answer = get(conn, url, keep_body=False)
            except Exception as error:  # OSError, http.client.HTTPException
                variant.download_errors.append(f"{url}: {error!r}")
                conn.close()
                continue
            took = time.perf_counter() - began
            at = time.monotonic() - started
            variant.downloads.append((label, answer.status, answer.cache, answer.length, took,
                                      at, bool(answer.retry_after)))  # fmt: skip
        conn.close()

    def prober() -> None:
        conn = benchlib.connection(port, timeout=30)
        tick = started
        while time.monotonic() < deadline:
            for kind, url in (("healthz", TRIVIAL), ("search", next(searches))):
                began = time.perf_counter()
                try:
                    answer = get(conn, url)
                except Exception as error:
                    variant.probe_errors.append(f"{url}: {error!r}")
                    conn.close()
                    continue
                took = time.perf_counter() - began
                variant.probes[kind].append((took, answer.status, answer.cache))
            tick += INTERVAL
            time.sleep(max(0.0, tick - time.monotonic()))
        conn.close()

    threads = [threading.Thread(target=downloader, args=(n,)) for n in range(args.clients)]
    threads.append(threading.Thread(target=prober))
    cpu = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    variant.seconds = time.monotonic() - started
    variant.cpu = time.process_time() - cpu
    return variant


if __name__ == "__main__":
    sys.exit(main())
