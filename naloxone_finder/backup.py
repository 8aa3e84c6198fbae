"""Back up the database and bring a backup back (`make backup`, `make restore FILE=...`).

    python -m naloxone_finder.backup dump [--dir backups]
    python -m naloxone_finder.backup restore FILE [--force] [--database-url URL]

`dump` writes one consistent snapshot of the whole database (pg_dump reads it in a single
transaction, so a backup taken while the site runs is whole) in pg_dump's custom format,
named by the time in UTC: backups/naloxone-finder-2026-12-06T2030Z.dump. `restore` loads
such a file into an empty database, in one transaction, and refuses a database that has
tables already unless told --force (then what the backup holds replaces them).

After a restore, the public cache's data version is changed (naloxone_finder/data_version.py),
so that no page cached from the database as it was is served again: in the public cache of
the site that runs on the restored database (CACHE_URL's Redis, else PUBLIC_CACHE_DIR).

The database is the site's own (DATABASE_URL, or the embedded server), or --database-url.
pg_dump and pg_restore are the embedded server's (PostgreSQL 16, which reads servers from
PostgreSQL 9.2 on), else PG_BIN_DIR's, else the ones on PATH.
"""

import argparse
import os
import shutil
import subprocess
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DIR = BASE_DIR / "backups"


class BackupError(Exception):
    """Something the person running the backup must hear about, in one sentence."""


def program(name: str) -> str:
    """The path of pg_dump or pg_restore (see the module's docstring for the order)."""
    folders = []
    if os.environ.get("PG_BIN_DIR"):
        folders.append(Path(os.environ["PG_BIN_DIR"]))
    try:
        with warnings.catch_warnings():  # platformdirs on a machine without XDG_RUNTIME_DIR
            warnings.simplefilter("ignore")
            import pgserver

        folders.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    for folder in folders:
        if os.access(folder / name, os.X_OK):
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install PostgreSQL's client or set PG_BIN_DIR.")
    return found


def libpq_environment(database: dict) -> dict[str, str]:
    """The PG* variables that point pg_dump, pg_restore and psycopg at a database given as
    one of Django's DATABASES entries (the password stays off the command line)."""
    options = database.get("OPTIONS") or {}
    values = {
        "PGDATABASE": database.get("NAME"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        # The embedded server is reached through its socket folder, given as OPTIONS' host.
        "PGHOST": options.get("host") or database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGSSLMODE": options.get("sslmode"),
    }
    return {name: str(value) for name, value in values.items() if value}


def site_database() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naloxone_finder.settings")
    from django.conf import settings

    return settings.DATABASES["default"]


def database_from_url(url: str) -> dict:
    import environ

    return environ.Env.db_url_config(url)


def run(command: list[str], database: dict) -> None:
    result = subprocess.run(
        command,
        env={**os.environ, **libpq_environment(database)},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup_name(moment: datetime) -> str:
    return f"naloxone-finder-{moment.astimezone(UTC):%Y-%m-%dT%H%MZ}.dump"


def dump(database: dict, folder: Path = DEFAULT_DIR, now: datetime | None = None) -> Path:
    """Write a backup of the database into folder and return its path. The file appears
    under its final name only once pg_dump has finished and pg_restore can read it back."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    target = folder / backup_name(moment)
    copy = 1
    while target.exists():  # a second backup in the same minute keeps the first
        copy += 1
        target = folder / backup_name(moment).replace(".dump", f"-{copy}.dump")
    partial = target.with_name(target.name + ".partial")
    # A backup holds staff accounts and what visitors sent: readable by its owner only.
    partial.unlink(missing_ok=True)  # left by a run that was killed
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        run([program("pg_dump"), "--format=custom", "--file", str(partial)], database)
        run([program("pg_restore"), "--list", str(partial)], database)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def table_count(database: dict) -> int:
    """How many tables the database holds outside PostgreSQL's own schemas."""
    import psycopg

    environment = libpq_environment(database)
    keywords = {
        "dbname": environment.get("PGDATABASE"),
        "user": environment.get("PGUSER"),
        "password": environment.get("PGPASSWORD"),
        "host": environment.get("PGHOST"),
        "port": environment.get("PGPORT"),
        "sslmode": environment.get("PGSSLMODE"),
    }
    keywords = {name: value for name, value in keywords.items() if value}
    with psycopg.connect(**keywords, connect_timeout=10) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]


def restore(file: Path, database: dict, force: bool = False) -> None:
    """Load a backup into the database: all of it or, if anything fails, none of it."""
    if not file.is_file():
        raise BackupError(f"No backup at {file}.")
    tables = table_count(database)
    if tables and not force:
        raise BackupError(
            f"Refusing to restore into {database.get('NAME')}: it has {tables} tables already. "
            "Restore into an empty database, or add FORCE=1 (--force) to replace what it holds."
        )
    command = [program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    # --dbname makes pg_restore restore rather than print SQL; PG* say where to connect.
    command += ["--single-transaction", "--dbname", database["NAME"]]
    if tables:
        command += ["--clean", "--if-exists"]
    run([*command, str(file)], database)


def new_data_version() -> None:
    """Change the data version in the public cache of the site whose database this
    process's settings name; Django's settings suffice, the app is not set up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naloxone_finder.settings")
    from naloxone_finder import data_version

    data_version.change()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="write a dated backup")
    dumping.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where (backups/)")
    dumping.add_argument("--database-url", help="another database than the site's")
    restoring = commands.add_parser("restore", help="load a backup into an empty database")
    restoring.add_argument("file", type=Path)
    restoring.add_argument("--force", action="store_true", help="even if it has tables")
    restoring.add_argument("--database-url", help="another database than the site's")
    args = parser.parse_args(argv)
    if args.database_url:
        # The settings read after a restore (the public cache's key prefix, which names the
        # database) are those of a site that runs on that database.
        os.environ["DATABASE_URL"] = args.database_url
    database = database_from_url(args.database_url) if args.database_url else site_database()
    try:
        if args.command == "dump":
            print(f"Backup written: {dump(database, args.dir)}")
        else:
            restore(args.file, database, force=args.force)
            print(f"Restored {args.file} into {database.get('NAME')}.")
            try:
                new_data_version()
            except Exception as error:  # the restore stands; the operator must hear of it
                print(
                    f"The public cache's data version could not be changed ({error}): pages "
                    "cached before the restore may be served until they expire (a day at "
                    "most). Once the cache can be reached, save any place in the admin: "
                    "that changes it.",
                    file=sys.stderr,
                )
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
