"""A maps link to a place, for its page and the result cards alike."""

from urllib.parse import quote_plus

from ..models import Location


def directions_url(location: Location) -> str:
    """A maps link that phones open in their own maps app; "" for a program that mails
    naloxone or a place with neither a street address nor a position. Reads only the
    columns public lists load (Location.LISTING_FIELDS), so a card costs no query."""
    if location.kind == Location.Kind.MAIL_BASED:
        return ""
    if location.street_address and not location.is_approximate:
        destination = ", ".join(
            [location.street_address, location.city, f"{location.state} {location.zip_code}"]
        )
    elif location.latitude is not None:
        destination = f"{location.latitude},{location.longitude}"
    else:
        return ""
    # As urlencode({"api": 1, "destination": destination}) writes it, in one quoting.
    return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(destination)
