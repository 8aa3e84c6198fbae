"""The deployment's buffering proxy: nginx (naloxone_finder/deploy/nginx.conf) in front of
gunicorn with 2 sync workers, both real, over real HTTP on loopback ports.

nginx is Debian's (`apt-get install nginx-light`, or NGINX_PATH). Without it these tests are
skipped, unless REQUIRE_NGINX is set (CI), which makes a missing nginx a failure.
"""

import contextlib
import getpass
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from naloxone_finder.deploy.nginx import render
from tests.factories import make_zipcodes
from tests.processes import ROOT
from tests.project.test_operations import PRODUCTION_KEY, database_url


def find_nginx() -> str | None:
    for candidate in [os.environ.get("NGINX_PATH", ""), shutil.which("nginx") or ""]:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    candidate = "/usr/sbin/nginx"
    return candidate if os.access(candidate, os.X_OK) else None


NGINX = find_nginx()
MISSING = "proxy tests skipped: no nginx found (apt-get install nginx-light, or set NGINX_PATH)"
IMPORT_MAX_MB = 2
FORGED = "203.0.113.9"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, method: str, path: str, body=None, headers=None, timeout: float = 10):
    """One request on a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def wait_until_up(port: int, process: subprocess.Popen, name: str, log: Path) -> None:
    for _ in range(150):  # 30 s at most
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
        try:
            if request(port, "GET", "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer /healthz on port {port}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class Stack:
    def __init__(self, nginx_port: int, gunicorn_port: int):
        self.nginx = nginx_port
        self.gunicorn = gunicorn_port


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn (2 sync workers, production settings, TRUSTED_PROXY_COUNT=1) on the test
    database, and nginx in front of it from the repository's template."""
    if not NGINX:
        if os.environ.get("REQUIRE_NGINX"):
            pytest.fail(f"REQUIRE_NGINX is set but {MISSING}")
        pytest.skip(MISSING)
    with django_db_blocker.unblock():
        url = database_url()
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="naloxone_finder.settings",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=url,
        CONN_MAX_AGE="0",
        # Plain HTTP on loopback: no redirect, so X-Forwarded-Proto shows in HSTS alone.
        SECURE_SSL_REDIRECT="false",
        TRUSTED_PROXY_COUNT="1",
        SUBMISSION_RATE_LIMIT="1/h",
        ADMIN_IMPORT_MAX_MB=str(IMPORT_MAX_MB),
        GEOCODER="none",
    )
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0, collected.stderr

    gunicorn_port, nginx_port = free_port(), free_port()
    run_dir = tmp_path_factory.mktemp("nginx")
    gunicorn_log, nginx_log = run_dir / "gunicorn.log", run_dir / "nginx.log"
    gunicorn = subprocess.Popen(
        [
            *[sys.executable, "-m", "gunicorn", "naloxone_finder.wsgi"],
            *["--bind", f"127.0.0.1:{gunicorn_port}", "--workers", "2", "--timeout", "30"],
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=gunicorn_log.open("w"),
    )
    config = run_dir / "nginx.conf"
    config.write_text(
        render(
            listen=f"127.0.0.1:{nginx_port}",
            upstream=f"127.0.0.1:{gunicorn_port}",
            static_root=ROOT / "staticfiles",
            run_dir=run_dir,
            import_max_mb=IMPORT_MAX_MB,
            user=getpass.getuser(),
        )
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(run_dir), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=nginx_log.open("w"),
    )
    try:
        wait_until_up(gunicorn_port, gunicorn, "gunicorn", gunicorn_log)
        wait_until_up(nginx_port, nginx, "nginx", nginx_log)
        yield Stack(nginx_port, gunicorn_port)
    finally:
        stop(nginx)
        stop(gunicorn)


@contextlib.contextmanager
def trickling(port: int, sockets: int, part: str = "headers"):
    """Clients that send a request's headers (or its body) a few bytes every half second
    (for 8 s at most), as a slow or hostile client would; closed when the block ends."""
    done = threading.Event()
    if part == "headers":
        start, piece = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-Slow: x\r\n"
    else:
        # With a CSRF cookie, so the app reads the body (to find the form's token).
        start = b"POST /suggest/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: csrftoken=%s\r\n" % (
            b"a" * 32
        )
        start += b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        piece = b"a=b&"

    def trickle(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.sendall(start)
            for _ in range(16):
                if done.wait(0.5):
                    break
                sock.sendall(piece)

    opened = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(sockets)]
    threads = [threading.Thread(target=trickle, args=(sock,), daemon=True) for sock in opened]
    for thread in threads:
        thread.start()
    time.sleep(1)  # every slow client is connected and part-way through its headers
    try:
        yield
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=10)
        for sock in opened:
            sock.close()


@pytest.mark.parametrize("part", ["headers", "body"])
def test_slow_clients_do_not_hold_the_workers_behind_nginx(stack, part):
    with trickling(stack.nginx, 2, part):
        status, _, body = request(stack.nginx, "GET", "/healthz", timeout=5)

    assert status == 200
    assert json.loads(body) == {"status": "ok"}


