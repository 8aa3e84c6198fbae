"""What the admin's Location forms post, and running its bulk actions."""

from django.urls import reverse

from locations.models import Location

CHANGELIST = "admin:locations_location_changelist"


def add_form_data(**fields) -> dict:
    """What the admin's add form posts for a location, with one row of opening hours."""
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
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
        "hours-0-weekday": "0",
        "hours-0-opens": "09:00",
        "hours-0-closes": "17:00",
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
        **{"hours-TOTAL_FORMS": "0"},
    )
    data.update(fields)
    return data


def post_action(client, action: str, locations: list[Location]):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [loc.pk for loc in locations], "index": "0"},
        follow=True,
    )
