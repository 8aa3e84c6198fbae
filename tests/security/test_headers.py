"""Pages, the API and the embed all send the browser's security headers."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def paths(place) -> list[str]:
    """A page of each kind, the API, and the embeddable list."""
    return [
        "/",
        "/es/",
        "/search?near=10001",
        place.get_absolute_url(),
        "/suggest/",
        "/api/v1/states",
        "/api/v1/locations?near=10001",
        "/api/v1/docs",
        "/embed/?near=10001",
        "/admin/login/",
        "/no-such-page/",
    ]


def test_it_sends_every_security_header_everywhere(client, paths):
    missing = {}
    for path in paths:
        response = client.get(path)
        absent = [
            header
            for header in (
                "Content-Security-Policy",
                "Permissions-Policy",
                "X-Content-Type-Options",
                "Referrer-Policy",
            )
            if not response.has_header(header)
        ]
        if absent:
            missing[path] = absent
    assert missing == {}


def test_its_permissions_policy_allows_only_what_the_pages_use(client):
    policy = client.get("/")["Permissions-Policy"]

    assert "geolocation=(self)" in policy
    assert "web-share=(self)" in policy
    assert "camera=()" in policy
    assert "microphone=()" in policy
    assert "payment=()" in policy


def test_its_other_headers_hold_their_values(client, place):
    response = client.get(place.get_absolute_url())

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_only_the_embed_may_be_framed(client):
    response = client.get("/embed/?near=10001")

    assert not response.has_header("X-Frame-Options")
    assert "frame-ancestors *" in response["Content-Security-Policy"]
