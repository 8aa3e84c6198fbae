"""The ZIP code table, for staff to look up (it is loaded by `manage.py load_zipcodes`)."""

from django.contrib import admin

from ..models import ZipCode


@admin.register(ZipCode)
class ZipCodeAdmin(admin.ModelAdmin):
    """The ZIP table comes from `manage.py load_zipcodes`; staff may look, not edit."""

    list_display = ["code", "city", "state", "county", "latitude", "longitude", "timezone"]
    search_fields = ["^code", "city"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
