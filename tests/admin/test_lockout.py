"""The admin sign-in locks out after repeated failures; the admin's path is configurable."""

import importlib
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from tests.factories import make_directory_admin, make_outreach_staff, make_user

pytestmark = pytest.mark.django_db

RIGHT = "the-right-password-42"


@pytest.fixture
def staffer():
    return make_outreach_staff("outreach", password=RIGHT)


def sign_in(client, username: str, password: str, address: str = "203.0.113.5"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def fail(client, times: int, username: str = "outreach", address: str = "203.0.113.5"):
    return [sign_in(client, username, "wrong", address).status_code for _ in range(times)]


def test_four_failures_still_let_the_right_password_in(client, staffer):
    assert fail(client, 4) == [200] * 4

    response = sign_in(client, "outreach", RIGHT)

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_the_fifth_failure_locks_out_even_the_right_password(client, staffer):
    assert fail(client, 5) == [200, 200, 200, 200, 429]

    response = sign_in(client, "outreach", RIGHT)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused" in page
    assert "try again in 15 minutes" in page
    assert "Directory admin" in page
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_follows_the_settings(client, staffer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=5)

    assert fail(client, 2) == [200, 429]
    assert "try again in 5 minutes" in sign_in(client, "outreach", RIGHT).content.decode()


def test_the_address_comes_from_the_trusted_proxy(client, staffer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            reverse("admin:login"),
            {"username": "outreach", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    # The proxy itself, forwarding someone else, is not locked out.
    make_user("colleague", password="colleague-pw-42", is_staff=True)
    response = client.post(
        reverse("admin:login"),
        {"username": "colleague", "password": "colleague-pw-42"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302


def test_the_lockout_ends_after_the_cooloff(client, staffer):
    fail(client, 5)
    assert sign_in(client, "outreach", RIGHT).status_code == 429

    # Sixteen minutes later.
    earlier = timedelta(minutes=16)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= earlier
        attempt.save()
    for expiration in AccessAttemptExpiration.objects.all():
        expiration.expires_at -= earlier
        expiration.save()

    assert sign_in(client, "outreach", RIGHT).status_code == 302


def test_a_success_clears_the_failures(client, staffer):
    fail(client, 4)
    assert sign_in(client, "outreach", RIGHT).status_code == 302
    client.logout()

    assert fail(client, 4) == [200] * 4
    assert sign_in(client, "outreach", RIGHT).status_code == 302


def test_a_directory_admin_sees_and_clears_lockouts(client, staffer):
    fail(client, 5)
    director = make_directory_admin("director")
    client.force_login(director)

    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "outreach" in listing.content.decode()
    attempt = AccessAttempt.objects.get()
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    client.logout()

    assert sign_in(client, "outreach", RIGHT).status_code == 302


def test_the_admin_answers_at_the_configured_path_only(client, staffer):
    import naloxone_finder.urls

    try:
        with override_settings(ADMIN_PATH="staff-door/"):
            importlib.reload(naloxone_finder.urls)
            clear_url_caches()

            assert client.get("/staff-door/login/").status_code == 200
            assert client.get("/admin/login/").status_code == 404
            assert reverse("admin:index") == "/staff-door/"
    finally:
        importlib.reload(naloxone_finder.urls)
        clear_url_caches()
    assert client.get("/admin/login/").status_code == 200
