"""Search throughput on gunicorn at 100,000 places: hot, mix and cold, page and API.

    .venv/bin/python benchmarks/search_bench.py [--requests 1000] [--cold-requests 200]
        [--concurrency 4] [--rounds 3] [--workers 2] [--database naloxone_bench]
        [--cache-url URL] [--keep] [--shift-hours H]

The budgets (docs/performance.md), each against a trivial Django view (`/healthz`, one
`SELECT 1`) measured the same way in the same run, for the search page (/search?...) and
the API's search (/api/v1/locations?...):

- hot (one URL asked again and again): at least 0.8 of /healthz's requests a second;
- mix (300 distinct ZIP searches with radii and filters, cycled): at least 0.5;
- cold (every request a URL never asked before, so a cache miss): at least 0.2;
- the mix at 32 client connections: p95 under 100 ms.

It never touches the project's data. On the same PostgreSQL server as the app
(DATABASE_URL, else the embedded one) it drops and recreates its own database (--database),
migrates it, loads the ZIP codes, inserts 100,000 published places with opening hours,
then starts gunicorn (sync workers, DEBUG off, as in production) on a free loopback port.
The public cache is a folder of its own, or --cache-url (Redis) with keys that name the
database. The timed requests go in rounds that take turns between the workloads and
/healthz, so that other load on the machine falls on all alike. Every answer's
X-Public-Cache header is counted: the hit ratio of each workload, and the proof that each
cold request was a miss. It also counts each kind of URL's SQL queries and shows the
search query's plan. Afterwards it stops gunicorn and drops the database (unless --keep).

Exits 0 only when every budget holds and no request failed.
"""

import argparse
import json
import os
import random
import re
import sys
import threading
import time
from collections import Counter

import benchlib
from benchlib import TRIVIAL, get, percentile, step

PLACES = 100_000
MIX_SIZE = 300
RADII = [5, 10, 25, 50]
# The filters of the mix and the cold searches: none half the time in the mix.
FILTERS = ["", "", "", "free=1", "open_now=1", "kind=pharmacy", "no_prescription=1",
           "free=1&open_now=1"]  # fmt: skip
TARGETS = {"page": "/search", "api": "/api/v1/locations"}
HOT_QUERY = "near=10001&radius=10"
CROWD = 32  # client connections of the mix's latency budget
SLICES = 5  # turns of the fast streams in each round

BUDGET_RATIO = {"hot": 0.8, "mix": 0.5, "cold": 0.2}
BUDGET_CROWD_P95_MS = 100.0

# Run inside `manage.py shell` against the bench database: the SQL queries a URL makes
# (through Django's test client) on a cache miss and on the hit that follows, and the plan
# of the search's results query (left out if the search module's API has moved on).
PROBE = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client(HTTP_HOST=HOST)
queries = {}
for name, first, url in CASES:
    client.get(first)  # a first request fills Django's own caches; not counted
    counted = []
    for _ in range(2):  # a miss, then the hit it stored
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        counted.append([len(captured), response.status_code, response.get(HEADER, "")])
    queries[name] = counted

try:
    from django.http import QueryDict
    from django.utils import timezone
    from locations.models.nearby import count_nearby, explain_nearby
    from locations.search import PAGE_SIZE, SearchForm, nearby_filters

    form = SearchForm(QueryDict("near=10001&radius=10"))
    assert form.is_valid(), form.errors
    data, moment = form.cleaned_data, timezone.now()
    chosen = nearby_filters(data)
    plan = explain_nearby(data["near"], data["radius"], chosen, moment, PAGE_SIZE, analyze=True)
    total = count_nearby(data["near"], data["radius"], chosen, moment)
except Exception as error:
    plan, total = f"(not available: {error!r})", None
try:
    from django.utils import timezone
    from locations.models import Location

    moment = timezone.now()
    open_places = Location.objects.published().with_open_now(moment).filter(open_now=True).count()
    clock = [moment.strftime("%a %Y-%m-%d %H:%M UTC"), open_places]
except Exception as error:
    clock = [f"(not available: {error!r})", None]
