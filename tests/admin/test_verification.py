"""Verification: the Needs verification filter, the queue, the Mark verified actions."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from locations.models import Location, VerificationQueue
from naloxone_finder.settings import positive_int
from tests.factories import make_location, make_user

pytestmark = pytest.mark.django_db

QUEUE = "admin:locations_verificationqueue_changelist"
CHANGELIST = "admin:locations_location_changelist"


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def listings():
    """Listings verified at various ages, and one never verified, in every status."""
    make_location(name="Fresh", last_verified_on=days_ago(10))
    make_location(name="Day 90", last_verified_on=days_ago(90))
    make_location(name="Day 91", last_verified_on=days_ago(91))
    make_location(name="Old draft", last_verified_on=days_ago(400), status="draft")
    make_location(name="Never", last_verified_on=None)
    make_location(name="Closed", last_verified_on=days_ago(500), status="closed")


def names(response) -> list[str]:
    return [location.name for location in response.context["cl"].result_list]


def test_the_needs_verification_filter_uses_verify_after_days(client, staff, listings):
    response = client.get(reverse(CHANGELIST), {"needs_verification": "yes"})

    assert set(names(response)) == {"Day 91", "Old draft", "Never", "Closed"}

    response = client.get(reverse(CHANGELIST), {"needs_verification": "no"})

    assert set(names(response)) == {"Fresh", "Day 90"}


def test_the_filters_follow_a_changed_setting(client, staff, listings, settings):
    settings.VERIFY_AFTER_DAYS = 5

    response = client.get(reverse(CHANGELIST), {"needs_verification": "no"})
    assert names(response) == []

    response = client.get(reverse(CHANGELIST), {"verified": "aging"})
    assert set(names(response)) == {"Fresh"}  # 5 to 10 days ago
    assert "Within 5 days" in response.content.decode()


def test_the_queue_lists_listings_due_oldest_first_never_verified_at_the_top(
    client, staff, listings
):
    response = client.get(reverse(QUEUE))

    assert response.status_code == 200
    assert names(response) == ["Never", "Old draft", "Day 91"]


def test_the_queue_is_in_the_admin_index(client, staff):
    response = client.get(reverse("admin:index"))

    assert "Verification queue" in response.content.decode()
    assert reverse(QUEUE) in response.content.decode()


def test_the_queue_links_each_listing_to_its_change_form(client, staff):
    location = make_location(name="Never")

    response = client.get(reverse(QUEUE))
    change_url = reverse("admin:locations_location_change", args=[location.pk])

    assert change_url in response.content.decode()
    redirect = client.get(reverse("admin:locations_verificationqueue_change", args=[location.pk]))
    assert redirect.status_code == 302 and redirect.url == change_url


def test_the_queue_shows_phones_the_way_staff_write_them(client, staff):
    make_location(name="Never", phone="+12125550100")

    content = client.get(reverse(QUEUE)).content.decode()

    assert "(212) 555-0100" in content
    assert "+12125550100" not in content


def test_the_queue_offers_no_add_or_delete(client, staff):
    location = make_location()

    assert client.get(reverse("admin:locations_verificationqueue_add")).status_code == 403
    response = client.post(
        reverse("admin:locations_verificationqueue_delete", args=[location.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Location.objects.filter(pk=location.pk).exists()


def test_the_queue_takes_a_fixed_number_of_queries(client, staff, django_assert_num_queries):
    for n in range(3):
        make_location(name=f"Place {n}")
    # 1 session, 2 user, 3 its permissions, 4 its groups' permissions, 5 count of the
    # rows due, 6 count of all rows in the queue, 7 the page of rows.
    with django_assert_num_queries(7):
        client.get(reverse(QUEUE))
    for n in range(3, 30):
        make_location(name=f"Place {n}")
    with django_assert_num_queries(7):
        response = client.get(reverse(QUEUE))
    assert len(names(response)) == 30


@pytest.mark.parametrize(
    "action, method, label",
    [
        ("mark_verified_phone", "phone", "Mark verified: phone call"),
        ("mark_verified_visit", "visit", "Mark verified: visit"),
        ("mark_verified_partner", "partner", "Mark verified: partner report"),
    ],
)
def test_marking_verified_from_the_queue_takes_it_off_the_queue(
    client, staff, listings, action, method, label
):
    due = list(VerificationQueue.objects.due())
    assert label in client.get(reverse(QUEUE)).content.decode()

    response = client.post(
        reverse(QUEUE),
        {"action": action, "_selected_action": [x.pk for x in due[:2]], "index": "0"},
        follow=True,
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 locations marked verified today."
    ]
    assert names(response) == ["Day 91"]
    for location in Location.objects.filter(pk__in=[x.pk for x in due[:2]]):
        assert location.last_verified_on == timezone.localdate()
        assert location.verification_method == method
        assert location.verified_by == staff
        assert location.history.latest().history_user == staff


def test_staff_without_change_permission_cannot_mark_verified(client, listings):
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name="Outreach staff").permissions.filter(codename__startswith="view_")
    )
    client.force_login(viewer)
    never = Location.objects.get(name="Never")

    response = client.post(
        reverse(QUEUE),
        {"action": "mark_verified_phone", "_selected_action": [never.pk], "index": "0"},
    )

    assert response.status_code in (200, 302)
    never.refresh_from_db()
    assert never.last_verified_on is None


@pytest.mark.parametrize("value", ["0", "-3", "ninety", "1.5", ""])
def test_verify_after_days_must_be_a_positive_whole_number(monkeypatch, value):
    monkeypatch.setenv("VERIFY_AFTER_DAYS", value)

    with pytest.raises(ImproperlyConfigured, match="VERIFY_AFTER_DAYS must be a whole number"):
        positive_int("VERIFY_AFTER_DAYS", 90)


def test_verify_after_days_comes_from_the_environment_or_defaults_to_90(monkeypatch):
    monkeypatch.setenv("VERIFY_AFTER_DAYS", " 30 ")
    assert positive_int("VERIFY_AFTER_DAYS", 90) == 30

    monkeypatch.delenv("VERIFY_AFTER_DAYS")
    assert positive_int("VERIFY_AFTER_DAYS", 90) == 90
