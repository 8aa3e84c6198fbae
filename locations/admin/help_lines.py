"""National help lines, shown to the public when a search finds nothing near."""

from django.contrib import admin

from ..models import HelpLine


@admin.register(HelpLine)
class HelpLineAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["name", "name_es", "phone"]
    fieldsets = [
        (None, {"fields": ["name", "phone", "description", "order", "active"]}),
        ("Spanish", {"fields": ["name_es", "description_es"]}),
    ]