print("PROBE " + json.dumps({"queries": queries, "plan": plan, "total": total, "clock": clock}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000,
                        help="timed requests per stream (hot, mix, /healthz)")  # fmt: skip
    parser.add_argument("--cold-requests", type=int, default=200,
                        help="timed requests per cold stream (each a miss, slow)")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=4, help="client connections")
    parser.add_argument("--rounds", type=int, default=3, help="rounds the requests are split into")
    parser.add_argument("--shift-hours", type=int, default=0,
                        help="run the site's clock this many hours off (libfaketime), to "
                        "measure another hour of the week (-10 at 15:00 UTC: night)")  # fmt: skip
    benchlib.add_server_options(parser, "naloxone_bench")
    args = parser.parse_args()

    server_url = benchlib.base_database_url()
    bench_url = benchlib.with_database(server_url, args.database)
    env = benchlib.bench_env(bench_url, args.cache_url)
    if args.shift_hours:
        env.update(benchlib.shifted_clock(args.shift_hours))
    try:
        benchlib.prepare_database(server_url, args.database, env, PLACES)
        step("choosing the searches (seeded)")
        plan = Plan(bench_url, args)
        print(f"    mix: {len(plan.mix)} distinct searches; cold: {len(plan.cold['page']):,} "
              f"fresh searches for each target, none asked twice")  # fmt: skip

        step("counting queries and explaining the search (manage.py shell)")
        probe = run_probe(env)

        with benchlib.gunicorn(env, args.workers) as port:
            streams = measure(port, plan, args)
        print()
        report(streams, plan, probe, args)
        return 0 if verdict(streams, args) else 1
    finally:
        if args.keep:
            print(f"kept database {args.database}: DATABASE_URL={bench_url}")
        else:
            benchlib.drop_database(server_url, args.database)


# The searches -----------------------------------------------------------------------


class Plan:
    """The URLs of every workload, chosen with a fixed seed from the bench database."""

    def __init__(self, bench_url: str, args):
        rng = random.Random(20261206)
        # Populated places: ZIPs of cities with at least five ZIP codes.
        busy = [row[0] for row in benchlib.query(bench_url, """
            SELECT code FROM locations_zipcode z
            WHERE (upper(city), state) IN (
                SELECT upper(city), state FROM locations_zipcode
                GROUP BY 1, 2 HAVING count(*) >= 5)
              AND EXISTS (SELECT 1 FROM locations_location l WHERE l.zip_code = z.code)
            ORDER BY code""")]  # fmt: skip
        mix_zips = rng.sample(busy, MIX_SIZE)
        self.mix = [query_of(code, rng.choice(RADII), rng.choice(FILTERS)) for code in mix_zips]
        # Cold: a fresh (ZIP, radius, filters) for every request of both targets, warm-up
        # included, never one of the mix's or the hot one.
        every = [row[0] for row in benchlib.query(
            bench_url, "SELECT DISTINCT zip_code FROM locations_location ORDER BY 1")]  # fmt: skip
        used = {*self.mix, HOT_QUERY}
        needed = (args.cold_requests + warmup_count(args.cold_requests, cold=True)) * len(TARGETS)
        fresh: list[str] = []
        seen = set(used)
        while len(fresh) < needed:
            url = query_of(rng.choice(every), rng.choice(RADII), rng.choice(FILTERS[2:]))
            if url not in seen:
                seen.add(url)
                fresh.append(url)
        half = len(fresh) // 2
        self.cold = {"page": fresh[:half], "api": fresh[half:]}
        self.zips = len(every)


def minute() -> str:
    return time.strftime("%Y%m%d%H%M", time.gmtime())


def query_of(code: str, radius: int, filters: str) -> str:
    return f"near={code}&radius={radius}" + (f"&{filters}" if filters else "")


