"""The API's rate limit on a real Redis, as production counts it with CACHE_URL: the count,
its window and the data version in one round trip, so that an answer from the public
cache costs two (locations/services/api_rate_limit.py)."""

import time

import environ
import pytest
import redis
from django.core.cache import caches
from django.test import Client

from locations.services import cache_version
from naloxone_finder.cache_backends import with_kept_client
from naloxone_finder.data_version import VERSION_KEY
from tests.factories import make_location, make_zipcodes
from tests.services.test_cache_version import redis_url  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

URL = "/api/v1/states"  # no "open now": its key keeps from one minute to the next
COUNTER_KEYS = ":1:nf:api-rate:*"  # the default cache's prefix and version, then ours


def commands_in(packed) -> list[list[str]]:
    """The commands in what a connection sent (RESP arrays of bulk strings)."""
    data = packed if isinstance(packed, bytes) else b"".join(bytes(part) for part in packed)
    commands, at = [], 0
    while at < len(data):
        end = data.index(b"\r\n", at)
        words, at = int(data[at + 1 : end]), end + 2
        command = []
        for _ in range(words):
            end = data.index(b"\r\n", at)
            size, at = int(data[at + 1 : end]), end + 2
            command.append(data[at : at + size].decode(errors="replace"))  # values may be pickles
            at += size + 2
        commands.append(command)
    return commands


class RecordingConnection(redis.Connection):
    """Notes each write a connection makes. redis-py sends one write and then reads its
    replies, so each write is one round trip (a pipeline's commands go in one)."""

    writes: list[list[list[str]]] = []

    def send_packed_command(self, command, check_health=True):
        RecordingConnection.writes.append(commands_in(command))
        super().send_packed_command(command, check_health)


def redis_caches(url: str, public_url: str | None = None) -> dict:
    """The default and public caches as settings make them from CACHE_URL, with
    connections that record what they send."""
    options = {"OPTIONS": {"connection_class": RecordingConnection}}
    return {
        "default": {**with_kept_client(environ.Env.cache_url_config(url)), **options},
        "public": {
            **with_kept_client(environ.Env.cache_url_config(public_url or url)),
            **options,
            "KEY_PREFIX": "public-test",
        },
    }


@pytest.fixture
def on_redis(redis_url, settings):  # noqa: F811 (the fixture imported above)
    settings.CACHES = {**settings.CACHES, **redis_caches(redis_url)}
    make_zipcodes("10001")
    make_location(name="Somewhere")
    RecordingConnection.writes = []
    yield redis.Redis.from_url(redis_url)
    RecordingConnection.writes = []


def round_trips(client: Client, url: str = URL) -> tuple[list, object]:
    """(the writes to Redis that one request made, its response)."""
    RecordingConnection.writes = []
    response = client.get(url)
    return list(RecordingConnection.writes), response


