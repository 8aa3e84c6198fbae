"""Writing listings: one function per way a listing changes, each doing the whole job
(place it, save it, flag likely duplicates, record the history), so the admin form,
bulk actions, accepted suggestions, merges and reverts all run the same checks."""

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..domain.addresses import location_address
from ..domain.hours import check_overlaps
from ..domain.phones import normalize_phone
from ..models import Location, OpeningHours
from ..models.places import unique_slug
from . import cache_version
from .duplicates import flag_duplicates, to_hold
from .geocoding import place_edited
from .history import CHANGED, CREATED, DELETED, record_history

# Why a listing that was to be published is a draft (in its history).
HELD_REASON = "Held as a draft: likely duplicate of a published listing"

# What the duplicate checks compare; a save that changes none of them checks nothing.
DUPLICATE_FIELDS = {
    "name", "street_address", "address_line2", "city", "state", "zip_code",
    "latitude", "longitude", "location_precision", "status",
}  # fmt: skip


@dataclass
class SavedListing:
    """What saving a listing found out, for the person who saved it."""

    location: Location
    # Whether the geocoder found the street address; None when it was not asked.
    geocoded: bool | None = None
    # Ids of the possible-duplicate pairs this save flagged.
    flagged_duplicates: list[int] = field(default_factory=list)
    # Whether the save replaced the opening hours.
    hours_changed: bool = False
    # Whether the listing, to be published, was kept a draft as a likely duplicate.
    held: bool = False


def prepare_listing(location: Location) -> None:
    """Fill in what a listing derives from its other fields before it is stored: the
    permanent slug (once), coordinates and time zone from the ZIP code when blank, the
    phone in E.164, and the comparable address the duplicate checks read."""
    if not location.slug:
        location.slug = unique_slug(location.name, location.city, location.state)
    if location.latitude is None or not location.timezone:
        location.fill_from_zip()
    if location.phone:
        # Forms report a bad number to staff; saves from code still store E.164.
        with contextlib.suppress(ValidationError):
            location.phone = normalize_phone(location.phone)
    location.normalized_address = location_address(location)


def save_listing(
    location: Location,
    *,
    edited_fields: Iterable[str] | None = None,
    user=None,
    reason: str = "",
    update_fields: Iterable[str] | None = None,
    hours: list[tuple] | None = None,
) -> SavedListing:
    """Save one listing the way every path does.

    `edited_fields` are the fields a person changed (in a form): the geocoder is then
    asked where the place is when its address changed or it has no coordinates (see
    geocoding.place_edited). `user` and `reason` go into its history. `update_fields`
    saves only those columns (and the derived ones); the duplicate checks run when the
    save touches what they compare. A listing being published (new, or its status
    changed) that is a likely duplicate of a published one is kept a draft until staff
    decide (see duplicates.to_hold); `held` says so. `hours`, (weekday, opens, closes)
    rows, replace the opening hours (see set_hours) in the same transaction; None leaves
    them alone.
    """
    if hours is not None:
        check_overlaps(sorted(hours))
    saved = SavedListing(location)
    adding = location._state.adding
    # Being published now: new, or its status changed (in a form, or in update_fields).
    publishing = location.status == Location.Status.PUBLISHED and (
        adding
        or (edited_fields is not None and "status" in edited_fields)
        or (update_fields is not None and "status" in update_fields)
    )
    if edited_fields is not None:
        saved.geocoded = place_edited(location, edited_fields)
    prepare_listing(location)
    if user is not None:
        location._history_user = user
    if reason:
        location._change_reason = reason
    if update_fields is not None:
        update_fields = {*update_fields, "normalized_address"}
    if hours is None:
        location.save(update_fields=update_fields)
    else:
        with transaction.atomic():
            location.save(update_fields=update_fields)
            saved.hours_changed = set_hours(location, hours, user=user, reason=reason)
    cache_version.bump()
    if update_fields is None or update_fields & DUPLICATE_FIELDS:
        saved.flagged_duplicates = flag_duplicates([location])
    # A new listing can only meet a duplicate just flagged; one published again may
    # still have an open pair from before.
    if publishing and (saved.flagged_duplicates or not adding) and to_hold([location.pk]):
        location.status = Location.Status.DRAFT
        location._change_reason = HELD_REASON
        location.save(update_fields=["status", "updated_at"])
        saved.held = True
    return saved


