"""The admin's location form: dialable phones, hours as people write them, the order of
its fields."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from locations.models import Location, OpeningHours
from tests.admin_helpers import add_form_data, change_form_data
from tests.factories import make_location, make_zipcodes

pytestmark = pytest.mark.django_db


def change(client, location, **fields):
    return client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, **fields),
    )


@pytest.mark.parametrize("phone", ["555-1234", "000-000-0000"])
def test_it_refuses_a_phone_that_cannot_be_dialled(client, staff, phone):
    location = make_location(phone="+12125550100")

    response = change(client, location, phone=phone)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"] == [
        f"{phone} is not a phone number that can be dialled in the US. Use 10 digits with "
        "the area code, like (212) 555-0100 or (212) 555-0100 ext. 5."
    ]
    location.refresh_from_db()
    assert location.phone == "+12125550100"


def test_it_keeps_and_shows_the_extension(client, staff):
    location = make_location()

    response = change(client, location, phone="(212) 555-0100 ext 5")

    assert response.status_code == 302, response.context["adminform"].form.errors
    location.refresh_from_db()
    assert location.phone == "+12125550100;ext=5"
    page = client.get(reverse("admin:locations_location_change", args=[location.pk])).text
    assert 'value="(212) 555-0100 ext. 5"' in page
    location.status = Location.Status.PUBLISHED
    location.save()
    public = client.get(location.get_absolute_url()).text
    assert 'href="tel:+1-212-555-0100;ext=5"' in public
    assert "(212) 555-0100 ext. 5" in public


def hours_of(location) -> list[str]:
    return [str(period) for period in location.hours.all()]


def test_staff_type_the_hours_as_people_write_them(client, staff):
    location = make_location()

    response = change(client, location, opening_hours="Mon-Fri 9am-5pm; Sat 10am-2pm")

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert hours_of(location) == [
        *(f"{day} 09:00-17:00" for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
        "Saturday 10:00-14:00",
    ]
    # The form shows them back in the import's form, with the parsed week beside them.
    page = client.get(reverse("admin:locations_location_change", args=[location.pk])).text
    assert "Mon-Fri 09:00-17:00; Sat 10:00-14:00</textarea>" in page
    assert '<th scope="row">Saturday</th>\n          <td>10:00 AM – 2:00 PM</td>' in page
    assert '<th scope="row">Sunday</th>\n          <td>Closed</td>' in page


def test_a_new_listing_gets_its_hours_and_24_7_reads_as_every_day(client, staff):
    make_zipcodes("10001")

    response = client.post(
        reverse("admin:locations_location_add"), add_form_data(opening_hours="24/7")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    location = Location.objects.get(name="Corner Pharmacy")
    assert len(hours_of(location)) == 7
    assert {(p.opens.hour, p.closes.hour) for p in location.hours.all()} == {(0, 0)}


@pytest.mark.parametrize(
    "text, message",
    [
        ("Mon 9am-5pm; Mon 12pm-8pm", "Mon has overlapping hours: 09:00-17:00 and 12:00-20:00"),
        ("Mnday 9am-5pm", 'unknown day "Mnday" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)'),
        ("Mon-Fri 9-5", "ambiguous"),
    ],
)
def test_it_refuses_hours_with_the_import_parsers_message(client, staff, text, message):
    location = make_location(hours=[(0, (8, 0), (12, 0))])

    response = change(client, location, opening_hours=text, name="Renamed")

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["opening_hours"]
    assert message in error
    assert escape(message) in response.text  # beside the field and in the preview
    location.refresh_from_db()
    assert location.name != "Renamed"
    assert hours_of(location) == ["Monday 08:00-12:00"]


def test_blank_hours_clear_them(client, staff):
    location = make_location(hours=[(0, (8, 0), (12, 0))])

    response = change(client, location, opening_hours="")

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert hours_of(location) == []


def test_changed_hours_are_recorded_in_the_history_page(client, staff):
    location = make_location(hours=[(0, (8, 0), (12, 0))])
    OpeningHours.history.all().delete()

    change(client, location, opening_hours="Tue 9am-5pm")

    records = OpeningHours.history.filter(location_id=location.pk).order_by("history_id")
    assert [(r.history_type, str(r.instance), r.history_user) for r in records] == [
        ("-", "Monday 08:00-12:00", staff),
        ("+", "Tuesday 09:00-17:00", staff),
    ]
    page = client.get(reverse("admin:locations_location_history", args=[location.pk])).text
    assert "Opening hours changes" in page
    assert "Monday 08:00–12:00" in page and "Tuesday 09:00–17:00" in page


def test_unchanged_hours_write_nothing(client, staff):
    location = make_location(hours=[(0, (8, 0), (12, 0))])
    before = list(OpeningHours.objects.values_list("pk", flat=True))
    history = OpeningHours.history.count()

    response = change(client, location, opening_hours="Monday 8am-noon")

    assert response.status_code == 302
    assert list(OpeningHours.objects.values_list("pk", flat=True)) == before
    assert OpeningHours.history.count() == history


def test_the_form_has_no_time_widgets_and_puts_hours_before_the_offerings(client, staff):
    location = make_location()

    page = client.get(reverse("admin:locations_location_change", args=[location.pk])).text

    assert "vTimeField" not in page and "hours-TOTAL_FORMS" not in page
    order = [page.index(f'name="{name}"') for name in [
        "name", "kind", "status", "street_address", "phone", "opening_hours", "latitude",
        "free_naloxone", "description", "last_verified_on", "internal_notes",
    ]]  # fmt: skip
    assert order == sorted(order)


def test_the_preview_reads_hours_as_staff_type(client, staff):
    url = reverse("admin:locations_location_hours_preview")

    good = client.get(url, {"hours": "Fri 10pm-2am", "timezone": "America/Chicago"}).json()
    bad = client.get(url, {"hours": "Mon 25:00-26:00"}).json()

    assert good["error"] == ""
    assert "10:00 PM – 2:00 AM (next day)" in good["html"]
    assert "America/Chicago" in good["html"]
    assert bad["error"].startswith('bad time "25:00"')
    assert escape(bad["error"]) in bad["html"]


def test_the_preview_is_for_staff_only(client):
    response = client.get(reverse("admin:locations_location_hours_preview"), {"hours": "24/7"})

    assert response.status_code == 302
    assert "/login/" in response["Location"]