def warmup_count(requests: int, cold: bool = False) -> int:
    return max(20, requests // 40) if cold else max(50, requests // 20)


class Source:
    """The URLs one stream asks, handed to its client threads one at a time."""

    def __init__(self, urls: list[str], cycle: bool):
        self.urls, self.cycle, self.cursor = urls, cycle, 0
        self.lock = threading.Lock()

    def next(self) -> str:
        with self.lock:
            if self.cursor >= len(self.urls):
                if not self.cycle:
                    raise RuntimeError("ran out of fresh URLs")
                self.cursor = 0
            url = self.urls[self.cursor]
            self.cursor += 1
            return url


class Stream:
    """One workload on one target at one number of connections, summed over the rounds."""

    def __init__(self, workload: str, target: str, concurrency: int, urls: list[str]):
        self.workload, self.target, self.concurrency = workload, target, concurrency
        self.source = Source(urls, cycle=workload != "cold")
        self.distinct = len(urls)
        self.seconds = self.cpu = 0.0
        self.latencies: list[float] = []
        self.failures: list = []
        self.cache: Counter = Counter()  # X-Public-Cache of the timed answers
        self.samples: list[tuple[str, bytes]] = []  # some bodies, to count their results
        self.untimed = 0
        self.warm_cache: Counter = Counter()  # the same, of the untimed answers
        self.passes = 0  # untimed passes over the mix
        self.settled = ""  # the minute of its last settled pass
        self.slowest: list[tuple[float, str]] = []  # cold: every (seconds, URL)

    @property
    def name(self) -> str:
        return f"{self.workload} {self.target}" + (
            f" @{self.concurrency}" if self.concurrency == CROWD else ""
        )

    def run(self, port: int, count: int, timed: bool = True) -> None:
        """Send `count` GETs from `concurrency` threads, each with its own connection."""
        remaining = [count]
        lock = threading.Lock()

        def client() -> None:
            conn = benchlib.connection(port, timeout=60)
            while True:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                url = self.source.next()
                started = time.perf_counter()
                try:
                    answer = get(conn, url)
                except Exception as error:  # OSError, http.client.HTTPException
                    self.failures.append(f"{url}: {error!r}")
                    conn.close()
                    continue
                elapsed = time.perf_counter() - started
                if answer.status != 200:
                    self.failures.append(f"{url}: {answer.status}")
                if not timed:
                    self.warm_cache[answer.cache or "-"] += 1
                    continue
                self.latencies.append(elapsed)
                if self.workload == "cold":
                    self.slowest.append((elapsed, url))
                self.cache[answer.cache or "-"] += 1
                if len(self.samples) < 40:
                    self.samples.append((url, answer.body))
            conn.close()

        threads = [threading.Thread(target=client, daemon=True) for _ in range(self.concurrency)]
        cpu, started = time.process_time(), time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if timed:
            self.seconds += time.perf_counter() - started
            self.cpu += time.process_time() - cpu
        else:
            self.untimed += count

    def warm(self, port: int, count: int) -> None:
        self.run(port, count, timed=False)

    def settle(self, port: int, most: int = 4) -> None:
        """Unless done already in this minute: untimed passes over every URL until one is
        95% hits (at most `most`); a slow first pass may outlast the minute that its first
        answers were stored under. (Server and client share the clock.)"""
        if self.settled == minute():
            return
        for _ in range(most):
            before, began = self.warm_cache["hit"], minute()
            self.run(port, self.distinct, timed=False)
            self.passes += 1
            if self.warm_cache["hit"] - before >= 0.95 * self.distinct:
                self.settled = began
                break

    # Figures

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def ms(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000

    @property
    def hits(self) -> float:
        total = sum(self.cache.values())
        return self.cache["hit"] / total if total else 0.0

    @property
    def not_missed(self) -> int:
        """Cold answers that were not a miss: the workload's premise broken."""
        return sum(n for how, n in self.cache.items() if how != "miss")

    def results(self) -> str:
        """Places shown in the sampled answers, so an empty page cannot pass for a fast one."""
        if self.workload == "healthz":
            return ""
        shown = [results_in(self.target, body) for _url, body in self.samples]
        if self.workload == "hot" and shown:
            return "{} of {}".format(*shown[0])
        listed = sum(1 for n, _total in shown if n)
        median = sorted(total for _n, total in shown)[len(shown) // 2] if shown else 0
        return f"{listed}/{len(shown)} listed, median total {median:,}"


def results_in(target: str, body: bytes) -> tuple[int, int]:
    """(places listed, places found) in a search answer."""
    text = body.decode("utf-8", "replace")
    if target == "api":
        data = json.loads(text)
        return len(data["results"]), data["count"]
    total = re.search(r"([\d,]+) places? within", text)
    return text.count('class="result"'), int(total.group(1).replace(",", "")) if total else 0


# The load ---------------------------------------------------------------------------


def make_streams(plan: Plan, concurrency: int) -> list[Stream]:
    """/healthz first (the ratios' reference); each mix at 4 and at 32 connections one after
    the other (the same searches: the second finds them settled); the slow cold ones last."""
    streams = [Stream("healthz", "-", concurrency, [TRIVIAL])]
    for target, path in TARGETS.items():
        streams.append(Stream("hot", target, concurrency, [f"{path}?{HOT_QUERY}"]))
    streams.append(Stream("healthz", "-", CROWD, [TRIVIAL]))
    for target, path in TARGETS.items():
        mix = [f"{path}?{q}" for q in plan.mix]
        streams += [Stream("mix", target, concurrency, mix), Stream("mix", target, CROWD, mix)]
    for target, path in TARGETS.items():
        streams.append(
            Stream("cold", target, concurrency, [f"{path}?{q}" for q in plan.cold[target]])
        )
    return streams


def measure(port: int, plan: Plan, args) -> list[Stream]:
    """Warm up, then the timed requests in rounds that take turns between the streams.

    Each round the fast streams (/healthz, hot, mix) take SLICES turns each, so that a
    burst of other load on the machine falls on all of them alike, then the cold ones.
    Before each of its turns, when the minute (part of a search's cache key) has turned
    since it last did so, the mix makes untimed passes over all its searches until one is
    95% hits: the first fills the cache, the later ones refill what expired while other
    streams had their turn, as the mix's own steady traffic would keep it. Its timed
    requests continue its cycle; a minute that turns during them shows as misses.
    """
    streams = make_streams(plan, args.concurrency)
    step("warm-up (untimed)")
    for stream in streams:
        if stream.workload in ("healthz", "hot"):
            stream.warm(port, warmup_count(args.requests))
        elif stream.workload == "cold":
            stream.warm(port, warmup_count(args.cold_requests, cold=True))
    fast = [s for s in streams if s.workload != "cold"]
    cold = [s for s in streams if s.workload == "cold"]
    rounds = max(1, min(args.rounds, args.cold_requests // 10, args.requests // 50))
    for n in range(rounds):
        count = share(args.requests, rounds, n)
        step(f"round {n + 1} of {rounds}: {count} timed requests per stream in {SLICES} "
             f"turns, {share(args.cold_requests, rounds, n)} per cold one")  # fmt: skip
        for turn in range(SLICES):
            for stream in fast:
                if stream.workload == "mix":
                    stream.settle(port)
                stream.run(port, share(count, SLICES, turn))
        for stream in cold:
            stream.run(port, share(args.cold_requests, rounds, n))
    return streams


def share(total: int, rounds: int, n: int) -> int:
    return total // rounds + (n < total % rounds)


def run_probe(env: dict) -> dict:
    cases = [
        ("healthz", TRIVIAL, TRIVIAL),
        ("page", "/search?near=10002&radius=10", "/search?near=10001&radius=25"),
        ("api", "/api/v1/locations?near=10002&radius=10", "/api/v1/locations?near=10001&radius=25"),
    ]
    code = (
        f"HOST = {benchlib.HOST!r}\nCASES = {cases!r}\nHEADER = {benchlib.CACHE_HEADER!r}\n" + PROBE
    )
    out = benchlib.manage(env, "shell", "--no-imports", "-c", code)
    line = next(x for x in out.splitlines() if x.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


# Report -----------------------------------------------------------------------------


def report(streams: list[Stream], plan: Plan, probe: dict, args) -> None:
    mix = next(s for s in streams if s.workload == "mix")
    print(
        f"{PLACES:,} places; gunicorn {args.workers} sync workers; {os.cpu_count()} CPUs shared "
        f"by client, gunicorn and PostgreSQL; DEBUG off; public cache: "
        f"{'CACHE_URL ' + args.cache_url if args.cache_url else 'files (PUBLIC_CACHE_DIR)'}"
    )
    print(f"{args.requests} timed requests per stream ({args.cold_requests} per cold one) in "
          f"{len(streams)} streams, in rounds taking turns between them")  # fmt: skip
    print(f"hot: one URL (?{HOT_QUERY}) asked again and again, after "
          f"{warmup_count(args.requests)} untimed requests")  # fmt: skip
    print(
        f"mix: {mix.distinct} distinct ZIP searches (cities with 5+ ZIPs; radius 5/10/25/50; "
        f"free, open_now, kind=pharmacy, no_prescription or none), cycled. Before a turn, "
        f"if the minute turned since the last, untimed passes (warm-up, not counted) until "
        f"one is 95% hits; timed: {args.requests / mix.distinct:.1f} passes per stream"
    )
    for s in streams:
        if s.workload == "mix":
            print(f"    {s.name}: {s.passes} untimed passes {dict(s.warm_cache)}, then "
                  f"{sum(s.cache.values())} timed requests {dict(s.cache)}")  # fmt: skip
    print(f"cold: every request a URL never asked before (fresh ZIP + radius + filter among "
          f"{plan.zips:,} ZIPs); each answer's X-Public-Cache must say miss")  # fmt: skip
    print()
    header = ["workload", "req/s", "p50 ms", "p95 ms", "p99 ms", "× /healthz", "hits",
              "errors", "client CPU", "results (sampled answers)"]  # fmt: skip
    for crowd in (False, True):
        rows = [header]
        group = [s for s in streams if (s.concurrency == CROWD) == crowd]
        trivial = group[0].rps
        print(f"At {group[0].concurrency} client connections:")
        for s in group:
            rows.append([
                s.name, f"{s.rps:.0f}", f"{s.ms(0.50):.1f}", f"{s.ms(0.95):.1f}",
                f"{s.ms(0.99):.1f}", f"{s.rps / trivial:.2f}" if trivial else "-",
                "" if s.workload == "healthz" else f"{s.hits:.1%}",
                str(len(s.failures)), f"{s.cpu / s.seconds:.0%}" if s.seconds else "-",
                s.results(),
            ])  # fmt: skip
        benchlib.table(rows)
        print()
    for s in streams:
        if s.failures:
            print(f"ERRORS {s.name}: {len(s.failures)}, e.g. {s.failures[:3]}")
        if s.workload == "mix" and s.hits < 1:
            misses = sum(s.cache.values()) - s.cache["hit"]
            print(f"note: {s.name}: {misses} timed answers not hits {dict(s.cache)}: the "
                  "minute in the cache key turned during its turn")  # fmt: skip
    for s in streams:
        if s.slowest:
            worst = ", ".join(f"{url} {t * 1000:.0f} ms" for t, url in sorted(s.slowest)[-3:])
            print(f"slowest {s.name}: {worst}")
    print("Client CPU: the load generator's CPU time over the wall time (100% = one core).")
    print()
    print("SQL queries (Django test client): miss, then the hit it stored")
    for name, counted in probe["queries"].items():
        print(
            "    " + name + ": " + ", ".join(f"{n} ({how or status})" for n, status, how in counted)
        )
    shown, open_places = probe.get("clock", ["?", None])
    shift = f" (shifted {args.shift_hours:+d} h)" if args.shift_hours else ""
    opened = f"; places open then: {open_places:,} of {PLACES:,}" if open_places is not None else ""
    print(f"The site's clock at the probe: {shown}{shift}{opened}")
    print(f"Plan of the results query for near=10001&radius=10 ({probe['total']} places):")
    print("    " + probe["plan"].replace("\n", "\n    "))
    if probe["total"] is not None:
        uses_index = "location_published_latlng" in probe["plan"]
        full_scan = "Seq Scan on locations_location" in probe["plan"]
        print(f"index location_published_latlng used: {'yes' if uses_index else 'NO'}; "
              f"sequential scan of locations: {'YES' if full_scan else 'no'}")  # fmt: skip
    print()


def verdict(streams: list[Stream], args) -> bool:
    trivial = streams[0].rps
    checks = []
    for s in streams:
        if s.workload in BUDGET_RATIO and s.concurrency != CROWD:
            floor = BUDGET_RATIO[s.workload]
            ratio = s.rps / trivial if trivial else 0.0
            checks.append((ratio >= floor, f"{s.name}: {s.rps:.0f} req/s = {ratio:.2f} × "
                           f"/healthz ({trivial:.0f} req/s); budget ≥ {floor}"))  # fmt: skip
        if s.workload == "cold":
            checks.append((s.not_missed == 0, f"{s.name}: {sum(s.cache.values()) - s.not_missed}"
                           f" of {sum(s.cache.values())} answers were misses {dict(s.cache)}; "
                           "all must be"))  # fmt: skip
        if s.workload == "mix" and s.concurrency == CROWD:
            p95 = s.ms(0.95)
            checks.append((p95 < BUDGET_CROWD_P95_MS, f"{s.name}: p95 {p95:.1f} ms at {CROWD} "
                           f"connections; budget < {BUDGET_CROWD_P95_MS:.0f} ms"))  # fmt: skip
    errors = sum(len(s.failures) for s in streams)
    checks.append((errors == 0, f"request errors: {errors}"))
    for passed, text in checks:
        print(f"{'PASS' if passed else 'FAIL'} {text}")
    ok = all(passed for passed, _ in checks)
    print(f"Budgets at {PLACES:,} places: {'MET' if ok else 'NOT MET'}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
