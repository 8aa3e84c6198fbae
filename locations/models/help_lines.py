"""National help lines: numbers to call that do not depend on any listing, shown when a
search finds nothing near. Kept by staff in the admin."""

import re

from django.db import models
from django.db.models import Exists
from django.utils.translation import get_language

from ..domain.lru import LRU

# What help_lines_and_demo_flag read, per data version: a help line's save or delete
# changes the version (services/cache_version.py), as every write to a place does, so a
# kept answer is never out of date. A search that finds nothing near (a third of all
# searches in some hours) then costs no query for them.
_kept = LRU(8)


class HelpLine(models.Model):
    """A help line anyone in the country can call, in English and Spanish."""

    name = models.CharField(max_length=120)
    name_es = models.CharField("name (Spanish)", max_length=120, blank=True)
    phone = models.CharField(
        max_length=30, help_text="As people write it, e.g. 1-800-662-4357, or 988."
    )
    description = models.CharField(max_length=300, blank=True)
    description_es = models.CharField("description (Spanish)", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers show first.")
    active = models.BooleanField(default=True, help_text="Shown on the public pages.")

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    @property
    def tel(self) -> str:
        """The number for a tel: link: +1 and ten digits, or a short number (988) as is."""
        digits = re.sub(r"\D", "", self.phone)
        if len(digits) == 11 and digits.startswith("1"):
            return f"+{digits}"
        if len(digits) == 10:
            return f"+1{digits}"
        return digits

    @property
    def local_name(self) -> str:
        return self.name_es if get_language() == "es" and self.name_es else self.name

    @property
    def local_description(self) -> str:
        if get_language() == "es" and self.description_es:
            return self.description_es
        return self.description


def help_lines_and_demo_flag(version: str | None = None) -> tuple[list[HelpLine], bool | None]:
    """The active help lines, and whether demo listings exist, in one query (pages that
    show help lines stay within their query budget), or none when this process read them
    under the same data version `version` (the one the request read; None: not kept).
    The flag is None when no line is active, and the page then asks for it on its own.
    The lines are shared by the requests of that version: read them, never change them."""
    from .places import Location

    kept = _kept.get(version) if version else None
    if kept is not None:
        return kept
    lines = list(
        HelpLine.objects.filter(active=True).annotate(
            demo_data=Exists(Location.objects.filter(is_demo=True))
        )
    )
    answer = lines, (lines[0].demo_data if lines else None)
    if version:
        _kept.put(version, answer)
    return answer
