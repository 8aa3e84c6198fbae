"""Column mappings remembered per source: how a partner's spreadsheet names our columns."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ColumnMapping(models.Model):
    """{their column name: our column} for the files of one source ("" ignores a
    column); see exchange/mapping.py. Saved by the admin's mapping step, read by the
    admin and by `import_locations --source`."""

    source = models.CharField(_("source"), max_length=50, unique=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["source"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")

    def __str__(self) -> str:
        return self.source