@pytest.mark.parametrize("part", ["headers", "body"])
def test_without_nginx_the_same_slow_clients_hold_both_workers(stack, part):
    with trickling(stack.gunicorn, 2, part), pytest.raises(TimeoutError):
        request(stack.gunicorn, "GET", "/healthz", timeout=3)

    # Once they are gone the workers are free again.
    assert request(stack.gunicorn, "GET", "/healthz", timeout=10)[0] == 200


def spam_submission(port: int, forwarded_for: str, padding: int = 0):
    """A POST of the suggestion form with its honeypot filled: counted by the rate limit,
    answered like a success, nothing kept. The CSRF token is one the client chose."""
    token = "a" * 32
    return request(
        port,
        "POST",
        "/suggest/",
        body=f"csrfmiddlewaretoken={token}&homepage=http://spam.example&pad={'x' * padding}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={token}",
            "X-Forwarded-For": forwarded_for,
        },
    )


def counted_addresses() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM shared_cache WHERE cache_key LIKE %s", ["%submis%"])
        # Keys look like ":1:submissions:<address>:<period>:<window>".
        return sorted(key.split("submissions:")[1].split(":")[0] for (key,) in cursor.fetchall())


def test_the_rate_limit_counts_the_address_nginx_saw_not_a_forged_one(stack, transactional_db):
    first = spam_submission(stack.nginx, FORGED)
    second = spam_submission(stack.nginx, "198.51.100.7")

    # nginx appends the address it saw (127.0.0.1) and the app trusts that one hop only,
    # so both count against 127.0.0.1 whatever the client claimed: the limit is 1 an hour.
    assert first[0] == 302
    assert second[0] == 429
    assert counted_addresses() == ["127.0.0.1"]


def test_straight_to_gunicorn_a_forged_address_would_be_believed(stack, transactional_db):
    # Why gunicorn must listen where only nginx reaches it: TRUSTED_PROXY_COUNT=1 trusts
    # the last X-Forwarded-For entry, which here nobody but the client wrote.
    assert spam_submission(stack.gunicorn, FORGED)[0] == 302

    assert counted_addresses() == [FORGED]


def test_nginx_says_the_request_was_plain_http_whatever_the_client_claims(stack):
    claims_https = {"X-Forwarded-Proto": "https"}

    _, via_nginx, _ = request(stack.nginx, "GET", "/healthz", headers=claims_https)
    _, direct, _ = request(stack.gunicorn, "GET", "/healthz", headers=claims_https)

    # HSTS is sent on requests the app takes for HTTPS (SECURE_PROXY_SSL_HEADER).
    assert "Strict-Transport-Security" in direct
    assert "Strict-Transport-Security" not in via_nginx


def test_nginx_refuses_a_body_over_the_import_limit_with_413(stack):
    too_big = (IMPORT_MAX_MB + 2) * 1024 * 1024
    with socket.create_connection(("127.0.0.1", stack.nginx), timeout=10) as sock:
        sock.sendall(
            b"POST /suggest/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
            b"Content-Length: %d\r\n\r\n" % too_big
        )
        status_line = sock.recv(200).split(b"\r\n")[0]

    assert status_line.split()[1] == b"413"


def test_a_body_under_the_limit_reaches_the_app(stack, transactional_db):
    status, headers, _ = spam_submission(stack.nginx, FORGED, padding=2 * 1024 * 1024)

    assert status == 302  # the app's answer
    assert headers["Location"] == "/suggest/thanks/"


def title(html: bytes) -> str:
    return html.decode().split("<title>")[1].split("</title>")[0]


def test_double_slashes_are_merged_before_the_app_sees_the_path(stack, transactional_db):
    make_zipcodes("10001")

    plain = request(stack.nginx, "GET", "/search?near=10001")
    doubled = request(stack.nginx, "GET", "//search?near=10001")
    tripled = request(stack.nginx, "GET", "///search?near=10001")

    assert plain[0] == doubled[0] == tripled[0] == 200
    assert title(doubled[2]) == title(tripled[2]) == title(plain[2])
    assert "10001" in title(plain[2])


def test_nginx_serves_the_collected_static_files(stack):
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]

    status, headers, body = request(
        stack.nginx, "GET", f"/static/{hashed}", headers={"Accept-Encoding": "gzip"}
    )

    assert status == 200
    assert headers["Cache-Control"] == "max-age=31536000, public, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert body[:2] == b"\x1f\x8b"


def test_the_template_refuses_a_value_that_would_break_the_configuration(tmp_path):
    with pytest.raises(ValueError, match="NF_UPSTREAM"):
        render(
            listen="8080",
            upstream="127.0.0.1:8000; evil",
            static_root=tmp_path,
            run_dir=tmp_path,
            import_max_mb=10,
        )
