"""Listings due for someone to confirm they are still right."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .places import Location, LocationQuerySet


class VerificationQueueQuerySet(LocationQuerySet):
    def due(self, today: date | None = None) -> "VerificationQueueQuerySet":
        """Drafts and published listings not verified for VERIFY_AFTER_DAYS days (or
        never), the longest-waiting first."""
        cutoff = (today or timezone.localdate()) - timedelta(days=settings.VERIFY_AFTER_DAYS)
        return (
            self.exclude(status=Location.Status.CLOSED)
            .filter(Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=cutoff))
            .order_by(F("last_verified_on").asc(nulls_first=True), "name", "pk")
        )


class VerificationQueue(Location):
    """Listings due for someone to confirm them: the admin's verification queue."""

    objects = VerificationQueueQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "listing to verify"
        verbose_name_plural = "verification queue"
