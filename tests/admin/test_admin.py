from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from locations.models import Location, OpeningHours, PossibleDuplicate, ZipCode
from tests.admin_helpers import CHANGELIST, add_form_data, change_form_data, post_action
from tests.factories import make_location, make_user, make_zipcodes

pytestmark = pytest.mark.django_db


def changelist_names(response) -> set[str]:
    return {location.name for location in response.context["cl"].result_list}


def test_it_lets_outreach_staff_open_the_changelist(client, staff):
    make_location(name="Corner Pharmacy", phone="+12125550100")

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert changelist_names(response) == {"Corner Pharmacy"}
    assert "(212) 555-0100" in response.text


def test_it_lets_outreach_staff_add_a_location_with_hours(client, staff):
    make_zipcodes("10001")
    assert client.get(reverse("admin:locations_location_add")).status_code == 200

    response = client.post(reverse("admin:locations_location_add"), add_form_data())

    assert response.status_code == 302, response.context["adminform"].form.errors
    location = Location.objects.get(name="Corner Pharmacy")
    assert location.phone == "+12125550100"
    assert location.languages == ["English", "Spanish"]
    assert location.free_naloxone and not location.sells_otc
    assert location.timezone == "America/New_York"
    assert location.slug == "corner-pharmacy-new-york-ny"
    assert [str(h) for h in location.hours.all()] == ["Monday 09:00-17:00"]


def test_it_fills_blank_coordinates_from_the_zip_code(client, staff):
    make_zipcodes("10001")

    response = client.post(
        reverse("admin:locations_location_add"),
        add_form_data(latitude="", longitude="", location_precision="manual"),
    )

    assert response.status_code == 302
    location = Location.objects.get(name="Corner Pharmacy")
    assert (location.latitude, location.longitude) == (40.7484, -73.9967)
    assert location.location_precision == Location.Precision.ZIP_CENTROID


def test_it_asks_for_coordinates_when_the_zip_is_unknown(client, staff):
    response = client.post(
        reverse("admin:locations_location_add"),
        add_form_data(latitude="", longitude="", zip_code="99999"),
    )

    assert response.status_code == 200
    assert "zip_code" in response.context["adminform"].form.errors
    assert not Location.objects.exists()


def test_it_lets_outreach_staff_change_a_location(client, staff):
    location = make_location(name="Old Name")
    slug = location.slug

    response = client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, name="New Name", phone="212-555-0199"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    location.refresh_from_db()
    assert location.name == "New Name"
    assert location.phone == "+12125550199"
    assert location.slug == slug  # renaming never moves the public page


def test_it_shows_the_phone_formatted_and_links_the_public_page(client, staff):
    location = make_location(phone="+12125550100")

    response = client.get(reverse("admin:locations_location_change", args=[location.pk]))

    assert response.status_code == 200
    assert 'value="(212) 555-0100"' in response.text
    assert f'href="/locations/{location.slug}/"' in response.text


def test_it_records_who_verified_when_the_date_is_changed(client, staff):
    location = make_location()
    today = timezone.localdate()

    client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, last_verified_on=today.isoformat(), verification_method="visit"),
    )

    location.refresh_from_db()
    assert location.last_verified_on == today
    assert location.verified_by == staff


def test_it_forgets_the_verifier_when_the_date_is_cleared(client, staff):
    other = make_user("earlier", is_staff=True)
    location = make_location(
        last_verified_on=timezone.localdate(), verification_method="phone", verified_by=other
    )

    client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, last_verified_on="", verification_method=""),
    )

    location.refresh_from_db()
    assert (location.last_verified_on, location.verified_by) == (None, None)


def test_it_records_who_changed_how_a_listing_was_verified(client, staff):
    other = make_user("earlier", is_staff=True)
    day = timezone.localdate()
    location = make_location(last_verified_on=day, verification_method="phone", verified_by=other)

    client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, last_verified_on=day.isoformat(), verification_method="visit"),
    )

    location.refresh_from_db()
    assert (location.verification_method, location.verified_by) == ("visit", staff)


