"""Addresses and names in one comparable form, to tell when two listings are one place."""

import difflib
import functools
import re

from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError

# Names this alike (difflib's ratio, 0 to 1) count as the same place's.
NAME_SIMILARITY = 0.8

ADDRESS_FIELDS = ["street_address", "address_line2", "city", "state", "zip_code"]


def address_parts(location) -> tuple[str, str, str, str, str]:
    return tuple(getattr(location, name) or "" for name in ADDRESS_FIELDS)


@functools.lru_cache(maxsize=8192)
def normalize_address(street: str, line2: str, city: str, state: str, zip_code: str) -> str:
    """One comparable form of an address: "123 N MAIN ST STE 4, NEW YORK, NY 10001".

    USPS abbreviations (Street -> ST, North -> N, Suite -> STE) come from
    usaddress-scourgify. An address it cannot parse ("Rear of the church") is kept in
    a plain uppercase form with its spacing collapsed; no street gives "".
    """
    if not street.strip():
        return ""
    record = {
        "address_line_1": street,
        "address_line_2": line2,
        "city": city,
        "state": state,
        "postal_code": zip_code,
    }
    try:
        parts = normalize_address_record(record)
    # The parser raises its own errors on unusual text, and occasionally Python's.
    except (AddressNormalizationError, ValueError, TypeError, KeyError, IndexError):
        parts = {
            "address_line_1": street,
            "address_line_2": line2,
            "city": city,
            "state": state,
            "postal_code": zip_code,
        }
    line = " ".join(p for p in (parts["address_line_1"], parts["address_line_2"]) if p)
    place = f"{parts['city'] or ''}, {parts['state'] or ''} {parts['postal_code'] or ''}"
    return _collapse(f"{line}, {place}").upper()


def _collapse(text: str) -> str:
    return " ".join(text.replace(",", " , ").split()).replace(" ,", ",")


def location_address(location) -> str:
    return normalize_address(*address_parts(location))


@functools.lru_cache(maxsize=8192)
def normalize_name(name: str) -> str:
    """ "The Main St. Pharmacy & Clinic" -> "main st pharmacy and clinic"."""
    name = name.casefold().replace("&", " and ")
    words = re.sub(r"[^\w\s]", " ", name).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def similar_names(first: str, second: str) -> bool:
    """Names of the same place: alike, or one inside the other ("CVS" and "CVS Pharmacy")."""
    a, b = normalize_name(first), normalize_name(second)
    if not a or not b:
        return False
    # Whole words only: "Ace Pharmacy" is not inside "Grace Church".
    wa, wb = f" {a} ", f" {b} "
    if a == b or (min(len(a), len(b)) >= 3 and (wa in wb or wb in wa)):
        return True
    matcher = difflib.SequenceMatcher(None, a, b)
    # The quick upper bounds rule most pairs out before the full comparison.
    return (
        matcher.real_quick_ratio() >= NAME_SIMILARITY
        and matcher.quick_ratio() >= NAME_SIMILARITY
        and matcher.ratio() >= NAME_SIMILARITY
    )
