"""Running the project in a fresh process, as production would start it."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# The project's root, where manage.py is.
ROOT = Path(__file__).resolve().parent.parent


def run_django(code: str, **env) -> subprocess.CompletedProcess:
    # A fresh process with production's view of the environment: none of the test run's
    # own switches (DEBUG, the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE) leak into it.
    ignored = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in ignored}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "naloxone_finder.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int = 1, **env) -> Iterator[str]:
    """Serve the project with gunicorn on 127.0.0.1 and yield its base URL; stopped after.

    `env` is added to the environment, as in run_django (DEBUG stays off unless given)."""
    ignored = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in ignored}
    environment.update(env, DJANGO_SETTINGS_MODULE="naloxone_finder.settings")
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "naloxone_finder.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"]
    # The log goes to a file, not a pipe, so a server that logs a lot never blocks.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            _wait_for_port(port, process, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen, log, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("gunicorn did not start: " + log.read()) from None
            time.sleep(0.2)