def test_it_refuses_delete_to_outreach_staff(client, staff):
    location = make_location()

    response = client.post(
        reverse("admin:locations_location_delete", args=[location.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Location.objects.filter(pk=location.pk).exists()


def test_it_does_not_offer_bulk_delete_to_outreach_staff(client, staff):
    make_location()

    response = client.get(reverse(CHANGELIST))

    actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {
        "mark_verified_phone",
        "mark_verified_visit",
        "mark_verified_partner",
        "publish",
        "unpublish",
    } <= set(actions)


def test_it_keeps_outreach_staff_out_of_user_management(client, staff):
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403

    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "sneaky", "password1": "x8#kLm2!pQ", "password2": "x8#kLm2!pQ"},
    )

    assert response.status_code == 403
    assert not User.objects.filter(username="sneaky").exists()


def test_it_gives_outreach_staff_no_delete_or_user_permissions():
    group = Group.objects.get(name="Outreach staff")

    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert {
        ("locations", "view_location"),
        ("locations", "add_location"),
        ("locations", "change_location"),
        ("locations", "view_openinghours"),
        ("locations", "add_openinghours"),
        ("locations", "change_openinghours"),
        ("locations", "view_zipcode"),
        ("locations", "view_suggestion"),
        ("locations", "change_suggestion"),
        ("locations", "view_problemreport"),
        ("locations", "change_problemreport"),
        ("locations", "view_verificationqueue"),
        ("locations", "view_possibleduplicate"),
        ("locations", "change_possibleduplicate"),
    } <= granted
    assert {app for app, _codename in granted} == {"locations"}
    # Removing an opening-hours period is part of editing a listing's hours.
    deletes = [codename for _app, codename in granted if codename.startswith("delete_")]
    assert deletes == ["delete_openinghours"]


def test_it_refuses_staff_outside_the_group(client):
    user = make_user("newcomer", is_staff=True)
    client.force_login(user)

    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_it_lets_a_superuser_delete(client, superuser):
    location = make_location(hours=[(0, (9,), (17,))])

    response = client.post(
        reverse("admin:locations_location_delete", args=[location.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Location.objects.filter(pk=location.pk).exists()
    assert not OpeningHours.objects.exists()


def test_it_shows_the_zip_table_read_only(client, staff):
    make_zipcodes()

    response = client.get(reverse("admin:locations_zipcode_changelist"), {"q": "Chicago"})
    assert response.status_code == 200
    assert {z.code for z in response.context["cl"].result_list} == {"60601", "60602"}

    response = client.get(reverse("admin:locations_zipcode_changelist"), {"q": "1000"})
    assert {z.code for z in response.context["cl"].result_list} == {"10001"}

    change_url = reverse("admin:locations_zipcode_change", args=["10001"])
    response = client.post(change_url, {"code": "10001", "city": "Gotham", "state": "NY"})
    assert response.status_code == 403
    assert ZipCode.objects.get(code="10001").city == "New York"
    assert client.get(reverse("admin:locations_zipcode_add")).status_code == 403


def test_it_marks_locations_verified_today(client, staff):
    old = timezone.localdate() - timedelta(days=400)
    phoned = make_location(last_verified_on=old, verification_method="visit")
    never = make_location()
    untouched = make_location(last_verified_on=old)

    response = post_action(client, "mark_verified_phone", [phoned, never])

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 locations marked verified today."
    ]
    for location in (phoned, never, untouched):
        location.refresh_from_db()
    assert phoned.last_verified_on == never.last_verified_on == timezone.localdate()
    assert phoned.verified_by == never.verified_by == staff
    assert phoned.verification_method == never.verification_method == "phone"
    assert untouched.last_verified_on == old and untouched.verified_by is None


def test_it_publishes_and_unpublishes(client, staff):
    draft = make_location(status=Location.Status.DRAFT)
    closed = make_location(
        name="Harbor Clinic", status=Location.Status.CLOSED, latitude=40.70, longitude=-74.01
    )

    response = post_action(client, "publish", [draft, closed])

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 locations published."]
    assert set(Location.objects.values_list("status", flat=True)) == {"published"}

    response = post_action(client, "unpublish", [draft])

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 location unpublished (now a draft)."
    ]
    draft.refresh_from_db()
    closed.refresh_from_db()
    assert draft.status == Location.Status.DRAFT
    assert closed.status == Location.Status.PUBLISHED


def test_publishing_a_closed_listing_again_checks_it_for_duplicates(client, staff):
    closed = make_location(name="Main Street Pharmacy", status=Location.Status.CLOSED)
    twin = make_location(name="Main Street Pharmacy")
    assert not PossibleDuplicate.objects.exists()  # a closed listing is never flagged

    response = post_action(client, "publish", [closed])

    pair = PossibleDuplicate.objects.get()
    assert {pair.location_id, pair.other_id} == {closed.pk, twin.pk}
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    # A likely duplicate of a published listing: held as a draft until staff decide.
    assert messages[0] == "0 locations published."
    assert "Review possible duplicates" in messages[1]
    assert messages[2].startswith("1 listing was kept as a draft, not published")
    closed.refresh_from_db()
    assert closed.status == Location.Status.DRAFT


@pytest.mark.parametrize(
    "bucket, expected",
    [
        ("recent", {"Today", "Day 90"}),
        ("aging", {"Day 91", "Day 180"}),
        ("stale", {"Day 181", "Last year"}),
        ("never", {"Never"}),
        (None, {"Today", "Day 90", "Day 91", "Day 180", "Day 181", "Last year", "Never"}),
    ],
)
def test_it_filters_by_verification_age(client, staff, bucket, expected):
    today = timezone.localdate()
    for name, days in [
        ("Today", 0),
        ("Day 90", 90),
        ("Day 91", 91),
        ("Day 180", 180),
        ("Day 181", 181),
        ("Last year", 365),
    ]:
        make_location(name=name, last_verified_on=today - timedelta(days=days))
    make_location(name="Never")

    response = client.get(reverse(CHANGELIST), {"verified": bucket} if bucket else {})

    assert changelist_names(response) == expected


@pytest.fixture
def searchable():
    make_location(name="Corner Pharmacy", city="New York", zip_code="10001", phone="+12125550100")
    make_location(name="Lakeside Clinic", city="Chicago", zip_code="60601", phone="+13125550111")
    make_location(name="Harbor Outreach", city="Brooklyn", zip_code="11201", phone="")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("corner", {"Corner Pharmacy"}),
        ("chicago", {"Lakeside Clinic"}),
        ("11201", {"Harbor Outreach"}),
        ("(212) 555-0100", {"Corner Pharmacy"}),
        ("212-555-0100", {"Corner Pharmacy"}),
        ("212.555.0100", {"Corner Pharmacy"}),
        ("2125550100", {"Corner Pharmacy"}),
        ("+1 212 555 0100", {"Corner Pharmacy"}),
        ("1 (312) 555-0111", {"Lakeside Clinic"}),
        ("555-0111", {"Lakeside Clinic"}),
        ("555-0199", set()),
    ],
)
def test_it_searches_by_name_city_zip_and_phone(client, staff, searchable, query, expected):
    response = client.get(reverse(CHANGELIST), {"q": query})

    assert response.status_code == 200
    assert changelist_names(response) == expected


