"""The embedded PostgreSQL server used when DATABASE_URL is not set.

pgserver ships PostgreSQL 16 as a Python package. The server keeps its data in
`.pgdata/` at the top of the project, listens only on a Unix socket and stays
running after the process that started it exits, so gunicorn workers, manage.py
commands and the test runner all share it. `python -m naloxone_finder.embedded_db
stop` (or `make db-stop`) shuts it down cleanly.
"""

import os
import sys
from pathlib import Path

PGDATA = Path(
    os.environ.get("EMBEDDED_PGDATA") or Path(__file__).resolve().parent.parent / ".pgdata"
).resolve()


def database_url() -> str:
    """Start the embedded server if it is not running and return its URL."""
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); its fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    # pgserver creates the folder with exist_ok=False, so two processes starting together
    # could both see it missing and one would fail: create it here first, race-free.
    PGDATA.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: never stop the server when this process exits; other
    # processes (workers, commands) may still be using it.
    server = pgserver.get_server(PGDATA, cleanup_mode=None)
    return server.get_uri()


def stop() -> bool:
    """Stop the embedded server cleanly; return False if it was not running."""
    if not (PGDATA / "postmaster.pid").exists():
        return False
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PGDATA, user=_server_user())
    return True


def _server_user() -> str | None:
    # As root, pgserver runs PostgreSQL as the system user "pgserver".
    return "pgserver" if os.geteuid() == 0 else None


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "url"
    if command == "url":
        print(database_url())
    elif command == "start":
        database_url()
        print(f"Embedded PostgreSQL is running (data in {PGDATA}).")
    elif command == "stop":
        if stop():
            print("Embedded PostgreSQL stopped.")
        else:
            print("Embedded PostgreSQL was not running.")
    else:
        print("usage: python -m naloxone_finder.embedded_db [url|start|stop]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
