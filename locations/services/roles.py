"""The two staff groups, kept in line with their rules after every migrate.

Rules rather than lists, so the permissions of a model added later (its view, add and
change) reach Outreach staff without anyone editing a list.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

OUTREACH_STAFF = "Outreach staff"
DIRECTORY_ADMINS = "Directory admins"
STAFF_GROUPS = [OUTREACH_STAFF, DIRECTORY_ADMINS]


def outreach_staff_permissions():
    """Everything in the directory except deleting (but a listing's opening-hours
    periods, which editing its hours removes); nothing about accounts."""
    return Permission.objects.filter(content_type__app_label="locations").exclude(
        Q(codename__startswith="delete_") & ~Q(codename="delete_openinghours")
    )


def directory_admin_permissions():
    """Everything in the directory, staff accounts, and the login lockout records."""
    return Permission.objects.filter(
        Q(content_type__app_label="locations")
        | Q(
            content_type__app_label="auth",
            codename__in=["view_user", "add_user", "change_user", "delete_user", "view_group"],
        )
        | Q(content_type__app_label="axes", codename__regex=r"^(view|delete)_")
    )


def sync_staff_groups(using: str = "default") -> None:
    """Create the two groups if needed and set each one's permissions by its rule."""
    for name, permissions in [
        (OUTREACH_STAFF, outreach_staff_permissions()),
        (DIRECTORY_ADMINS, directory_admin_permissions()),
    ]:
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(permissions.using(using))


def sync_after_migrate(sender, using="default", **kwargs) -> None:
    # post_migrate is sent once per app; our own permissions exist once ours is done
    # (Django's handler that creates them was connected before this one).
    if sender.label == "locations":
        sync_staff_groups(using)
