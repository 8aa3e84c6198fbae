import shutil
from dataclasses import dataclass

import pytest

from tests.postgres_cluster import Server, make_primary, make_standby, new_folder
from tests.processes import run_django

DATABASE = "naloxone"


@dataclass
class Replication:
    primary: Server
    standby: Server

    @property
    def primary_url(self) -> str:
        return self.primary.url(DATABASE)

    @property
    def standby_url(self) -> str:
        return self.standby.url(DATABASE)


@pytest.fixture(scope="session")
def replication():
    """A PostgreSQL primary of the test run's own with the project's tables, and a hot
    standby streaming from it (pg_basebackup -R), each on a Unix socket of its own."""
    root = new_folder("nf-cluster-")
    servers = []
    try:
        primary = make_primary(root, 54331)
        servers.append(primary)
        primary.query(f"CREATE DATABASE {DATABASE}")
        migrated = run_django(
            "from django.core.management import call_command; call_command('migrate', verbosity=0)",
            DATABASE_URL=primary.url(DATABASE),
            DEBUG="1",
        )
        assert migrated.returncode == 0, migrated.stderr
        standby = make_standby(primary, root, 54332)
        servers.append(standby)
        yield Replication(primary, standby)
    finally:
        for server in reversed(servers):
            server.stop()
        for folder in [root, *(server.socket_dir for server in servers)]:
            shutil.rmtree(folder, ignore_errors=True)
