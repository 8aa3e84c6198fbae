import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests render templates without running collectstatic first; the hashed,
    # compressed storage is checked on its own in tests/project/test_operations.py.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def _own_public_cache_folder(tmp_path_factory):
    # The public cache keeps files in the checkout by default: a test run of its own gets
    # its own folder, so that two runs at once cannot clear or bump each other's.
    from django.conf import settings
    from django.test.signals import setting_changed

    public = settings.CACHES["public"]
    if public["BACKEND"].endswith("FileBasedCache"):
        public["LOCATION"] = str(tmp_path_factory.mktemp("public-cache"))
        setting_changed.send(sender=None, setting="CACHES", value=settings.CACHES, enter=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache, caches

    # The public cache (locations/web/caching.py) outlives a test's database rollback.
    for store in (cache, caches["public"]):
        store.clear()
    yield
    for store in (cache, caches["public"]):
        store.clear()


@pytest.fixture(autouse=True)
def _one_cache_minute(monkeypatch):
    # The public cache's key for an answer that says what is open now holds the minute, so
    # that it is kept no longer. Within a test it is one minute: a real minute turning
    # between two requests would otherwise pass for a copy not kept or for a new data
    # version (a miss, a 200 instead of a 304). tests/web/test_http_caching.py turns it.
    from locations.domain import http_cache

    monkeypatch.setattr(http_cache, "minute_of", lambda now: "the test's minute")


def _commits(request) -> bool:
    """Whether the test's data is committed (transactional_db, live_server), so that
    another database connection sees it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _heavy_builds(request, monkeypatch):
    # Heavy answers (sitemaps, exports) are built in a thread with its own database
    # connection, which cannot see a test's uncommitted data: in such tests the request
    # that would start the build builds it itself. Tests with committed data take the real
    # path, and their builds end before the test's database and caches are cleared.
    from locations.web import caching

    if not _commits(request):
        monkeypatch.setattr(caching, "BUILD_IN_BACKGROUND", False)
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    caching.join_builds()


@pytest.fixture(autouse=True)
def _clear_shared_cache(request):
    # The "shared" cache (the submission rate limit) is a database table unless CACHE_URL
    # is set: only tests that use the database can reach it, and those start from empty.
    names = set(request.fixturenames)
    if not request.node.get_closest_marker("django_db") and not names & {"db", "transactional_db"}:
        yield
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    from django.core.cache import caches

    caches["shared"].clear()
    yield
    caches["shared"].clear()


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    # A request to /es/… leaves Spanish active in the test's thread (LocaleMiddleware
    # never switches back); tests that run no request would then get Spanish messages.
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_geocoder(settings):
    # No test reaches the real Census Geocoder; the fake_census fixture turns on its own.
    settings.GEOCODER = "none"


@pytest.fixture
def fake_census(settings):
    """A local fake of the Census Geocoder (tests/fake_census.py), switched on."""
    from tests.fake_census import running

    with running() as census:
        settings.GEOCODER = "census"
        settings.GEOCODER_URL = census.url
        settings.GEOCODER_TIMEOUT = 2
        settings.GEOCODER_BATCH_TIMEOUT = 5
        yield census


# Signed-in accounts of each role; tests/factories.py builds more of them (make_user,
# make_outreach_staff, make_directory_admin, make_superuser).


@pytest.fixture
def staff(client, db):
    """A signed-in outreach worker: staff, in the Outreach staff group, not a superuser."""
    from tests.factories import make_outreach_staff

    user = make_outreach_staff("outreach")
    client.force_login(user)
    return user


@pytest.fixture
def director(client, db):
    """A signed-in Directory admin who is not a superuser."""
    from tests.factories import make_directory_admin

    user = make_directory_admin("director")
    client.force_login(user)
    return user


@pytest.fixture
def superuser(client, db):
    """A signed-in superuser."""
    from tests.factories import make_superuser

    user = make_superuser("boss")
    client.force_login(user)
    return user
