"""Heavy answers (sitemaps, exports) built in the background (locations/web/caching.py):
no request waits for a build. Without a copy the answer is a 503 with Retry-After at once;
during a rebuild, the previous copy; a failed build frees the lock for the next request;
one build per data version.

These tests commit their data (transaction=True), so that the build's own database
connection sees it; each holds its build on an event to look at the answers meanwhile."""

import threading

import pytest
from django.test import Client

from locations.exchange import csv_export
from locations.web import caching, sitemaps
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db(transaction=True)

CSV = "/api/v1/export/locations.csv"
SITEMAP = "/sitemap-locations.xml"


@pytest.fixture
def anon():
    return Client()


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


HELD: list["Held"] = []


@pytest.fixture(autouse=True)
def _release_every_build():
    # A failing test must not leave a build waiting on its event.
    yield
    while HELD:
        HELD.pop().release.set()
    caching.join_builds(30)


class Held:
    """Wraps a view's work: counts the builds, and holds each until released."""

    def __init__(self, monkeypatch, module, name: str, fail_first: bool = False):
        self.real = getattr(module, name)
        self.calls = 0
        self.fail_first = fail_first
        self.release = threading.Event()
        self.started = threading.Event()
        monkeypatch.setattr(module, name, self)
        HELD.append(self)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        self.started.set()
        assert self.release.wait(30), "the test never released the build"
        if self.fail_first and self.calls == 1:
            raise RuntimeError("the first build fails")
        return self.real(*args, **kwargs)

    def finish(self) -> None:
        self.release.set()
        caching.join_builds(30)


def test_without_a_copy_the_api_export_is_a_503_at_once_then_the_built_copy(anon, monkeypatch):
    location = make_location()
    held = Held(monkeypatch, csv_export, "csv_response")

    first = anon.get(CSV)  # starts the build, and is not kept waiting for it
    assert first.status_code == 503
    assert first["Retry-After"] == str(caching.RETRY_AFTER_SECONDS)
    assert first["Cache-Control"] == "no-store"
    assert first["X-Public-Cache"] == "building"
    assert "prepared" in first.json()["error"]
    assert held.started.wait(30)
    assert anon.get(CSV).status_code == 503  # still building

    held.finish()
    built = anon.get(CSV)
    assert built.status_code == 200
    assert built["X-Public-Cache"] == "hit"
    assert location.slug in built.content.decode()
    assert built["ETag"].startswith('"')
    assert held.calls == 1


def test_the_sitemaps_503_is_plain_text_and_the_apis_follows_accept_language(anon, monkeypatch):
    make_location()
    held = Held(monkeypatch, sitemaps, "urlset_xml")
    export = Held(monkeypatch, csv_export, "csv_response")

    # The sitemaps are outside the language prefixes: the default language, English.
    page = anon.get(SITEMAP, HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 503
    assert page["Content-Type"].startswith("text/plain")
    assert page.content.decode().startswith("This file is being prepared.")
    assert page["Retry-After"] == str(caching.RETRY_AFTER_SECONDS)
    api = anon.get(CSV, HTTP_ACCEPT_LANGUAGE="es")
    assert api.status_code == 503
    assert api.json()["error"].startswith("Este archivo se está preparando.")
    export.release.set()
    held.finish()
    assert anon.get(SITEMAP, HTTP_ACCEPT_LANGUAGE="es").status_code == 200
    assert anon.get(CSV, HTTP_ACCEPT_LANGUAGE="es").status_code == 200


def test_a_rebuild_serves_the_previous_copy_then_the_new_one(anon, monkeypatch):
    old = make_location()
    held = Held(monkeypatch, csv_export, "csv_response")
    anon.get(CSV)
    held.finish()
    first = anon.get(CSV)
    assert first.status_code == 200

    held.release.clear()
    new = make_location()
    during = anon.get(CSV)
    assert during.status_code == 200
    assert during["X-Public-Cache"] == "previous"
    assert during["Cache-Control"] == "no-cache"
    assert during["ETag"] == first["ETag"]
    assert during.content == first.content
    assert old.slug in during.content.decode() and new.slug not in during.content.decode()

    held.finish()
    after = anon.get(CSV)
    assert after["X-Public-Cache"] == "hit"
    assert after["ETag"] != first["ETag"]
    assert new.slug in after.content.decode()
    assert held.calls == 2


def test_a_failed_build_releases_the_lock_and_the_next_request_builds_again(
    anon, monkeypatch, caplog
):
    location = make_location()
    held = Held(monkeypatch, sitemaps, "urlset_xml", fail_first=True)

    assert anon.get(SITEMAP).status_code == 503
    held.finish()
    assert "the first build fails" in caplog.text
    # Nothing was stored, and the lock is free: the next request starts a new build.
    assert anon.get(SITEMAP).status_code == 503
    held.finish()
    built = anon.get(SITEMAP)
    assert built.status_code == 200
    assert location.slug in built.content.decode()
    assert held.calls == 2


def test_one_build_per_data_version_however_many_ask(anon, monkeypatch):
    make_location()
    held = Held(monkeypatch, csv_export, "csv_response")
    others = [Client() for _ in range(5)]

    answers = [client.get(CSV) for client in [anon, *others, anon]]
    assert {a.status_code for a in answers} == {503}
    head = anon.head(CSV)
    assert head.status_code == 503
    held.finish()
    assert {client.get(CSV).status_code for client in others} == {200}
    assert anon.head(CSV).status_code == 200
    assert held.calls == 1
    assert caching.running_builds() == 0


def test_a_head_starts_the_build_of_the_get(anon, monkeypatch):
    make_location()
    held = Held(monkeypatch, sitemaps, "urlset_xml")
    assert anon.head(SITEMAP).status_code == 503
    held.finish()
    response = anon.get(SITEMAP)
    assert response["X-Public-Cache"] == "hit"
    assert held.calls == 1


def test_builds_beyond_the_limit_wait_for_a_later_request(anon, monkeypatch):
    make_location()
    monkeypatch.setattr(caching, "MAX_BUILDS", 1)
    held = Held(monkeypatch, csv_export, "csv_response")
    assert anon.get(CSV).status_code == 503
    assert held.started.wait(30)
    # One build runs: the sitemap is not started, and its lock is not taken.
    assert anon.get(SITEMAP).status_code == 503
    assert caching.running_builds() == 1
    held.finish()
    assert anon.get(SITEMAP).status_code == 503  # now it starts
    caching.join_builds(30)
    assert anon.get(SITEMAP).status_code == 200
