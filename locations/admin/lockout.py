"""The page django-axes shows when an admin sign-in is locked out."""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils.translation import gettext as _


def locked_out(request, original_response=None, credentials=None):
    """HTTP 429 with when to try again and whom to ask, in the admin's own look."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {
        **admin.site.each_context(request),
        "title": _("Sign-in paused"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    # Failures during a lockout do not extend it: the cool-off is the longest wait.
    response["Retry-After"] = str(round(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
