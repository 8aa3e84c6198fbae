"""What visitors send through the public forms, waiting for staff: suggestions of
missing places and reports of wrong listings."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .places import OFFERINGS, Location, PlaceFields


class Submission(models.Model):
    """What a visitor sent through a public form, waiting for staff to moderate it."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    contact_email = models.EmailField(
        blank=True, help_text="Staff only: where the submitter may be asked a question."
    )
    staff_note = models.TextField(blank=True, help_text="Staff only; never shown publicly.")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff only: who accepted or rejected it.",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="The language the submitter used the site in.",
    )

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def moderate(self, status: str, user) -> None:
        """Record the decision, who took it and when (saved by the caller)."""
        self.status = status
        self.moderated_by = user
        self.moderated_at = timezone.now()


class Suggestion(Submission, PlaceFields):
    """A place a visitor says carries naloxone and is missing from the directory."""

    offerings = ArrayField(
        models.CharField(max_length=30, choices=OFFERINGS),
        default=list,
        blank=True,
        help_text="What the visitor says the place offers (the listing's offering fields).",
    )
    notes = models.TextField(blank=True, help_text="Anything else the visitor told us.")
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The draft listing made when the suggestion was accepted.",
    )

    # What the visitor says about the place, in the order the form and the admin ask.
    ASKED_FIELDS = [*PlaceFields.FIELDS, "offerings", "notes"]

    class Meta(Submission.Meta):
        indexes = [models.Index(fields=["status", "-created_at"], name="suggestion_queue")]

    def __str__(self) -> str:
        return f"{self.name} ({self.city}, {self.state})"


class ProblemReport(Submission):
    """A visitor's report that a published listing is wrong."""

    class Problem(models.TextChoices):
        CLOSED = "closed", _("The place has closed")
        WRONG_ADDRESS = "wrong_address", _("The address is wrong")
        WRONG_HOURS = "wrong_hours", _("The hours are wrong")
        WRONG_PHONE = "wrong_phone", _("The phone number is wrong")
        NO_NALOXONE = "no_naloxone", _("They do not have naloxone")
        OTHER = "other", _("Something else")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="reports")
    problem = models.CharField(max_length=20, choices=Problem.choices)
    details = models.TextField(blank=True)

    class Meta(Submission.Meta):
        indexes = [models.Index(fields=["status", "-created_at"], name="problemreport_queue")]

    def __str__(self) -> str:
        return f"{self.get_problem_display()}: {self.location.name}"
