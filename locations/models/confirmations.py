"""Requests sent to the people who run a listing to confirm it, and their answers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .places import Location
from .submissions import Suggestion


class ConfirmationRequest(models.Model):
    """One email asking a listing's contact to confirm it, with a single-use link.

    The link carries a signed token (services/confirmations.py); only its hash is kept,
    so the table never holds a working link. `used_at` and `answer` make it single-use
    and say what came of it."""

    class Answer(models.TextChoices):
        CONFIRMED = "confirmed", _("Still accurate")
        CHANGES = "changes", _("Changes proposed")

    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        related_name="confirmation_requests",
        verbose_name=_("location"),
    )
    email = models.EmailField(_("sent to"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("sent by"),
        help_text=_("Empty when the monthly command sent it."),
    )
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True)
    suggestion = models.ForeignKey(
        Suggestion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed changes"),
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("confirmation request")
        verbose_name_plural = _("confirmation requests")

    def __str__(self) -> str:
        return f"{self.location.name} → {self.email}"
