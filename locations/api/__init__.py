"""The public read-only API under /api/v1/ (django-ninja)."""

from . import docs, endpoints  # noqa: F401  (each registers its routes on `api`)
from .app import api

__all__ = ["api"]
