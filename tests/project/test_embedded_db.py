"""The embedded PostgreSQL: several processes can start and share it; it stops cleanly."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from tests.processes import ROOT


def embedded(command: str, pgdata: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "naloxone_finder.embedded_db", command],
        cwd=ROOT,
        env={**os.environ, "EMBEDDED_PGDATA": str(pgdata)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_three_processes_starting_it_at_once_share_one_server(tmp_path):
    pgdata = tmp_path / "pgdata"
    try:
        starts = [embedded("url", pgdata) for _ in range(3)]
        urls = {p.communicate(timeout=120)[0].strip() for p in starts}

        assert len(urls) == 1, urls
        url = urls.pop()
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
        # It outlives the processes that started it.
        assert (pgdata / "postmaster.pid").exists()
    finally:
        stop = embedded("stop", pgdata)
        out = stop.communicate(timeout=60)[0]

    assert "stopped" in out
    assert not (pgdata / "postmaster.pid").exists()
