"""Merging two listings staff found to be one place, and telling a pair apart."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import Location, OpeningHours, PlaceFields, PossibleDuplicate, ProblemReport
from . import cache_version
from .history import CHANGED, record_history
from .listings import save_listing

# Why the history says a merge changed a listing.
MERGE_REASON = "Merged with a duplicate listing"

# What staff choose between when merging, one choice per row of the merge page. Parts of
# an address or a map position go together: half of one address and half of another
# would describe neither place.
MERGE_GROUPS = [
    ("name", gettext_lazy("Name"), ["name"]),
    ("kind", gettext_lazy("Kind"), ["kind"]),
    ("status", gettext_lazy("Status"), ["status"]),
    ("description", gettext_lazy("Description"), ["description"]),
    ("address", gettext_lazy("Address"), PlaceFields.ADDRESS_FIELDS),
    (
        "position",
        gettext_lazy("Map position and time zone"),
        ["latitude", "longitude", "location_precision", "timezone"],
    ),
    ("phone", gettext_lazy("Phone"), ["phone"]),
    ("website", gettext_lazy("Website"), ["website"]),
    ("email", gettext_lazy("Email"), ["email"]),
    *[(name, label, [name]) for name, label in Location.OFFERINGS],
    ("languages", gettext_lazy("Languages"), ["languages"]),
    ("states_served", gettext_lazy("States served"), ["states_served"]),
    (
        "verification",
        gettext_lazy("Last verified"),
        ["last_verified_on", "verification_method", "verified_by_id"],
    ),
    ("internal_notes", gettext_lazy("Internal notes"), ["internal_notes"]),
]


class MergeConflict(Exception):
    """The pair was resolved, or one listing closed, since the page was shown."""


def merge(pair: PossibleDuplicate, choices: dict, user) -> Location:
    """Merge the pair as chosen, in one transaction; return the listing kept.

    `choices` has "keep" ("location" or "other": the listing that stays) and, per
    MERGE_GROUPS key and "hours", the side whose values the kept listing takes. The other
    listing is closed and points to the kept one (its public page redirects there).
    """
    with transaction.atomic():
        pair = PossibleDuplicate.objects.select_for_update().get(pk=pair.pk)
        locked = Location.objects.select_for_update().in_bulk([pair.location_id, pair.other_id])
        if pair.status != PossibleDuplicate.Status.OPEN or any(
            location.status == Location.Status.CLOSED or location.merged_into_id
            for location in locked.values()
        ):
            raise MergeConflict
        sides = {"location": locked[pair.location_id], "other": locked[pair.other_id]}
        kept_side = choices["keep"]
        kept = sides[kept_side]
        gone = sides["other" if kept_side == "location" else "location"]
        for key, _label, fields in MERGE_GROUPS:
            source = sides[choices.get(key) or kept_side]
            for name in fields:
                setattr(kept, name, getattr(source, name))
        if (choices.get("hours") or kept_side) != kept_side:
            OpeningHours.objects.filter(location=kept).delete()
            OpeningHours.objects.filter(location=gone).update(location=kept)
            record_history(OpeningHours, [kept.pk], CHANGED, user, MERGE_REASON, key="location_id")
        # The other listing goes first, so that saving the kept one no longer finds it.
        gone.status = Location.Status.CLOSED
        gone.merged_into = kept
        save_listing(gone, user=user, reason=MERGE_REASON)
        save_listing(kept, user=user, reason=MERGE_REASON)
        # Reports about the closed listing wait on the kept one's page, where staff look.
        ProblemReport.objects.filter(location=gone).update(location=kept)
        # Earlier merges into the closed listing now lead straight to the kept one.
        earlier = list(Location.objects.filter(merged_into=gone).values_list("pk", flat=True))
        Location.objects.filter(pk__in=earlier).update(merged_into=kept)
        record_history(Location, earlier, CHANGED, user, MERGE_REASON)
        # Other open pairs of the closed listing are moot; the kept one was checked anew.
        PossibleDuplicate.objects.filter(
            Q(location=gone) | Q(other=gone), status=PossibleDuplicate.Status.OPEN
        ).exclude(pk=pair.pk).delete()
        pair.status = PossibleDuplicate.Status.MERGED
        pair.resolved_by = user
        pair.resolved_at = timezone.now()
        pair.save()
        # The hours moved by an UPDATE, which sends no signal.
        cache_version.bump()
    return kept


def mark_not_duplicates(pairs, user) -> int:
    """Resolve the open pairs among `pairs` as not duplicates, so they are never flagged
    again; returns how many were open."""
    return pairs.filter(status=PossibleDuplicate.Status.OPEN).update(
        status=PossibleDuplicate.Status.NOT_DUPLICATE,
        resolved_by=user,
        resolved_at=timezone.now(),
    )
