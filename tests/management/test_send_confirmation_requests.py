"""The monthly `send_confirmation_requests` command."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from locations.models import ConfirmationRequest
from tests.factories import make_location

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_confirmation_requests", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def listings(settings):
    settings.VERIFY_AFTER_DAYS = 90
    today = timezone.localdate()
    return {
        "old": make_location(email="old@example.org", last_verified_on=today - timedelta(91)),
        "never": make_location(email="never@example.org"),
        "fresh": make_location(email="fresh@example.org", last_verified_on=today),
        "no_email": make_location(last_verified_on=today - timedelta(days=300)),
    }


def test_it_emails_the_listings_past_due_that_have_an_email(listings):
    out = run("--site-url", "https://naloxone.example.org/")
    assert out.strip() == "Sent 2 confirmation requests; 0 failed."
    assert sorted(m.to[0] for m in mail.outbox) == ["never@example.org", "old@example.org"]
    assert all("https://naloxone.example.org/confirm/" in m.body for m in mail.outbox)
    assert set(ConfirmationRequest.objects.values_list("sent_by", flat=True)) == {None}
    # Run again (next month's run within 14 days): nobody is asked twice.
    assert run("--site-url", "https://naloxone.example.org").startswith("Sent 0 ")
    assert len(mail.outbox) == 2


def test_a_dry_run_lists_them_and_sends_nothing(listings, settings):
    settings.SITE_URL = "https://naloxone.example.org"
    out = run("--dry-run")
    assert "old@example.org" in out and "never@example.org" in out
    assert "fresh@example.org" not in out
    assert out.strip().endswith("Dry run: 2 listings are due; nothing was sent.")
    assert not mail.outbox and not ConfirmationRequest.objects.exists()


def test_it_needs_the_sites_address_for_the_links(listings, settings):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="set SITE_URL"):
        run()
    assert not mail.outbox
