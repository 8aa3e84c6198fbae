"""The error pages need nothing that can fail, speak the page's language, and a sign-in
never sends staff to a page that does not exist."""

import pytest
from django.urls import reverse

import locations.web.pages
from tests.factories import make_outreach_staff
from tests.security.conftest import HOST

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(client, production, monkeypatch):
    """The "About naloxone" page fails with a bug; the client answers as the server would."""

    def fail(*args, **kwargs):
        """Stand in for the page's rendering, and fail."""
        raise RuntimeError("a bug")

    monkeypatch.setattr(locations.web.pages, "render", fail)
    client.raise_request_exception = False
    return client


def test_it_shows_the_server_error_page_in_english(broken):
    response = broken.get("/naloxone/", HTTP_HOST=HOST)
    page = response.content.decode()

    assert response.status_code == 500
    assert '<html lang="en">' in page
    assert "Something went wrong on our side" in page
    assert 'href="/"' in page


def test_it_shows_the_server_error_page_in_spanish_under_es(broken):
    response = broken.get("/es/naloxone/", HTTP_HOST=HOST)
    page = response.content.decode()

    assert response.status_code == 500
    assert '<html lang="es">' in page
    assert "Algo salió mal" in page
    assert "Something went wrong" not in page
    assert 'href="/es/"' in page


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_a_sign_in_with_an_unsafe_next_lands_on_the_admin_index(client, unsafe):
    make_outreach_staff("outreach", password="the-right-password-42")

    response = client.post(
        reverse("admin:login"),
        {"username": "outreach", "password": "the-right-password-42", "next": unsafe},
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_a_sign_in_with_a_safe_next_goes_there(client):
    make_outreach_staff("outreach", password="the-right-password-42")
    page = reverse("admin:locations_location_changelist")

    response = client.post(
        reverse("admin:login"),
        {"username": "outreach", "password": "the-right-password-42", "next": page},
    )

    assert response.url == page