def set_hours(location: Location, rows: list[tuple], *, user=None, reason: str = "") -> bool:
    """Replace a saved listing's opening hours with these (weekday, opens, closes) rows,
    recording the old rows as deleted and the new ones as created in the hours' history
    (as the import does). Overlapping periods raise ValueError. Returns False, writing
    nothing, when the rows are the ones it already has."""
    rows = sorted(rows)
    check_overlaps(rows)
    current = OpeningHours.objects.filter(location_id=location.pk)
    if sorted(current.values_list("weekday", "opens", "closes")) == rows:
        return False
    with transaction.atomic():
        record_history(OpeningHours, [location.pk], DELETED, user, reason, key="location_id")
        # One DELETE without per-row signals: the history insert above has the rows.
        current._raw_delete(current.db)
        OpeningHours.objects.bulk_create(
            OpeningHours(location_id=location.pk, weekday=weekday, opens=opens, closes=closes)
            for weekday, opens, closes in rows
        )
        record_history(OpeningHours, [location.pk], CREATED, user, reason, key="location_id")
    return True


def update_listings(ids: Iterable[int], user, reason: str = "", **values) -> int:
    """Set `values` on the listings with these ids in one UPDATE, with one history record
    each, in one transaction (the UPDATE's row locks keep another save from slipping in
    between the two). Returns how many listings changed."""
    ids = list(ids)
    with transaction.atomic():
        count = Location.objects.filter(pk__in=ids).update(**values, updated_at=timezone.now())
        record_history(Location, ids, CHANGED, user, reason)
        # An UPDATE sends no signals: the public copies go out of date here.
        cache_version.bump()
    return count


def publish(ids: Iterable[int], user) -> tuple[int, list[int], list[int]]:
    """Publish these listings, then check them for duplicates as a save would (a closed
    listing published again may meet a new twin). Those not published before that are
    likely duplicates of a published listing stay drafts until staff decide. Returns
    (how many were published, flagged pair ids, ids held as drafts)."""
    ids = list(ids)
    newly = set(
        Location.objects.filter(pk__in=ids)
        .exclude(status=Location.Status.PUBLISHED)
        .values_list("pk", flat=True)
    )
    count = update_listings(ids, user, status=Location.Status.PUBLISHED)
    flagged = flag_duplicates(Location.objects.filter(pk__in=ids))
    held = sorted(to_hold(newly))
    hold(held, user)
    return count - len(held), flagged, held


def hold(ids: Iterable[int], user=None) -> int:
    """Keep these listings as drafts: likely duplicates of published ones."""
    ids = list(ids)
    if not ids:
        return 0
    return update_listings(ids, user, HELD_REASON, status=Location.Status.DRAFT)


def unpublish(ids: Iterable[int], user) -> int:
    """Take these listings off the public site (back to draft)."""
    return update_listings(ids, user, status=Location.Status.DRAFT)


def mark_verified(ids: Iterable[int], user, method: str) -> int:
    """Record that `user` confirmed these listings today, and how."""
    return update_listings(
        ids,
        user,
        last_verified_on=timezone.localdate(),
        verification_method=method,
        verified_by=user,
    )


def create_listings(
    locations: list[Location], hours: list[OpeningHours], *, user=None, reason: str = ""
) -> list[int]:
    """Create many new listings and their opening hours at once (each with its slug set
    by the caller), with one history insert per table and one duplicate check for all.
    Returns the ids of the possible-duplicate pairs flagged."""
    for location in locations:
        location.normalized_address = location_address(location)
    with transaction.atomic():
        Location.objects.bulk_create(locations, batch_size=500)
        OpeningHours.objects.bulk_create(hours, batch_size=1000)
        # bulk_create sends no signals: record the history in one insert each.
        ids = [location.pk for location in locations]
        record_history(Location, ids, CREATED, user, reason)
        record_history(OpeningHours, ids, CREATED, user, reason, key="location_id")
        flagged = flag_duplicates(locations)
        if flagged:
            # New published listings that duplicate published ones wait as drafts.
            published = [x.pk for x in locations if x.status == Location.Status.PUBLISHED]
            hold(to_hold(published), user)
        cache_version.bump()
        return flagged
