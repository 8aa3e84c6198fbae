"""The public cache keeps each database's pages apart, on one machine or one Redis."""

from tests.processes import run_django

PRINT_PREFIX = "from django.conf import settings; print(settings.CACHES['public']['KEY_PREFIX'])"


def public_prefix(database_url: str, **env) -> str:
    result = run_django(PRINT_PREFIX, DEBUG="1", DATABASE_URL=database_url, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_databases_never_share_public_copies():
    site = public_prefix("postgres://postgres@127.0.0.1:5432/naloxone")
    bench = public_prefix("postgres://postgres@127.0.0.1:5432/naloxone_bench")
    other_server = public_prefix("postgres://postgres@10.0.0.5:5432/naloxone")

    assert len({site, bench, other_server}) == 3
    assert site.startswith("public-")


def test_every_server_of_one_site_shares_them():
    first = public_prefix("postgres://postgres@127.0.0.1:5432/naloxone")
    second = public_prefix("postgres://postgres@127.0.0.1:5432/naloxone", WEB_CONCURRENCY="4")

    assert first == second


def test_the_prefix_holds_on_redis_too():
    with_redis = public_prefix(
        "postgres://postgres@127.0.0.1:5432/naloxone", CACHE_URL="redis://127.0.0.1:6379/1"
    )

    assert with_redis == public_prefix("postgres://postgres@127.0.0.1:5432/naloxone")
