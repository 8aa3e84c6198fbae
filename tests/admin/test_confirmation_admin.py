"""Asking a listing's contact to confirm it, from the admin: one listing from its page,
many by the bulk action; the read-only list of requests."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from locations.models import ConfirmationRequest
from tests.factories import make_location

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:locations_location_changelist"


def confirmation_url(location) -> str:
    return reverse("admin:locations_location_confirmation", args=[location.pk])


def test_the_location_page_links_to_ask_for_confirmation(client, staff):
    location = make_location(email="owner@example.org")
    html = client.get(reverse("admin:locations_location_change", args=[location.pk])).content
    assert confirmation_url(location).encode() in html


def test_staff_send_one_request_from_the_listing_page(client, staff, settings):
    settings.SITE_URL = "https://naloxone.example.org"
    location = make_location(name="Corner Pharmacy", email="owner@example.org")
    page = client.get(confirmation_url(location))
    assert page.status_code == 200
    assert "An email goes to owner@example.org" in page.content.decode()
    assert not mail.outbox  # nothing is sent until staff press the button

    response = client.post(confirmation_url(location))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.org"]
    assert "https://naloxone.example.org/confirm/" in mail.outbox[0].body
    request = ConfirmationRequest.objects.get()
    assert (request.location, request.sent_by) == (location, staff)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Sent 1 confirmation request."]
    # The page lists the requests sent.
    assert "owner@example.org" in client.get(confirmation_url(location)).content.decode()


def test_a_listing_without_an_email_cannot_be_asked(client, staff):
    location = make_location(email="")
    page = client.get(confirmation_url(location))
    assert "there is nobody to ask" in page.content.decode()
    assert client.post(confirmation_url(location)).status_code == 400
    assert not mail.outbox and not ConfirmationRequest.objects.exists()


def test_the_bulk_action_sends_one_request_per_listing_with_an_email(client, staff):
    with_email = [make_location(email=f"owner{n}@example.org") for n in range(2)]
    without = make_location(email="")
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "send_confirmation_requests",
            "_selected_action": [x.pk for x in [*with_email, without]],
        },
    )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["owner0@example.org", "owner1@example.org"]
    assert ConfirmationRequest.objects.filter(sent_by=staff).count() == 2
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Sent 2 confirmation requests.",
        "1 listing has no email address or is closed: nothing was sent to it.",
    ]


def test_a_failed_email_is_reported_and_leaves_no_request(client, staff, settings):
    settings.EMAIL_BACKEND = "tests.admin.test_confirmation_admin.FailingBackend"
    location = make_location(name="Corner Pharmacy", email="owner@example.org")
    response = client.post(confirmation_url(location))
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["The email could not be sent to: Corner Pharmacy. Try again later."]
    assert not ConfirmationRequest.objects.exists()
    assert not location.history.filter(
        history_change_reason__startswith="Confirmation request"
    ).exists()


class FailingBackend:
    """An email backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("connection refused")


def test_the_requests_are_listed_read_only(client, staff):
    location = make_location(email="owner@example.org")
    client.post(confirmation_url(location))
    request = ConfirmationRequest.objects.get()
    listing = client.get(reverse("admin:locations_confirmationrequest_changelist"))
    assert listing.status_code == 200 and "owner@example.org" in listing.content.decode()
    detail = client.get(reverse("admin:locations_confirmationrequest_change", args=[request.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
