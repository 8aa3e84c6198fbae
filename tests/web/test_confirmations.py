"""Listings confirmed by the people who run them: the emailed link, the recipient's page,
"still accurate", proposed changes, and links that do not work."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from locations.models import ConfirmationRequest, Location, Suggestion
from locations.services import confirmations
from locations.services.submissions import accept_suggestion
from tests.factories import make_location, make_outreach_staff

pytestmark = pytest.mark.django_db

SITE = "https://naloxone.example.org"


def send(location=None, user=None, **fields):
    """Send a request for a listing; return (the request, the link's path in English)."""
    location = location or make_location(
        name="Corner Pharmacy", email="owner@corner.example.org", **fields
    )
    request = confirmations.send_request(location, SITE, user)
    assert request is not None
    link = re.search(rf"{SITE}(/confirm/[^/\s]+/)", mail.outbox[-1].body)[1]
    return request, link


def test_the_email_goes_to_the_listing_contact_with_the_link_in_both_languages():
    staff = make_outreach_staff()
    request, link = send(user=staff)
    message = mail.outbox[-1]
    assert message.to == ["owner@corner.example.org"]
    assert message.subject == "Is the listing for Corner Pharmacy still accurate?"
    assert f"English: {SITE}{link}" in message.body
    assert f"Español: {SITE}/es{link}" in message.body
    assert "within 14 days" in message.body
    assert (request.email, request.sent_by, request.language) == (
        "owner@corner.example.org",
        staff,
        "en",
    )
    # Only a hash of the token is kept: the table holds no working link.
    assert link.split("/")[2] not in request.token_hash


def test_a_puerto_rico_listing_is_written_to_in_spanish():
    location = make_location(
        name="Farmacia Central", email="f@example.org", state="PR", city="San Juan",
        zip_code="00901", latitude=18.46, longitude=-66.11,
    )  # fmt: skip
    request, link = send(location)
    assert request.language == "es"
    message = mail.outbox[-1]
    assert message.subject == "¿Sigue siendo correcto el listado de Farmacia Central?"
    assert f"English: {SITE}{link}" in message.body


def test_the_page_shows_the_listing_as_the_public_sees_it(client):
    _request, link = send(phone="(212) 555-0100", hours=[(0, (9, 0), (17, 0))])
    response = client.get(link)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Is the listing for Corner Pharmacy still accurate?</h1>" in html
    assert "(212) 555-0100" in html and "Main St" in html
    assert "9:00 AM – 5:00 PM" in html  # the week's hours
    assert "Yes, it is still accurate" in html
    assert 'name="robots" content="noindex"' in html
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_spanish_page_is_in_spanish(client):
    _request, link = send()
    response = client.get("/es" + link)
    assert response.status_code == 200
    assert "Sí, sigue siendo correcto" in response.content.decode()


def test_still_accurate_marks_it_verified_today_by_its_owner_and_uses_the_link(client):
    location = make_location(
        name="Corner Pharmacy", email="owner@corner.example.org",
        last_verified_on=date(2020, 1, 1), verification_method="phone",
        verified_by=make_outreach_staff(),
    )  # fmt: skip
    request, link = send(location)
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/confirm/thanks/?answer=confirmed"
    location.refresh_from_db()
    assert location.last_verified_on == timezone.localdate()
    assert location.verification_method == Location.VerificationMethod.OWNER
    assert location.verified_by is None
    request.refresh_from_db()
    assert request.answer == ConfirmationRequest.Answer.CONFIRMED and request.used_at
    thanks = client.get(response["Location"])
    assert "confirmed today by the people who run the place" in thanks.content.decode()


def test_the_history_records_the_request_and_the_answer(client):
    staff = make_outreach_staff()
    request, link = send(user=staff)
    client.post(link)
    records = list(request.location.history.order_by("history_date", "history_id"))
    reasons = [record.history_change_reason for record in records]
    assert reasons[-2:] == [
        "Confirmation request sent to owner@corner.example.org",
        "Confirmed as still accurate by its contact (owner@corner.example.org)",
    ]
    assert records[-2].history_user == staff
    assert records[-1].history_user is None
    assert records[-1].verification_method == "owner"


def test_a_used_link_gets_a_friendly_410_and_changes_nothing_more(client):
    request, link = send()
    client.post(link)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 410
        assert "This link has already been used" in response.content.decode()
    assert (
        request.location.history.filter(history_change_reason__startswith="Confirmed").count() == 1
    )


def test_an_expired_link_gets_a_friendly_410(client, monkeypatch):
    location = make_location(email="owner@example.org")
    # A token signed 15 days ago: the signature's own clock says it has expired.
    fifteen_days_ago = timezone.now().timestamp() - 15 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: fifteen_days_ago)
    _request, link = send(location)
    monkeypatch.undo()
    response = client.post(link)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    location.refresh_from_db()
    assert location.verification_method != Location.VerificationMethod.OWNER


