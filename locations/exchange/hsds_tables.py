"""The Open Referral HSDS 3.1 tables the HSDS export fills, and the ids and taxonomy
terms it writes, as data."""

import hashlib
import uuid
from datetime import time

HSDS_VERSION = "3.1"
# Namespace of the uuid5 ids: an id depends only on the slug (and what the row is), so
# re-exports keep every id.
HSDS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "naloxone-finder:hsds")


def hsds_id(*parts: str) -> str:
    """uuid5(HSDS_NAMESPACE, "part/part/..."), written out by hand: the same string
    str(uuid.uuid5(...)) gives, in a third of the time (an export makes a dozen a place)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + "/".join(parts).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_NAMESPACE_BYTES = HSDS_NAMESPACE.bytes


def _field(name, type="string", format=None, *, required=False, unique=False, enum=None):
    field = {"name": name, "type": type}
    if format:
        field["format"] = format
    constraints = {"required": required}
    if unique:
        constraints["unique"] = True
    if enum:
        constraints["enum"] = enum
    field["constraints"] = constraints
    return field


def _id():
    return _field("id", format="uuid", required=True, unique=True)


def _ref(name, required=False):
    return _field(name, format="uuid", required=required)


# The tables we fill, in the order of the spec's datapackage, each with every scalar
# field of its schema/<table>.json in HSDS 3.1 (the arrays are other tables). Types are
# the Frictionless ones (the spec's `datapackage_type` where it gives one); "required"
# is the spec's `required` plus its `tabular_required`, the links a CSV row must fill.
HSDS_TABLES = {
    "organization": {
        "path": "organizations.csv",
        "description": "The providers: one per place (the pharmacy, department or program).",
        "fields": [
            _id(),
            _field("name", required=True),
            _field("alternate_name"),
            _field("description", required=True),
            _field("email", format="email"),
            _field("website", format="uri"),
            _field("tax_status"),
            _field("tax_id"),
            _field("year_incorporated", "number"),
            _field("legal_status"),
            _field("logo"),
            _field("uri", format="uri"),
            _ref("parent_organization_id"),
        ],
        "links": {"parent_organization_id": "organization"},
    },
    "service": {
        "path": "services.csv",
        "description": 'One service "Naloxone" for each place.',
        "fields": [
            _id(),
            _ref("organization_id", required=True),
            _ref("program_id"),
            _field("name", required=True),
            _field("alternate_name"),
            _field("description"),
            _field("url", format="uri"),
            _field("email", format="email"),
            _field(
                "status",
                required=True,
                enum=["active", "inactive", "defunct", "temporarily closed"],
            ),
            _field("interpretation_services"),
            _field("application_process"),
            _field("fees_description"),
            _field("wait_time"),
            _field("fees"),
            _field("accreditations"),
            _field("eligibility_description"),
            _field("minimum_age", "number"),
            _field("maximum_age", "number"),
            _field("assured_date", "date"),
            _field("assurer_email", format="email"),
            _field("licenses"),
            _field("alert"),
            _field("last_modified", "datetime"),
        ],
        "links": {"organization_id": "organization"},
    },
    "attribute": {
        "path": "attributes.csv",
        "description": "Each place's kind (on its location) and offerings (on its service "
        "or, for wheelchair access, its location), as taxonomy terms.",
        "fields": [
            _id(),
            _field("link_id", format="uuid", required=True),
            _ref("taxonomy_term_id", required=True),
            _field("link_type"),
            _field("link_entity", required=True),
            _field("value"),
            _field("label"),
        ],
        # link_id points at the table link_entity names, which a foreign key cannot say.
        "links": {"taxonomy_term_id": "taxonomy_term"},
    },
    "service_at_location": {
        "path": "service_at_location.csv",
        "description": "Where each service is delivered.",
        "fields": [
            _id(),
            _ref("service_id", required=True),
            _ref("location_id", required=True),
            _field("description"),
        ],
        "links": {"service_id": "service", "location_id": "location"},
    },
    "location": {
        "path": "locations.csv",
        "description": "One per place: physical, or virtual for programs that mail naloxone.",
        "fields": [
            _id(),
            _field("location_type", required=True, enum=["physical", "postal", "virtual"]),
            _field("url", format="uri"),
            _ref("organization_id"),
            _field("name"),
            _field("alternate_name"),
            _field("description"),
            _field("transportation"),
            _field("latitude", "number"),
            _field("longitude", "number"),
            _field("external_identifier"),
            _field("external_identifier_type"),
        ],
        "links": {"organization_id": "organization"},
    },
    "phone": {
        "path": "phones.csv",
        "description": "Each place's phone number (E.164).",
        "fields": [
            _id(),
            _ref("location_id"),
            _ref("service_id"),
            _ref("organization_id"),
            _ref("contact_id"),
            _ref("service_at_location_id"),
            _field("number", required=True),
            _field("extension", "number"),
            _field("type"),
            _field("description"),
        ],
        "links": {
            "location_id": "location",
            "service_id": "service",
            "organization_id": "organization",
            "service_at_location_id": "service_at_location",
        },
    },
    "address": {
        "path": "addresses.csv",
        "description": "Street addresses: physical, or postal for programs that mail naloxone.",
        "fields": [
            _id(),
            _ref("location_id"),
            _field("attention"),
            _field("address_1", required=True),
            _field("address_2"),
            _field("city", required=True),
            _field("region"),
            _field("state_province", required=True),
            _field("postal_code", required=True),
            _field("country", required=True),
            _field("address_type", required=True, enum=["physical", "postal", "virtual"]),
        ],
        "links": {"location_id": "location"},
    },
    "schedule": {
        "path": "schedules.csv",
        "description": "Weekly opening hours of each location, in its local time.",
        "fields": [
            _id(),
            _ref("service_id"),
            _ref("location_id"),
            _ref("service_at_location_id"),
            _field("valid_from", "date"),
            _field("valid_to", "date"),
            _field("dtstart", "date"),
            _field("timezone", "number"),
            _field("until", "date"),
            _field("count", "number"),
            _field("wkst", enum=["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
            _field("freq", enum=["WEEKLY", "MONTHLY"]),
            _field("interval", "number"),
            _field("byday"),
            _field("byweekno"),
            _field("bymonthday"),
            _field("byyearday"),
            _field("description"),
            _field("opens_at", "time"),
            _field("closes_at", "time"),
            _field("schedule_link", format="uri"),
            _field("attending_type"),
            _field("notes"),
        ],
        "links": {
            "service_id": "service",
            "location_id": "location",
            "service_at_location_id": "service_at_location",
        },
    },
    "service_area": {
        "path": "service_areas.csv",
        "description": "The states each mail-based program mails naloxone to.",
        "fields": [
            _id(),
            _ref("service_id"),
            _ref("service_at_location_id"),
            _field("name"),
            _field("description"),
            _field("extent"),
            _field("extent_type"),
            _field("uri"),
        ],
        "links": {"service_id": "service", "service_at_location_id": "service_at_location"},
    },
    "language": {
        "path": "languages.csv",
        "description": "Languages the staff of each location speak.",
        "fields": [
            _id(),
            _ref("service_id"),
            _ref("location_id"),
            _ref("phone_id"),
            _field("name"),
            _field("code"),
            _field("note"),
        ],
        "links": {"service_id": "service", "location_id": "location", "phone_id": "phone"},
    },
    "taxonomy_term": {
        "path": "taxonomy_terms.csv",
        "description": "The kinds of place and the offerings.",
        "fields": [
            _id(),
            _field("code", unique=True),
            _field("name", required=True),
            _field("description", required=True),
            _ref("parent_id"),
            _field("taxonomy"),
            _field("language"),
            _ref("taxonomy_id"),
            _field("term_uri", format="uri"),
        ],
        "links": {"parent_id": "taxonomy_term", "taxonomy_id": "taxonomy"},
    },
    "taxonomy": {
        "path": "taxonomies.csv",
        "description": "Naloxone Finder's own two vocabularies.",
        "fields": [
            _id(),
            _field("name", required=True),
            _field("description", required=True),
            _field("uri", format="uri"),
            _field("version"),
        ],
        "links": {},
    },
}

KINDS_TAXONOMY = "Naloxone Finder site kinds"
OFFERINGS_TAXONOMY = "Naloxone Finder offerings"
TAXONOMIES = {
    "kinds": (KINDS_TAXONOMY, "What sort of place a listing is."),
    "offerings": (OFFERINGS_TAXONOMY, "What a place offers besides naloxone itself."),
}
KIND_DESCRIPTIONS = {
    "pharmacy": "A pharmacy or drugstore that dispenses or sells naloxone.",
    "law_enforcement": "A police or sheriff's department that gives out naloxone.",
    "harm_reduction": "A harm-reduction or community program that gives out naloxone.",
    "health_department": "A state, county or city health department.",
    "hospital": "A hospital, including its emergency department or its pharmacy.",
    "clinic": "A health clinic or doctor's office.",
    "vending_machine": "A machine that dispenses naloxone.",
    "mail_based": "A program that mails naloxone to people in the states it serves.",
    "other": "Another kind of place that carries naloxone.",
}
OFFERING_DESCRIPTIONS = {
    "free_naloxone": "Naloxone is given out free of charge.",
    "no_prescription": "No prescription is needed to get naloxone here.",
    "sells_otc": "Sells naloxone over the counter.",
    "nasal_spray": "Has naloxone nasal spray.",
    "injectable": "Has injectable naloxone.",
    "training": "Offers training in how to respond to an overdose.",
    "fentanyl_test_strips": "Gives out fentanyl test strips.",
    "walk_in": "Walk in; no appointment needed.",
    "anonymous": "Anonymous; no ID asked for.",
    "open_24_7": "Naloxone can be had at any hour of every day.",
    "wheelchair_accessible": "The place is wheelchair accessible.",
}
# Offerings that describe the place rather than the service delivered there.
LOCATION_OFFERINGS = {"wheelchair_accessible"}
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
# HSDS has no way to say "all day"; its guidance is 00:00 to 23:59.
END_OF_DAY = time(23, 59)
