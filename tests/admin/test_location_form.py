"""The admin's location form: dialable phones, hours as people write them, the order of
its fields."""

import pytest
from django.urls import reverse

from locations.models import Location
from tests.admin_helpers import change_form_data
from tests.factories import make_location

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