def test_a_request_row_older_than_14_days_has_expired_too(client):
    request, link = send()
    ConfirmationRequest.objects.filter(pk=request.pk).update(
        sent_at=timezone.now() - timedelta(days=15)
    )
    assert client.get(link).status_code == 410


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps({"n": "made-up"}, salt=confirmations.SALT),  # signed, never sent
        signing.dumps({"n": "x"}, salt="another purpose"),
        signing.dumps(["n"], salt=confirmations.SALT),
    ],
)
def test_a_tampered_or_unknown_link_gets_a_friendly_404(client, token):
    send()
    response = client.get(f"/confirm/{token}/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert client.post(f"/es/confirm/{token}/").status_code == 404


def test_an_altered_signature_is_refused(client):
    _request, link = send()
    token = link.split("/")[2]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/confirm/{altered}/").status_code == 404
    assert not Location.objects.filter(verification_method="owner").exists()


def test_the_links_are_rate_limited_per_address(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "2/h"
    for _n in range(2):
        assert client.get("/confirm/not-a-token/").status_code == 404
    response = client.get("/confirm/not-a-token/")
    assert response.status_code == 429
    assert response["Retry-After"]
    # Even a good link waits: the address has used up its answers.
    _request, link = send()
    assert client.post(link).status_code == 429
    assert not Location.objects.filter(verification_method="owner").exists()


def test_proposing_changes_makes_a_suggestion_linked_to_the_listing(client, settings):
    settings.STAFF_NOTIFY_EMAILS = ["team@example.org"]
    request, link = send(phone="(212) 555-0100")
    form = client.get(link + "changes/")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="Corner Pharmacy"' in html  # the form starts from the listing
    assert 'value="(212) 555-0100"' in html
    data = {
        "name": "Corner Pharmacy",
        "kind": "pharmacy",
        "street_address": "2 Main St",
        "address_line2": "",
        "city": "New York",
        "state": "NY",
        "zip_code": "10001",
        "phone": "(212) 555-0101",
        "website": "",
        "offerings": ["free_naloxone"],
        "notes": "We moved next door.",
        "contact_email": "",
        "homepage": "",
    }
    response = client.post(link + "changes/", data)
    assert response.status_code == 302
    assert response["Location"] == "/confirm/thanks/?answer=changes"
    suggestion = Suggestion.objects.get()
    assert suggestion.location == request.location
    assert suggestion.street_address == "2 Main St" and suggestion.notes == "We moved next door."
    assert suggestion.contact_email == "owner@corner.example.org"
    assert suggestion.status == Suggestion.Status.NEW
    request.refresh_from_db()
    assert request.answer == "changes" and request.suggestion == suggestion
    # The listing is not changed until staff act; staff are told of the suggestion.
    location = Location.objects.get(pk=request.location_id)
    assert location.phone == "+12125550100"
    assert mail.outbox[-1].to == ["team@example.org"]
    assert location.history.filter(
        history_change_reason__startswith="Changes proposed by its contact"
    ).exists()
    # The link is used up; accepting the suggestion makes no second listing.
    assert client.get(link + "changes/").status_code == 410
    accept_suggestion(suggestion, make_outreach_staff())
    assert Location.objects.count() == 1


def test_proposed_changes_with_errors_are_shown_again_with_a_400(client):
    request, link = send()
    response = client.post(link + "changes/", {"name": "", "homepage": ""})
    assert response.status_code == 400
    assert "Please correct the following" in response.content.decode()
    request.refresh_from_db()
    assert request.used_at is None
    assert not Suggestion.objects.exists()


def test_due_listings_are_old_or_never_verified_with_an_email_and_not_asked_lately(settings):
    settings.VERIFY_AFTER_DAYS = 90
    today = timezone.localdate()
    old = make_location(email="a@example.org", last_verified_on=today - timedelta(days=91))
    never = make_location(email="b@example.org")
    make_location(email="c@example.org", last_verified_on=today - timedelta(days=10))
    make_location(last_verified_on=today - timedelta(days=200))  # no email
    make_location(email="d@example.org", status=Location.Status.CLOSED)
    asked = make_location(email="e@example.org")
    send(asked)
    assert set(confirmations.due_for_request()) == {old, never}
