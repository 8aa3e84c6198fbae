"""The admin sign-in locks an account after repeated failures from any addresses, and an
address (an IPv6 /64) after repeated failures for any accounts; briefly, and saying when."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.urls import reverse

from locations.domain.clients import lockout_address
from tests.factories import make_outreach_staff, make_user

pytestmark = pytest.mark.django_db

RIGHT = "the-right-password-42"
ADDRESSES = ["203.0.113.5", "198.51.100.7", "192.0.2.44", "203.0.113.77", "198.51.100.99"]


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """A fast password hash: these tests sign in dozens of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staffer():
    return make_outreach_staff("outreach", password=RIGHT)


def sign_in(client, username: str, password: str, address: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def test_it_locks_an_account_failed_from_five_addresses_everywhere(client, staffer):
    answers = [sign_in(client, "outreach", "wrong", address).status_code for address in ADDRESSES]

    assert answers == [200, 200, 200, 200, 429]
    assert sign_in(client, "outreach", RIGHT, "100.64.1.1").status_code == 429


def test_it_locks_an_address_that_tries_five_accounts(client, staffer):
    make_user("colleague", password="colleague-pw-42", is_staff=True)
    answers = [sign_in(client, f"guess{n}", "wrong", "203.0.113.5").status_code for n in range(5)]

    assert answers == [200, 200, 200, 200, 429]
    assert sign_in(client, "colleague", "colleague-pw-42", "203.0.113.5").status_code == 429
    # The accounts themselves are not locked: staff elsewhere still sign in.
    assert sign_in(client, "outreach", RIGHT, "198.51.100.7").status_code == 302


def test_it_counts_an_ipv6_64_as_one_address(client, staffer):
    for n in range(1, 6):
        sign_in(client, f"guess{n}", "wrong", f"2001:db8:1:2::{n:x}")

    assert sign_in(client, "outreach", RIGHT, "2001:db8:1:2:ffff::1").status_code == 429
    assert sign_in(client, "outreach", RIGHT, "2001:db8:1:3::1").status_code == 302


def test_it_names_an_ipv6_address_by_its_64_and_keeps_ipv4_as_it_is(rf):
    assert lockout_address(rf.get("/", REMOTE_ADDR="2001:db8:1:2:aa::9")) == "2001:db8:1:2::"
    assert lockout_address(rf.get("/", REMOTE_ADDR="203.0.113.5")) == "203.0.113.5"
    assert lockout_address(rf.get("/", REMOTE_ADDR="::ffff:203.0.113.5")) == "203.0.113.5"


def test_it_says_when_to_try_again_in_retry_after(client, staffer, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    for _ in range(5):
        response = sign_in(client, "outreach", "wrong", "203.0.113.5")

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "try again in 15 minutes" in response.content.decode()


def test_it_does_not_extend_a_lockout_for_failures_during_it(client, staffer):
    for address in ADDRESSES:
        sign_in(client, "outreach", "wrong", address)
    for address in ADDRESSES:  # someone keeps trying, to keep the account shut
        assert sign_in(client, "outreach", "wrong", address).status_code == 429

    # Sixteen minutes after the lockout began.
    earlier = timedelta(minutes=16)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= earlier
        attempt.save()
    for expiration in AccessAttemptExpiration.objects.all():
        expiration.expires_at -= earlier
        expiration.save()

    assert sign_in(client, "outreach", RIGHT, "203.0.113.5").status_code == 302


def test_it_locks_out_for_a_quarter_of_an_hour_by_default(settings):
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is False
