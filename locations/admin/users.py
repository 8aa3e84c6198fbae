"""Staff accounts, managed by Directory admins within limits.

A Directory admin who is not a superuser may create and edit staff accounts and put
them in the two staff groups, and nothing more: no superuser status, no permissions
granted one by one, no changes to their own groups, and no changes to an account that
holds more than the two groups give (a superuser's, or one a superuser gave another
group or a permission of its own): setting its password would hand them that access.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Q

from ..services.roles import STAFF_GROUPS

# Fields only a superuser may set: either one would hand out more than the two groups do.
SUPERUSER_ONLY_FIELDS = {"is_superuser", "user_permissions"}
# Fields nobody changes on their own account unless a superuser: no self-promotion.
OWN_ACCOUNT_READONLY = ["is_active", "is_staff", "groups"]

admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_superuser"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                title,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS],
                },
            )
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            readonly += OWN_ACCOUNT_READONLY
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=STAFF_GROUPS)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _guards(self, request, obj) -> bool:
        """Whether `obj` is an account only a superuser may change or delete."""
        if obj is None or request.user.is_superuser:
            return False
        if not hasattr(obj, "_beyond_staff_groups"):
            # Cached on the instance: one view asks several times about the same account.
            # Django's bulk delete asks about each selected row too, so this covers it.
            obj._beyond_staff_groups = obj.is_superuser or (
                User.objects.filter(pk=obj.pk)
                .filter(
                    Q(user_permissions__isnull=False)
                    | Q(groups__in=Group.objects.exclude(name__in=STAFF_GROUPS))
                )
                .exists()
            )
        return obj._beyond_staff_groups

    def has_change_permission(self, request, obj=None):
        if self._guards(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._guards(request, obj):
            return False
        return super().has_delete_permission(request, obj)
