"""Public URL slugs: made once from a place's name, city and state."""

from django.utils.text import slugify


def slug_base(name: str, city: str, state: str) -> str:
    return slugify(f"{name} {city} {state}")[:100].strip("-") or "location"
