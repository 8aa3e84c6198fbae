"""Pairs of listings that may be one place, waiting for staff to merge or tell apart."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .places import Location


class PossibleDuplicate(models.Model):
    """Two listings that may be the same place, for staff to merge or tell apart.

    Stored once per pair, the lower id first. A pair marked "not a duplicate" stays
    stored, so it is never flagged again.
    """

    class Reason(models.TextChoices):
        SAME_ADDRESS = "same_address", _("Same address")
        NEARBY = "nearby", _("Within 50 m, similar name")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        NOT_DUPLICATE = "not_duplicate", _("Not a duplicate")
        MERGED = "merged", _("Merged")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    distance_m = models.FloatField(
        "distance (m)", null=True, blank=True, help_text="Metres between the two pins."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["location", "other"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=Q(location__lt=F("other")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["other"], name="duplicate_other"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} / {self.other_id}"

    def listings(self) -> list[Location]:
        return [self.location, self.other]
