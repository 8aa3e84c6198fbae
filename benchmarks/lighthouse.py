"""Lighthouse (mobile) scores of the home, results and detail pages.

    .venv/bin/python benchmarks/lighthouse.py [--keep]

Budgets (DESIGN.md): performance >= 95, accessibility 100, best practices >= 95, SEO >= 95.

It installs the pinned Lighthouse from npm into benchmarks/lighthouse/ (once), and drives
the system Chromium (CHROME_PATH, else /usr/bin/chromium). On the app's PostgreSQL server
(DATABASE_URL, else the embedded one) it recreates a database named `naloxone_lighthouse`,
loads the ZIP codes and the demo directory, and serves it with gunicorn with DEBUG off, as
in production. Map tiles come from a third-party server this script cannot count on, so
the map draws a blank local tile instead (MAP_TILE_URL); everything else is as served.
Reports go to benchmarks/out/lighthouse/. Exits 1 when a page misses a budget.
"""

import argparse
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile
import urllib.request
import zlib
from pathlib import Path

import search_bench
from search_bench import (
    HOST,
    ROOT,
    admin_connection,
    base_database_url,
    free_port,
    manage,
    start_gunicorn,
    step,
    stop,
    wait_until_up,
    with_database,
)

LIGHTHOUSE_DIR = ROOT / "benchmarks" / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
OUT = ROOT / "benchmarks" / "out" / "lighthouse"
DATABASE = "naloxone_lighthouse"


def blank_tile(size: int = 256) -> str:
    """A plain light-grey PNG tile of a real tile's size, as a data: URL."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress((b"\x00" + b"\xe6" * size) * size, 9)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
    return "data:image/png;base64," + base64.b64encode(png + chunk(b"IEND", b"")).decode()


BLANK_TILE = blank_tile()
BUDGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database")
    args = parser.parse_args()

    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).is_file():
        raise SystemExit(f"No Chromium at {chrome}: install Debian's chromium or set CHROME_PATH.")
    if not LIGHTHOUSE.exists():
        step("installing Lighthouse from npm into", str(LIGHTHOUSE_DIR))
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR, check=True
        )

    server_url = base_database_url()
    env = {
        **os.environ,
        **search_bench.BENCH_ENV,
        "DATABASE_URL": with_database(server_url, DATABASE),
        "MAP_TILE_URL": BLANK_TILE,
    }
    try:
        step("recreating database", DATABASE)
        with admin_connection(server_url) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE}")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_zipcodes")
        manage({**env, "DEBUG": "true"}, "seed_demo")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        rows = serve_and_audit(env, chrome)
    finally:
        if not args.keep:
            with admin_connection(server_url) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    print()
    print("| page | performance | accessibility | best practices | SEO |")
    print("| --- | --- | --- | --- | --- |")
    failed = False
    for name, scores in rows:
        cells = []
        for category, budget in BUDGETS.items():
            score = scores[category]
            failed |= score < budget
            cells.append(f"{score}" + ("" if score >= budget else f" (budget {budget})"))
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 1 if failed else 0


def serve_and_audit(env: dict, chrome: str) -> list[tuple[str, dict]]:
    port = free_port()
    base = f"http://{HOST}:{port}"
    step(f"starting gunicorn on {HOST}:{port}")
    with tempfile.TemporaryFile("w+") as log:
        gunicorn = start_gunicorn(env, port, 2, log)
        try:
            wait_until_up(port, gunicorn, log)
            with urllib.request.urlopen(base + "/api/v1/locations?near=10001") as response:
                slug = json.load(response)["results"][0]["slug"]
            pages = {
                "home": base + "/",
                "results": base + "/search?near=10001",
                "detail": base + f"/locations/{slug}/",
            }
            return [(name, audit(name, url, chrome)) for name, url in pages.items()]
        finally:
            stop(gunicorn)


def audit(name: str, url: str, chrome: str) -> dict:
    """Run Lighthouse's mobile audit of one URL; its scores out of 100."""
    OUT.mkdir(parents=True, exist_ok=True)
    step("lighthouse", url)
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            "--output=html",
            f"--output-path={OUT / name}",
            "--only-categories=performance,accessibility,best-practices,seo",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        env={**os.environ, "CHROME_PATH": chrome},
        check=True,
    )
    report = OUT / f"{name}.report.json"
    categories = json.loads(report.read_text())["categories"]
    for category in categories.values():
        if category["score"] is None:
            raise SystemExit(f"Lighthouse could not score {category['id']} on {url}")
    return {key: round(category["score"] * 100) for key, category in categories.items()}


if __name__ == "__main__":
    sys.exit(main())
