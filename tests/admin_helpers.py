"""What the admin's Location forms post, and running its bulk actions."""

from django.urls import reverse

from locations.domain.hours import format_hours
from locations.models import Location

CHANGELIST = "admin:locations_location_changelist"


def add_form_data(**fields) -> dict:
    """What the admin's add form posts for a location, open Mondays 9 to 5."""
    data = {
        "name": "Corner Pharmacy",
        "kind": "pharmacy",
        "status": "published",
        "description": "",
        "street_address": "1 Main St",
        "address_line2": "",
        "city": "New York",
        "state": "NY",
        "zip_code": "10001",
        "latitude": "40.75",
        "longitude": "-73.99",
        "location_precision": "address",
        "timezone": "",
        "phone": "(212) 555-0100",
        "website": "",
        "email": "",
        "languages": "English,Spanish",
        "states_served": "",
        "last_verified_on": "",
        "verification_method": "",
        "internal_notes": "",
        "free_naloxone": "on",
        "opening_hours": "Mon 9am-5pm",
    }
    data.update(fields)
    return data


def change_form_data(location: Location, **fields) -> dict:
    data = add_form_data(
        name=location.name,
        kind=location.kind,
        status=location.status,
        street_address=location.street_address,
        city=location.city,
        state=location.state,
        zip_code=location.zip_code,
        latitude=str(location.latitude),
        longitude=str(location.longitude),
        timezone=location.timezone,
        phone="",
        # The hours it has, as the form shows them: posting them back changes nothing.
        opening_hours=format_hours(location.hours.all()),
    )
    data.update(fields)
    return data


def post_action(client, action: str, locations: list[Location]):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [loc.pk for loc in locations], "index": "0"},
        follow=True,
    )
