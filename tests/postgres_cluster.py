"""Throwaway PostgreSQL servers for tests that need a server of their own: a primary with
streaming replication to a hot standby, made with the PostgreSQL 16 programs that ship
inside the pgserver package. Each listens only on a Unix socket in its own folder."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pgserver
import psycopg

BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"
# PostgreSQL refuses to run as root; pgserver runs it as this system user instead.
SYSTEM_USER = "pgserver" if os.geteuid() == 0 else None


def run(program: str, *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [str(BIN / program), *args],
        user=SYSTEM_USER,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{program} failed: {result.stdout}\n{result.stderr}")
    return result.stdout


def new_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    if SYSTEM_USER:
        from pgserver.utils import ensure_user_exists

        ensure_user_exists(SYSTEM_USER)  # as pgserver itself does for the embedded server
        shutil.chown(folder, SYSTEM_USER, SYSTEM_USER)
    return folder


class Server:
    """One PostgreSQL server: its data folder, socket folder and port."""

    def __init__(self, root: Path, name: str, port: int):
        self.data = root / name
        self.socket_dir = new_folder(f"nf-{name}-sock-")
        self.port = port

    def url(self, database: str) -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}&port={self.port}"

    def connect(self, database: str = "postgres", **kwargs) -> psycopg.Connection:
        options = {"autocommit": True, "connect_timeout": 5, **kwargs}
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname=database, **options
        )

    def start(self, *settings: str) -> None:
        """Start the server; started again without settings, it uses the last ones."""
        self.settings = settings or getattr(self, "settings", ())
        options = [
            f"-c unix_socket_directories={self.socket_dir}",
            f"-p {self.port}",
            "-c listen_addresses=''",
            *self.settings,
        ]
        run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.data / "server.log"),
            "-o",
            " ".join(options),
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "stop")

    def query(self, sql: str, database: str = "postgres", params=()) -> list[tuple]:
        with self.connect(database) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


def make_primary(root: Path, port: int) -> Server:
    server = Server(root, "primary", port)
    run(
        "initdb",
        "-D",
        str(server.data),
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=utf8",
        "--no-sync",
    )
    # initdb's pg_hba.conf already lets local users connect for replication (trust).
    server.start("-c wal_level=replica", "-c max_wal_senders=5", "-c fsync=off")
    server.query("CREATE ROLE replicator WITH REPLICATION LOGIN")
    return server


def make_standby(primary: Server, root: Path, port: int) -> Server:
    """A hot standby streaming from the primary: pg_basebackup -R, then started."""
    standby = Server(root, "standby", port)
    run(
        "pg_basebackup",
        "-D",
        str(standby.data),
        "-h",
        str(primary.socket_dir),
        "-p",
        str(primary.port),
        "-U",
        "replicator",
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "--no-sync",
    )
    standby.start("-c hot_standby=on", "-c fsync=off")
    wait_for(
        lambda: (
            primary.query("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0][
                0
            ]
            == 1
        ),
        "the standby to stream",
    )
    return standby


def wait_for(condition, what: str, seconds: float = 60) -> None:
    """Poll condition until it is true; fail after the given seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (psycopg.Error, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"gave up waiting for {what}")


def wait_for_replay(primary: Server, standby: Server, database: str) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    lsn = primary.query("SELECT pg_current_wal_lsn()::text")[0][0]
    wait_for(
        lambda: standby.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", database, [lsn])[0][
            0
        ],
        "the standby to catch up",
    )


class SilentThenForwarding:
    """A TCP listener on 127.0.0.1 that accepts and never answers until told to forward,
    then passes each new connection through to a PostgreSQL Unix socket."""

    def __init__(self, socket_path: str):
        self.socket_path = socket_path
        self.forwarding = False
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            if not self.forwarding:
                self.held.append(client)  # accepted, never answered
                continue
            server = socket.socket(socket.AF_UNIX)
            server.connect(self.socket_path)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        source.settimeout(0.5)
        with source:
            while not self.stopped.is_set():
                try:
                    data = source.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                try:
                    target.sendall(data)
                except OSError:
                    break
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.listener.close()
        for held in self.held:
            held.close()
