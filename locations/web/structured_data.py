"""schema.org data for a place's page, so search engines can show it as a place."""

from datetime import time

from ..domain.phones import EXTENSION_SEPARATOR
from ..models import Location

# schema.org types by kind; kinds not named here are an Organization.
SCHEMA_TYPES = {
    Location.Kind.PHARMACY: "Pharmacy",
    Location.Kind.LAW_ENFORCEMENT: "PoliceStation",
    Location.Kind.HOSPITAL: "Hospital",
    Location.Kind.CLINIC: "MedicalOrganization",
    Location.Kind.HEALTH_DEPARTMENT: "MedicalOrganization",
}
# Coordinates and opening hours are properties of a schema.org Place: the types that are
# not places carry them on a nested Place (their `location`).
SCHEMA_PLACE_TYPES = {"Pharmacy", "PoliceStation", "Hospital"}
SCHEMA_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def structured_data(location: Location, permalink: str) -> dict:
    """schema.org JSON-LD about a place for search engines, from public fields only."""
    schema_type = SCHEMA_TYPES.get(location.kind, "Organization")
    street = ", ".join(part for part in [location.street_address, location.address_line2] if part)
    address = {
        "@type": "PostalAddress",
        **({"streetAddress": street} if street else {}),
        "addressLocality": location.city,
        "addressRegion": location.state,
        "postalCode": location.zip_code,
        "addressCountry": "US",
    }
    place = {}
    if location.latitude is not None and location.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": location.latitude,
            "longitude": location.longitude,
        }
    hours = []
    for weekday, opens, closes in location.opening_periods():
        all_day = opens == closes == time(0)  # 00:00-00:00; schema.org writes 00:00-23:59
        hours.append(
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[weekday]}",
                "opens": f"{opens:%H:%M}",
                "closes": "23:59" if all_day else f"{closes:%H:%M}",
            }
        )
    if hours:
        place["openingHoursSpecification"] = hours
    data = {
        "@context": "https://schema.org",
        "@type": schema_type,
        "name": location.name,
        "url": permalink,
        "address": address,
    }
    if location.phone:
        # E.164, with an extension as people read it: +12125550100 ext. 5.
        data["telephone"] = location.phone.replace(EXTENSION_SEPARATOR, " ext. ")
    if location.description:
        data["description"] = location.description
    if schema_type in SCHEMA_PLACE_TYPES:
        data.update(place)
    elif place:
        data["location"] = {"@type": "Place", "address": address, **place}
    return data