def count_changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    return len(queries)


def test_it_lists_locations_in_a_fixed_number_of_queries(client, staff):
    for n in range(3):
        make_location(name=f"Place {n}", hours=[(0, (9,), (17,))])
    with_3 = count_changelist_queries(client)
    for n in range(3, 30):
        make_location(name=f"Place {n}", hours=[(0, (9,), (17,))])
    with_30 = count_changelist_queries(client)

    # 1 session, 2 user, 3 the user's own permissions, 4 its groups' permissions,
    # 5 count of the rows matching the filters, 6 count of all rows ("of N total"),
    # 7 the page of rows. Nothing per row: no foreign key or hours among the columns.
    assert with_3 == with_30 == 7


def test_it_lets_outreach_staff_remove_an_opening_hours_period(client, staff):
    make_zipcodes("10001")
    location = make_location(hours=[(0, (9, 0), (17, 0)), (1, (9, 0), (17, 0))])

    response = client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, opening_hours="Mon 9am-5pm"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [str(h) for h in location.hours.all()] == ["Monday 09:00-17:00"]


def test_it_refuses_a_verification_date_in_the_future(client, staff):
    make_zipcodes("10001")
    location = make_location(phone="")
    next_year = timezone.localdate() + timedelta(days=365)

    response = client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, last_verified_on=next_year.isoformat()),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["last_verified_on"] == ["The verification date can't be in the future."]
    location.refresh_from_db()
    assert location.last_verified_on is None
