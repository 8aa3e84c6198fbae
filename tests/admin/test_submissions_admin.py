"""Staff moderate suggestions and problem reports in the admin."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from locations.models import Location, ProblemReport, Suggestion
from tests.factories import make_location, make_report, make_suggestion, make_zipcodes

pytestmark = pytest.mark.django_db


def act(client, model: str, action: str, *objects):
    return client.post(
        reverse(f"admin:locations_{model}_changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


def test_the_suggestion_queue_lists_newest_first_and_filters_by_status(client, staff):
    old = make_suggestion(name="Old Place")
    Suggestion.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    make_suggestion(name="New Place")
    make_suggestion(name="Turned Down", status=Suggestion.Status.REJECTED)

    url = reverse("admin:locations_suggestion_changelist")
    html = client.get(url).content.decode()
    assert html.index("New Place") < html.index("Old Place")

    filtered = client.get(url, {"status__exact": "new"}).content.decode()
    assert "New Place" in filtered and "Old Place" in filtered
    assert "Turned Down" not in filtered


def test_accepting_a_suggestion_makes_a_draft_listing_from_it(client, staff):
    make_zipcodes("10001")
    suggestion = make_suggestion()

    response = act(client, "suggestion", "accept", suggestion)

    assert response.status_code == 200
    assert "1 draft listing made" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ACCEPTED
    assert suggestion.moderated_by == staff
    assert timezone.now() - suggestion.moderated_at < timedelta(minutes=1)
    location = suggestion.location
    assert location.status == Location.Status.DRAFT
    assert (location.name, location.kind, location.street_address) == (
        "Eastside Harm Reduction",
        Location.Kind.HARM_REDUCTION,
        "100 E 14th St",
    )
    assert (location.city, location.state, location.zip_code) == ("New York", "NY", "10001")
    assert location.phone == "+12125550199"
    assert location.website == "https://eastside.example.org"
    assert location.free_naloxone and location.training and not location.nasal_spray
    # Placed at the centre of its ZIP code until staff set the address.
    assert (location.latitude, location.longitude) == (40.7484, -73.9967)
    assert location.location_precision == Location.Precision.ZIP_CENTROID
    assert location.timezone == "America/New_York"
    assert "Ask at the front desk." in location.internal_notes
    assert location.source == "suggestion"
    # The draft is not public.
    assert client.get(location.get_absolute_url()).status_code == 404


def test_the_suggestion_links_to_its_draft_listing(client, staff):
    make_zipcodes("10001")
    suggestion = make_suggestion()
    act(client, "suggestion", "accept", suggestion)
    suggestion.refresh_from_db()

    change = client.get(reverse("admin:locations_suggestion_change", args=[suggestion.pk]))
    listing_url = reverse("admin:locations_location_change", args=[suggestion.location.pk])
    assert f'href="{listing_url}"' in change.content.decode()
    changelist = client.get(reverse("admin:locations_suggestion_changelist"))
    assert f'href="{listing_url}"' in changelist.content.decode()


def test_accepting_twice_makes_one_listing(client, staff):
    suggestion = make_suggestion(zip_code="99999")  # not in the ZIP table: no position yet

    act(client, "suggestion", "accept", suggestion)
    act(client, "suggestion", "accept", suggestion)

    assert Location.objects.count() == 1
    assert Location.objects.get().latitude is None


def test_rejecting_records_who_and_when_and_makes_nothing(client, staff):
    suggestion = make_suggestion()

    response = act(client, "suggestion", "reject", suggestion)

    assert "1 submission rejected." in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED
    assert suggestion.moderated_by == staff
    assert suggestion.moderated_at is not None
    assert Location.objects.count() == 0


def test_accepting_from_the_change_form_makes_the_draft_too(client, staff):
    make_zipcodes("10001")
    suggestion = make_suggestion()
    url = reverse("admin:locations_suggestion_change", args=[suggestion.pk])

    response = client.post(
        url,
        {
            "name": "Eastside Harm Reduction Center",
            "kind": "harm_reduction",
            "street_address": "100 E 14th St",
            "address_line2": "",
            "city": "New York",
            "state": "NY",
            "zip_code": "10001",
            "phone": "+12125550199",
            "website": "https://eastside.example.org",
            "offerings": "free_naloxone",
            "notes": "",
            "contact_email": "",
            "status": "accepted",
            "staff_note": "Called them.",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ACCEPTED
    assert suggestion.moderated_by == staff
    assert suggestion.location.name == "Eastside Harm Reduction Center"
    assert suggestion.staff_note == "Called them."


def suggestion_form_data(suggestion: Suggestion, **fields) -> dict:
    data = {
        "name": suggestion.name,
        "kind": suggestion.kind,
        "street_address": suggestion.street_address,
        "address_line2": "",
        "city": suggestion.city,
        "state": suggestion.state,
        "zip_code": suggestion.zip_code,
        "phone": suggestion.phone,
        "website": suggestion.website,
        "offerings": suggestion.offerings,
        "notes": suggestion.notes,
        "contact_email": suggestion.contact_email,
        "status": suggestion.status,
        "staff_note": "",
    }
    data.update(fields)
    return data


@pytest.fixture
def moderator(client, staff):
    """May moderate suggestions but not add listings."""
    staff.groups.clear()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_suggestion", "change_suggestion"])
    )
    return staff


def test_accepting_needs_permission_to_add_listings(client, moderator):
    suggestion = make_suggestion()

    response = act(client, "suggestion", "accept", suggestion)

    assert "You may not add listings" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.NEW
    assert not Location.objects.exists()


def test_a_refused_accept_on_the_form_leaves_the_status_as_it_was(client, moderator):
    suggestion = make_suggestion(status=Suggestion.Status.REJECTED)
    url = reverse("admin:locations_suggestion_change", args=[suggestion.pk])

    response = client.post(
        url, suggestion_form_data(suggestion, status="accepted", staff_note="Checked."), follow=True
    )

    assert "You may not add listings" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED
    assert suggestion.staff_note == "Checked."
    assert suggestion.location is None
    assert not Location.objects.exists()


def test_staff_cannot_add_or_delete_submissions(client, staff):
    suggestion = make_suggestion()

    assert client.get(reverse("admin:locations_suggestion_add")).status_code == 403
    assert client.get(reverse("admin:locations_problemreport_add")).status_code == 403
    delete = reverse("admin:locations_suggestion_delete", args=[suggestion.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Suggestion.objects.count() == 1


def test_the_public_cannot_see_the_queues(client):
    response = client.get(reverse("admin:locations_suggestion_changelist"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_report_queue_accepts_and_rejects(client, staff):
    place = make_location(name="Corner Pharmacy")
    first, second = make_report(place), make_report(place, problem="closed")

    html = client.get(reverse("admin:locations_problemreport_changelist")).content.decode()
    assert "Corner Pharmacy" in html and "The place has closed" in html
    assert html.index("The place has closed") < html.index("The phone number is wrong")

    assert "1 report accepted." in act(client, "problemreport", "accept", first).content.decode()
    act(client, "problemreport", "reject", second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.moderated_by) == (ProblemReport.Status.ACCEPTED, staff)
    assert (second.status, second.moderated_by) == (ProblemReport.Status.REJECTED, staff)
    new_only = client.get(
        reverse("admin:locations_problemreport_changelist"), {"status__exact": "new"}
    )
    assert "Corner Pharmacy" not in new_only.content.decode().split('id="result_list"')[-1]


def test_the_report_shows_its_submitter_email_to_staff(client, staff):
    report = make_report(make_location(), contact_email="visitor@example.net")

    html = client.get(
        reverse("admin:locations_problemreport_change", args=[report.pk])
    ).content.decode()

    assert "visitor@example.net" in html


def test_reports_show_on_their_locations_admin_page(client, staff):
    place = make_location(name="Corner Pharmacy")
    other = make_location(name="Elsewhere")
    report = make_report(place, details="The number rings a fax machine")
    make_report(other, details="Unrelated complaint")

    html = client.get(reverse("admin:locations_location_change", args=[place.pk])).content.decode()

    assert "problem reports from the public" in html.lower()
    assert "The number rings a fax machine" in html
    assert "Unrelated complaint" not in html
    report_url = reverse("admin:locations_problemreport_change", args=[report.pk])
    assert f'href="{report_url}"' in html
    # Read-only: no inputs for the reports.
    assert 'name="reports-0-details"' not in html


def test_saving_a_location_with_reports_keeps_them(client, staff):
    """The reports are shown, not posted back: a form without them saves and keeps them."""
    place = make_location(name="Corner Pharmacy", phone="(212) 555-0100")
    make_report(place)
    url = reverse("admin:locations_location_change", args=[place.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | bool)
    }
    data.update(
        {
            "name": "Corner Pharmacy Renamed",
            "phone": "(212) 555-0100",
            "verified_by": "",
            "last_verified_on": "",
            "languages": "",
            "states_served": "",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProblemReport.objects.filter(location=place).count() == 1
    place.refresh_from_db()
    assert place.name == "Corner Pharmacy Renamed"


def test_the_add_page_has_no_reports_table(client, staff):
    html = client.get(reverse("admin:locations_location_add")).content.decode()

    assert 'id="reports-group"' not in html


def test_an_accepted_suggestion_is_placed_by_the_geocoder(client, staff, fake_census):
    make_zipcodes("10001")
    fake_census.add("100 E 14th St", "New York", "NY", "10001", 40.7335, -73.9882)
    suggestion = make_suggestion()

    act(client, "suggestion", "accept", suggestion)

    location = Suggestion.objects.get(pk=suggestion.pk).location
    assert (location.latitude, location.longitude) == (40.7335, -73.9882)
    assert location.location_precision == Location.Precision.ADDRESS
    assert len(fake_census.requests) == 1