def test_the_limit_holds_on_redis_and_each_address_counts_apart(on_redis, settings):
    settings.API_RATE_LIMIT = "3/m"
    client = Client()
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]

    response = client.get(URL)

    assert response.status_code == 429
    assert "Too many requests" in response.json()["error"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Cache-Control"] == "no-store"
    assert client.get(URL, REMOTE_ADDR="192.0.2.1").status_code == 200
    # One counter an address, hashed, expiring with its window.
    keys = on_redis.keys(COUNTER_KEYS)
    assert len(keys) == 2
    assert not any(b"127.0.0.1" in key or b"192.0.2.1" in key for key in keys)
    assert sorted(int(on_redis.get(key)) for key in keys) == [1, 4]
    assert all(0 < on_redis.ttl(key) <= 60 for key in keys)


def test_the_allowance_comes_back_after_retry_after_seconds_on_redis(on_redis, settings):
    settings.API_RATE_LIMIT = "2/2s"
    client = Client()
    client.get(URL)
    client.get(URL)
    response = client.get(URL)
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 2

    time.sleep(retry_after)

    assert client.get(URL).status_code == 200


def test_a_cached_api_answer_costs_two_round_trips(on_redis):
    client = Client()
    assert client.get(URL)["X-Public-Cache"] == "miss"
    assert client.get(URL)["X-Public-Cache"] == "hit"  # every connection made by now
    counted_before = on_redis.info("stats")["total_commands_processed"]

    writes, response = round_trips(client)

    counted_after = on_redis.info("stats")["total_commands_processed"]
    assert response["X-Public-Cache"] == "hit"
    counter, version_key = writes[0][0][1], caches["public"].make_key(VERSION_KEY)
    assert writes == [
        [["SET", counter, "0", "NX", "EX", "60"], ["INCRBY", counter, "1"], ["PTTL", counter],
         ["GET", version_key]],
        [["GET", writes[1][0][1]]],
    ]  # fmt: skip
    assert writes[1][0][1].startswith("public-test:1:nf:page:")
    # The server ran those five commands and no other (the first INFO counts itself).
    assert counted_after - counted_before == 5 + 1


def test_the_public_cache_uses_the_version_read_with_the_count(on_redis):
    client = Client()
    first = client.get(URL)
    assert client.get(URL)["ETag"] == first["ETag"]
    cache_version.bump()

    writes, response = round_trips(client)

    # A miss under the new version, which the count's pipeline read: no other GET of it.
    assert response["X-Public-Cache"] == "miss"
    assert response["ETag"] != first["ETag"]
    assert response.wsgi_request.data_version == cache_version.current()
    version_key = caches["public"].make_key(VERSION_KEY)
    assert [command for write in writes for command in write if version_key in command] == [
        ["GET", version_key]
    ]
    assert len(writes[0]) == 4
    assert client.get(URL)["X-Public-Cache"] == "hit"


def test_with_no_version_yet_the_public_cache_makes_one(on_redis):
    caches["public"].delete(VERSION_KEY)
    client = Client()

    response = client.get(URL)

    assert response.status_code == 200
    # The pipeline found none; the public cache made one and keyed the answer with it.
    assert caches["public"].get(VERSION_KEY)
    assert response.wsgi_request.data_version == caches["public"].get(VERSION_KEY)
    assert client.get(URL)["X-Public-Cache"] == "hit"


def test_a_public_cache_in_another_redis_database_reads_its_own_version(
    redis_url,  # noqa: F811 (the fixture imported above)
    settings,
):
    settings.CACHES = {**settings.CACHES, **redis_caches(redis_url, redis_url[:-1] + "1")}
    make_zipcodes("10001")
    make_location(name="Somewhere")
    client = Client()
    client.get(URL)
    assert client.get(URL)["X-Public-Cache"] == "hit"

    writes, response = round_trips(client)

    assert response["X-Public-Cache"] == "hit"
    assert response.wsgi_request.data_version == caches["public"].get(VERSION_KEY)
    assert [len(write) for write in writes] == [3, 1, 1]  # the count, the version, the entry
    assert caches["public"].make_key(VERSION_KEY) in writes[1][0]


def test_a_counter_left_without_an_expiry_is_given_one(on_redis, settings):
    settings.API_RATE_LIMIT = "5/m"
    client = Client()
    client.get(URL)
    [key] = on_redis.keys(COUNTER_KEYS)
    # What an INCR leaves when the counter expired just after the SET NX found it.
    on_redis.persist(key)

    client.get(URL)

    assert int(on_redis.get(key)) == 2
    assert 0 < on_redis.ttl(key) <= 60


def test_redis_that_cannot_be_reached_counts_nothing_and_the_api_answers(
    on_redis, settings, caplog
):
    settings.API_RATE_LIMIT = "1/m"
    client = Client()
    client.get(URL)
    on_redis.shutdown(nosave=True)

    statuses = [client.get(URL).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert "API request not counted" in caplog.text
